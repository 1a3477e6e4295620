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
* Cloud profiles (Visa VCPS CVN '43', Mastercard MCBP contactless): the
  cryptogram inputs and values are those of data/cloud.json (vcps_qvsdc_ac,
  mcbp_ac: each produced by the public reference code that file names and an
  independent Python implementation), re-computed here once more from
  SPEC-CLOUD.md on pyca/cryptography (LUK from the UDK and key index, ISO
  9797-1 MAC algorithm 3 with padding 2, the MCBP IAD assembly) and asserted
  equal before the payload is built around them.

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


# ---------------------------------------------------------------- cloud profiles

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES  # noqa: E402


def des_ecb(k, b, decrypt=False):
    """DES (8-byte key) or two-key TDES (16), given to pyca as the equivalent 24-byte key."""
    k = k * 3 if len(k) == 8 else k + k[:8]
    c = Cipher(TripleDES(k), modes.ECB())
    x = c.decryptor() if decrypt else c.encryptor()
    return x.update(b) + x.finalize()


def mac3(key, msg):
    """ISO 9797-1 MAC algorithm 3 (retail MAC), padding method 2."""
    k1, k2 = key[:8], key[8:16]
    m = msg + b"\x80" + bytes((-len(msg) - 1) % 8)
    h = bytes(8)
    for i in range(0, len(m), 8):
        h = des_ecb(k1, bytes(a ^ b for a, b in zip(h, m[i:i + 8])))
    return des_ecb(k1, des_ecb(k2, h, decrypt=True))


TERMINAL = ["tag_9f02", "tag_9f03", "tag_9f1a", "tag_95", "tag_5f2a", "tag_9a", "tag_9c", "tag_9f37"]
FIELD = {"tag_9f02": "amount_authorised", "tag_9f03": "amount_other", "tag_9f1a": "terminal_country",
         "tag_95": "tvr", "tag_5f2a": "currency", "tag_9a": "date", "tag_9c": "transaction_type",
         "tag_9f37": "un", "tag_82": "aip", "tag_9f36": "atc"}


def cloud_min(c):
    return b"".join(bytes.fromhex(c[k]) for k in TERMINAL + ["tag_82", "tag_9f36"])


def vcps_check(c):
    """LUK = TDES_UDK('1'||KI||'8'||0..) || TDES_UDK('2'||KI||'8'||0..); AC = MAC3_LUK(min || CVR)."""
    udk = bytes.fromhex(c["udk"])
    ki = c["key_index"]
    luk = b"".join(des_ecb(udk, bytes.fromhex((h + ki + "8").ljust(16, "0"))) for h in "12")
    assert luk.hex() == c["luk"], c["id"]
    iad = bytes.fromhex(c["tag_9f10"])
    assert iad[:2] == b"\x1f\x43" and iad[13:17].hex() == ki.rjust(8, "0"), c["id"]
    ac = mac3(luk, cloud_min(c) + iad[3:7])
    assert ac.hex() == c["tag_9f26"], c["id"]
    return ac, iad


def mcbp_check(c):
    """AC_UMD = MAC3_SKumd(min || CVR6) in 9F26; IAD = template with CVR at 2,
    DAC (or the IDN's first 2 bytes when the IDN is not zero) at 8, AC_MD[0..5] at 11."""
    m = cloud_min(c) + bytes.fromhex(c["cvr"])
    ac = mac3(bytes.fromhex(c["sk_umd"]), m)
    md = mac3(bytes.fromhex(c["sk_md"]), m)
    idn = bytes.fromhex(c["tag_9f4c"])
    iad = bytearray(bytes.fromhex(c["iad_template"]))
    iad[2:8] = bytes.fromhex(c["cvr"])
    iad[8:10] = bytes.fromhex(c["tag_9f45"]) if idn == bytes(8) else idn[:2]
    iad[11:16] = md[:5]
    assert ac.hex() == c["tag_9f26"] and bytes(iad).hex() == c["tag_9f10"], c["id"]
    return ac, bytes(iad)


def payload_of(aid, dpan, f, iad, ac):
    app = b"".join([
        tlv(b"\x9F\x26", ac), tlv(b"\x9F\x27", b"\x80"), tlv(b"\x9F\x10", iad),
        tlv(b"\x9F\x36", f["atc"]), tlv(b"\x9F\x37", f["un"]), tlv(b"\x82", f["aip"]),
        tlv(b"\x9F\x02", f["amount_authorised"]), tlv(b"\x9F\x03", f["amount_other"]),
        tlv(b"\x9F\x1A", f["terminal_country"]), tlv(b"\x95", f["tvr"]),
        tlv(b"\x5F\x2A", f["currency"]), tlv(b"\x9A", f["date"]),
        tlv(b"\x9C", f["transaction_type"]),
    ])
    return tlv(b"\x85", b"CPV01") + tlv(b"\x61", tlv(b"\x4F", aid) + tlv(b"\x5A", bcd_dpan(dpan)) + tlv(b"\x63", app))


CLOUD_SOURCE = ("test-vectors/gen/cpm.py: cryptogram inputs and values from data/cloud.json {id} "
                "(re-computed by this script on pyca/cryptography from SPEC-CLOUD.md), TLV by a Python "
                "encoder, base64 by Python's base64 module")


def cloud_vectors():
    with open(os.path.join(HERE, "..", "data", "cloud.json")) as fh:
        cloud = json.load(fh)["vectors"]
    rng = random.Random(0x434C4350)
    out = []
    raw = {}
    for c in cloud["vcps_qvsdc_ac"]:
        if c["id"] not in ("vcps_qvsdc_ac-s001", "vcps_qvsdc_ac-s003", "vcps_qvsdc_ac-s008"):
            continue
        ac, iad = vcps_check(c)
        # The token the payload carries: the card number of the cloud vector
        # (VCPS cryptograms do not cover it; the backend checks it is the
        # token it resolved).
        dpan = c["pan"]
        f = {FIELD[k]: bytes.fromhex(c[k]) for k in FIELD}
        aid = bytes.fromhex("A0000000031010")
        payload = payload_of(aid, dpan, f, iad, ac)
        v = {"id": "cpm-visa_vcps-" + c["id"].split("-")[1], "source": CLOUD_SOURCE.format(id=c["id"]),
             "profile": "visa_vcps", "udk": c["udk"].upper(), "key_index": c["key_index"],
             "aid": aid.hex().upper(), "dpan": dpan, "iad": iad.hex().upper()}
        v.update({k: x.hex().upper() for k, x in f.items()})
        v.update({"cryptogram": ac.hex().upper(), "tlv": payload.hex().upper(),
                  "payload": base64.b64encode(payload).decode()})
        out.append(v)
        raw.setdefault("visa_vcps", (v, payload))
    for c in cloud["mcbp_ac"]:
        if c["id"] not in ("mcbp_ac-s001", "mcbp_ac-s002", "mcbp_ac-s005"):
            continue
        assert c["kind"] == "contactless"
        ac, iad = mcbp_check(c)
        dpan = "5204" + "".join(rng.choice("0123456789") for _ in range(12))
        f = {FIELD[k]: bytes.fromhex(c[k]) for k in FIELD}
        aid = bytes.fromhex("A0000000041010")
        payload = payload_of(aid, dpan, f, iad, ac)
        v = {"id": "cpm-mastercard_mcbp-" + c["id"].split("-")[1], "source": CLOUD_SOURCE.format(id=c["id"]),
             "profile": "mastercard_mcbp", "sk_umd": c["sk_umd"].upper(), "sk_md": c["sk_md"].upper(),
             "mobile_pin": c["mobile_pin"], "iad_template": c["iad_template"].upper(),
             "cvr": c["cvr"].upper(), "dac": c["tag_9f45"].upper(), "idn": c["tag_9f4c"].upper(),
             "aid": aid.hex().upper(), "dpan": dpan, "iad": iad.hex().upper()}
        v.update({k: x.hex().upper() for k, x in f.items()})
        v.update({"cryptogram": ac.hex().upper(), "tlv": payload.hex().upper(),
                  "payload": base64.b64encode(payload).decode()})
        out.append(v)
        raw.setdefault("mastercard_mcbp", (v, payload))
    # Refusals: each keeps the keys, so the runner takes the payload through
    # the whole backend path (parse, pinned profile, verification).
    b64 = lambda b: base64.b64encode(b).decode()
    keep = lambda v, *ks: {k: v[k] for k in ks}
    vv, vp = raw["visa_vcps"]
    mv, mp = raw["mastercard_mcbp"]
    vkeys = keep(vv, "udk", "key_index", "dpan")
    mkeys = keep(mv, "sk_umd", "sk_md", "mobile_pin", "iad_template", "dpan", "atc")
    ac_at = vp.index(b"\x9F\x26\x08") + 3
    flipped = vp[:ac_at] + bytes([vp[ac_at] ^ 0x01]) + vp[ac_at + 1:]
    ki_at = vp.index(bytes.fromhex(vv["iad"])) + 13
    other_ki = "%07d" % (int(vv["key_index"]) + 1)  # the next counter: a valid index never issued
    wrong_ki = vp[:ki_at] + bytes.fromhex(other_ki.rjust(8, "0")) + vp[ki_at + 4:]
    m_ac_at = mp.index(b"\x9F\x26\x08") + 3
    m_flipped = mp[:m_ac_at] + bytes([mp[m_ac_at] ^ 0x80]) + mp[m_ac_at + 1:]
    md_at = mp.index(bytes.fromhex(mv["iad"])) + 11
    m_md = mp[:md_at] + bytes([mp[md_at] ^ 0x01]) + mp[md_at + 1:]
    bad = [
        ("INVALID-visa_vcps-pinned-as-mastercard_mcbp", "mastercard_mcbp", b64(vp),
         dict(mkeys, dpan=vv["dpan"])),
        ("INVALID-mastercard_mcbp-pinned-as-visa_vcps", "visa_vcps", b64(mp), dict(vkeys, dpan=mv["dpan"])),
        # EMV common AES does not declare its CVN in the IAD: the payload
        # parses, and the cryptogram fails under the AES card key pinned.
        ("INVALID-visa_vcps-pinned-as-emv_common_aes", "emv_common_aes", b64(vp),
         {"imk": rng.randbytes(16).hex().upper(), "pan": vv["dpan"], "psn": "00", "dpan": vv["dpan"]}),
        ("INVALID-visa_vcps-cryptogram-bit-flipped", "visa_vcps", b64(flipped), vkeys),
        ("INVALID-visa_vcps-key-index-never-issued", "visa_vcps", b64(wrong_ki), vkeys),
        ("INVALID-mastercard_mcbp-ac_umd-bit-flipped", "mastercard_mcbp", b64(m_flipped), mkeys),
        ("INVALID-mastercard_mcbp-ac_md-part-bit-flipped", "mastercard_mcbp", b64(m_md), mkeys),
    ]
    for name, profile, text, keys in bad:
        e = {"id": name, "source": "test-vectors/gen/cpm.py: a valid cloud-profile payload altered or pinned as the id says",
             "profile": profile, "payload": text, "result": "invalid"}
        e.update(keys)
        out.append(e)
    return out


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
    return out + cloud_vectors()


if __name__ == "__main__":
    print(json.dumps(vectors(), indent=1))
