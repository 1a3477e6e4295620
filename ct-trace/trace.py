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
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_INTR, UC_PROT_ALL
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

EV_BLOCK, EV_WATCH, EV_INSN = 1, 2, 3

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

    def count_insns(self, events):
        """Instructions executed in a run, from its block events."""
        cache = self.__dict__.setdefault("_block_insns", {})
        cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        n = 0
        for e in events:
            if e >> 112 != EV_BLOCK:
                continue
            k = e & 0xFFFF_FFFF_FFFF
            if k not in cache:
                addr, size = e & 0xFFFF_FFFF, (e >> 32) & 0xFFFF
                cache[k] = sum(1 for _ in cs.disasm(self.read(addr, size), addr))
            n += cache[k]
        return n

    def watched(self):
        """{pc: (kind, (unicorn register ids))} for every instruction whose
        timing or address depends on register values: memory accesses (the
        registers that form the address: base and index; SP for push/pop)
        and UDIV/SDIV (both operands). Literal-pool loads (base = PC) are
        left out: their address is fixed."""
        cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        cs.detail = True
        cs.skipdata = True
        base, code = self.text
        out = {}
        for i in cs.disasm(code, base):
            if i.id == 0:  # data
                continue
            m = i.mnemonic.split(".")[0]
            regs = []
            kind = "mem"
            if re.match(r"^[us]div", m):
                kind = "div"
                regs = [o.reg for o in i.operands[1:3]]
            elif re.match(r"^(push|pop|vpush|vpop)", m):
                regs = [capstone.arm.ARM_REG_SP]
            elif re.match(r"^(ldm|stm|vldm|vstm)", m):
                regs = [i.operands[0].reg]
            else:
                for o in i.operands:
                    if o.type == capstone.arm.ARM_OP_MEM:
                        regs = [r for r in (o.mem.base, o.mem.index) if r]
                if not regs:
                    continue
                if regs == [capstone.arm.ARM_REG_PC]:
                    continue
            ids = []
            for r in regs:
                name = i.reg_name(r)
                if name == "pc":
                    continue
                if name not in REGS:
                    raise SystemExit(f"unknown register {name} in `{i.mnemonic} {i.op_str}` at {i.address:#x}")
                ids.append(REGS[name])
            if ids:
                out[i.address] = (kind, tuple(ids))
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
    """One emulated call of an entry point.

    Events: every executed translation block (start, size), and for every
    watched instruction (memory access, UDIV/SDIV) its pc and the values of
    the registers that form its address (or its operands). With the same
    code, equal register values mean equal addresses. (unicorn's memory-
    read hooks are not used: on the M4 model they change what unaligned
    loads do — seen as wrong Mastercard SKD cryptograms.)

    A condition-failed instruction inside an IT block runs no hook: a
    predicated load or store shows up as a missing event (it costs a
    different number of cycles), a predicated ALU instruction not at all
    (it costs the same either way)."""

    def __init__(self, img, core, entry, patches, watched, pins=None, detail=False, stop_blocks=None):
        self.events = []
        self.declass = []
        self.fault = None
        self.blocks = 0
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
        verdicts = {addr & ~1 for name, addr in img.syms.items() if "public_verdict" in name}
        get = watched.get
        rr = uc.reg_read

        def on_block(uc, addr, size, _):
            ev.append((EV_BLOCK << 112) | (size << 32) | addr)
            self.blocks += 1
            if stop_blocks is not None and self.blocks >= stop_blocks:
                uc.emu_stop()

        def on_insn(uc, addr, size, _):
            w = get(addr)
            if w is not None:
                v = 0
                for r in w[1]:
                    v = (v << 32) | rr(r)
                ev.append((EV_WATCH << 112) | (addr << 80) | v)

        def on_insn_detail(uc, addr, size, _):
            ev.append((EV_INSN << 112) | addr)
            on_insn(uc, addr, size, _)

        def on_verdict(uc, addr, size, _):
            r0 = rr(A.UC_ARM_REG_R0)
            k = len(self.declass)
            self.declass.append(r0 & 0xFF)
            if pins is not None and k < len(pins):
                uc.reg_write(A.UC_ARM_REG_R0, (r0 & ~0xFF) | pins[k])

        def on_intr(uc, intno, _):
            self.fault = f"exception {intno} at pc={uc.reg_read(A.UC_ARM_REG_PC):#x}"
            uc.emu_stop()

        uc.hook_add(UC_HOOK_BLOCK, on_block)
        uc.hook_add(UC_HOOK_CODE, on_insn_detail if detail else on_insn)
        for addr in verdicts:
            uc.hook_add(UC_HOOK_CODE, on_verdict, begin=addr, end=addr)
        uc.hook_add(UC_HOOK_INTR, on_intr)
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
        self.output = bytes(uc.mem_read(img.syms["CT_OUT"], min(n, 256)))


def first_diff(a, b):
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def kind_of(e):
    return e >> 112


def describe(img, watched, e):
    if e is None:
        return "end of run"
    if kind_of(e) == EV_BLOCK:
        return f"block at {e & 0xFFFF_FFFF:#x}"
    pc = (e >> 80) & 0xFFFF_FFFF
    kind, regs = watched[pc]
    vals = [(e >> (32 * (len(regs) - 1 - k))) & 0xFFFF_FFFF for k in range(len(regs))]
    what = "operands" if kind == "div" else "address registers"
    return f"`{img.disasm(pc)}` at {pc:#x} with {what} " + ", ".join(f"{v:#x}" for v in vals)


def locate(img, core, entry, alt_patches, pins, fast_index, ref_fast, watched):
    """Re-runs both up to the divergence instruction by instruction; returns
    (pc of the last instruction both ran before it, description)."""
    blocks = sum(1 for e in ref_fast[:fast_index] if kind_of(e) == EV_BLOCK) + 2
    runs = [Run(img, core, entry, [], watched, detail=True, stop_blocks=blocks),
            Run(img, core, entry, alt_patches, watched, pins=pins, detail=True, stop_blocks=blocks)]
    keyed = []
    for r in runs:
        last, evs, pcs = None, [], []
        for e in r.events:
            if kind_of(e) == EV_INSN:
                last = e & 0xFFFF_FFFF
            else:
                evs.append(e)
                pcs.append(last)
        keyed.append((evs, pcs))
    (ra, pa), (rb, _) = keyed
    i = first_diff(ra, rb)
    if i is None:
        return None, "divergence not reproduced instruction by instruction"
    x = ra[i] if i < len(ra) else None
    y = rb[i] if i < len(rb) else None
    if x is not None and y is not None and kind_of(x) == EV_BLOCK and kind_of(y) == EV_BLOCK:
        pc = pa[i]
        return pc, (f"control flow: after `{img.disasm(pc)}` the next block is at "
                    f"{x & 0xFFFF_FFFF:#x} vs {y & 0xFFFF_FFFF:#x}")
    ev = x if x is not None and kind_of(x) == EV_WATCH else y
    pc = (ev >> 80) & 0xFFFF_FFFF if ev is not None and kind_of(ev) == EV_WATCH else pa[i]
    return pc, f"{describe(img, watched, x)} vs {describe(img, watched, y)}"


def check_entry(img, core, entry, n_random, rng, watched):
    res = {"entry": entry.name, "divergences": [], "errors": []}
    ref_patches = []
    t0 = time.time()
    ref = Run(img, core, entry, [], watched)
    res["events"] = len(ref.events)
    res["insns"] = img.count_insns(ref.events)
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
    if len(entry.secrets) > 1 and n_random > 0:  # (light mode: each secret flipped alone)
        runs.append(("all secrets flipped",
                     [(s.addr, alternatives(s, img.read(s.addr, s.len), rng, 0)[0][1]) for s in entry.secrets],
                     None))
    effective = set()
    for label, patches, sname in runs:
        alt = Run(img, core, entry, patches, watched, pins=ref.declass)
        if alt.fault:
            res["errors"].append(f"{label}: run faulted: {alt.fault}")
            continue
        if alt.output != ref.output or alt.declass != ref.declass:
            effective.add(sname)
        i = first_diff(ref.events, alt.events)
        if i is not None:
            pc, what = locate(img, core, entry, patches, ref.declass, i, ref.events, watched)
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
    ap.add_argument("--light", default="",
                    help="glob of entries run with the flipped value only (comma-separated; for P-256 in CI)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    img = Image(args.elf)
    entries = read_entries(img)
    rules = load_expected(args.expected)
    watched = img.watched()
    ndiv = sum(1 for k, _ in watched.values() if k == "div")
    pats = args.entries.split(",")
    skips = [p for p in args.skip.split(",") if p]
    print(f"# {os.path.basename(args.elf)} core={args.core} opt-level={args.profile} "
          f"values per secret: original + flipped + {args.random} random (seed {args.seed}); "
          f"{ndiv} UDIV/SDIV and {len(watched) - ndiv} memory instructions watched; addr2line: {img.addr2line or 'none'}")
    failed, results = 0, []
    for en in entries:
        if not any(fnmatch.fnmatch(en.name, p) for p in pats) or any(fnmatch.fnmatch(en.name, p) for p in skips):
            continue
        light = any(fnmatch.fnmatch(en.name, p) for p in args.light.split(",") if p)
        rng = random.Random(f"{args.seed}:{en.name}")  # the same values whatever else runs
        r = check_entry(img, args.core, en, 0 if light else args.random, rng, watched)
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
              f"{r.get('insns', 0)} insns, {r['declassified']} verdicts, {r.get('seconds', 0)} s")
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
