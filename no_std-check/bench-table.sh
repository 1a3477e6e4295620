#!/usr/bin/env bash
# Builds the firmware, runs it under QEMU (Cortex-M4, mps2-an386, -icount
# shift=0) and prints the Markdown tables for BENCHMARKS.md: instructions per
# operation, estimated Cortex-M4 cycles, time at 64 and 150 MHz, peak stack,
# and .text per feature set.
set -euo pipefail
cd "$(dirname "$0")"
T=thumbv7em-none-eabihf
log=target/bench-m4.log
cargo build -q --release --target $T
timeout 600 cargo run -q --release --target $T > "$log"
# The P-256 image (links only with the locating panic handler; see BENCHMARKS.md).
p256log=target/bench-m4-p256.log
cargo build -q --release --target $T --features ops-p256,allow-panic --target-dir target/p256
timeout 900 cargo run -q --release --target $T --features ops-p256,allow-panic --target-dir target/p256 > "$p256log"

size_of() { arm-none-eabi-size -A "$1" | awk '$1==".text"{print $2}'; }
declare -A text
build_set() { # name features...
  local name=$1; shift
  cargo build -q --release --target $T --no-default-features ${1:+--features "$1"} --target-dir "target/size-$name"
  text[$name]=$(size_of "target/size-$name/$T/release/no_std-check")
}
# The empty harness still compiles tapcrypt with one cipher (none of it is linked).
build_set empty "tapcrypt/aes"
build_set aes "ops-aes"
build_set aes_tdes "ops-aes ops-tdes"
build_set aes_ff1 "ops-aes ops-ff1"
build_set all "ops-aes ops-tdes ops-ff1"

text[p256]=$(size_of "target/p256/$T/release/no_std-check")

python3 - "$log" "$p256log" "${text[p256]}" "${text[empty]}" "${text[aes]}" "${text[aes_tdes]}" "${text[aes_ff1]}"  "${text[all]}" <<'PY'
import re, sys
log, p256log, p256text, empty, aes, aes_tdes, aes_ff1, allf = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
lines = open(log).read().splitlines()
p256lines = open(p256log).read().splitlines()
cal = [tuple(map(int, re.findall(r'\d+', l))) for l in lines if l.startswith('CAL')]
(n1, t1), (n2, t2) = cal
ipt = 2 * (n2 - n1) / (t2 - t1)          # instructions per SysTick tick
print(f"Calibration: `subs; bne` x {n1} = {t1} ticks, x {n2} = {t2} ticks -> {ipt:g} instructions per tick (expected 40).\n")
def table(lines, skip=(), unit="µs", div=1):
    print(f"| operation | instructions | est. M4 cycles (CPI 1.25; 1.2-1.5) | @64 MHz | @150 MHz | peak stack |")
    print("|---|---:|---:|---:|---:|---:|")
    seen = []
    for l in lines:
        m = re.match(r'BENCH (\S+) ticks=(\d+) reps=(\d+) stack=(\d+)', l)
        if not m or m.group(1) in skip: continue
        name, ticks, reps, stack = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        seen.append(name)
        instr = ticks * ipt / reps
        cyc = instr * 1.25
        print(f"| {name} | {instr:,.0f} | {cyc:,.0f} ({instr*1.2:,.0f}-{instr*1.5:,.0f}) | {cyc/64/div:,.{1 if div > 1 else 0}f} {unit} | {cyc/150/div:,.{1 if div > 1 else 0}f} {unit} | {stack:,} B |")
    print()
    return seen
base = table(lines)
print(f"P-256 image (`--features ops-p256,allow-panic`, .text {p256text:,} B):\n")
table(p256lines, skip=set(base), unit="ms", div=1000)
print("| feature set (`no_std-check` features) | .text | delta over empty harness |")
print("|---|---:|---:|")
for name, v in [("empty harness", empty), ("tap-only AES (`ops-aes`)", aes), ("tap with TDES (`ops-aes ops-tdes`)", aes_tdes),
                ("with FF1 (`ops-aes ops-ff1`)", aes_ff1), ("everything", allf)]:
    print(f"| {name} | {v:,} B | {v-empty:,} B ({(v-empty)/1024:.1f} KiB) |")
PY
