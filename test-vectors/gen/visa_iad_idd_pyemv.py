#!/usr/bin/env python3
"""Visa CVN 18 / '22' ARQCs over IADs that carry issuer discretionary data
(8 to 23 bytes: the 7-byte format 0/1/3 IAD, an IDD length byte n, n bytes),
computed by pyemv 1.5.0 (independent of tapcrypt): its VisaCVN18 MACs tag
9F10 whatever its length.

    python3 -m venv v && v/bin/pip install pyemv==1.5.0
    v/bin/python test-vectors/gen/visa_iad_idd_pyemv.py > test-vectors/data/visa_iad_idd.json
"""
import json
import pyemv.cvn as cvn

IMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PAN = "1234567890123456"
TXN = dict(
    tag_9f02=bytes.fromhex("000000004000"), tag_9f03=bytes.fromhex("000000000000"),
    tag_9f1a=bytes.fromhex("0124"), tag_95=bytes.fromhex("8000048000"),
    tag_5f2a=bytes.fromhex("0124"), tag_9a=bytes.fromhex("191105"),
    tag_9c=bytes.fromhex("01"), tag_9f37=bytes.fromhex("52BF4585"),
    tag_82=bytes.fromhex("1800"), tag_9f36=bytes.fromhex("001C"),
)
vectors = []
for n, cls, byte in [(0, cvn.VisaCVN18, 0x12), (1, cvn.VisaCVN18, 0x12), (8, cvn.VisaCVN18, 0x12),
                     (15, cvn.VisaCVN18, 0x12), (15, cvn.VisaCVN22, 0x22)]:
    idd = bytes((0x30 + i) & 0xFF for i in range(n))
    iad = bytes([0x06, 0x01, byte, 0x03, 0xA0, 0xB8, 0x00, n]) + idd
    c = cls(IMK, IMK, IMK, PAN, "00")
    arqc = c.generate_ac(tag_9f10=iad, **TXN)
    vectors.append({
        "id": f"{cls.__name__}-idd{n}", "cvn": cls.__name__, "iss_mk_ac": IMK.hex().upper(),
        "pan": PAN, "psn": "00", **{k: v.hex().upper() for k, v in TXN.items()},
        "tag_9f10": iad.hex().upper(), "arqc": arqc.hex().upper(),
    })
print(json.dumps({"meta": {"source": "pyemv 1.5.0 VisaCVN18/VisaCVN22.generate_ac (independent implementation)",
                           "generated_by": "test-vectors/gen/visa_iad_idd_pyemv.py",
                           "note": "IAD = 7-byte format 0/1/3 IAD, IDD length byte n, n IDD bytes"},
                  "vectors": vectors}, indent=1))
