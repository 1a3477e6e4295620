//! Issue 13 item 13: Visa CVN 18 / '22' IADs with issuer discretionary data
//! (8 to 23 bytes: the 7-byte format 0/1/3 IAD, an IDD length byte n, then n
//! bytes). Known answers from pyemv 1.5.0 (`test-vectors/gen/visa_iad_idd_pyemv.py`),
//! which MACs the whole 9F10; before the fix these IADs were refused.

use serde_json::Value;
use tapcrypt::emv::{Cryptogram, TransactionData, VISA_CVN_18, VISA_CVN_22};
use tapcrypt::{Algorithm, Error, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn pyemv_arqcs_over_iads_with_issuer_discretionary_data_verify() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-vectors/data/visa_iad_idd.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let mut n = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let s = |k: &str| v[k].as_str().unwrap();
        let cvn = if s("cvn") == "VisaCVN22" {
            &VISA_CVN_22
        } else {
            &VISA_CVN_18
        };
        let min: Vec<u8> = [
            "tag_9f02", "tag_9f03", "tag_9f1a", "tag_95", "tag_5f2a", "tag_9a", "tag_9c",
            "tag_9f37", "tag_82", "tag_9f36",
        ]
        .iter()
        .flat_map(|k| hex(s(k)))
        .collect();
        let txn = TransactionData::from_slice(&min).unwrap();
        let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, s("iss_mk_ac")).unwrap();
        let pan = Pan::parse(s("pan")).unwrap();
        let mk = cvn
            .derive_card_key(&imk, &pan, Psn::parse(s("psn")).unwrap())
            .unwrap();
        let iad = hex(s("tag_9f10"));
        let cd = cvn.card_data(&iad).unwrap();
        let keys = cvn.transaction_keys(&mk, txn.atc, txn.un).unwrap();
        let arqc = Cryptogram::from_slice(&hex(s("arqc"))).unwrap();
        assert_eq!(keys.generate_ac(&txn, &cd).unwrap(), arqc, "{}", s("id"));
        assert!(keys.verify_arqc(&txn, &cd, &arqc).is_ok());
        // One bit of the IDD (or of its length byte) breaks it.
        let mut bad = iad.clone();
        *bad.last_mut().unwrap() ^= 1;
        if let Ok(cd) = cvn.card_data(&bad) {
            assert!(keys.verify_arqc(&txn, &cd, &arqc).is_err(), "{}", s("id"));
        }
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn idd_length_byte_must_match_and_other_lengths_stay_refused() {
    let mut iad = vec![0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00, 0x0F];
    iad.extend_from_slice(&[0x33; 15]);
    assert!(VISA_CVN_18.card_data(&iad).is_ok()); // 23 bytes, n = 15
    // A length byte that does not match the bytes that follow.
    let mut wrong = iad.clone();
    wrong[7] = 0x0E;
    assert!(matches!(
        VISA_CVN_18.card_data(&wrong),
        Err(Error::Length { got: 23, .. })
    ));
    // 24 to 31 bytes: no format.
    for len in 24..32 {
        let mut v = iad.clone();
        v.resize(len, 0);
        assert!(VISA_CVN_18.card_data(&v).is_err(), "{len}");
        assert!(VISA_CVN_22.card_data(&v).is_err(), "{len}");
    }
    // 7 and 32 as before.
    assert!(VISA_CVN_18.card_data(&iad[..7]).is_ok());
    assert!(VISA_CVN_22.card_data(&[0x1F; 32]).is_ok());
}
