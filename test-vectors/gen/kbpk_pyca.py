#!/usr/bin/env python3
"""Known answers for the KBPK derivation, computed with pyca/cryptography
(OpenSSL), not with tapcrypt: P-256 ECDH, the SP 800-56C one-step KDF
(pyca's ConcatKDFHash = SP 800-56C Rev. 2 option 1 with SHA-256) and
HKDF-SHA256, over the fixed info written from the layout documented in
src/provision/keypair.rs ("KBPK derivation").

    python3 test-vectors/gen/kbpk_pyca.py > test-vectors/data/kbpk_pyca.json
"""
import json

import cryptography
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALG = {"aes128": (0x01, 16), "aes192": (0x02, 24), "aes256": (0x03, 32),
       "tdes2": (0x11, 16), "tdes3": (0x12, 24)}


def key(scalar_hex):
    return ec.derive_private_key(int(scalar_hex, 16), ec.SECP256R1())


def sec1(k):
    return k.public_key().public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint)


def fixed_info(alg, eph_pub, dev_pub, ctx):
    code, n = ALG[alg]
    return (b"tapcrypt/kbpk/v1" + bytes([code]) + b"\x41" + eph_pub + b"\x41" + dev_pub
            + len(ctx).to_bytes(2, "big") + ctx + (8 * n).to_bytes(4, "big"))


vectors = []
for i, (d, e, alg, ctx) in enumerate([
    ("11" * 32, "22" * 32, "aes256", b"ctx"),
    ("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
     "a9e2f5b7c9d1e3f50719213b4d5f6e7a8c9eb0c2d4e6f8091a2b3c4d5e6f7081", "aes128", b""),
    ("0f" * 32, "7e" * 32, "aes192", b"tokenref:4895370012345671"),
    ("3c" * 31 + "3d", "5a" * 32, "tdes2", bytes(range(64))),
    ("4d" * 32, "75" * 32, "tdes3", b"band-42/wallet-7"),
]):
    dev, eph = key(d), key(e)
    z = eph.exchange(ec.ECDH(), dev.public_key())
    assert z == dev.exchange(ec.ECDH(), eph.public_key())
    fi = fixed_info(alg, sec1(eph), sec1(dev), ctx)
    n = ALG[alg][1]
    one_step = ConcatKDFHash(hashes.SHA256(), n, fi).derive(z)
    hkdf = HKDF(hashes.SHA256(), n, salt=None, info=fi).derive(z)
    vectors.append({
        "id": i + 1, "device_scalar": d, "ephemeral_scalar": e, "algorithm": alg,
        "context": ctx.hex(), "device_public": sec1(dev).hex(),
        "ephemeral_public": sec1(eph).hex(), "z": z.hex(), "fixed_info": fi.hex(),
        "kbpk_one_step_sha256": one_step.hex(), "kbpk_hkdf_sha256": hkdf.hex(),
    })

# The bare one-step KDF with outputs longer than one SHA-256 block (counter 2, 3).
one_step = []
for z, fi, n in [("00" * 32, "", 1), ("ab" * 32, "666978656420696e666f", 33),
                 ("0102030405", "74617063727970742f6b6270", 80)]:
    out = ConcatKDFHash(hashes.SHA256(), n, bytes.fromhex(fi)).derive(bytes.fromhex(z))
    one_step.append({"z": z, "fixed_info": fi, "length": n, "output": out.hex()})

print(json.dumps({
    "meta": {
        "description": "KBPK derivation known answers: P-256 ECDH -> SP 800-56C one-step "
                       "(SHA-256) and HKDF-SHA256 over tapcrypt's documented fixed info; "
                       "plus bare one-step KDF outputs of 1, 33 and 80 bytes",
        "provenance": "computed with pyca/cryptography %s (OpenSSL backend) by "
                      "test-vectors/gen/kbpk_pyca.py: ec.ECDH, ConcatKDFHash, HKDF; "
                      "no tapcrypt code involved" % cryptography.__version__,
    },
    "kbpk": vectors,
    "one_step_sha256": one_step,
}, indent=1))
