#!/usr/bin/env python3
"""The `qr` and `ndef` groups of test-vectors/data/codes.json, computed without
tapcrypt: QR symbols by two QR encoders from PyPI, segno and qrcode (error
correction M, boosted; segno picks version and mask, qrcode is then run with
the same version, level and mask, byte/numeric mode without segment
optimisation); a text is kept only when the two produce the same matrix (on
some base64 texts they do not: those are left out and counted on stderr).
NDEF records by ndeflib (PyPI; NFC Forum external type).

Run through gen/codes.py (see there).
"""
import base64
import io
import os
import sys

import ndef
import qrcode
import segno

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def modules_hex(qr):
    bits = "".join("".join("1" if m else "0" for m in row) for row in qr.matrix)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).hex().upper()


def qrcode_matrix(text, version, level, mask):
    ecc = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
           "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}[level]
    q = qrcode.QRCode(version=version, error_correction=ecc, border=0, mask_pattern=mask)
    q.add_data(text.encode(), optimize=0)
    q.make(fit=False)
    return [[bool(x) for x in row] for row in q.get_matrix()]


def qr_vectors(texts):
    out = []
    dropped = 0
    for i, (label, text) in enumerate(texts):
        qr = segno.make(text, error="m", boost_error=True, micro=False)
        level = qr.designator.split("-")[1]
        if qrcode_matrix(text, qr.version, level, qr.mask) != [[bool(m) for m in row] for row in qr.matrix]:
            dropped += 1
            continue
        out.append({
            "id": f"qr-{label}",
            "source": f"segno {segno.__version__} (segno.make(text, error='m', boost_error=True, micro=False)) and qrcode (same version, level {level}, mask) agree; the mask is passed to tapcrypt (automatic choice may legitimately differ between encoders); modules row-major, dark = 1, MSB first",
            "text": text, "version": qr.version, "mask": qr.mask, "size": len(qr.matrix),
            "modules": modules_hex(qr),
        })
    print(f"render.py: {dropped} QR texts left out (segno and qrcode disagree)", file=sys.stderr)
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
