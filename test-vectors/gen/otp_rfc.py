#!/usr/bin/env python3
"""Writes test-vectors/data/otp.json: the RFC 4226 Appendix D and RFC 6238
Appendix B known answers, in the vector runner's `otp` group.

The expected values are transcribed from the RFC texts (RFC 4226 Appendix D,
"Test values", HOTP column; RFC 6238 Appendix B, the TOTP column of the
table). Before writing, every value is recomputed twice by code that is not
tapcrypt's, and the script stops on any disagreement:
  * pyotp (PyPI, `pip install pyotp`), and
  * Python's standard `hmac`/`hashlib` with RFC 4226's truncation written out.

Run: python3 -m venv .venv && .venv/bin/pip install pyotp
     .venv/bin/python test-vectors/gen/otp_rfc.py > test-vectors/data/otp.json
"""
import base64
import hashlib
import hmac
import json
import struct

import pyotp

SEED20 = b"12345678901234567890"
SEEDS = {
    "sha1": SEED20,
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}

# RFC 4226 Appendix D: HOTP(secret = "12345678901234567890", count, 6 digits).
RFC4226 = ["755224", "287082", "359152", "969429", "338314",
           "254676", "287922", "162583", "399871", "520489"]

# RFC 6238 Appendix B: (time, {hash: TOTP}), X = 30, T0 = 0, 8 digits.
RFC6238 = [
    (59, {"sha1": "94287082", "sha256": "46119246", "sha512": "90693936"}),
    (1111111109, {"sha1": "07081804", "sha256": "68084774", "sha512": "25091201"}),
    (1111111111, {"sha1": "14050471", "sha256": "67062674", "sha512": "99943326"}),
    (1234567890, {"sha1": "89005924", "sha256": "91819424", "sha512": "93441116"}),
    (2000000000, {"sha1": "69279037", "sha256": "90698825", "sha512": "38618901"}),
    (20000000000, {"sha1": "65353130", "sha256": "77737706", "sha512": "47863826"}),
]


def stdlib_hotp(secret, counter, digits, alg):
    mac = hmac.new(secret, struct.pack(">Q", counter), getattr(hashlib, alg)).digest()
    off = mac[-1] & 0x0F
    snum = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(snum % 10 ** digits).zfill(digits)


def b32(secret):
    return base64.b32encode(secret).decode()


vectors = []
for count, want in enumerate(RFC4226):
    assert pyotp.HOTP(b32(SEED20), digits=6).at(count) == want, count
    assert stdlib_hotp(SEED20, count, 6, "sha1") == want, count
    vectors.append({
        "id": f"rfc4226-appD-count{count}",
        "source": "RFC 4226 Appendix D (HOTP value); recomputed with pyotp and Python hmac",
        "algorithm": "sha1", "secret": SEED20.hex(), "counter": count,
        "digits": 6, "otp": want,
    })
for time, row in RFC6238:
    for alg, want in row.items():
        secret = SEEDS[alg]
        t = pyotp.TOTP(b32(secret), digits=8, digest=getattr(hashlib, alg), interval=30)
        assert t.at(time) == want, (time, alg)
        assert stdlib_hotp(secret, time // 30, 8, alg) == want, (time, alg)
        vectors.append({
            "id": f"rfc6238-appB-{alg}-{time}",
            "source": "RFC 6238 Appendix B (TOTP column); recomputed with pyotp and Python hmac",
            "algorithm": alg, "secret": secret.hex(), "time": time, "period": 30,
            "digits": 8, "otp": want,
        })

# Inputs the API must refuse (typed errors, not a wrong value).
vectors += [
    {"id": "INVALID-5-digits", "source": "RFC 4226 §5.3: at least 6 digits",
     "algorithm": "sha1", "secret": SEED20.hex(), "counter": 0, "digits": 5,
     "otp": "55224", "result": "invalid"},
    {"id": "INVALID-short-secret", "source": "RFC 4226 R6: a secret of at least 128 bits",
     "algorithm": "sha1", "secret": SEED20[:15].hex(), "counter": 0, "digits": 6,
     "otp": stdlib_hotp(SEED20[:15], 0, 6, "sha1"), "result": "invalid"},
    {"id": "INVALID-hash-md5", "source": "only SHA-1/256/512 are defined by RFC 6238",
     "algorithm": "md5", "secret": SEED20.hex(), "counter": 0, "digits": 6,
     "otp": "755224", "result": "invalid"},
    {"id": "INVALID-period-0", "source": "RFC 6238 §4: X > 0",
     "algorithm": "sha1", "secret": SEED20.hex(), "time": 59, "period": 0,
     "digits": 8, "otp": "94287082", "result": "invalid"},
]

print(json.dumps({
    "meta": {
        "description": "HOTP (RFC 4226) and TOTP (RFC 6238) known answers for tapcrypt::code::otp",
        "generator": "test-vectors/gen/otp_rfc.py",
        "fields": "algorithm (sha1|sha256|sha512), secret (hex), counter (HOTP) or time and period (TOTP, Unix seconds, T0 = 0), digits, otp (decimal string)",
    },
    "vectors": {"otp": vectors},
}, indent=1))
