//! Visa VCPS (CVN '43'): the `vcps_*` groups of cloud.json through the device
//! and backend API, every positive vector re-run with one bit flipped (must
//! fail), and the negative cases: key index out of range or never issued,
//! a LUK presented under another key index, malformed IADs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cloud_common;
use cloud_common::*;

use tapcrypt::emv::cloud::vcps::{self, KeyIndex, Luk, LukBytes, VcpsIad, VcpsVerifier};
use tapcrypt::emv::{Atc, Cryptogram};
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn};

fn udk_of(v: &serde_json::Value) -> Option<CardMasterKey> {
    if v.get("mdk").is_some() {
        let imk = IssuerMasterKey::new(Algorithm::Tdes2, &hex(s(v, "mdk"))).unwrap();
        let udk = vcps::derive_udk(
            &imk,
            &Pan::parse(s(v, "pan")).unwrap(),
            Psn::parse(s(v, "psn")).unwrap(),
        )
        .unwrap();
        assert_eq!(udk.expose_secret(), hex(s(v, "udk")), "{}", s(v, "id"));
        Some(udk)
    } else {
        v.get("udk")
            .map(|_| CardMasterKey::new(Algorithm::Tdes2, &hex(s(v, "udk"))).unwrap())
    }
}

#[test]
fn luk_vectors_and_flips() {
    let vs = vectors("vcps_luk");
    assert_eq!(vs.len(), 10);
    for v in &vs {
        let id = s(v, "id");
        let ki = KeyIndex::parse(s(v, "key_index")).unwrap();
        let udk = udk_of(v).unwrap();
        let luk = Luk::derive(&udk, ki).unwrap();
        let want: [u8; 16] = hexn(v, "luk");
        assert_eq!(luk.expose_secret(), &want, "{id}");
        assert_eq!(luk.kcv().0.to_vec(), hex(s(v, "luk_kcv")), "{id}");
        assert_eq!(luk.key_index(), ki);
        for bad in each_bit_flip(want) {
            assert_ne!(luk.expose_secret(), &bad, "{id}");
        }
        // Another key index gives another LUK (the index is bound in).
        let other = KeyIndex::new((ki.year() + 1) % 10, ki.hours(), ki.counter()).unwrap();
        assert_ne!(
            Luk::derive(&udk, other).unwrap().expose_secret(),
            &want,
            "{id}"
        );
    }
}

#[test]
fn qvsdc_vectors_verify_and_one_bit_flips_fail() {
    let vs = vectors("vcps_qvsdc_ac");
    assert_eq!(vs.len(), 9);
    let mut backend = 0;
    for v in &vs {
        let id = s(v, "id");
        let t = txn(v);
        let want = Cryptogram(hexn(v, "tag_9f26"));
        let (iad, ki) = match v.get("tag_9f10") {
            Some(_) => {
                let iad = VcpsIad::parse(&hex(s(v, "tag_9f10"))).unwrap();
                let ki = KeyIndex::parse(s(v, "key_index")).unwrap();
                assert_eq!(iad.key_index(), ki, "{id}");
                assert_eq!(iad.cvr().to_vec(), hex(s(v, "cvr")), "{id}");
                (iad, ki)
            }
            None => {
                let ki = KeyIndex::new(0, 1, 0).unwrap();
                (VcpsIad::new(1, hexn(v, "cvr"), [0; 6], ki).unwrap(), ki)
            }
        };
        // Device.
        let luk = match udk_of(v) {
            Some(u) => Luk::derive(&u, ki).unwrap(),
            None => Luk::new(LukBytes::from_bytes(&hexn(v, "luk")), ki),
        };
        assert_eq!(luk.expose_secret().to_vec(), hex(s(v, "luk")), "{id}");
        assert_eq!(luk.qvsdc_ac(&t, &iad).unwrap(), want, "{id}");
        // Backend.
        if let Some(udk) = udk_of(v) {
            backend += 1;
            let issued = [ki];
            let verifier = VcpsVerifier::new(&udk, &issued);
            let proof = verifier.verify_qvsdc(&t, &iad, &want).unwrap();
            assert_eq!(proof.atc(), t.atc);
            assert_eq!(proof.key_index(), ki);
            for bad in each_bit_flip(want.0) {
                assert!(
                    verifier.verify_qvsdc(&t, &iad, &Cryptogram(bad)).is_err(),
                    "{id}"
                );
            }
            // A flipped CVR bit (covered by the AC) fails too.
            let mut b = iad.to_bytes();
            b[6] ^= 1;
            let iad2 = VcpsIad::parse(&b).unwrap();
            assert!(verifier.verify_qvsdc(&t, &iad2, &want).is_err(), "{id}");
            // One bit of the amount.
            let mut t2 = t;
            t2.amount_authorised[5] ^= 1;
            assert!(verifier.verify_qvsdc(&t2, &iad, &want).is_err(), "{id}");
        }
    }
    assert_eq!(backend, 8);
}

#[test]
fn msd_vectors_verify_and_flips_fail() {
    let vs = vectors("vcps_msd");
    assert_eq!(vs.len(), 11);
    for v in &vs {
        let id = s(v, "id");
        let atc = Atc(hexn(v, "atc"));
        let dt: [u8; 8] = hexn(v, "device_type");
        let value = s(v, "msd_verification_value");
        let ki = match v.get("key_index") {
            Some(_) => KeyIndex::parse(s(v, "key_index")).unwrap(),
            None => KeyIndex::new(0, 1, 0).unwrap(),
        };
        let luk = match udk_of(v) {
            Some(u) => Luk::derive(&u, ki).unwrap(),
            None => Luk::new(LukBytes::from_bytes(&hexn(v, "luk")), ki),
        };
        assert_eq!(
            &luk.msd_value(atc, &dt).to_ascii(),
            value.as_bytes(),
            "{id}"
        );
        if let Some(udk) = udk_of(v) {
            let issued = [ki];
            let verifier = VcpsVerifier::new(&udk, &issued);
            verifier.verify_msd(ki, atc, &dt, value).unwrap();
            let mut d = value.as_bytes().to_vec();
            for i in 0..3 {
                let mut x = d.clone();
                x[i] = b'0' + (x[i] - b'0' + 1) % 10;
                assert!(
                    verifier
                        .verify_msd(ki, atc, &dt, std::str::from_utf8(&x).unwrap())
                        .is_err(),
                    "{id}"
                );
            }
            d[2] ^= 1; // one bit of the last ASCII digit
            assert!(
                verifier
                    .verify_msd(ki, atc, &dt, std::str::from_utf8(&d).unwrap())
                    .is_err()
            );
            assert!(
                verifier
                    .verify_msd(ki, Atc::from_u16(atc.to_u16() ^ 1), &dt, value)
                    .is_err()
            );
            assert!(verifier.verify_msd(ki, atc, &dt, "12").is_err());
        }
    }
}

fn first_backend_vector() -> (serde_json::Value, CardMasterKey, VcpsIad, KeyIndex) {
    let v = vectors("vcps_qvsdc_ac")
        .into_iter()
        .find(|v| v.get("mdk").is_some())
        .unwrap();
    let udk = udk_of(&v).unwrap();
    let iad = VcpsIad::parse(&hex(s(&v, "tag_9f10"))).unwrap();
    let ki = iad.key_index();
    (v, udk, iad, ki)
}

#[test]
fn key_index_never_issued_is_refused() {
    let (v, udk, iad, ki) = first_backend_vector();
    let ac = Cryptogram(hexn(&v, "tag_9f26"));
    let t = txn(&v);
    // Issued: verifies.
    assert!(
        VcpsVerifier::new(&udk, &[ki])
            .verify_qvsdc(&t, &iad, &ac)
            .is_ok()
    );
    // Never issued (other indexes only, or none): refused, although the
    // cryptogram is genuine.
    let others = [
        KeyIndex::new(ki.year(), ki.hours(), (ki.counter() + 1) % 100).unwrap(),
        KeyIndex::new((ki.year() + 1) % 10, ki.hours(), ki.counter()).unwrap(),
    ];
    assert!(
        VcpsVerifier::new(&udk, &others)
            .verify_qvsdc(&t, &iad, &ac)
            .is_err()
    );
    let none: [KeyIndex; 0] = [];
    assert!(
        VcpsVerifier::new(&udk, &none[..])
            .verify_qvsdc(&t, &iad, &ac)
            .is_err()
    );
    // A trait-object-free custom source works too.
    struct OnlyHour(u16);
    impl vcps::IssuedLuks for OnlyHour {
        fn is_issued(&self, k: &KeyIndex) -> bool {
            k.hours() == self.0
        }
    }
    assert!(
        VcpsVerifier::new(&udk, &OnlyHour(ki.hours()))
            .verify_qvsdc(&t, &iad, &ac)
            .is_ok()
    );
    assert!(
        VcpsVerifier::new(&udk, &OnlyHour(ki.hours() % 8784 + 1))
            .verify_qvsdc(&t, &iad, &ac)
            .is_err()
    );
}

#[test]
fn key_index_out_of_range_or_malformed_is_a_typed_error() {
    for bad in ["0000001", "0878500", "9999999", "1234"] {
        assert!(KeyIndex::parse(bad).is_err(), "{bad}");
    }
    assert!(matches!(
        KeyIndex::parse("05702x1"),
        Err(Error::NotDigits { .. })
    ));
    assert!(matches!(
        KeyIndex::parse("057020"),
        Err(Error::DigitCount { .. })
    ));
    assert!(KeyIndex::new(10, 1, 0).is_err());
    assert!(KeyIndex::new(0, 0, 0).is_err());
    assert!(KeyIndex::new(0, 8785, 0).is_err());
    assert!(KeyIndex::new(0, 1, 100).is_err());
    assert!(KeyIndex::parse("0878499").is_ok());
    // In the IAD.
    let (_, _, iad, _) = first_backend_vector();
    let good = iad.to_bytes();
    for (pos, val) in [(13, 0x10), (14, 0xA0), (16, 0x0F), (14, 0x00)] {
        let mut b = good;
        b[pos] = val;
        if pos == 14 && val == 0 {
            b[15] = 0x00;
            b[16] = 0x00; // hours 0000
        }
        assert!(VcpsIad::parse(&b).is_err(), "byte {pos} = {val:02x}");
    }
    let mut b = good;
    b[1] = 0x12; // CVN 18: the profile is pinned to '43'
    assert_eq!(
        VcpsIad::parse(&b),
        Err(Error::CvnMismatch {
            pinned: 0x43,
            declared: 0x12
        })
    );
    let mut b = good;
    b[0] = 0x06;
    assert!(VcpsIad::parse(&b).is_err());
    assert!(matches!(
        VcpsIad::parse(&good[..31]),
        Err(Error::Length { .. })
    ));
    // An IAD cannot carry the two-digit-year form.
    let ki8 = KeyIndex::parse("26643101").unwrap();
    assert!(VcpsIad::new(1, [0; 4], [0; 6], ki8).is_err());
}

#[test]
fn luk_refuses_an_iad_with_another_key_index() {
    let (v, udk, iad, ki) = first_backend_vector();
    let other = KeyIndex::new(ki.year(), ki.hours(), (ki.counter() + 1) % 100).unwrap();
    let luk = Luk::derive(&udk, other).unwrap();
    assert!(matches!(
        luk.qvsdc_ac(&txn(&v), &iad),
        Err(Error::Parameter { .. })
    ));
}

#[test]
fn secrets_print_nothing() {
    let (_, udk, _, ki) = first_backend_vector();
    let luk = Luk::derive(&udk, ki).unwrap();
    assert_eq!(
        format!("{luk:?}"),
        format!("Luk {{ key_index: {ki:?}, .. }}")
    );
    assert_eq!(
        format!("{:?}", LukBytes::from_bytes(&[0x5A; 16])),
        "LukBytes { .. }"
    );
    let m = luk.msd_value(Atc::from_u16(1), &[0; 8]);
    assert_eq!(format!("{m:?}"), "MsdValue(..)");
}

#[test]
fn proofs_feed_whatever_consumes_a_verified_atc() {
    fn consumed<T: tapcrypt::emv::VerifiedAtc>(p: &T) -> Atc {
        p.atc()
    }
    let (v, udk, iad, ki) = first_backend_vector();
    let t = txn(&v);
    let issued = [ki];
    let p = VcpsVerifier::new(&udk, &issued)
        .verify_qvsdc(&t, &iad, &Cryptogram(hexn(&v, "tag_9f26")))
        .unwrap();
    assert_eq!(consumed(&p), t.atc);
}
