//! EMV consumer-presented QR payloads carrying a cloud-profile cryptogram
//! (issue 18): the band builds the payload from a Visa VCPS LUK (through the
//! `LukWallet`) or Mastercard MCBP single-use keys, the backend parses it
//! strictly and verifies it through that profile's normal pinned path. The
//! known answers are the cloud-profile `cpm` vectors of codes.json (payload
//! built by test-vectors/gen/cpm.py around cloud.json's cryptograms).
//! Negative cases: profile mismatch, tampered cryptograms, a key index never
//! issued, a payload whose DPAN is not the resolved token.
#![cfg(feature = "code")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tapcrypt::cloud_wallet::LukWallet;
use tapcrypt::code::cpm::{self, CpmContents, CpmPayload};
use tapcrypt::emv::cloud::mcbp::{
    IssuedKeyBatch, IssuedSingleUseKeys, McbpProfile, McbpTap, McbpVerdict, MobilePin, SingleUseKey,
};
use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, VcpsVerifier};
use tapcrypt::emv::{Atc, TransactionData, UnpredictableNumber};
use tapcrypt::lifecycle::{Currency, LowWater, UseLimits};
use tapcrypt::token::Dpan;
use tapcrypt::{Algorithm, CardMasterKey, Error, VerifyError};

fn cpm_vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/data/codes.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"]["cpm"].as_array().unwrap().clone()
}

fn by_id(id: &str) -> Value {
    cpm_vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("{id}"))
}

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_else(|| panic!("field {f}"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hexn<const N: usize>(v: &Value, f: &str) -> [u8; N] {
    hex(s(v, f)).try_into().unwrap()
}

fn txn(v: &Value) -> TransactionData {
    TransactionData {
        amount_authorised: hexn(v, "amount_authorised"),
        amount_other: hexn(v, "amount_other"),
        terminal_country: hexn(v, "terminal_country"),
        tvr: hexn(v, "tvr"),
        currency: hexn(v, "currency"),
        date: hexn(v, "date"),
        transaction_type: hexn::<1>(v, "transaction_type")[0],
        un: UnpredictableNumber(hexn(v, "un")),
        aip: hexn(v, "aip"),
        atc: Atc(hexn(v, "atc")),
    }
}

fn decode(text: &str) -> Vec<u8> {
    let mut buf = [0u8; cpm::MAX_PAYLOAD];
    cpm::decode_base64(text.as_bytes(), &mut buf)
        .unwrap()
        .to_vec()
}

fn udk(v: &Value) -> CardMasterKey {
    CardMasterKey::new(Algorithm::Tdes2, &hex(s(v, "udk"))).unwrap()
}

fn mcbp_profile(v: &Value) -> McbpProfile {
    McbpProfile {
        iad_template: hexn(v, "iad_template"),
        pin_iv_cvc3_track2: [0, 0],
    }
}

fn issued(v: &Value) -> IssuedSingleUseKeys {
    IssuedSingleUseKeys::contactless(
        Atc(hexn(v, "atc")),
        SingleUseKey::from_hex(s(v, "sk_umd")).unwrap(),
        SingleUseKey::from_hex(s(v, "sk_md")).unwrap(),
    )
}

fn batch_for(v: &Value) -> IssuedKeyBatch<2> {
    let mut b = IssuedKeyBatch::<2>::new();
    b.insert(issued(v)).unwrap();
    b
}

const NOW: u64 = 1_800_000_000;

/// Band: a LUK in the wallet, a reserved tap, the qVSDC cryptogram and
/// IAD, the CPM text. Backend: parse, read for VCPS, verify under the LUK
/// re-derived from the issued key index. The band's text is the file's.
#[test]
fn vcps_payload_built_from_the_wallet_verifies() {
    let vs: Vec<Value> = cpm_vectors()
        .into_iter()
        .filter(|v| v["profile"] == "visa_vcps" && v.get("result").is_none())
        .collect();
    assert_eq!(vs.len(), 3);
    for v in &vs {
        let id = s(v, "id");
        let t = txn(v);
        let index = KeyIndex::parse(s(v, "key_index")).unwrap();
        let mut wallet = LukWallet::<1>::new();
        let currency = Currency::from_bcd(t.currency).unwrap();
        wallet
            .install_new(
                Luk::derive(&udk(v), index).unwrap(),
                UseLimits {
                    max_uses: 5,
                    not_before: NOW,
                    not_after: NOW + 3600,
                    max_amount: 10_000_000_000,
                    currency,
                    low_water: LowWater::default(),
                },
            )
            .unwrap();
        let r = wallet.reserve(NOW, &t).unwrap();
        let file_iad = hex(s(v, "iad"));
        let (ac, iad) = wallet
            .tap(
                r,
                &t,
                file_iad[2],
                file_iad[3..7].try_into().unwrap(),
                file_iad[7..13].try_into().unwrap(),
            )
            .unwrap();
        let dpan = Dpan::parse(s(v, "dpan")).unwrap();
        let aid = hex(s(v, "aid"));
        let contents = CpmContents::vcps(&aid, &dpan, &t, &iad, &ac);
        let mut text = [0u8; cpm::MAX_TEXT];
        let text = cpm::build_base64(&contents, &mut text).unwrap();
        assert_eq!(text, s(v, "payload").as_bytes(), "{id}");

        // Backend, on the file's text.
        let tlv = decode(s(v, "payload"));
        let p = CpmPayload::parse(&tlv).unwrap();
        let tap = p.vcps(&dpan).unwrap();
        assert_eq!(tap.iad().key_index(), index, "{id}");
        let key = udk(v);
        let issued = [index];
        let proof = tap.verify(&VcpsVerifier::new(&key, &issued)).unwrap();
        assert_eq!(proof.atc(), t.atc, "{id}");
        assert_eq!(proof.key_index(), index, "{id}");
        assert_eq!(proof.cryptogram().0, hexn::<8>(v, "cryptogram"), "{id}");
        // The same payload against a verifier that never issued this index.
        let other = [KeyIndex::new(index.year(), index.hours(), index.counter() ^ 1).unwrap()];
        assert_eq!(
            tap.verify(&VcpsVerifier::new(&key, &other)).unwrap_err(),
            VerifyError
        );
    }
}

/// Band: the issued keys masked for the device, unlocked with the mobile
/// PIN, the dual AC, the CPM text. Backend: parse, read against the pinned
/// MCBP profile, verify both cryptograms, keys spent: a replay is refused.
#[test]
fn mcbp_payload_verifies_once_with_the_pin() {
    let vs: Vec<Value> = cpm_vectors()
        .into_iter()
        .filter(|v| v["profile"] == "mastercard_mcbp" && v.get("result").is_none())
        .collect();
    assert_eq!(vs.len(), 3);
    for v in &vs {
        let id = s(v, "id");
        let t = txn(v);
        let profile = mcbp_profile(v);
        let tap = McbpTap {
            txn: t,
            cvr: hexn(v, "cvr"),
            dac: hexn(v, "dac"),
            icc_dynamic_number: hexn(v, "idn"),
        };
        let pin = || MobilePin::parse(s(v, "mobile_pin")).unwrap();
        let dual = issued(v)
            .masked_for_device(&pin())
            .unlock(pin())
            .contactless_ac(&profile, &tap)
            .unwrap();
        let dpan = Dpan::parse(s(v, "dpan")).unwrap();
        let aid = hex(s(v, "aid"));
        let mut text = [0u8; cpm::MAX_TEXT];
        let text =
            cpm::build_base64(&CpmContents::mcbp(&aid, &dpan, &tap, &dual), &mut text).unwrap();
        assert_eq!(text, s(v, "payload").as_bytes(), "{id}");

        let tlv = decode(s(v, "payload"));
        let p = CpmPayload::parse(&tlv).unwrap();
        let ctap = p.mcbp(&profile, &dpan).unwrap();
        let mut batch = batch_for(v);
        let verdict = ctap.verify(&mut batch).unwrap();
        assert!(matches!(verdict, McbpVerdict::PinVerified(_)), "{id}");
        assert_eq!(verdict.atc(), t.atc);
        assert_eq!(batch.unspent(), 0, "{id}: keys spent");
        assert_eq!(ctap.verify(&mut batch).unwrap_err(), VerifyError, "{id}");
    }
}

/// A wrong mobile PIN on the band gives a device-only verdict through the
/// CPM path too, never a PIN-verified one.
#[test]
fn mcbp_payload_with_a_wrong_pin_is_device_only() {
    let v = by_id("cpm-mastercard_mcbp-s001");
    let t = txn(&v);
    let profile = mcbp_profile(&v);
    let tap = McbpTap {
        txn: t,
        cvr: hexn(&v, "cvr"),
        dac: hexn(&v, "dac"),
        icc_dynamic_number: hexn(&v, "idn"),
    };
    let right = MobilePin::parse(s(&v, "mobile_pin")).unwrap();
    let wrong = MobilePin::parse("0000").unwrap();
    let dual = issued(&v)
        .masked_for_device(&right)
        .unlock(wrong)
        .contactless_ac(&profile, &tap)
        .unwrap();
    let dpan = Dpan::parse(s(&v, "dpan")).unwrap();
    let aid = hex(s(&v, "aid"));
    let mut out = [0u8; cpm::MAX_PAYLOAD];
    let tlv = cpm::build(&CpmContents::mcbp(&aid, &dpan, &tap, &dual), &mut out).unwrap();
    let p = CpmPayload::parse(tlv).unwrap();
    let verdict = p
        .mcbp(&profile, &dpan)
        .unwrap()
        .verify(&mut batch_for(&v))
        .unwrap();
    assert!(matches!(verdict, McbpVerdict::DeviceOnly(_)));
    assert_eq!(verdict.require_pin().unwrap_err(), VerifyError);
}

/// The profile the caller pins decides; the payload never does.
#[test]
fn profile_mismatch_is_refused_before_any_key() {
    let vv = by_id("cpm-visa_vcps-s001");
    let mv = by_id("cpm-mastercard_mcbp-s001");
    let vt = decode(s(&vv, "payload"));
    let mt = decode(s(&mv, "payload"));
    let vp = CpmPayload::parse(&vt).unwrap();
    let mp = CpmPayload::parse(&mt).unwrap();
    let vd = Dpan::parse(s(&vv, "dpan")).unwrap();
    let md = Dpan::parse(s(&mv, "dpan")).unwrap();
    // A VCPS payload for an MCBP token: a 32-byte IAD is not MCBP's 18.
    assert!(matches!(
        vp.mcbp(&mcbp_profile(&mv), &vd),
        Err(Error::Length { .. })
    ));
    // An MCBP payload for a VCPS token.
    assert!(matches!(mp.vcps(&md), Err(Error::Length { .. })));
    // An MCBP payload for an MCBP profile with another CVN byte.
    let mut other = mcbp_profile(&mv);
    other.iad_template[1] ^= 0x01;
    assert!(matches!(
        mp.mcbp(&other, &md),
        Err(Error::CvnMismatch { .. })
    ));
    // A VCPS payload for a Visa CVN 18 card: the IAD declares '43'.
    assert!(matches!(
        vp.authorisation(&tapcrypt::emv::VISA_CVN_18, &vd),
        Err(Error::CvnMismatch {
            pinned: 0x12,
            declared: 0x43
        })
    ));
}

#[test]
fn tampered_cryptograms_and_unissued_key_index_fail_verification() {
    let vv = by_id("cpm-visa_vcps-s001");
    let key = udk(&vv);
    let index = KeyIndex::parse(s(&vv, "key_index")).unwrap();
    let issued = [index];
    let verifier = VcpsVerifier::new(&key, &issued);
    let dpan = Dpan::parse(s(&vv, "dpan")).unwrap();
    for id in [
        "INVALID-visa_vcps-cryptogram-bit-flipped",
        "INVALID-visa_vcps-key-index-never-issued",
    ] {
        let tlv = decode(s(&by_id(id), "payload"));
        let tap = CpmPayload::parse(&tlv).unwrap().vcps(&dpan).unwrap();
        assert_eq!(tap.verify(&verifier).unwrap_err(), VerifyError, "{id}");
    }
    let mv = by_id("cpm-mastercard_mcbp-s001");
    let md = Dpan::parse(s(&mv, "dpan")).unwrap();
    let tap_of = |id: &str| {
        let tlv = decode(s(&by_id(id), "payload"));
        CpmPayload::parse(&tlv)
            .unwrap()
            .mcbp(&mcbp_profile(&mv), &md)
            .unwrap()
    };
    // AC_UMD flipped: the MD part still matches, so the device is genuine
    // but the PIN is not proven: device only, never PIN-verified.
    let mut batch = batch_for(&mv);
    let v = tap_of("INVALID-mastercard_mcbp-ac_umd-bit-flipped")
        .verify(&mut batch)
        .unwrap();
    assert!(matches!(v, McbpVerdict::DeviceOnly(_)));
    assert_eq!(v.require_pin().unwrap_err(), VerifyError);
    // AC_MD's part flipped: refused, and a failure spends nothing.
    let mut batch = batch_for(&mv);
    assert_eq!(
        tap_of("INVALID-mastercard_mcbp-ac_md-part-bit-flipped")
            .verify(&mut batch)
            .unwrap_err(),
        VerifyError
    );
    assert_eq!(batch.unspent(), 1);
}

/// The payload must carry the token the caller resolved.
#[test]
fn a_payload_for_another_token_is_refused() {
    let vv = by_id("cpm-visa_vcps-s001");
    let mv = by_id("cpm-mastercard_mcbp-s001");
    let other = Dpan::parse("4111111111111111").unwrap();
    let vt = decode(s(&vv, "payload"));
    let mt = decode(s(&mv, "payload"));
    assert!(matches!(
        CpmPayload::parse(&vt).unwrap().vcps(&other),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        CpmPayload::parse(&mt)
            .unwrap()
            .mcbp(&mcbp_profile(&mv), &other),
        Err(Error::Malformed { .. })
    ));
}
