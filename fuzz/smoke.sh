#!/usr/bin/env bash
# Fuzz smoke test for CI: builds every cargo-fuzz target (nightly, ASan) and
# runs each briefly from the committed seed corpus, then replays committed
# regression inputs. Exits non-zero on any crash, panic or failed assertion.
#
#   fuzz/smoke.sh                       # FUZZ_SMOKE_SECONDS=15 per target
#   FUZZ_SMOKE_SECONDS=5 fuzz/smoke.sh
# Crash inputs land in fuzz/artifacts/<target>/ (replay: cargo +nightly fuzz run T FILE).
# New corpus entries go to a temporary dir, so the committed seeds stay as they are.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
SECS=${FUZZ_SMOKE_SECONDS:-15}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install --locked cargo-fuzz
fi
cargo +nightly fuzz --version

start=$(date +%s)
cargo +nightly fuzz build
echo "build: $(( $(date +%s) - start )) s"

fail=0
for t in $(cargo +nightly fuzz list); do
  work=$(mktemp -d)
  log="$work/log"
  rc=0
  cargo +nightly fuzz run "$t" "$work" "corpus/$t" -- \
    -max_total_time="$SECS" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL $t (rc=$rc)"; tail -40 "$log"; fail=1
  else
    echo "ok   $t: ${runs:-?} runs in ${SECS}s"
  fi
  # Committed crashers (minimised) must stay fixed.
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    if ! cargo +nightly fuzz run "$t" regressions/"$t"/* >"$log" 2>&1; then
      echo "FAIL $t regression replay"; tail -40 "$log"; fail=1
    fi
  fi
  rm -rf "$work"
done
echo "fuzz smoke total: $(( $(date +%s) - start )) s"
exit "$fail"
