//! P-256 (the whole Wycheproof files run in test-vectors/tests/wycheproof.rs): the
//! p256.json subset (ECDH SEC1 points, ECDSA P1363, supplemental SEC1 cases),
//! key pairs, KBPK agreement and ECDSA sign/verify.
#![cfg(all(feature = "provision", feature = "__internal"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod provision_common;
use provision_common::*;

use tapcrypt::__internal::{PeerKeyEncoding, ecdh_shared_secret_for_vectors};
use tapcrypt::provision::{
    DeviceKeyPair, EcPublicKey, EcdsaSignature, EcdsaSigningKey, EcdsaVerifyingKey,
    EphemeralKeyPair, KbpkKdf, KbpkParams,
};
use tapcrypt::{Algorithm, Error};

const P256: &str = include_str!("../test-vectors/data/p256.json");

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k}"))
}

/// Our policy for `acceptable`: reject (see README-provision.md).
fn check(result: &str, accepted: bool, what: &str) -> &'static str {
    match result {
        "valid" => {
            assert!(accepted, "valid vector rejected: {what}");
            "valid"
        }
        "invalid" => {
            assert!(!accepted, "invalid vector accepted: {what}");
            "invalid"
        }
        "acceptable" => {
            assert!(
                !accepted,
                "acceptable vector accepted (policy is reject): {what}"
            );
            "acceptable"
        }
        r => panic!("result {r}"),
    }
}

fn ecdh(v: &serde_json::Value, enc: PeerKeyEncoding) -> bool {
    match ecdh_shared_secret_for_vectors(&hex(s(v, "private")), &hex(s(v, "public")), enc) {
        Ok(z) => {
            if v["result"] != "invalid" {
                assert_eq!(to_hex(&z), s(v, "shared"), "tcId {}", v["tcId"]);
            }
            true
        }
        Err(_) => false,
    }
}

#[test]
fn p256_json_subset_and_supplemental() {
    let f = json(P256);
    let mut n = 0;
    for v in f["vectors"].as_array().unwrap() {
        let what = format!("{} tcId {} {}", s(v, "file"), v["tcId"], s(v, "comment"));
        let ok = match s(v, "kind") {
            "ecdh" => ecdh(
                v,
                if s(v, "encoding") == "asn" {
                    PeerKeyEncoding::SpkiDer
                } else {
                    PeerKeyEncoding::Sec1
                },
            ),
            "ecdsa" => {
                let key =
                    EcdsaVerifyingKey::from_sec1(&hex(s(v, "public_key_uncompressed"))).unwrap();
                let (msg, sig) = (hex(s(v, "msg")), hex(s(v, "sig")));
                match s(v, "sig_format") {
                    "der" => key.verify_der(&msg, &sig).is_ok(),
                    "p1363" => key.verify_p1363(&msg, &sig).is_ok(),
                    f => panic!("format {f}"),
                }
            }
            k => panic!("kind {k}"),
        };
        check(s(v, "result"), ok, &what);
        n += 1;
    }
    assert_eq!(n, 209);
}

#[test]
fn sec1_decoding_errors_are_typed() {
    let g = hex(
        "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    );
    let pk = EcPublicKey::from_sec1(&g).unwrap();
    assert_eq!(pk.to_sec1().to_vec(), g);
    let m = |what| Error::Malformed { what };
    assert_eq!(
        EcPublicKey::from_sec1(&[0]),
        Err(m("P-256 point at infinity"))
    );
    assert!(matches!(
        EcPublicKey::from_sec1(&[]),
        Err(Error::Length { got: 0, .. })
    ));
    let mut c = vec![0x03];
    c.extend_from_slice(&g[1..33]);
    assert_eq!(
        EcPublicKey::from_sec1(&c),
        Err(m("compressed P-256 point not accepted"))
    );
    let mut h = g.clone();
    h[0] = 0x06;
    assert_eq!(
        EcPublicKey::from_sec1(&h),
        Err(m("hybrid P-256 point not accepted"))
    );
    h[0] = 0x05;
    assert_eq!(
        EcPublicKey::from_sec1(&h),
        Err(m("unknown SEC1 point prefix"))
    );
    let mut off = g.clone();
    off[64] ^= 1;
    assert_eq!(
        EcPublicKey::from_sec1(&off),
        Err(m("point not on the P-256 curve"))
    );
    let mut big = g.clone();
    big[1..33].copy_from_slice(&[0xff; 32]);
    assert_eq!(
        EcPublicKey::from_sec1(&big),
        Err(m("P-256 coordinate not below p"))
    );
    assert!(matches!(
        EcPublicKey::from_sec1(&g[..64]),
        Err(Error::Length { .. })
    ));
    let mut long = g.clone();
    long.push(0);
    assert!(matches!(
        EcPublicKey::from_sec1(&long),
        Err(Error::Length { .. })
    ));
}

#[test]
fn key_pairs_round_trip_and_reject_bad_scalars() {
    let mut rng = TestRng::new(1);
    let d = DeviceKeyPair::generate(&mut rng);
    let again = DeviceKeyPair::from_secret_bytes(&d.expose_secret_bytes()).unwrap();
    assert_eq!(d.public_key(), again.public_key());
    assert!(DeviceKeyPair::from_secret_bytes(&[0; 32]).is_err());
    assert!(DeviceKeyPair::from_secret_bytes(&[0xff; 32]).is_err());
    // n itself is refused, n - 1 accepted.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let mut nm1 = n.clone();
    nm1[31] -= 1;
    assert!(DeviceKeyPair::from_secret_bytes(&n.clone().try_into().unwrap()).is_err());
    DeviceKeyPair::from_secret_bytes(&nm1.try_into().unwrap()).unwrap();
    // Debug never shows the secret.
    let dbg = format!("{d:?}");
    assert!(
        dbg.starts_with("DeviceKeyPair { public: EcPublicKey(04"),
        "{dbg}"
    );
    assert!(!dbg.contains(&to_hex(&*d.expose_secret_bytes())));
    let sk = EcdsaSigningKey::generate(&mut rng);
    assert!(!format!("{sk:?}").contains(&to_hex(&*sk.expose_secret_bytes())));
}

#[test]
fn both_sides_derive_the_same_kbpk() {
    let mut rng = TestRng::new(2);
    let device = DeviceKeyPair::generate(&mut rng);
    for kdf in [KbpkKdf::OneStepSha256, KbpkKdf::HkdfSha256] {
        for alg in [
            Algorithm::Aes128,
            Algorithm::Aes192,
            Algorithm::Aes256,
            Algorithm::Tdes2,
        ] {
            let params = KbpkParams {
                kdf,
                algorithm: alg,
                context: b"token-ref-123",
            };
            let eph = EphemeralKeyPair::generate(&mut rng);
            let eph_pub = eph.public_key();
            let tsp = eph.derive_kbpk(&device.public_key(), &params).unwrap();
            let dev = device.derive_kbpk(&eph_pub, &params).unwrap();
            assert_eq!(tsp.expose_secret(), dev.expose_secret());
            assert_eq!(dev.algorithm(), alg);
            // A different context gives a different key.
            let other = device
                .derive_kbpk(
                    &eph_pub,
                    &KbpkParams {
                        context: b"token-ref-124",
                        ..params
                    },
                )
                .unwrap();
            assert_ne!(other.expose_secret(), dev.expose_secret());
        }
    }
    let eph = EphemeralKeyPair::generate(&mut rng);
    let long = [0u8; 256];
    let params = KbpkParams {
        kdf: KbpkKdf::OneStepSha256,
        algorithm: Algorithm::Aes256,
        context: &long,
    };
    assert!(matches!(
        device.derive_kbpk(&eph.public_key(), &params),
        Err(Error::Length { .. })
    ));
}

const KBPK_PYCA: &str = include_str!("../test-vectors/data/kbpk_pyca.json");

/// The KBPK derivation end to end against pyca/cryptography (OpenSSL): ECDH,
/// then the SP 800-56C one-step KDF and HKDF-SHA256 over the documented fixed
/// info, from both sides, for every KBPK algorithm and context length. Also
/// the bare one-step KDF with multi-block outputs.
#[test]
fn kbpk_derivation_matches_pyca() {
    let doc = json(KBPK_PYCA);
    let alg = |n: &str| match n {
        "aes128" => Algorithm::Aes128,
        "aes192" => Algorithm::Aes192,
        "aes256" => Algorithm::Aes256,
        "tdes2" => Algorithm::Tdes2,
        "tdes3" => Algorithm::Tdes3,
        other => panic!("{other}"),
    };
    let vectors = doc["kbpk"].as_array().unwrap();
    assert_eq!(vectors.len(), 5);
    for v in vectors {
        let d: [u8; 32] = hex(s(v, "device_scalar")).try_into().unwrap();
        let e: [u8; 32] = hex(s(v, "ephemeral_scalar")).try_into().unwrap();
        let device = DeviceKeyPair::from_secret_bytes(&d).unwrap();
        let eph = EphemeralKeyPair::from_secret_bytes_for_tests(&e).unwrap();
        assert_eq!(
            device.public_key().to_sec1().to_vec(),
            hex(s(v, "device_public"))
        );
        assert_eq!(
            eph.public_key().to_sec1().to_vec(),
            hex(s(v, "ephemeral_public"))
        );
        let z = ecdh_shared_secret_for_vectors(
            &d,
            &hex(s(v, "ephemeral_public")),
            PeerKeyEncoding::Sec1,
        )
        .unwrap();
        assert_eq!(z.to_vec(), hex(s(v, "z")), "Z, vector {}", v["id"]);
        let ctx = hex(s(v, "context"));
        for (kdf, field) in [
            (KbpkKdf::OneStepSha256, "kbpk_one_step_sha256"),
            (KbpkKdf::HkdfSha256, "kbpk_hkdf_sha256"),
        ] {
            let params = KbpkParams {
                kdf,
                algorithm: alg(s(v, "algorithm")),
                context: &ctx,
            };
            let want = hex(s(v, field));
            // An ephemeral key pair is consumed by its one derivation.
            let eph = EphemeralKeyPair::from_secret_bytes_for_tests(&e).unwrap();
            let eph_pub = eph.public_key();
            let service = eph.derive_kbpk(&device.public_key(), &params).unwrap();
            let dev = device.derive_kbpk(&eph_pub, &params).unwrap();
            assert_eq!(
                service.expose_secret().to_vec(),
                want,
                "{field}, vector {}",
                v["id"]
            );
            assert_eq!(
                dev.expose_secret().to_vec(),
                want,
                "{field}, vector {}",
                v["id"]
            );
        }
    }
    let bare = doc["one_step_sha256"].as_array().unwrap();
    assert_eq!(bare.len(), 3);
    for v in bare {
        let mut out = vec![0u8; v["length"].as_u64().unwrap() as usize];
        tapcrypt::kdf::one_step_sha256(&hex(s(v, "z")), &[&hex(s(v, "fixed_info"))], &mut out)
            .unwrap();
        assert_eq!(out, hex(s(v, "output")));
    }
}

#[test]
fn ecdsa_sign_verify_low_s_and_formats() {
    let mut rng = TestRng::new(3);
    let sk = EcdsaSigningKey::generate(&mut rng);
    let vk = sk.verifying_key();
    let msg = b"provisioning request: device 42";
    let sig = sk.sign(msg);
    assert!(!sig.is_high_s());
    assert_eq!(sig, sk.sign(msg), "RFC 6979 is deterministic");
    vk.verify(msg, &sig).unwrap();
    vk.verify_p1363(msg, &sig.to_p1363()).unwrap();
    let mut der = [0u8; 72];
    let n = sig.to_der(&mut der);
    vk.verify_der(msg, &der[..n]).unwrap();
    assert_eq!(EcdsaSignature::from_der(&der[..n]).unwrap(), sig);
    assert!(vk.verify(b"provisioning request: device 43", &sig).is_err());
    let hedged = sk.sign_with_rng(&mut rng, msg);
    assert_ne!(hedged, sig);
    assert!(!hedged.is_high_s());
    vk.verify(msg, &hedged).unwrap();
    vk.verify_parts(&[b"provisioning ", b"request: device 42"], &sig)
        .unwrap();
    // Every single-bit flip of the signature fails.
    let p = sig.to_p1363();
    for i in 0..512 {
        let mut b = p;
        b[i / 8] ^= 1 << (i % 8);
        assert!(vk.verify_p1363(msg, &b).is_err(), "bit {i}");
    }
    // Round trip of the secret.
    let sk2 = EcdsaSigningKey::from_secret_bytes(&sk.expose_secret_bytes()).unwrap();
    assert_eq!(sk2.verifying_key(), vk);
    assert!(EcdsaSignature::from_p1363(&[0; 63]).is_err());
    assert!(EcdsaSignature::from_p1363(&[0; 64]).is_err());
}

/// RFC 6979 appendix A.2.5 (P-256, SHA-256): deterministic signatures of
/// "sample" and "test" (also reproduced with pyca/cryptography 48.0.0's
/// `deterministic_signing=True`). tapcrypt always emits low S, so where the
/// RFC's s is above n/2 we must produce n − s.
#[test]
fn ecdsa_sign_matches_rfc6979_a_2_5() {
    let x = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
    let sk = EcdsaSigningKey::from_secret_bytes(&x.try_into().unwrap()).unwrap();
    assert_eq!(
        to_hex(&sk.verifying_key().public_key().to_sec1()),
        "04".to_owned()
            + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
            + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
    );
    for (msg, r, s, high) in [
        (
            &b"sample"[..],
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
            true,
        ),
        (
            &b"test"[..],
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
            false,
        ),
    ] {
        let mut want = hex(&(r.to_owned() + s));
        if high {
            malleate_p1363(&mut want);
        }
        assert_eq!(to_hex(&sk.sign(msg).to_p1363()), to_hex(&want), "{msg:?}");
    }
}
