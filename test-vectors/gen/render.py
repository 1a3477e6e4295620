#!/usr/bin/env python3
"""The `qr` and `ndef` groups of test-vectors/data/codes.json, computed without
tapcrypt: QR symbols by segno (PyPI; error correction M, boosted, automatic
version and mask), NDEF records by ndeflib (PyPI; NFC Forum external type).

Run through gen/codes.py (see there).
"""
import base64
import io
import os
import sys

import ndef
import segno

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def modules_hex(qr):
    bits = "".join("".join("1" if m else "0" for m in row) for row in qr.matrix)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).hex().upper()


def qr_vectors(texts):
    out = []
    for i, (label, text) in enumerate(texts):
        qr = segno.make(text, error="m", boost_error=True, micro=False)
        out.append({
            "id": f"qr-{label}",
            "source": f"segno {segno.__version__}: segno.make(text, error='m', boost_error=True, micro=False); modules row-major, dark = 1, MSB first",
            "text": text, "version": qr.version, "size": len(qr.matrix),
            "modules": modules_hex(qr),
        })
    return out


def ndef_vectors(items):
    out = []
    for label, ty, payload in items:
        rec = ndef.Record("urn:nfc:ext:" + ty, "", payload.encode())
        enc = b"".join(ndef.message_encoder([rec]))
        out.append({
            "id": f"ndef-{label}",
            "source": "ndeflib 0.3.3: ndef.message_encoder([ndef.Record('urn:nfc:ext:' + type, '', payload)])",
            "type": ty, "payload": payload, "record": enc.hex().upper(),
        })
    return out


def vectors(code_texts, cpm_texts):
    texts = [(f"code-{i}", t) for i, t in enumerate(code_texts)] + [(f"cpm-{i}", t) for i, t in enumerate(cpm_texts)]
    items = [(f"code-{i}", "tapcrypt.dev:code", t) for i, t in enumerate(code_texts)]
    items += [(f"cpm-{i}", "tapcrypt.dev:cpm", t) for i, t in enumerate(cpm_texts)]
    # A payload over 255 bytes: a long (non-SR) record.
    items.append(("cpm-long", "tapcrypt.dev:cpm", base64.b64encode(bytes(range(256))).decode()))
    return qr_vectors(texts), ndef_vectors(items)
