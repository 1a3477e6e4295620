#!/usr/bin/env python3
"""Reassembles the Wycheproof tests carried in ../p256.json into files with
Wycheproof's own layout and schema, so `tapcrypt vectors` exercises its
`ecdh_ecpoint_test_schema_v1` and `ecdsa_p1363_verify_schema_v1` paths on
upstream data. Only tests whose `file` names a Wycheproof file are taken (the
locally made SUPPLEMENTAL cases are left out); fields are copied unchanged.
Nothing here is computed: run it again and the output is byte-identical.

    python3 reassemble.py   # writes the two *.subset.json files next to it
"""
import json, os

here = os.path.dirname(os.path.abspath(__file__))
src = json.load(open(os.path.join(here, "..", "p256.json")))
commit = src["source_snapshot_commit"]

def test(v, keys):
    t = {"tcId": v["tcId"], "comment": v["comment"], "flags": v["flags"]}
    t.update({k: v[k] for k in keys})
    t["result"] = v["result"]
    return t

def header(fname):
    return [
        "SUBSET of Wycheproof %s (C2SP/wycheproof %s, %s),"
        % (fname, commit, src["source_files"][fname]["path"]),
        "reassembled from tapcrypt's test-vectors/data/p256.json by reassemble.py;",
        "test cases copied unchanged, grouped as upstream groups them.",
    ]

ecdh_file = "ecdh_secp256r1_ecpoint_test.json"
ecdh = [test(v, ["public", "private", "shared"]) for v in src["vectors"] if v["file"] == ecdh_file]
out = {
    "algorithm": "ECDH",
    "schema": "ecdh_ecpoint_test_schema_v1.json",
    "numberOfTests": len(ecdh),
    "header": header(ecdh_file),
    "testGroups": [{"type": "EcdhEcpointTest", "curve": "secp256r1", "encoding": "ecpoint", "tests": ecdh}],
}
json.dump(out, open(os.path.join(here, "ecdh_secp256r1_ecpoint_test.subset.json"), "w"), indent=1)

sig_file = "ecdsa_secp256r1_sha256_p1363_test.json"
groups = {}
for v in src["vectors"]:
    if v["file"] == sig_file:
        groups.setdefault(v["public_key_uncompressed"], []).append(test(v, ["msg", "sig"]))
out = {
    "algorithm": "ECDSA",
    "schema": "ecdsa_p1363_verify_schema_v1.json",
    "numberOfTests": sum(len(t) for t in groups.values()),
    "header": header(sig_file),
    "testGroups": [
        {"type": "EcdsaP1363Verify",
         "publicKey": {"type": "EcPublicKey", "curve": "secp256r1", "keySize": 256, "uncompressed": pk},
         "sha": "SHA-256", "tests": tests}
        for pk, tests in groups.items()
    ],
}
json.dump(out, open(os.path.join(here, "ecdsa_secp256r1_sha256_p1363_test.subset.json"), "w"), indent=1)
