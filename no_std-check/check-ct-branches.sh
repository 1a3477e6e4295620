#!/usr/bin/env bash
# Static check that the constant-time comparisons of a firmware ELF compiled
# to straight-line code (issue 20 / issue 13 item 14; SECURITY.md).
#
# On Cortex-M0+ (thumbv6m: no `it`, no conditional execution) a select that
# LLVM derives from a comparison is lowered to a conditional branch. FF1's
# old `lt128` became `subs/sbcs…; bhs` in every round once LLVM rewrote
# "sign bit of s − p" as `s < p` ahead of the barrier on its result.
#
# Checks, on the disassembly of ELF:
#  A. every comparison helper of `src/ct.rs` (lt_u32, lt_u64, lt_u128,
#     mask_nonzero_u8; `#[inline(never)]`, so each is one symbol) contains no
#     conditional branch (b<cc>, cbz/cbnz); lt_u64 and lt_u128 must be
#     present (FF1 uses them), and some `tapcrypt::token` function must call
#     lt_u128 (FF1's modular addition goes through it);
#  B. no function of `tapcrypt::token` (FF1, DPAN range, Luhn, wallet) has a
#     carry-condition branch (hs/cs/lo/cc/hi/ls) whose flags come from an
#     `sbcs`/`adcs` chain: a 64- or 128-bit comparison inlined and branched
#     on, the exact shape of the issue-20 finding. (Token code compares no
#     public value wider than 32 bits.)
#  Controls (the check must be able to fail): A's matcher must find the
#  conditional branches of public code in the same image (on the M0+, the one
#  in `tapcrypt::ct::public_verdict`, the crate's deliberate branch), and both
#  matchers must flag a synthetic issue-20 fragment.
#
# What it does not prove: that no *other* function branches on a secret (the
# trace-equivalence check of issue 20 is the dynamic counterpart), nor that a
# caller never turns a helper's 0/1 result into a branch outside
# `tapcrypt::token` (callers pass it through arithmetic only; review).
#
# Usage: check-ct-branches.sh ELF   (OBJDUMP overrides arm-none-eabi-objdump)
set -euo pipefail
elf=$1
objdump=${OBJDUMP:-arm-none-eabi-objdump}
# Raw encodings are kept to skip the linker's 0xd4d4 fill between functions
# (it decodes as `bmi.n` but is never executed).
dis=$("$objdump" -d --demangle "$elf")
fail=0

# Prints "fn: insn" for each conditional branch in the functions whose
# demangled name starts with one of the prefixes (space-separated).
cond_branches() {
  awk -v prefixes="$1" '
    BEGIN { n = split(prefixes, p, " ") }
    /^[0-9a-f]+ <.*>:$/ {
      name = substr($0, index($0, "<") + 1); sub(/>:$/, "", name)
      on = 0
      for (i = 1; i <= n; i++) if (index(name, p[i]) == 1) on = 1
      next
    }
    !on { next }
    {
      split($0, f, "\t"); raw = f[2]; gsub(/ /, "", raw); op = f[3]
      if (raw != "d4d4" && op ~ /^(b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)(\.n|\.w)?|cbn?z)$/)
        print "  " name ": " $0
    }'
}

# Prints carry-condition branches whose last flag-setting instruction was
# sbcs/adcs, in functions whose name contains the given substring.
wide_compare_branches() {
  awk -v sub_="$1" '
    /^[0-9a-f]+ <.*>:$/ {
      name = substr($0, index($0, "<") + 1); sub(/>:$/, "", name)
      on = index(name, sub_) > 0; last = ""; next
    }
    !on { next }
    {
      split($0, f, "\t"); op = f[3]
      if (op ~ /^(b(cs|hs|cc|lo|hi|ls)(\.n|\.w)?)$/) {
        if (last ~ /^(sbcs|adcs)/) print "  " name ": " $0 "   (flags from " last ")"
      } else if (op ~ /^(adds|adcs|subs|sbcs|rsbs|negs|ands|orrs|eors|bics|mvns|movs|muls|lsls|lsrs|asrs|rors|cmp|cmn|tst)(\.n|\.w)?$/) {
        last = op
      }
    }'
}

helpers="tapcrypt::ct::lt_u32 tapcrypt::ct::lt_u64 tapcrypt::ct::lt_u128 tapcrypt::ct::mask_nonzero_u8"
for need in tapcrypt::ct::lt_u64 tapcrypt::ct::lt_u128; do
  if ! grep -qE "^[0-9a-f]+ <${need}(\.[a-z0-9._]+)?>:" <<<"$dis"; then
    echo "check-ct-branches: $need is not a function of its own in $elf (inlined? not linked?)"
    fail=1
  fi
done
hits=$(cond_branches "$helpers" <<<"$dis")
if [ -n "$hits" ]; then
  echo "check-ct-branches: conditional branch in a constant-time comparison helper:"
  echo "$hits"; fail=1
fi
if ! awk '/^[0-9a-f]+ <tapcrypt::token::/ {on=1; next} /^[0-9a-f]+ <.*>:$/ {on=0} on && /\tbl\t.*<tapcrypt::ct::lt_u128/ {found=1} END {exit !found}' <<<"$dis"; then
  echo "check-ct-branches: no tapcrypt::token function calls ct::lt_u128 (FF1's modular addition)"
  fail=1
fi
hits=$(wide_compare_branches "tapcrypt::token::" <<<"$dis")
if [ -n "$hits" ]; then
  echo "check-ct-branches: branch on a 64/128-bit comparison in token code:"
  echo "$hits"; fail=1
fi

# Controls.
# 1. On this image: the matcher finds the conditional branches that public
#    code has (loops, length checks) in tapcrypt's functions, so it reads this
#    objdump's syntax. On the M0+ it must also find the one in
#    ct::public_verdict, the crate's deliberate branch (M4/M33 predicate it).
if [ -z "$(cond_branches "tapcrypt::" <<<"$dis")" ]; then
  echo "check-ct-branches: control failed: no conditional branch found in any tapcrypt function (matcher blind?)"
  fail=1
fi
if grep -q 'Tag_CPU_arch: v6S-M' <<<"$(arm-none-eabi-readelf -A "$elf" 2>/dev/null || true)" \
   && [ -z "$(cond_branches "tapcrypt::ct::public_verdict" <<<"$dis")" ]; then
  echo "check-ct-branches: control failed: no branch found in ct::public_verdict on the M0+"
  fail=1
fi
# 2. Synthetic issue-20 fragments (subs/sbcs; bcc) must be flagged by A and B.
synthetic=$'00001000 <tapcrypt::token::ff1::Ff1::crypt>:\n    1000:\t1a84      \tsubs\tr4, r0, r2\n    1002:\t41b4      \tsbcs\tr4, r6\n    1004:\t9926      \tldr\tr1, [sp, #152]\n    1006:\td303      \tbcc.n\t1010 <x>'
if [ -z "$(wide_compare_branches "tapcrypt::token::" <<<"$synthetic")" ]; then
  echo "check-ct-branches: control failed: the issue-20 fragment (sbcs; bcc) was not flagged by B"
  fail=1
fi
if [ -z "$(cond_branches "tapcrypt::token::ff1::Ff1::crypt" <<<"$synthetic")" ]; then
  echo "check-ct-branches: control failed: the issue-20 fragment (sbcs; bcc) was not flagged by A"
  fail=1
fi

[ $fail -eq 0 ] && echo "check-ct-branches: comparison helpers branch-free, no wide-compare branch in token code, controls flagged ($(basename "$elf"))"
exit $fail
