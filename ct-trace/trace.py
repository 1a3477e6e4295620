#!/usr/bin/env python3
"""Trace-equivalence check of tapcrypt's device entry points on Cortex-M.

Loads a `ct-trace` firmware ELF into the unicorn emulator (Cortex-M0, M4 or
M33 model), reads the entry-point table `CT_ENTRIES` from the ELF, and runs
every entry point once with its original secrets (the reference run, whose
output must equal the known answer) and once per alternative secret value:
for each secret, all bits flipped and R random values (the others kept), and
all secrets flipped together. The secrets are patched in emulator memory:
every run executes the same bytes of code.

Each run records, in order:
  * every executed translation block (start address, size): with byte-
    identical code this is the sequence of executed instruction addresses;
  * every data access (read/write, address, size), literal-pool loads included;
  * the operands of variable-latency instructions (UDIV/SDIV: early-
    terminating on Cortex-M3/M4/M33; the M0's MULS is fixed per
    implementation, and the M0 has no divide instruction).

A run whose record differs from the reference run's is a finding. The first
divergence is re-run instruction by instruction and reported with its
instruction, symbol and inlined call chain (addr2line over the DWARF info).

Declassification: the library branches on a secret-derived bit in exactly
one function, `ct::public_verdict` (the verdict of a verification, whether a
secret parsed). Every call to it is recorded, and in the alternative runs
its argument is *pinned* to the reference run's value, so a public verdict
is treated as public (the rest of the run is still compared).

Vacuity: for every secret, some alternative value must change the output
(or a declassified verdict); otherwise the buffer is not really an input.

Expected outcomes come from expected.txt (controls that must be flagged, and
known findings); everything else must be identical. Exit status 1 on any
unexpected outcome, a failed known answer, a fault or a vacuous secret.
"""

import argparse
import fnmatch
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
import capstone
from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_MODE_MCLASS
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_HOOK_INTR
from unicorn import UC_PROT_ALL, UC_MEM_WRITE
import unicorn.arm_const as A

CORES = {
    "m0": A.UC_CPU_ARM_CORTEX_M0,
    "m4": A.UC_CPU_ARM_CORTEX_M4,
    "m33": A.UC_CPU_ARM_CORTEX_M33,
}
FLASH = (0x0000_0000, 1024 * 1024)
RAM = (0x2000_0000, 128 * 1024)
MAX_INSNS = 200_000_000

KIND_BYTES, KIND_ASCII, KIND_DIGITS, KIND_U64_BELOW, KIND_P256 = range(5)
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

EV_BLOCK, EV_READ, EV_WRITE, EV_DIV, EV_INSN = 1, 2, 3, 4, 5

REGS = {f"r{i}": getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)}
REGS.update(sb=A.UC_ARM_REG_R9, sl=A.UC_ARM_REG_R10, fp=A.UC_ARM_REG_R11,
            ip=A.UC_ARM_REG_R12, sp=A.UC_ARM_REG_SP, lr=A.UC_ARM_REG_LR)


# --------------------------------------------------------------- symbols

def demangle(name):
    """Rust legacy (`_ZN…E`) names, without the hash; v0 and C names as is."""
    if not name.startswith("_ZN") or not name.endswith("E"):
        return name
    s, i, parts = name[3:-1], 0, []
    while i < len(s) and s[i].isdigit():
        j = i
        while s[j].isdigit():
            j += 1
        n = int(s[i:j])
        parts.append(s[j:j + n])
        i = j + n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    out = "::".join(parts)
    for a, b in (("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$BP$", "*"), ("$u20$", " "),
                 ("$u27$", "'"), ("$u5b$", "["), ("$u5d$", "]"), ("$u7b$", "{"), ("$u7d$", "}"),
                 ("$C$", ","), ("..", "::"), ("$u3b$", ";"), ("$u21$", "!")):
        out = out.replace(a, b)
    return out


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def short_path(loc):
    """Repository-relative paths; `library/…` for std; `crate-x.y/…` for crates."""
    if loc.startswith(ROOT + "/"):
        return loc[len(ROOT) + 1:]
    m = re.search(r"/rustc/[0-9a-f]+/(library/.*)$", loc) or re.search(r"/registry/src/[^/]+/(.*)$", loc)
    return m.group(1) if m else loc


class Image:
    def __init__(self, path):
        self.path = path
        self.chunks = []
        self.syms = {}
        funcs = []
        with open(path, "rb") as f:
            elf = ELFFile(f)
            for sec in elf.iter_sections():
                if not sec["sh_flags"] & 2 or sec["sh_size"] == 0:  # SHF_ALLOC
                    continue
                data = bytes(sec["sh_size"]) if sec["sh_type"] == "SHT_NOBITS" else sec.data()
                self.chunks.append((sec["sh_addr"], data))
            for sec in elf.iter_sections():
                if isinstance(sec, SymbolTableSection):
                    for s in sec.iter_symbols():
                        if not s.name or s.name.startswith("$"):
                            continue
                        self.syms.setdefault(s.name, s["st_value"])
                        if s["st_info"]["type"] == "STT_FUNC" and s["st_size"]:
                            funcs.append((s["st_value"] & ~1, s["st_size"], s.name))
            text = elf.get_section_by_name(".text")
            self.text = (text["sh_addr"], text.data())
        funcs.sort()
        self.funcs = funcs
        self.addr2line = next((t for t in ("llvm-addr2line", "arm-none-eabi-addr2line", "addr2line")
                               if shutil.which(t)), None)

    def read(self, addr, n):
        for base, data in self.chunks:
            if base <= addr and addr + n <= base + len(data):
                return data[addr - base:addr + n - base]
        raise ValueError(f"address {addr:#x} (+{n}) not in the image")

    def u32(self, addr):
        return int.from_bytes(self.read(addr, 4), "little")

    def func_at(self, pc):
        lo, hi = 0, len(self.funcs)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.funcs[mid][0] <= pc:
                lo = mid + 1
            else:
                hi = mid
        if lo and self.funcs[lo - 1][0] <= pc < self.funcs[lo - 1][0] + self.funcs[lo - 1][1]:
            a, _, n = self.funcs[lo - 1]
            if n.startswith("_R"):
                chain = self.inline_chain(pc)
                n = chain[-1][0] if chain else n
            return f"{demangle(n)}+{pc - a:#x}"
        return "?"

    def inline_chain(self, pc):
        """[(function, file:line)], innermost first."""
        if not self.addr2line:
            return []
        try:
            r = subprocess.run([self.addr2line, "-f", "-i", "-C", "-e", self.path, hex(pc)],
                               capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return []
        lines = r.stdout.strip().splitlines()
        chain = []
        for fn, loc in zip(lines[0::2], lines[1::2]):
            fn = re.sub(r"::h[0-9a-f]{16}$", "", fn)
            chain.append((fn, short_path(re.sub(r" \(discriminator \d+\)", "", loc))))
        return chain

    def disasm(self, pc):
        cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        try:
            code = self.read(pc, 4)
        except ValueError:
            code = self.read(pc, 2)
        for i in cs.disasm(code, pc):
            return f"{i.mnemonic} {i.op_str}".strip()
        return "?"

    def divisions(self):
        """Addresses and source registers of every UDIV/SDIV in .text."""
        cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        cs.skipdata = True
        base, code = self.text
        out = {}
        for i in cs.disasm(code, base):
            m = re.match(r"^[us]div", i.mnemonic)
            if m:
                ops = [o.strip() for o in i.op_str.split(",")]
                if len(ops) == 3 and ops[1] in REGS and ops[2] in REGS:
                    out[i.address] = (REGS[ops[1]], REGS[ops[2]])
        return out


# --------------------------------------------------------- entry table

class Secret:
    def __init__(self, name, addr, length, kind, param):
        self.name, self.addr, self.len, self.kind, self.param = name, addr, length, kind, param


class Entry:
    def __init__(self, name, run, secrets, expect):
        self.name, self.run, self.secrets, self.expect = name, run, secrets, expect


def read_entries(img):
    def string(ptr, n):
        return img.read(ptr, n).decode()
    table = img.syms["CT_ENTRIES"]
    ptr, n = img.u32(table), img.u32(table + 4)
    if not (0 < n < 1000):
        raise SystemExit(f"CT_ENTRIES: implausible length {n}")
    entries = []
    for k in range(n):
        e = ptr + 28 * k
        name = string(img.u32(e), img.u32(e + 4))
        run = img.u32(e + 8) & ~1
        sp, sn = img.u32(e + 12), img.u32(e + 16)
        xp, xn = img.u32(e + 20), img.u32(e + 24)
        secrets = []
        for j in range(sn):
            s = sp + 24 * j
            secrets.append(Secret(string(img.u32(s), img.u32(s + 4)), img.u32(s + 8),
                                  img.u32(s + 12), img.u32(s + 16), img.u32(s + 20)))
        entries.append(Entry(name, run, secrets, img.read(xp, xn) if xn else b""))
    return entries


def alternatives(sec, orig, rng, n_random):
    """[(label, bytes)]: all bits flipped, then n_random random values, each
    well-formed for the secret's kind and different from the original."""
    def flip():
        if sec.kind == KIND_BYTES:
            return bytes(b ^ 0xFF for b in orig)
        if sec.kind == KIND_ASCII:
            return bytes(0x30 + 9 - (b - 0x30) for b in orig)
        if sec.kind == KIND_DIGITS:
            return bytes(9 - b for b in orig)
        if sec.kind == KIND_U64_BELOW:
            v = int.from_bytes(orig, "little")
            return (sec.param - 1 - v).to_bytes(8, "little")
        if sec.kind == KIND_P256:
            v = int.from_bytes(bytes(b ^ 0xFF for b in orig), "big")
            return (v if 0 < v < P256_N else P256_N - 1).to_bytes(32, "big")
        raise ValueError(sec.kind)

    def rand():
        if sec.kind == KIND_BYTES:
            return bytes(rng.randrange(256) for _ in orig)
        if sec.kind == KIND_ASCII:
            return bytes(0x30 + rng.randrange(10) for _ in orig)
        if sec.kind == KIND_DIGITS:
            return bytes(rng.randrange(10) for _ in orig)
        if sec.kind == KIND_U64_BELOW:
            return rng.randrange(sec.param).to_bytes(8, "little")
        if sec.kind == KIND_P256:
            return rng.randrange(1, P256_N).to_bytes(32, "big")
        raise ValueError(sec.kind)

    out = [("flipped", flip())]
    for i in range(n_random):
        v = rand()
        while v == orig:
            v = rand()
        out.append((f"random{i + 1}", v))
    return out


# --------------------------------------------------------------- emulation

class Run:
    """One emulated call of an entry point."""

    def __init__(self, img, core, entry, patches, pins=None, detail=False, stop_blocks=None, divs=None):
        self.events = []
        self.declass = []
        self.fault = None
        self.blocks = 0
        self.insns = 0
        ev = self.events
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
        uc.ctl_set_cpu_model(CORES[core])
        uc.mem_map(FLASH[0], FLASH[1], UC_PROT_ALL)
        uc.mem_map(RAM[0], RAM[1], UC_PROT_ALL)
        for addr, data in img.chunks:
            uc.mem_write(addr, data)
        for addr, data in patches:
            uc.mem_write(addr, data)
        halt = img.syms["ct_halt"] & ~1

        def on_block(uc, addr, size, _):
            ev.append((EV_BLOCK << 48) | (size << 32) | addr)
            self.blocks += 1
            self.insns += size  # bytes; converted below only for reporting
            if stop_blocks is not None and self.blocks >= stop_blocks:
                uc.emu_stop()

        def on_mem(uc, access, addr, size, value, _):
            ev.append(((EV_WRITE if access == UC_MEM_WRITE else EV_READ) << 48) | (size << 32) | addr)

        def on_verdict(uc, addr, size, _):
            r0 = uc.reg_read(A.UC_ARM_REG_R0)
            k = len(self.declass)
            self.declass.append(r0 & 0xFF)
            if pins is not None and k < len(pins):
                uc.reg_write(A.UC_ARM_REG_R0, (r0 & ~0xFF) | pins[k])

        def on_div(uc, addr, size, _):
            rn, rm = divs[addr]
            ev.append((EV_DIV << 96) | (addr << 64) | (uc.reg_read(rn) << 32) | uc.reg_read(rm))

        def on_insn(uc, addr, size, _):
            ev.append((EV_INSN << 48) | addr)

        def on_intr(uc, intno, _):
            self.fault = f"exception {intno} at pc={uc.reg_read(A.UC_ARM_REG_PC):#x}"
            uc.emu_stop()

        uc.hook_add(UC_HOOK_BLOCK, on_block)
        uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_mem)
        uc.hook_add(UC_HOOK_INTR, on_intr)
        for name, addr in img.syms.items():
            if "public_verdict" in name:
                uc.hook_add(UC_HOOK_CODE, on_verdict, begin=addr & ~1, end=addr & ~1)
        for addr in divs or {}:
            uc.hook_add(UC_HOOK_CODE, on_div, begin=addr, end=addr)
        if detail:
            uc.hook_add(UC_HOOK_CODE, on_insn)
        uc.reg_write(A.UC_ARM_REG_SP, RAM[0] + RAM[1])
        uc.reg_write(A.UC_ARM_REG_LR, halt | 1)
        try:
            uc.emu_start(entry.run | 1, halt, count=MAX_INSNS)
        except UcError as e:
            self.fault = f"{e} at pc={uc.reg_read(A.UC_ARM_REG_PC):#x}"
        pc = uc.reg_read(A.UC_ARM_REG_PC)
        if self.fault is None and stop_blocks is None and pc != halt:
            self.fault = f"stopped at pc={pc:#x} (instruction budget?)"
        n = int.from_bytes(uc.mem_read(img.syms["CT_OUT_LEN"], 4), "little")
        self.output = bytes(uc.mem_read(img.syms["CT_OUT"], min(n, 96)))


def first_diff(a, b):
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def describe_event(img, e):
    kind = e >> 96 if e >> 96 else e >> 48
    if kind == EV_DIV and e >> 96:
        pc = (e >> 64) & 0xFFFF_FFFF
        return f"div at {pc:#x} operands {(e >> 32) & 0xFFFF_FFFF:#x}, {e & 0xFFFF_FFFF:#x}"
    addr, size = e & 0xFFFF_FFFF, (e >> 32) & 0xFFFF
    if kind == EV_BLOCK:
        return f"block {addr:#x}"
    if kind == EV_INSN:
        return f"insn {addr:#x}"
    return f"{'write' if kind == EV_WRITE else 'read'} {size} B at {addr:#x}"


def locate(img, core, entry, ref_patches, alt_patches, pins, fast_index, ref_fast, divs):
    """Re-runs both up to the divergence instruction by instruction and
    returns (pc, description)."""
    blocks = sum(1 for e in ref_fast[:fast_index] if not e >> 96 and e >> 48 == EV_BLOCK) + 2
    r = Run(img, core, entry, ref_patches, detail=True, stop_blocks=blocks, divs=divs)
    a = Run(img, core, entry, alt_patches, pins=pins, detail=True, stop_blocks=blocks, divs=divs)
    strip = lambda evs: [e for e in evs if e >> 96 or e >> 48 != EV_BLOCK]
    re_, ae = strip(r.events), strip(a.events)
    i = first_diff(re_, ae)
    if i is None:
        return None, "divergence not reproduced instruction by instruction"
    last = lambda evs: next((e & 0xFFFF_FFFF for e in reversed(evs[:i]) if not e >> 96 and e >> 48 == EV_INSN), None)
    pc = last(re_)
    x = re_[i] if i < len(re_) else None
    y = ae[i] if i < len(ae) else None
    if x is None or y is None:
        what = "one run ended earlier"
    elif not x >> 96 and not y >> 96 and x >> 48 == EV_INSN and y >> 48 == EV_INSN:
        what = (f"control flow: after `{img.disasm(pc)}` the next instruction is "
                f"{x & 0xFFFF_FFFF:#x} vs {y & 0xFFFF_FFFF:#x}")
    else:
        what = f"after `{img.disasm(pc)}`: {describe_event(img, x)} vs {describe_event(img, y)}"
    return pc, what


def check_entry(img, core, entry, n_random, rng, divs):
    res = {"entry": entry.name, "divergences": [], "errors": []}
    ref_patches = []
    t0 = time.time()
    ref = Run(img, core, entry, ref_patches, divs=divs)
    res["events"] = len(ref.events)
    res["blocks"] = ref.blocks
    res["declassified"] = len(ref.declass)
    if ref.fault:
        res["errors"].append(f"reference run faulted: {ref.fault}")
        return res
    if entry.expect and ref.output != entry.expect:
        res["errors"].append(f"known answer: got {ref.output.hex()} want {entry.expect.hex()}")
    if not entry.expect and (not ref.output or ref.output == b"\xee" * 4):
        res["errors"].append(f"no known answer and the output is empty or an error ({ref.output.hex()})")
    runs = []
    for s in entry.secrets:
        orig = img.read(s.addr, s.len)
        for label, v in alternatives(s, orig, rng, n_random):
            runs.append((f"{s.name}={label}", [(s.addr, v)], s.name))
    if len(entry.secrets) > 1:
        runs.append(("all secrets flipped",
                     [(s.addr, alternatives(s, img.read(s.addr, s.len), rng, 0)[0][1]) for s in entry.secrets],
                     None))
    effective = set()
    for label, patches, sname in runs:
        alt = Run(img, core, entry, patches, pins=ref.declass, divs=divs)
        if alt.fault:
            res["errors"].append(f"{label}: run faulted: {alt.fault}")
            continue
        if alt.output != ref.output or alt.declass != ref.declass:
            effective.add(sname)
        i = first_diff(ref.events, alt.events)
        if i is not None:
            pc, what = locate(img, core, entry, ref_patches, patches, ref.declass, i, ref.events, divs)
            chain = img.inline_chain(pc) if pc is not None else []
            res["divergences"].append({
                "secret": label, "event": i, "pc": pc,
                "symbol": img.func_at(pc) if pc is not None else "?",
                "what": what, "chain": chain,
            })
    for s in entry.secrets:
        if s.name not in effective:
            res["errors"].append(f"vacuous: no value of {s.name} changed the output or a verdict")
    res["runs"] = 1 + len(runs)
    res["seconds"] = round(time.time() - t0, 2)
    return res


# --------------------------------------------------------- expectations

def load_expected(path):
    rules = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 4)
            if len(parts) < 4:
                raise SystemExit(f"{path}: bad line: {line}")
            core, profile, entry, verdict = parts[:4]
            where = parts[4] if len(parts) > 4 else ""
            if verdict not in ("DIVERGES", "IDENTICAL", "KNOWN"):
                raise SystemExit(f"{path}: bad verdict {verdict}")
            rules.append((core, profile, entry, verdict, where))
    return rules


def expectation(rules, core, profile, entry):
    for c, p, e, v, w in rules:
        if fnmatch.fnmatch(core, c) and fnmatch.fnmatch(profile, p) and fnmatch.fnmatch(entry, e):
            return v, w
    return "IDENTICAL", ""


def chain_text(chain):
    return " <- ".join(f"{fn.split('::')[-1] if '::' in fn else fn} ({loc})" for fn, loc in chain)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("elf")
    ap.add_argument("--core", required=True, choices=sorted(CORES))
    ap.add_argument("--profile", default="3", help="opt-level label for expected.txt (3, s, z)")
    ap.add_argument("--expected", default=os.path.join(os.path.dirname(__file__), "expected.txt"))
    ap.add_argument("--entries", default="*", help="glob over entry names (comma-separated)")
    ap.add_argument("--skip", default="", help="glob of entries to skip (comma-separated)")
    ap.add_argument("--random", type=int, default=2, help="random values per secret (besides all-bits-flipped)")
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    img = Image(args.elf)
    entries = read_entries(img)
    rules = load_expected(args.expected)
    divs = img.divisions()
    pats = args.entries.split(",")
    skips = [p for p in args.skip.split(",") if p]
    rng = random.Random(args.seed)
    print(f"# {os.path.basename(args.elf)} core={args.core} opt-level={args.profile} "
          f"values per secret: original + flipped + {args.random} random (seed {args.seed}); "
          f"{len(divs)} UDIV/SDIV in .text; addr2line: {img.addr2line or 'none'}")
    failed, results = 0, []
    for en in entries:
        if not any(fnmatch.fnmatch(en.name, p) for p in pats) or any(fnmatch.fnmatch(en.name, p) for p in skips):
            continue
        r = check_entry(img, args.core, en, args.random, rng, divs)
        actual = "DIVERGES" if r["divergences"] else "IDENTICAL"
        want, where = expectation(rules, args.core, args.profile, en.name)
        status = "ok"
        if r["errors"]:
            status = "FAIL"
        elif actual == "DIVERGES":
            firsts = [d["symbol"] + " " + chain_text(d["chain"]) for d in r["divergences"]]
            if want == "IDENTICAL":
                status = "FAIL"
            elif where and not all(where in t for t in firsts):
                status = "FAIL (diverges elsewhere than expected.txt says)"
            else:
                status = "ok (expected)" if want == "DIVERGES" else "ok (known finding)"
        elif want == "DIVERGES":
            status = "FAIL (a control was not flagged)"
        elif want == "KNOWN":
            status = "ok (STALE: the known finding is gone; remove it from expected.txt)"
        r.update(actual=actual, expected=want, status=status)
        results.append(r)
        if status.startswith("FAIL"):
            failed += 1
        print(f"{en.name:32} {actual:9} {status:20} runs={r.get('runs', 1)} "
              f"insns~{r['events']} events, {r['declassified']} verdicts, {r.get('seconds', 0)} s")
        for e in r["errors"]:
            print(f"    ERROR {e}")
        seen = set()
        for d in r["divergences"]:
            key = d["pc"]
            if key in seen:
                continue
            seen.add(key)
            print(f"    {d['secret']}: first divergence at {d['pc'] or 0:#x} {d['symbol']}: {d['what']}")
            if d["chain"]:
                print(f"      inlined: {chain_text(d['chain'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"elf": args.elf, "core": args.core, "profile": args.profile,
                       "random": args.random, "seed": args.seed, "results": results}, f, indent=1)
    print(f"# {len(results)} entry points, {failed} unexpected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
