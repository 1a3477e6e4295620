#!/usr/bin/env bash
# check-panics.sh ELF — no panic path in a firmware image built with the
# locating panic handler (`--features allow-panic`), except in the audited
# helpers listed below.
#
# Why this exists (issue 17 item 3): at LLVM's normal inlining two bounds
# checks survive in the `aes` crate's fixsliced key-schedule helpers
# (`memshift32`, `xor_columns`) once more than one AES key size is linked:
# the helpers then have several call sites and stay out of line, so their
# index checks cannot be resolved. (With AES-128 alone they are inlined and
# the image carries the link-time proof at opt-level "s": ci.sh builds that.)
# They are in `aes`, not in tapcrypt, whose own code has no panic path at
# opt-level 3 or "s". The whole image therefore links with the locating
# handler at the firmware profile, and this script checks the property from
# its call graph instead: every function from which the panic handler
# (`rust_begin_unwind`) is reachable must be core's own panic/format
# machinery or one of the ALLOWED helpers, whose indices are compile-time
# constants at every call site (read from aes 0.9.4's source:
# `memshift32(&mut rkeys, rk_off)` with rk_off in 0..=72 step 8 of an 88- or
# 120-word array; `xor_columns(rkeys, rk_off, idx_xor, _)` with idx_xor (8 or
# 16) <= rk_off and rk_off + 8 <= the array length).
# Anything else — any tapcrypt or harness function — fails the check. Calls
# through an audited helper do not count against its callers.
#
# Control: ci.sh runs it on an image with a planted panic (feature
# `planted-panic`), which it must flag.
set -euo pipefail
elf=${1:?usage: check-panics.sh ELF}
objdump=${OBJDUMP:-arm-none-eabi-objdump}
"$objdump" -d -C --no-show-raw-insn "$elf" | python3 -c '
import re, sys
ALLOWED = (
    "aes::backends::soft::fixslice::utils::memshift32",
    "aes::backends::soft::fixslice::utils::xor_columns",
)
SINK = "rust_begin_unwind"
callers = {}          # callee -> set of callers
fn = None
head = re.compile(r"^[0-9a-f]+ <(.*)>:$")
edge = re.compile(r"\s(?:bl|blx|b|b\.[nw]|b[a-z]{2}(?:\.[nw])?|cbz|cbnz)\s+(?:[a-z0-9]+,\s*)?[0-9a-f]+ <(.*)>\s*$")
for line in sys.stdin:
    m = head.match(line)
    if m:
        fn = m.group(1)
        continue
    m = edge.search(line)
    if m and fn is not None:
        callee = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
        if callee != fn:
            callers.setdefault(callee, set()).add(fn)
names = set(callers) | {c for s in callers.values() for c in s}
sinks = {n for n in names if n == SINK or n.startswith("core::panicking::")}
if not sinks:
    print("    check-panics: no panic machinery linked at all")
    sys.exit(0)
seen, todo = set(sinks), list(sinks)
while todo:
    n = todo.pop()
    # An audited helper is where its panic paths end: its callers reach the
    # handler only through it.
    if n.startswith(ALLOWED):
        continue
    for c in callers.get(n, ()):
        if c not in seen:
            seen.add(c); todo.append(c)
def core_internal(n):
    return n == SINK or n.startswith(("core::panicking::", "core::fmt::", "<core::fmt::", "core::slice::index::", "core::option::", "core::result::", "core::cell::panic", "<&T as core::fmt"))
bad = sorted(n for n in seen if not core_internal(n) and not n.startswith(ALLOWED))
allowed = sorted(n for n in seen if n.startswith(ALLOWED))
for n in allowed:
    print(f"    allowed (audited, aes crate): {n}")
if bad:
    print("    PANIC PATH in:")
    for n in bad: print(f"      {n}")
    sys.exit(1)
print(f"    no panic path outside the {len(allowed)} audited aes helper(s)")
'
