#!/usr/bin/env bash
# Trace-equivalence check of the device entry points on Cortex-M (issue 20).
#
# Builds the ct-trace firmware per core and opt-level, then runs trace.py
# (unicorn) over every entry point: original secrets vs all-bits-flipped and
# random ones, comparing executed instructions, memory accesses and UDIV/SDIV
# operands. Fails if a control is not flagged, a real entry point diverges
# (other than a known finding in expected.txt), a known answer is wrong, or
# a secret has no effect.
#
#   ct-trace/run.sh            # CI: opt-level 3 (the firmware profile), M0+ and M4
#   ct-trace/run.sh --offline  # opt-levels 3, s, z on M0+, M4 and M33, P-256 in full
#   CT_TRACE_RANDOM=4 ct-trace/run.sh     # more random values per secret
#
# P-256 runs 9-20 M instructions per call under a per-instruction Python
# hook (~1.5 us each): in CI only ECDH and the device key restore run, with
# the original and the all-bits-flipped key; signing, the provisioning request
# and the envelope install run offline (--offline), with random keys too.
#
# Results (JSON per core/profile) go to ct-trace/results/.
set -euo pipefail
cd "$(dirname "$0")"
PROFILES=${CT_TRACE_PROFILES:-3}
CORES=${CT_TRACE_CORES:-m0 m4}
RANDOM_VALUES=${CT_TRACE_RANDOM:-2}
# P-256 entry points on the M4/M33 images (millions of instructions each).
P256=${CT_TRACE_P256:-1}
SKIP=${CT_TRACE_SKIP-p256_sign,p256_request_build,p256_envelope_open}
LIGHT=${CT_TRACE_LIGHT-p256_*}
if [ "${1:-}" = --offline ]; then
  shift
  PROFILES=${CT_TRACE_PROFILES:-3 s z}
  CORES=${CT_TRACE_CORES:-m0 m4 m33}
  SKIP=${CT_TRACE_SKIP-}
  LIGHT=${CT_TRACE_LIGHT-p256_envelope_open,p256_request_build}
fi

# A pinned Python environment (unicorn, pyelftools, capstone from PyPI).
if ! .venv/bin/python -c 'import unicorn, elftools, capstone' 2>/dev/null \
   || ! cmp -s requirements.txt .venv/requirements.txt; then
  rm -rf .venv
  if ! python3 -m venv .venv 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt .venv/requirements.txt
fi
# addr2line for the inlined call chain of a divergence (optional).
if ! command -v llvm-addr2line >/dev/null && ! command -v arm-none-eabi-addr2line >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq binutils-arm-none-eabi >/dev/null) || true
fi

target_of() {
  case $1 in
    m0) echo thumbv6m-none-eabi ;;
    m4) echo thumbv7em-none-eabihf ;;
    m33) echo thumbv8m.main-none-eabihf ;;
  esac
}

mkdir -p results
fail=0
for p in $PROFILES; do
  for c in $CORES; do
    t=$(target_of "$c")
    feats=()
    if [ "$c" != m0 ] && [ "$P256" = 1 ]; then feats=(--features p256); fi
    dir=target/opt-$p
    echo "--- $c ($t), opt-level $p: build"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=$p cargo build -q --release --target "$t" "${feats[@]}" --target-dir "$dir"
    echo "--- $c, opt-level $p: trace equivalence"
    if ! .venv/bin/python trace.py "$dir/$t/release/ct-trace" --core "$c" --profile "$p" \
        --random "$RANDOM_VALUES" --skip "$SKIP" --light "$LIGHT" --json "results/$c-opt$p.json" "$@"; then
      fail=1
    fi
  done
done
exit $fail
