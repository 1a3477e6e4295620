#!/usr/bin/env python3
"""Side by side (issue 16), the pyemv half: makes N Visa CVN 18
authorisations with pyemv (each card its own PAN under one IMK; the ARQC
from pyemv's VisaCVN18.generate_ac, the card side), then times pyemv doing
what an issuer does per item — ICC MK (Option B) -> common session key ->
AC over the same data -> compare -> ARPC Method 2 — and writes the items
with pyemv's ARPCs as JSON for examples/side_by_side.rs to verify and time
with tapcrypt (batch and single-item paths).

    python side_by_side.py N OUT.json    # prints "pyemv: N items, R/s (median of 5)"
"""
import json
import statistics
import sys
import time

import pyemv.ac as ac
import pyemv.cvn as cvn
import pyemv.kd as kd

n = int(sys.argv[1])
out = sys.argv[2]
IMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
IAD = bytes.fromhex("06011203A00000")
CSU = bytes.fromhex("00000010")
items = []
for i in range(n):
    pan = "4761739%09d" % (i * 7919 % 10**9)
    atc = (i & 0xFFFF).to_bytes(2, "big")
    un = (i * 2654435761 & 0xFFFFFFFF).to_bytes(4, "big")
    tags = dict(tag_9f02=bytes.fromhex("000000001250"), tag_9f03=bytes(6),
                tag_9f1a=bytes.fromhex("0840"), tag_95=bytes(5), tag_5f2a=bytes.fromhex("0840"),
                tag_9a=bytes.fromhex("261202"), tag_9c=b"\x00", tag_9f37=un,
                tag_82=bytes.fromhex("1980"), tag_9f36=atc)
    arqc = cvn.VisaCVN18(IMK, IMK, IMK, pan, "01").generate_ac(tag_9f10=IAD, **tags)
    items.append((pan, tags, arqc))


def verify_all():
    arpcs = []
    for pan, t, arqc in items:
        mk = kd.derive_icc_mk_b(IMK, pan, "01")
        sk = kd.derive_common_sk(mk, t["tag_9f36"] + bytes(6))
        data = (t["tag_9f02"] + t["tag_9f03"] + t["tag_9f1a"] + t["tag_95"] + t["tag_5f2a"]
                + t["tag_9a"] + t["tag_9c"] + t["tag_9f37"] + t["tag_82"] + t["tag_9f36"] + IAD)
        if ac.generate_ac(sk, data, ac.PaddingType.EMV, 8) != arqc:
            raise SystemExit("pyemv rejected its own ARQC")
        arpcs.append(ac.generate_arpc_2(sk, arqc, CSU))
    return arpcs


rates = []
for _ in range(5):
    t0 = time.perf_counter()
    arpcs = verify_all()
    rates.append(n / (time.perf_counter() - t0))
rate = statistics.median(rates)
print(f"pyemv: {n} items, {rate:.0f}/s (median of 5)")
with open(out, "w") as f:
    json.dump({"source": "pyemv VisaCVN18.generate_ac (ARQC) and ac.generate_arpc_2 (ARPC)",
               "imk": IMK.hex(), "psn": "01", "iad": IAD.hex(), "csu": CSU.hex(),
               "pyemv_per_s": rate,
               "items": [{"pan": p, "txn": b"".join(t.values()).hex(), "arqc": a.hex(), "arpc": r.hex()}
                         for (p, t, a), r in zip(items, arpcs)]}, f)
