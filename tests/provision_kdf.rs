//! KDF and MAC known-answer vectors from kdf_mac.json (the whole Wycheproof
//! HMAC, HKDF and AES-CMAC files run in test-vectors/tests/wycheproof.rs).
#![cfg(feature = "provision")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod provision_common;
use provision_common::*;

use tapcrypt::Algorithm;
use tapcrypt::kdf::{self, Prf};
use tapcrypt::mac::MacKey;

const KDF_MAC: &str = include_str!("../test-vectors/data/kdf_mac.json");

fn section(name: &str) -> Vec<serde_json::Value> {
    json(KDF_MAC)["sections"][name]["vectors"]
        .as_array()
        .unwrap()
        .clone()
}

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k}"))
}

#[test]
fn kdf_mac_hmac_sha256() {
    let vs = section("hmac_sha256");
    assert_eq!(vs.len(), 7);
    for v in vs {
        let key = hex(s(&v, "key"));
        let data = hex(s(&v, "data"));
        let want = hex(s(&v, "mac"));
        let got = kdf::hmac_sha256(&key, &data);
        assert_eq!(got[..want.len()], want[..], "{}", s(&v, "id"));
        kdf::hmac_sha256_verify(&key, &data, &want, want.len()).unwrap();
        let mut bad = want.clone();
        bad[0] ^= 1;
        assert!(kdf::hmac_sha256_verify(&key, &data, &bad, bad.len()).is_err());
    }
}

#[test]
fn kdf_mac_hkdf_sha256() {
    let vs = section("hkdf_sha256");
    assert_eq!(vs.len(), 3);
    for v in vs {
        let mut okm = vec![0u8; v["L"].as_u64().unwrap() as usize];
        kdf::hkdf_sha256(
            &hex(s(&v, "salt")),
            &hex(s(&v, "ikm")),
            &hex(s(&v, "info")),
            &mut okm,
        )
        .unwrap();
        assert_eq!(to_hex(&okm), s(&v, "okm"), "{}", s(&v, "id"));
    }
}

#[test]
fn kdf_mac_aes_cmac() {
    let vs = section("aes_cmac");
    assert_eq!(vs.len(), 28);
    for v in vs {
        let key = hex(s(&v, "key"));
        let key = MacKey::new(Algorithm::aes_for_len(key.len()).unwrap(), &key).unwrap();
        let msg = hex(s(&v, "msg"));
        let tag = hex(s(&v, "tag"));
        kdf::aes_cmac_verify(&key, &msg, &tag, 16).unwrap();
        let mut bad = tag.clone();
        bad[15] ^= 0x80;
        assert!(kdf::aes_cmac_verify(&key, &msg, &bad, 16).is_err());
    }
}

#[test]
fn kdf_mac_kbkdf_cavp() {
    let vs = section("kbkdf_counter_sp800_108");
    assert_eq!(vs.len(), 144);
    for v in vs {
        let prf = match s(&v, "prf") {
            "CMAC_AES128" | "CMAC_AES256" => Prf::CmacAes,
            "HMAC_SHA256" => Prf::HmacSha256,
            p => panic!("prf {p}"),
        };
        let ki = hex(s(&v, "KI"));
        let (before, after) = match s(&v, "ctr_location") {
            "BEFORE_FIXED" => (Vec::new(), hex(s(&v, "fixed_input"))),
            "AFTER_FIXED" => (hex(s(&v, "fixed_input")), Vec::new()),
            "MIDDLE_FIXED" => (hex(s(&v, "data_before_ctr")), hex(s(&v, "data_after_ctr"))),
            l => panic!("location {l}"),
        };
        let l_bits = v["L_bits"].as_u64().unwrap() as usize;
        assert_eq!(l_bits % 8, 0);
        let mut out = vec![0u8; l_bits / 8];
        kdf::sp800_108_counter(
            prf,
            &ki,
            &before,
            &after,
            v["rlen_bits"].as_u64().unwrap() as u32,
            &mut out,
        )
        .unwrap();
        assert_eq!(to_hex(&out), s(&v, "KO").to_lowercase(), "{}", s(&v, "id"));
    }
}

#[test]
fn kdf_mac_kbkdf_structured() {
    let vs = section("kbkdf_counter_structured_computed");
    assert_eq!(vs.len(), 9);
    for v in vs {
        let prf = if s(&v, "prf").starts_with("CMAC") {
            Prf::CmacAes
        } else {
            Prf::HmacSha256
        };
        let mut out = vec![0u8; v["L_bits"].as_u64().unwrap() as usize / 8];
        kdf::sp800_108_counter_kdf(
            prf,
            &hex(s(&v, "KI")),
            &hex(s(&v, "label_hex")),
            &hex(s(&v, "context_hex")),
            &mut out,
        )
        .unwrap();
        assert_eq!(to_hex(&out), s(&v, "KO").to_lowercase(), "{}", s(&v, "id"));
    }
}

#[test]
fn kbkdf_rejects_bad_parameters() {
    let mut out = [0u8; 16];
    assert!(kdf::sp800_108_counter(Prf::CmacAes, &[0; 15], &[], &[], 32, &mut out).is_err());
    assert!(kdf::sp800_108_counter(Prf::HmacSha256, &[0; 32], &[], &[], 12, &mut out).is_err());
    // An 8-bit counter counts at most 255 blocks.
    let mut big = vec![0u8; 256 * 32];
    assert!(kdf::sp800_108_counter(Prf::HmacSha256, &[0; 32], &[], &[], 8, &mut big).is_err());
    let mut ok = vec![0u8; 255 * 32];
    kdf::sp800_108_counter(Prf::HmacSha256, &[0; 32], &[], &[], 8, &mut ok).unwrap();
}

/// Issue 13 item 12: the verifier, not the tag's sender, fixes the tag
/// length. A correct CMAC truncated to 8..15 bytes (or an HMAC truncated to
/// 16..31) must not verify where the verifier expects the full tag; a
/// truncation the verifier asks for still verifies, and a full tag where the
/// verifier expects a truncated one does not. (Before the fix the API had no
/// expected length and `aes_cmac_verify(key, msg, &tag[..8])` verified.)
#[test]
fn tag_length_is_fixed_by_the_verifier() {
    for v in section("aes_cmac") {
        let id = s(&v, "id");
        let key = hex(s(&v, "key"));
        let key = MacKey::new(Algorithm::aes_for_len(key.len()).unwrap(), &key).unwrap();
        let msg = hex(s(&v, "msg"));
        let tag = hex(s(&v, "tag"));
        assert_eq!(tag.len(), 16, "{id}");
        for n in 8..16 {
            assert!(
                kdf::aes_cmac_verify(&key, &msg, &tag[..n], 16).is_err(),
                "{id}: {n}-byte truncation verified"
            );
            kdf::aes_cmac_verify(&key, &msg, &tag[..n], n).unwrap();
            assert!(
                kdf::aes_cmac_verify(&key, &msg, &tag, n).is_err(),
                "{id}: {n}"
            );
            let mut bad = tag[..n].to_vec();
            bad[n - 1] ^= 1;
            assert!(
                kdf::aes_cmac_verify(&key, &msg, &bad, n).is_err(),
                "{id}: {n}"
            );
        }
        for n in [0, 4, 7, 17] {
            let t = &tag[..n.min(16)];
            assert!(kdf::aes_cmac_verify(&key, &msg, t, n).is_err(), "{id}: {n}");
        }
    }
    for v in section("hmac_sha256") {
        let want = hex(s(&v, "mac"));
        if want.len() < 32 {
            continue;
        }
        let (key, data) = (hex(s(&v, "key")), hex(s(&v, "data")));
        for n in 16..32 {
            assert!(
                kdf::hmac_sha256_verify(&key, &data, &want[..n], 32).is_err(),
                "{}: {n}-byte truncation verified",
                s(&v, "id")
            );
            kdf::hmac_sha256_verify(&key, &data, &want[..n], n).unwrap();
        }
        assert!(kdf::hmac_sha256_verify(&key, &data, &want[..15], 15).is_err());
    }
}
