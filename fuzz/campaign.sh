#!/usr/bin/env bash
# Offline campaign (not CI): FUZZ_RUNS executions per target, one after the
# other (optionally capped by FUZZ_MAX_TIME seconds), corpora kept in $FUZZ_CAMPAIGN_DIR/<target>. Prints the libFuzzer summary lines.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${FUZZ_RUNS:-10000000}
# Optional wall-clock cap per target (seconds); 0 = none.
MAX_TIME=${FUZZ_MAX_TIME:-0}
DIR=${FUZZ_CAMPAIGN_DIR:-target/campaign}
cargo +nightly fuzz build
for t in ${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}; do
  mkdir -p "$DIR/$t"
  start=$(date +%s)
  cargo +nightly fuzz run "$t" "$DIR/$t" "corpus/$t" -- -runs="$RUNS" -max_total_time="$MAX_TIME" >"$DIR/$t.log" 2>&1 \
    && echo "$t ok: $(grep -E '^Done' "$DIR/$t.log") ($(( $(date +%s) - start )) s), $(grep DONE "$DIR/$t.log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [^ ]*')" \
    || { echo "$t FAILED, see $DIR/$t.log"; }
done
