#!/usr/bin/env python3
"""TR-31 / ANSI X9.143 key blocks whose header uses the *extended* optional
block length form, wrapped and unwrapped by psec (not by tapcrypt).

Extended length (X9.143 / TR-31:2018 optional blocks; psec's Blocks.load and
Blocks.dump read and write it the same way): the 2-character length field is
"00", then 2 hex characters giving the length of the length *in bytes*, then
the length itself in hex (2 characters per byte). The length counts the whole
block: id (2) + "00" (2) + length-of-length (2) + length + data.

psec writes the extended form only for blocks over 255 characters, which do
not fit tapcrypt's 240-character optional-block buffer, so the header is
built by hand here (layout above; psec's Header.load must accept it, which
checks the layout independently of tapcrypt) and psec's version D wrap
computes the MAC and the encryption over it. psec's own unwrap then opens the
block and its parsed optional blocks are recorded as the expected values.

    venv/bin/pip install psec==1.3.0
    venv/bin/python test-vectors/gen/tr31_extended_psec.py > test-vectors/data/tr31_extended.json
"""
import json
import os

import psec
from psec import tr31

KBPK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
KEY = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")


def short(bid, data):
    return bid + "%02X" % (4 + len(data)) + data


def extended(bid, data, len_len):
    total = 2 + 2 + 2 + 2 * len_len + len(data)
    return bid + "00" + "%02X" % len_len + ("%0*X" % (2 * len_len, total)) + data


def block(blocks):
    """Hand-built version D header (key usage D0, AES, mode B, version 00,
    not exportable) around `blocks` (a list of encoded optional blocks), PB
    added to a multiple of 16 characters, then wrapped by psec."""
    body = "".join(blocks)
    n = len(blocks)
    raw = 16 + len(body)
    pad = (16 - raw % 16) % 16
    if pad:
        if pad < 4:
            pad += 16
        body += "PB" + "%02X" % pad + "0" * (pad - 4)
        n += 1
    hlen = 16 + len(body)
    # Key data: 2-byte bit length + key + pad to a multiple of 16 bytes.
    kd = 2 + len(KEY)
    kd += (16 - kd % 16) % 16
    total = hlen + 2 * kd + 32
    header = "D%04dD0AB00N%02d00" % (total, n) + body
    kb = tr31.KeyBlock(KBPK, header)  # psec parses the hand-built header
    assert len(kb.header.blocks) == n - (1 if pad else 0), kb.header.blocks
    wrapped = kb._d_wrap(header, KEY, 0)
    assert len(wrapped) == total, (len(wrapped), total)
    h, key = tr31.unwrap(KBPK, wrapped)
    assert key == KEY
    return wrapped, [[k, v] for k, v in h.blocks.items()]


cases = []
for cid, blocks in [
    ("ext-02-between-short", [short("KS", "FFFF9876543210E00001"),
                              extended("CT", "0123456789ABCDEF", 2),
                              short("TS", "20260101120000Z")]),
    ("ext-01-then-ext-02", [extended("KS", "FFFF9876543210E00001", 1),
                            extended("TS", "20260101120000Z", 2),
                            short("KV", "0000")]),
    ("ext-first-of-one", [extended("HM", "21", 2)]),
]:
    kb, opts = block(blocks)
    cases.append({"id": cid, "key_block": kb, "optional_blocks": opts})

print(json.dumps({
    "meta": {
        "description": "TR-31 version D key blocks with extended-length optional blocks: "
                       "unwrap must yield `key` and list `optional_blocks` (id, data) in order",
        "source": "psec %s (KeyBlock._d_wrap over a header built by "
                  "test-vectors/gen/tr31_extended_psec.py; psec unwrap gives the blocks)"
                  % psec.__version__,
        "kbpk": KBPK.hex().upper(),
        "key": KEY.hex().upper(),
    },
    "vectors": cases,
}, indent=1))
