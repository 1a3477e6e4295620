#!/usr/bin/env python3
"""Instruction profile of one harness op, per function and per inlined line.

  qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -icount shift=0 \
    -semihosting-config enable=on,target=native \
    -d in_asm,exec,nochain -D /tmp/trace.log -kernel <elf>
  ./profile-trace.py <elf> /tmp/trace.log ops::aes_tap_bench stack_peak 40

Counts the instructions executed from the first entry into the START symbol
(an op's bench function) to the next entry into the STOP symbol (`stack_peak`
follows the measured repetitions), divides by REPS (40), and attributes each
instruction to its symbol (arm-none-eabi-nm) and to its innermost inlined
function and tapcrypt source line (addr2line -i -f; the harness builds keep
debug info). SYMF=<substring> restricts the inline breakdown to one symbol.
Used for BENCHMARKS.md, "Issue 17: where a tap's instructions go"."""
import re, sys, subprocess, collections, bisect
elf, log, start, stop, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
# symbols
syms = []
for l in subprocess.run(['arm-none-eabi-nm', '-C', '--size-sort', '-S', elf], capture_output=True, text=True).stdout.splitlines():
    p = l.split(None, 3)
    if len(p) == 4 and p[2] in 'tT':
        syms.append((int(p[0], 16) & ~1, int(p[1], 16), p[3]))
syms.sort()
starts = [s[0] for s in syms]
def sym(a):
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and syms[i][0] <= a < syms[i][0] + syms[i][1]:
        return syms[i][2]
    return '?'
tbs = {}
cur = None
counts = collections.Counter()
active = False
startaddr = [s[0] for s in syms if start in s[2]]
stopaddr = [s[0] for s in syms if stop in s[2]]
print('start', [hex(a) for a in startaddr], 'stop', [hex(a) for a in stopaddr], file=sys.stderr)
done = False
with open(log, errors='replace') as f:
    for l in f:
        if l.startswith('IN:'):
            cur = None; insns = []; continue
        m = re.match(r'0x([0-9a-f]{8}):\s', l)
        if m:
            a = int(m.group(1), 16)
            if cur is None:
                cur = a; tbs[a] = []
            tbs[cur].append(a)
            continue
        if l.strip() == '':
            cur = None; continue
        m = re.match(r'Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/', l)
        if m:
            pc = int(m.group(1), 16)
            if not active and pc in startaddr:
                active = True
            elif active and pc in stopaddr:
                break
            if active:
                for a in tbs.get(pc, []):
                    counts[a] += 1
total = sum(counts.values())
print(f'total {total} per rep {total/reps:.0f}')
bysym = collections.Counter()
for a, c in counts.items(): bysym[sym(a)] += c
for s, c in bysym.most_common(40): print(f'{c/reps:9.0f}  {s[:150]}')
# inline attribution
import os
flt=os.environ.get("SYMF")
addrs = sorted(a for a in counts if not flt or flt in sym(a))
total=sum(counts[a] for a in addrs); print("filtered", total/reps)
out = subprocess.run(['addr2line', '-e', elf, '-i', '-f', '-C', '-a'] + [hex(a) for a in addrs], capture_output=True, text=True).stdout
# parse: 0xaddr line, then pairs func/file:line (innermost first)
inner = collections.Counter(); innerline = collections.Counter()
chainc = collections.Counter()
cur = None; chain = []
def flush():
    if cur is not None and chain:
        c = counts[cur]
        inner[chain[0][0]] += c
        innerline[chain[0][0] + ' @ ' + chain[0][1].split('/')[-1]] += c
        # attribute to first frame that is inside tapcrypt src (not core)
        for fn, loc in chain:
            if '/src/' in loc and 'rustc' not in loc and '.cargo' not in loc:
                chainc[fn + ' @ ' + loc.split('/src/')[-1]] += c; break
lines = out.splitlines(); i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith('0x'):
        flush(); cur = int(l, 16); chain = []; i += 1; continue
    fn = l; loc = lines[i+1] if i+1 < len(lines) else ''
    chain.append((fn, loc)); i += 2
flush()
print('\n--- innermost inlined function')
for s, c in inner.most_common(40): print(f'{c/reps:9.0f}  {s[:150]}')
print('\n--- innermost tapcrypt source line')
for s, c in chainc.most_common(80): print(f'{c/reps:9.0f}  {s[:160]}')
