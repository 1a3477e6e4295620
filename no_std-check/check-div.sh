#!/usr/bin/env bash
# Fails if a divide instruction or a software division helper appears
# anywhere in a firmware ELF. The harness prints numbers without dividing, so
# the rule is simply: no division at all — nothing on a path from secret data
# can then be variable-time through UDIV/SDIV (early-terminating on M3/M4) or
# a compiler-builtins division loop (M0+, and 64-bit division everywhere).
set -euo pipefail
elf=$1
dis=$(arm-none-eabi-objdump -d --demangle "$elf")
# [us]div with any condition suffix (udivne inside an IT block, …) or .w.
pattern='\b[us]div(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?(\.w)?\b|<(__aeabi_(ui|i|ul|l)div(mod)?|__udivsi3|__divsi3|__udivdi3|__divdi3|__udivmoddi4|__umoddi3|__moddi3|__udivti3|__umodti3|__divti3|__modti3|compiler_builtins::int::(specialized_)?div[^>]*)>'
hits=$(grep -nE "$pattern" <<<"$dis" || true)
if [ -n "$hits" ]; then
  echo "check-div: division found in $elf:"
  # Name the function each hit sits in.
  awk -v pat="$pattern" '/^[0-9a-f]+ <.*>:$/ {fn=$2} $0 ~ pat {print "  in " fn ": " $0}' <<<"$dis" | head -20
  exit 1
fi
echo "check-div: no division instruction or helper in $(basename "$elf")"
