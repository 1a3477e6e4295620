#!/usr/bin/env python3
"""Writes the `payment_code` group of test-vectors/data/codes.json: 18-digit
offline payment codes (tapcrypt::code::payment, format 1) computed without
tapcrypt.

Format 1, as documented in src/code/payment.rs:
  code  = PP ‖ V ‖ alias(8) ‖ C ‖ OTP(6)
  alias = FF1-AES(K_alias, T, account_ref as 8 digits),
          T = b"tapcrypt/payment-code" ‖ byte(PP) ‖ byte(V)
  OTP   = HOTP-SHA256(secret, 10·⌊time/30⌋ + C), 6 digits

Independent parts:
  * FF1 is written here from NIST SP 800-38G (Algorithm 7) on pyca/cryptography's
    AES-ECB, and checked against NIST FF1 samples 1 and 2 (AES-128) before use.
  * The OTP is pyotp's HOTP (digest=sha256) at the moving factor.

Run: python3 -m venv .venv && .venv/bin/pip install pyotp cryptography
     .venv/bin/python test-vectors/gen/payment_code.py > /tmp/payment_code.json
(test-vectors/gen/codes.py merges it with the CPM group into data/codes.json.)
"""
import base64
import hashlib
import json
import random

import pyotp
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def num(digits):
    v = 0
    for d in digits:
        v = v * 10 + d
    return v


def str_m(x, m):
    return [int(c) for c in str(x).zfill(m)]


def ff1_encrypt(key, tweak, x):
    """NIST SP 800-38G FF1.Encrypt, radix 10, for n ≤ 32 digits (d ≤ 16)."""
    n, t = len(x), len(tweak)
    u, v = n // 2, n - n // 2
    a, b_ = x[:u], x[u:]
    b = ((10 ** v - 1).bit_length() + 7) // 8
    d = 4 * ((b + 3) // 4) + 4
    assert d <= 16
    p = bytes([1, 2, 1, 0, 0, 10, 10, u % 256]) + n.to_bytes(4, "big") + t.to_bytes(4, "big")
    for i in range(10):
        q = tweak + bytes((-t - b - 1) % 16) + bytes([i]) + num(b_).to_bytes(b, "big")
        y = bytes(16)
        for k in range(0, len(p + q), 16):  # PRF: CBC-MAC with a zero IV
            blk = (p + q)[k:k + 16]
            y = aes_ecb(key, bytes(s ^ z for s, z in zip(y, blk)))
        yv = int.from_bytes(y[:d], "big")
        m = u if i % 2 == 0 else v
        c = (num(a) + yv) % 10 ** m
        a, b_ = b_, str_m(c, m)
    return a + b_


# NIST SP 800-38G FF1 samples (AES-128, radix 10).
K1 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
assert ff1_encrypt(K1, b"", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) == [2, 4, 3, 3, 4, 7, 7, 4, 8, 4]
assert ff1_encrypt(K1, bytes.fromhex("39383736353433323130"),
                   [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) == [6, 1, 2, 4, 2, 0, 0, 7, 7, 3]

TWEAK = b"tapcrypt/payment-code"


def payment_code(alias_key, prefix, version, account, secret, time, counter):
    alias = ff1_encrypt(alias_key, TWEAK + bytes([prefix, version]), str_m(account, 8))
    alias_s = "".join(map(str, alias))
    mf = 10 * (time // 30) + counter
    otp = pyotp.HOTP(base64.b32encode(secret).decode(), digits=6, digest=hashlib.sha256).at(mf)
    return alias_s, f"{prefix:02d}{version}{alias_s}{counter}{otp}"


def vectors():
    rng = random.Random(18)
    out = []
    cases = [
        (16, 25, 0, 59, 0),
        (32, 28, 99_999_999, 1_111_111_109, 9),
        (32, 30, 12_345_678, 1_234_567_890, 3),
        (24, 26, 1, 2_000_000_000, 0),
        (32, 27, 87_654_321, 20_000_000_000, 5),
    ]
    for i in range(7):
        cases.append((rng.choice([16, 24, 32]), rng.randint(25, 30), rng.randrange(10 ** 8),
                      rng.randrange(1_600_000_000, 2_100_000_000), rng.randrange(10)))
    for i, (klen, prefix, account, time, counter) in enumerate(cases):
        key = rng.randbytes(klen)
        secret = rng.randbytes(32)
        alias, code = payment_code(key, prefix, 1, account, secret, time, counter)
        out.append({
            "id": f"pc-v1-{i}",
            "source": "test-vectors/gen/payment_code.py: FF1 written from SP 800-38G on pyca/cryptography AES, HOTP-SHA256 by pyotp",
            "alias_key": key.hex(), "prefix": prefix, "version": 1,
            "account_ref": account, "secret": secret.hex(), "time": time,
            "counter": counter, "alias": alias, "code": code,
        })
    key, secret = bytes(16), bytes(range(32))
    out += [
        {"id": "INVALID-counter-10", "source": "format 1: one counter digit",
         "alias_key": key.hex(), "prefix": 25, "version": 1, "account_ref": 5,
         "secret": secret.hex(), "time": 59, "counter": 10,
         "alias": "00000000", "code": "000000000000000000", "result": "invalid"},
        {"id": "INVALID-account-1e8", "source": "format 1: 8-digit account reference",
         "alias_key": key.hex(), "prefix": 25, "version": 1, "account_ref": 100_000_000,
         "secret": secret.hex(), "time": 59, "counter": 0,
         "alias": "00000000", "code": "000000000000000000", "result": "invalid"},
        {"id": "INVALID-prefix-9", "source": "format 1: two-digit prefix 10-99",
         "alias_key": key.hex(), "prefix": 9, "version": 1, "account_ref": 5,
         "secret": secret.hex(), "time": 59, "counter": 0,
         "alias": "00000000", "code": "000000000000000000", "result": "invalid"},
    ]
    return out


if __name__ == "__main__":
    print(json.dumps(vectors(), indent=1))
