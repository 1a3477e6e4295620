#!/usr/bin/env bash
# Side by side (issue 16): tapcrypt batch vs tapcrypt single-item vs pyemv on
# the same Visa CVN 18 authorisations (verify + ARPC Method 2, one PAN per
# card, IMK -> card key -> session key -> AC -> compare -> ARPC), one run.
# Installs pyemv from PyPI into a venv, makes the authorisations with pyemv,
# times pyemv, then times tapcrypt on them (checking every ARQC verifies and
# every ARPC equals pyemv's) and prints the ratios. Then tapcrypt batch vs
# single on as many EMV common AES authorisations (pyemv has no AES CVN).
#
#   benches/side_by_side.sh [ITEMS]      # default 20000
# Env: SIDE_BY_SIDE_VENV (default target/side_by_side-venv);
# SIDE_BY_SIDE_FEATURES: tapcrypt features for the build, e.g. batch-aesni
# (the AES lanes on AES-NI).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
VENV=${SIDE_BY_SIDE_VENV:-target/side_by_side-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q pyemv==1.5.0
export PYTHONWARNINGS=ignore  # pyemv via cryptography warns on every 8-byte TDES key
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
ITEMS=$(mktemp --suffix=.json)
trap 'rm -f "$ITEMS"' EXIT
cargo build -q --release --example side_by_side ${SIDE_BY_SIDE_FEATURES:+--features "$SIDE_BY_SIDE_FEATURES"}
echo "features: ${SIDE_BY_SIDE_FEATURES:-default}"
"$VENV/bin/python" benches/side_by_side.py "$N" "$ITEMS"
./target/release/examples/side_by_side "$ITEMS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
