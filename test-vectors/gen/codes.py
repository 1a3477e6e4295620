#!/usr/bin/env python3
"""Writes test-vectors/data/codes.json from the independent generators:
payment_code.py (group `payment_code`) and cpm.py (group `cpm`, when present).

Run: python3 -m venv .venv && .venv/bin/pip install pyotp cryptography
     .venv/bin/python test-vectors/gen/codes.py > test-vectors/data/codes.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payment_code  # noqa: E402

groups = {"payment_code": payment_code.vectors()}
try:
    import cpm  # noqa: E402
    groups["cpm"] = cpm.vectors()
except ImportError:
    pass

print(json.dumps({
    "meta": {
        "description": "Offline payment codes (format 1) and EMV consumer-presented QR payloads for tapcrypt::code, computed without tapcrypt",
        "generators": ["test-vectors/gen/codes.py", "test-vectors/gen/payment_code.py", "test-vectors/gen/cpm.py"],
    },
    "vectors": groups,
}, indent=1))
