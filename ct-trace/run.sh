#!/usr/bin/env bash
# Trace-equivalence check of the device entry points on Cortex-M (issue 20).
#
# Builds the ct-trace firmware per core and opt-level, then runs trace.py
# (unicorn) over every entry point: original secrets vs all-bits-flipped and
# random ones, comparing executed instructions, the address registers of
# every load/store and UDIV/SDIV operands. Fails if a control is not flagged,
# a real entry point diverges (other than a known finding in expected.txt),
# a known answer is wrong, or a secret has no effect.
#
#   ct-trace/run.sh            # CI: opt-level 3 (the firmware profile), M0+, M4 and M33
#   ct-trace/run.sh --offline  # opt-levels 3, s, z on M0+, M4 and M33, P-256 in full
#   CT_TRACE_RANDOM=4 ct-trace/run.sh     # more random values per secret
#   CT_TRACE_CORES=m33 CT_TRACE_PROFILES=z ct-trace/run.sh --offline   # one cell
#
# P-256 runs ~9-19 M instructions per call under a per-instruction Python
# hook (~5 us of CPU each): in CI only ECDH runs, on the M4 image, with the
# original and the all-bits-flipped key (18.4 M instructions); the M33 image
# is built without P-256 in CI. Hedged ECDSA signing (secret key and RNG
# output; 3 runs, 18.7 M instructions each, 316 s of CPU measured) is over
# the CI budget and runs offline with deterministic signing, the key
# restore, the provisioning request, the envelope install, random values
# and P-256 on the M33 (--offline). One process per P-256 entry point.
#
# The traces of the images run in parallel (one process each; trace.py is
# single-threaded). Results (JSON per core/profile) go to ct-trace/results/.
set -euo pipefail
cd "$(dirname "$0")"
PROFILES=${CT_TRACE_PROFILES:-3}
CORES=${CT_TRACE_CORES:-m0 m4 m33}
RANDOM_VALUES=${CT_TRACE_RANDOM:-2}
# P-256 entry points (millions of instructions each): the cores whose image
# gets them, and the entry globs; each comma-separated glob runs as a
# process of its own (they are the long ones).
P256=${CT_TRACE_P256:-1}
P256_CORES=${CT_TRACE_P256_CORES-m4}
P256_ENTRIES=${CT_TRACE_P256_ENTRIES-p256_ecdh}
P256_LIGHT=${CT_TRACE_P256_LIGHT-p256_*}
if [ "${1:-}" = --offline ]; then
  shift
  PROFILES=${CT_TRACE_PROFILES:-3 s z}
  CORES=${CT_TRACE_CORES:-m0 m4 m33}
  P256_CORES=${CT_TRACE_P256_CORES-m4 m33}
  P256_ENTRIES=${CT_TRACE_P256_ENTRIES-p256_ecdh,p256_sign,p256_sign_hedged,p256_device_key_restore,p256_envelope_open,p256_request_build}
  P256_LIGHT=${CT_TRACE_P256_LIGHT-p256_envelope_open,p256_request_build}
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
rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf thumbv8m.main-none-eabihf >/dev/null 2>&1 || true

target_of() {
  case $1 in
    m0) echo thumbv6m-none-eabi ;;
    m4) echo thumbv7em-none-eabihf ;;
    m33) echo thumbv8m.main-none-eabihf ;;
  esac
}

mkdir -p results
jobs_=()
for p in $PROFILES; do
  for c in $CORES; do
    t=$(target_of "$c")
    feats=()
    if [ "$P256" = 1 ] && [[ " $P256_CORES " == *" $c "* ]]; then feats=(--features p256); fi
    dir=target/opt-$p
    echo "--- build: $c ($t), opt-level $p ${feats[*]}"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=$p cargo build -q --release --target "$t" "${feats[@]}" --target-dir "$dir"
    elf=$dir/$t/release/ct-trace
    common=(--core "$c" --profile "$p" --random "$RANDOM_VALUES")
    .venv/bin/python trace.py "$elf" "${common[@]}" --skip 'p256_*' \
      --json "results/$c-opt$p.json" "$@" > "results/$c-opt$p.log" 2>&1 &
    jobs_+=("$!:results/$c-opt$p.log")
    if [ ${#feats[@]} -gt 0 ] && [ -n "$P256_ENTRIES" ]; then
      IFS=, read -ra globs <<< "$P256_ENTRIES"
      for g in "${globs[@]}"; do
        n=$c-opt$p-${g//\*/all}
        .venv/bin/python trace.py "$elf" "${common[@]}" --entries "$g" --light "$P256_LIGHT" \
          --json "results/$n.json" "$@" > "results/$n.log" 2>&1 &
        jobs_+=("$!:results/$n.log")
      done
    fi
  done
done

fail=0
for j in "${jobs_[@]}"; do
  pid=${j%%:*}
  log=${j#*:}
  if wait "$pid"; then rc=0; else rc=$?; fi
  echo "--- trace equivalence: $log (exit $rc)"
  cat "$log"
  [ "$rc" = 0 ] || fail=1
done
echo "--- ct-trace: ${SECONDS} s wall for the step (builds and traces)"
exit $fail
