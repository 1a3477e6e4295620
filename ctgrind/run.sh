#!/usr/bin/env bash
# Constant-time check of every secret entry point under valgrind memcheck
# (the "ctgrind" method; see ctgrind/src/main.rs and SECURITY.md).
#
# Fails (exit 1) if
#   * any case reports a secret-dependent branch or memory index (a LEAK),
#     or crashes;
#   * a deliberately leaky control case is NOT flagged by memcheck (the
#     harness could not see a leak);
#   * a case is vacuous: in canary mode (CTGRIND_CANARY=1, outputs are
#     branched on instead of declassified) it must be flagged, proving that
#     its secrets flow into the outputs it declassifies;
#   * the soft-backend build still contains AES-NI instructions (the cfg did
#     not take effect, so the portable backends were not checked).
#
# Runs the shipping profile (release, LTO) twice: default backends (AES-NI;
# SHA-2 picks its path from valgrind's virtual CPUID) and
# RUSTFLAGS='--cfg aes_backend="soft" --cfg sha2_backend="soft"' (the
# fixsliced AES and portable SHA-2 that Cortex-M runs). Never
# -C target-cpu=native: valgrind 3.19 cannot run AVX-512.
#
# Env: CARGO_TARGET_DIR (default ./target), CTGRIND_LOGS (default
# $CARGO_TARGET_DIR/ctgrind-logs), CTGRIND_NO_SOFT=1 skips the second backend,
# CTGRIND_FIXSLICE=1 adds a third build with tapcrypt's `aes-fixslice`
# feature (every AES case through our fixsliced core, issue 17).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

if ! command -v valgrind >/dev/null; then
  echo "ctgrind: installing valgrind"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq valgrind
fi
valgrind --version

T=${CARGO_TARGET_DIR:-$PWD/target}
LOGS=${CTGRIND_LOGS:-$T/ctgrind-logs}
mkdir -p "$LOGS"
SUPP=ctgrind/valgrind.supp
# --error-exitcode: any unsuppressed memcheck error fails the process.
VG=(valgrind --error-exitcode=42 --suppressions="$SUPP")
fail=0

KNOWN=ctgrind/known-findings.txt
# known CASE LOG: every memcheck report in LOG must match an entry for CASE in
# $KNOWN (see that file). Prints the number of reports; fails on any other.
known() {
  perl -e '
    my ($known, $case, $log) = @ARGV;
    my @pats;
    open(my $k, "<", $known) or die "$known: $!";
    while (<$k>) {
      next if /^\s*(#|$)/;
      my ($c, $p) = split /\s{2,}/;
      push @pats, $p if grep { $_ eq $case } split /,/, $c;
    }
    local $/;
    open(my $l, "<", $log) or die "$log: $!";
    my ($n, $bad, %used) = (0, 0);
    for my $b (split /==\d+== \n/, <$l>) {
      next unless $b =~ /depends on uninitialised|Use of uninitialised/;
      my $chain = join " < ", ($b =~ /\(([^()\s]+:\d+)\)/g);
      $n++;
      my ($p) = grep { index($chain, $_) >= 0 } @pats;
      if (defined $p) { $used{$p}++ } else { $bad++; print STDERR "  unlisted: $chain\n" }
    }
    print STDERR "  stale known-findings entry for $case: $_\n" for grep { !$used{$_} } @pats;
    print "$n\n";
    exit($bad ? 1 : 0);
  ' "$KNOWN" "$@"
}

# summary LOG -> "errors suppressed" from memcheck's ERROR SUMMARY line.
summary() {
  sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*suppressed: \([0-9]*\) from.*/\1 \2/p' "$1" | tail -n1
}

run_all() {
  local label=$1 bin=$2 n=0 c rc errs supp
  printf '\n[%s] %-30s %-8s %s\n' "$label" case result "suppressed reports (ct::public_verdict; sec1 public-key tag)"
  for c in $("$bin" list); do
    local log="$LOGS/$label-$c.log"
    rc=0; "${VG[@]}" --log-file="$log" "$bin" "$c" >/dev/null 2>&1 || rc=$?
    read -r errs supp < <(summary "$log") || true
    if [ "$rc" -eq 0 ]; then
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" clean "${supp:-?}"
    elif [ "$rc" -eq 42 ] && k=$(known "$c" "$log" 2>"$log.known"); then
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" known "${supp:-?}; $k known report(s), each listed with its reason in $KNOWN"
      sed 's/^/    /' "$log.known"
    elif [ "$rc" -eq 42 ]; then
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" LEAK "$errs error(s); origins below"
      cat "$log.known"
      # Re-run with origins for the report.
      { "${VG[@]}" --track-origins=yes "$bin" "$c" 2>&1 || true; } | sed -n '1,60p'
      fail=1
    else
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" CRASH "exit $rc"
      sed -n '1,40p' "$log"; fail=1
    fi
    n=$((n + 1))
  done
  for c in $("$bin" controls); do
    local log="$LOGS/$label-$c.log"
    rc=0; "${VG[@]}" --log-file="$log" "$bin" "$c" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -eq 42 ] && grep -q 'uninitialised value' "$log"; then
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" flagged "(control: must be flagged) $(summary "$log" | cut -d' ' -f1) error(s)"
    else
      printf '[%s] %-30s %-8s %s\n' "$label" "$c" MISSED "control NOT flagged (exit $rc): the harness cannot see leaks"
      fail=1
    fi
  done
  echo "[$label] $n entry-point cases checked"
}

# touched LOG -> number of memcheck reports raised in the canary's own
# branch (vg::touch), i.e. secrets that reached a declassified output. Other
# reports (the listed known findings of ecdsa_sign, request_sign, envelope_build) do not count:
# they would make a vacuous case look non-vacuous.
touched() {
  perl -e '
    local $/;
    open(my $l, "<", $ARGV[0]) or die "$ARGV[0]: $!";
    my $n = 0;
    for my $b (split /==\d+== \n/, <$l>) {
      $n++ if $b =~ /uninitialised/ && $b =~ /vg::touch/;
    }
    print "$n\n";
  ' "$1"
}

# Canary: with declassification turned into a branch, every case must show
# that its secrets reach what it checks.
canary_all() {
  local label=$1 bin=$2 c rc t vacuous=0
  for c in $("$bin" list); do
    local log="$LOGS/$label-canary-$c.log"
    rc=0; CTGRIND_CANARY=1 "${VG[@]}" --log-file="$log" "$bin" "$c" >/dev/null 2>&1 || rc=$?
    t=$(touched "$log")
    if [ "${t:-0}" -eq 0 ]; then
      echo "[$label] VACUOUS $c: no secret reaches its outputs (exit $rc)"; vacuous=1; fail=1
    fi
  done
  [ "$vacuous" -eq 0 ] && echo "[$label] canary: every case's secrets reach its outputs"
}

aesni_count() { objdump -d --no-show-raw-insn "$1" | grep -cE '\baesenc' || true; }

# Debug info for file:line in reports; the optimisation level stays the shipping one.
export CARGO_PROFILE_RELEASE_DEBUG=true

# The default build also turns on tapcrypt's `batch-aesni` (feature
# `aesni`: the AES-NI multi-key lanes of tapcrypt-aes-lanes, cases
# aes_lanes_x8 and batch_verify_aes_lanes); the soft build leaves it off, so
# there batch_verify_aes_lanes checks the safe cipher_round_par lanes.
cargo build -q --release -p tapcrypt-ctgrind --features aesni
bin="$T/release/ctgrind"
echo "default build: $(aesni_count "$bin") aesenc instructions"
run_all default "$bin"
canary_all default "$bin"

if [ "${CTGRIND_NO_SOFT:-}" != 1 ]; then
  RUSTFLAGS='--cfg aes_backend="soft" --cfg sha2_backend="soft"' \
    CARGO_TARGET_DIR="$T/ctgrind-soft" cargo build -q --release -p tapcrypt-ctgrind
  soft="$T/ctgrind-soft/release/ctgrind"
  k=$(aesni_count "$soft")
  echo "soft build: $k aesenc instructions"
  if [ "$k" -ne 0 ]; then echo "ctgrind: soft build still uses AES-NI"; fail=1; fi
  run_all soft "$soft"
  canary_all soft "$soft"
fi

if [ "${CTGRIND_FIXSLICE:-}" = 1 ]; then
  CARGO_TARGET_DIR="$T/ctgrind-fixslice" cargo build -q --release -p tapcrypt-ctgrind --features tapcrypt/aes-fixslice
  fs="$T/ctgrind-fixslice/release/ctgrind"
  run_all fixslice "$fs"
  canary_all fixslice "$fs"
fi

echo "ctgrind: $((SECONDS - start)) s; logs in $LOGS"
if [ "$fail" -ne 0 ]; then echo "ctgrind: FAILED"; exit 1; fi
echo "ctgrind: all cases constant-time, controls flagged, no vacuous case"
