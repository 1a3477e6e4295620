//! Review L1 (issue 18): a CPM payload is verified against the token/DPAN
//! the issuer resolved, not the DPAN the payload carries. Before the fix,
//! `CpmPayload::authorisation(pinned)` bound the payload's own `5A`, so a
//! payload whose cryptogram is valid for the DPAN inside it verified even
//! when the issuer's record named another DPAN for the token; the first
//! test below is that case and must be refused. Known answers: the DPAN-bound
//! and EMV common AES `cpm` vectors of codes.json (test-vectors/gen/cpm.py).
#![cfg(feature = "code")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tapcrypt::code::cpm::{self, CpmPayload};
use tapcrypt::emv::{EMV_COMMON_AES, TAPCRYPT_DPAN_AES};
use tapcrypt::token::Dpan;
use tapcrypt::{Algorithm, Error, IssuerMasterKey, Pan, Psn, VerifyError};

fn vector(id: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/data/codes.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"]["cpm"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
        .clone()
}

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Parses the payload, reads it for `token` under `cvn`, and verifies it
/// with the vector's card key.
fn verify(
    v: &Value,
    tlv: &[u8],
    cvn: &'static tapcrypt::emv::Cvn,
    token: &Dpan,
) -> Result<Result<(), VerifyError>, Error> {
    let p = CpmPayload::parse(tlv)?;
    let req = p.authorisation(cvn, token)?;
    let imk = IssuerMasterKey::new(
        Algorithm::aes_for_len(hex(s(v, "imk")).len()).unwrap(),
        &hex(s(v, "imk")),
    )?;
    let card_key =
        cvn.derive_card_key(&imk, &Pan::parse(s(v, "pan"))?, Psn::parse(s(v, "psn"))?)?;
    let keys = req.transaction_keys(&card_key)?;
    Ok(req.verify(&keys).map(|_| ()))
}

/// Another DPAN of the same length and BIN (last digit changed).
fn other_dpan(d: &str) -> String {
    let mut o = d.as_bytes().to_vec();
    let last = o.len() - 1;
    o[last] = b'0' + (o[last] - b'0' + 1) % 10;
    String::from_utf8(o).unwrap()
}

/// The regression: a payload whose DPAN-bound cryptogram is valid for the
/// DPAN it carries, presented for a token whose resolved DPAN is another,
/// is refused (the old code verified it).
#[test]
fn payload_dpan_other_than_the_resolved_token_is_refused() {
    for id in ["cpm-tapcrypt_dpan_aes-0", "cpm-tapcrypt_dpan_aes-1"] {
        let v = vector(id);
        let tlv = hex(s(&v, "tlv"));
        let own = Dpan::parse(s(&v, "dpan")).unwrap();
        // Against the DPAN the issuer resolved, when it is the payload's: verified.
        assert_eq!(
            verify(&v, &tlv, &TAPCRYPT_DPAN_AES, &own),
            Ok(Ok(())),
            "{id}"
        );
        // Against another resolved DPAN: refused before any key is used.
        let resolved = Dpan::parse(&other_dpan(s(&v, "dpan"))).unwrap();
        assert!(
            matches!(
                verify(&v, &tlv, &TAPCRYPT_DPAN_AES, &resolved),
                Err(Error::Malformed { .. })
            ),
            "{id}"
        );
    }
    // The same holds for a profile whose cryptogram does not cover the DPAN.
    let v = vector("cpm-emv_common_aes-4");
    let tlv = hex(s(&v, "tlv"));
    let own = Dpan::parse(s(&v, "dpan")).unwrap();
    assert_eq!(verify(&v, &tlv, &EMV_COMMON_AES, &own), Ok(Ok(())));
    let resolved = Dpan::parse(&other_dpan(s(&v, "dpan"))).unwrap();
    assert!(matches!(
        verify(&v, &tlv, &EMV_COMMON_AES, &resolved),
        Err(Error::Malformed { .. })
    ));
}

/// The DPAN-bound cryptogram is checked over the resolved DPAN: a payload
/// whose `5A` was swapped for the resolved token's DPAN (cryptogram kept)
/// passes the equality check and then fails verification.
#[test]
fn swapped_dpan_fails_the_bound_cryptogram() {
    let v = vector("cpm-tapcrypt_dpan_aes-0");
    let tlv = hex(s(&v, "tlv"));
    let dpan = s(&v, "dpan");
    let swapped_digits = other_dpan(dpan);
    let bcd = |d: &str| hex(&(d.to_string() + if d.len() % 2 == 1 { "F" } else { "" }));
    let at = tlv
        .windows(bcd(dpan).len())
        .position(|w| w == bcd(dpan).as_slice())
        .unwrap();
    let mut swapped = tlv.clone();
    swapped[at..at + bcd(dpan).len()].copy_from_slice(&bcd(&swapped_digits));
    let resolved = Dpan::parse(&swapped_digits).unwrap();
    assert_eq!(
        verify(&v, &swapped, &TAPCRYPT_DPAN_AES, &resolved),
        Ok(Err(VerifyError))
    );
    // Round trip through the base64 text as the scanner sends it.
    let mut text = [0u8; cpm::MAX_TEXT];
    let mut buf = [0u8; cpm::MAX_PAYLOAD];
    let t = tapcrypt::code::base64::encode(&tlv, &mut text).unwrap();
    assert_eq!(cpm::decode_base64(t, &mut buf).unwrap(), tlv.as_slice());
}
