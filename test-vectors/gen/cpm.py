#!/usr/bin/env python3
"""The `cpm` group of test-vectors/data/codes.json: EMV consumer-presented QR
payloads (tapcrypt's CPM profile, src/code/cpm.rs) computed without tapcrypt.

* The cryptogram: EMV Option C (AES) card key, AES common session key for the
  ATC, AES-CMAC over the 33-byte minimum set ‖ card data (IAD for EMV common
  AES; n ‖ BCD(DPAN, F-padded) ‖ IAD for the DPAN-bound profile v2, CVN D2,
  n = the DPAN's digit count), written here from
  SPEC-EMV §5.3, §6.1, §7.1 on pyca/cryptography. The same code reproduces every
  vector of data/dpan_binding.json before it is used (checked below).
* The payload: a BER-TLV encoder written here from EMV Book 3 Annex B (one-byte
  tags/lengths, `81 LL` above 127) and Python's standard `base64` module.

Run through gen/codes.py (see there).
"""
import base64
import json
import os
import random

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

HERE = os.path.dirname(os.path.abspath(__file__))


def aes(k, b):
    e = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return e.update(b) + e.finalize()


def option_c(imk, pan, psn):
    y = bytes.fromhex((pan + psn).rjust(32, "0"))
    return (aes(imk, y) + aes(imk, bytes(b ^ 0xFF for b in y)))[: len(imk)]


def csk(mk, atc):
    r = atc + bytes(14)
    if len(mk) == 16:
        return aes(mk, r)
    return (aes(mk, r[:2] + b"\xF0" + r[3:]) + aes(mk, r[:2] + b"\x0F" + r[3:]))[: len(mk)]


def cmac8(k, m):
    c = CMAC(algorithms.AES(k))
    c.update(m)
    return c.finalize()[:8]


def bcd_dpan(dpan):
    s = dpan + ("F" if len(dpan) % 2 else "")
    return bytes.fromhex(s)


# Self-check against the independent DPAN-bound vectors already shipped.
with open(os.path.join(HERE, "..", "data", "dpan_binding.json")) as f:
    for v in json.load(f)["vectors"]["ac_dpan_bound"]:
        mk = option_c(bytes.fromhex(v["imk"]), v.get("pan", v["dpan"]), v["psn"])
        md = bytes.fromhex(v["min_data"])
        sk = csk(mk, md[31:33])
        assert cmac8(sk, md + bytes.fromhex(v["card_data"])).hex().upper() == v["arqc"], v["id"]


def tlv(tag, value):
    n = len(value)
    assert n < 256
    return tag + (bytes([n]) if n < 128 else bytes([0x81, n])) + value


PROFILES = {"tapcrypt_dpan_aes": 0xD2, "emv_common_aes": 0x02}


def vector(i, rng, profile, dpan_len, iad_len, klen):
    imk = rng.randbytes(klen)
    pan = "5399991200" + "".join(rng.choice("0123456789") for _ in range(6))
    psn = "%02d" % rng.randrange(100)
    dpan = "539999" + "".join(rng.choice("0123456789") for _ in range(dpan_len - 6))
    aid = bytes.fromhex(rng.choice(["A0000000041010", "A0000000031010", "A000000025010801", "A0000003330101"]))
    f = {
        "amount_authorised": rng.choice([bytes(6), bytes.fromhex("000000002500"), bytes.fromhex("000000012345")]),
        "amount_other": bytes(6),
        "terminal_country": bytes.fromhex(rng.choice(["0156", "0840", "0826"])),
        "tvr": bytes(5),
        "currency": bytes.fromhex(rng.choice(["0156", "0840", "0978"])),
        "date": bytes.fromhex(rng.choice(["261202", "270131", "251231"])),
        "transaction_type": bytes([0]),
        "un": rng.randbytes(4),
        "aip": bytes.fromhex("1980"),
        "atc": rng.randrange(1, 0xFFFF).to_bytes(2, "big"),
    }
    iad = bytes([0x0F, PROFILES[profile]]) + rng.randbytes(iad_len - 2)
    md = b"".join(f[k] for k in ["amount_authorised", "amount_other", "terminal_country", "tvr",
                                  "currency", "date", "transaction_type", "un", "aip", "atc"])
    card_data = (bytes([len(dpan)]) + bcd_dpan(dpan) + iad) if profile == "tapcrypt_dpan_aes" else iad
    ac = cmac8(csk(option_c(imk, pan, psn), f["atc"]), md + card_data)
    app = b"".join([
        tlv(b"\x9F\x26", ac), tlv(b"\x9F\x27", b"\x80"), tlv(b"\x9F\x10", iad),
        tlv(b"\x9F\x36", f["atc"]), tlv(b"\x9F\x37", f["un"]), tlv(b"\x82", f["aip"]),
        tlv(b"\x9F\x02", f["amount_authorised"]), tlv(b"\x9F\x03", f["amount_other"]),
        tlv(b"\x9F\x1A", f["terminal_country"]), tlv(b"\x95", f["tvr"]),
        tlv(b"\x5F\x2A", f["currency"]), tlv(b"\x9A", f["date"]),
        tlv(b"\x9C", f["transaction_type"]),
    ])
    payload = tlv(b"\x85", b"CPV01") + tlv(b"\x61", tlv(b"\x4F", aid) + tlv(b"\x5A", bcd_dpan(dpan)) + tlv(b"\x63", app))
    out = {
        "id": f"cpm-{profile}-{i}",
        "source": "test-vectors/gen/cpm.py: AC by an independent Python EMV reference on pyca/cryptography (checked against data/dpan_binding.json), TLV by a Python encoder, base64 by Python's base64 module",
        "profile": profile, "imk": imk.hex().upper(), "pan": pan, "psn": psn,
        "aid": aid.hex().upper(), "dpan": dpan, "iad": iad.hex().upper(),
    }
    out.update({k: v.hex().upper() for k, v in f.items()})
    out.update({
        "cryptogram": ac.hex().upper(),
        "tlv": payload.hex().upper(),
        "payload": base64.b64encode(payload).decode(),
    })
    return out, payload


def vectors():
    rng = random.Random(0x43504D)
    out = []
    shapes = [("tapcrypt_dpan_aes", 16, 8, 16), ("tapcrypt_dpan_aes", 13, 8, 32),
              ("tapcrypt_dpan_aes", 19, 12, 24), ("tapcrypt_dpan_aes", 16, 16, 16),
              ("emv_common_aes", 16, 8, 16), ("emv_common_aes", 16, 32, 32),
              ("emv_common_aes", 19, 18, 16)]
    payloads = []
    for i, (p, dl, il, kl) in enumerate(shapes):
        v, raw = vector(i, rng, p, dl, il, kl)
        out.append(v)
        payloads.append(raw)
    good = payloads[0]
    b64 = lambda b: base64.b64encode(b).decode()
    bad = [
        ("INVALID-trailing-byte", b64(good + b"\x00")),
        ("INVALID-pfi-CPV02", b64(good.replace(b"CPV01", b"CPV02"))),
        ("INVALID-cid-tc", b64(good.replace(b"\x9F\x27\x01\x80", b"\x9F\x27\x01\x40"))),
        ("INVALID-long-form-length", b64(good[:7] + b"\x61\x81" + good[8:])),
        ("INVALID-oversized", b64(bytes(300))),
        ("INVALID-base64-noncanonical", b64(good)[:-2] + "B="),
        ("INVALID-base64-urlsafe", b64(good).replace("+", "-").replace("/", "_") if ("+" in b64(good) or "/" in b64(good)) else b64(good)[:-4] + "-___"),
        ("INVALID-two-templates", b64(good + good[7:])),
    ]
    for name, text in bad:
        out.append({"id": name, "source": "test-vectors/gen/cpm.py: a valid payload altered as the id says",
                    "profile": "tapcrypt_dpan_aes", "payload": text, "result": "invalid"})
    return out


if __name__ == "__main__":
    print(json.dumps(vectors(), indent=1))
