#!/usr/bin/env python3
"""Writes test-vectors/data/codes.json from the independent generators:
payment_code.py (group `payment_code`), cpm.py (group `cpm`) and render.py
(groups `qr`, `ndef`).

Run: python3 -m venv .venv && .venv/bin/pip install pyotp cryptography segno qrcode ndeflib
     .venv/bin/python test-vectors/gen/codes.py > test-vectors/data/codes.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payment_code  # noqa: E402

groups = {"payment_code": payment_code.vectors()}
import cpm  # noqa: E402
import render  # noqa: E402

groups["cpm"] = cpm.vectors()
codes = [v["code"] for v in groups["payment_code"] if "result" not in v][:3]
# The QR/NDEF groups render the EMV-profile payloads (the cloud-profile ones
# were added later and would only repeat the same renderer on other bytes).
cpms = [v["payload"] for v in groups["cpm"]
        if "result" not in v and v["profile"] in ("tapcrypt_dpan_aes", "emv_common_aes")]
groups["qr"], groups["ndef"] = render.vectors(codes, cpms)

print(json.dumps({
    "meta": {
        "description": "Offline payment codes (format 1) and EMV consumer-presented QR payloads for tapcrypt::code, computed without tapcrypt",
        "generators": ["test-vectors/gen/codes.py", "test-vectors/gen/payment_code.py", "test-vectors/gen/cpm.py", "test-vectors/gen/render.py"],
    },
    "vectors": groups,
}, indent=1))
