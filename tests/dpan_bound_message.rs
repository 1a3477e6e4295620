//! The DPAN-bound profile (CVN D2) from an authorisation message: every
//! vector of `dpan_binding.json` (pyca/cryptography-computed, see
//! `test-vectors/gen/dpan_binding.py`) wrapped in field 55 parses with
//! `AuthorisationRequest::parse_bound` and verifies, including the longest
//! card data (19-digit DPAN, 32-byte IAD: 43 bytes), which a 32-byte slot
//! used to refuse.

use serde_json::Value;
use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{TAPCRYPT_DPAN_AES, TransactionData};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn tlv(tag: &[u8], v: &[u8]) -> Vec<u8> {
    [tag, &[v.len() as u8], v].concat()
}

fn field55(t: &TransactionData, iad: &[u8], arqc: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, v) in [
        (&[0x9F, 0x02][..], &t.amount_authorised[..]),
        (&[0x9F, 0x03], &t.amount_other),
        (&[0x9F, 0x1A], &t.terminal_country),
        (&[0x95], &t.tvr),
        (&[0x5F, 0x2A], &t.currency),
        (&[0x9A], &t.date),
        (&[0x9C], &[t.transaction_type]),
        (&[0x9F, 0x37], &t.un.0),
        (&[0x82], &t.aip),
        (&[0x9F, 0x36], &t.atc.0),
        (&[0x9F, 0x10], iad),
        (&[0x9F, 0x27], &[0x80]),
        (&[0x9F, 0x26], arqc),
    ] {
        body.extend(tlv(tag, v));
    }
    tlv(&[0x77], &body)
}

#[test]
fn every_dpan_bound_vector_verifies_from_a_message() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-vectors/data/dpan_binding.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let cvn = &TAPCRYPT_DPAN_AES;
    let mut longest = 0;
    let groups = doc["vectors"].as_object().unwrap();
    for v in groups.values().flat_map(|g| g.as_array().unwrap()) {
        let s = |k: &str| v[k].as_str().unwrap();
        let imk_b = hex(s("imk"));
        let imk =
            IssuerMasterKey::new(Algorithm::aes_for_len(imk_b.len()).unwrap(), &imk_b).unwrap();
        let dpan = Pan::parse(s("dpan")).unwrap();
        let account =
            Pan::parse(v.get("pan").and_then(Value::as_str).unwrap_or(s("dpan"))).unwrap();
        let mk = cvn
            .derive_card_key(&imk, &account, Psn::parse(s("psn")).unwrap())
            .unwrap();
        let t = TransactionData::from_slice(&hex(s("min_data"))).unwrap();
        let msg = field55(&t, &hex(s("iad")), &hex(s("arqc")));
        let req = AuthorisationRequest::parse_bound(&msg, cvn, &dpan).unwrap();
        assert_eq!(req.card_data().unwrap().as_bytes(), hex(s("card_data")));
        longest = longest.max(hex(s("card_data")).len());
        let keys = req.transaction_keys(&mk).unwrap();
        assert!(req.verify(&keys).is_ok(), "{}", s("id"));
        // Another DPAN (last digit changed) is another card data: refused.
        let mut other = s("dpan").to_string();
        let last = other.pop().unwrap().to_digit(10).unwrap();
        other.push(char::from_digit((last + 1) % 10, 10).unwrap());
        let req2 =
            AuthorisationRequest::parse_bound(&msg, cvn, &Pan::parse(&other).unwrap()).unwrap();
        let keys2 = req2.transaction_keys(&mk).unwrap();
        assert!(req2.verify(&keys2).is_err(), "{}", s("id"));
        // The unbound parse refuses a binding CVN.
        assert!(AuthorisationRequest::parse(&msg, cvn).is_err());
    }
    assert_eq!(longest, 43);
}
