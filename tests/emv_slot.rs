//! Transaction keys built in a caller's slot (`Cvn::transaction_keys_in`,
//! `transaction_keys_ahead_in`: the device path that expands the session key
//! in place) and transaction keys that own at most one expanded schedule
//! (`Cvn::transaction_keys`: the card key is expanded again for the ARPC of
//! Mastercard CVN 16/17, which MAC with a session key and answer with the
//! card key). Known answers: pyemv 1.5.0's HSM tests (emv.json `cvn_*`:
//! ARQC and ARPC) and emv.json `chain_emv_csk_aes` (independent Python on
//! pyca/cryptography).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tapcrypt::emv::{
    ArpcMethod, ArpcResponse, Atc, CardKeySchedule, Csu, Cvn, EMV_COMMON_AES, INTERAC_CVN_133,
    MASTERCARD_CVN_16, MASTERCARD_CVN_17, ResponseCode, TAPCRYPT_DPAN_AES, TransactionData,
    TransactionKeys, UnpredictableNumber, VISA_CVN_10, VISA_CVN_18, arpc::Arpc,
};
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn doc() -> Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/data/emv.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

const GROUPS: [(&str, &Cvn); 5] = [
    ("cvn_visa_10", &VISA_CVN_10),
    ("cvn_visa_18", &VISA_CVN_18),
    ("cvn_mc_16", &MASTERCARD_CVN_16),
    ("cvn_mc_17", &MASTERCARD_CVN_17),
    ("cvn_interac_133", &INTERAC_CVN_133),
];

struct Case {
    id: String,
    cvn: &'static Cvn,
    mk: CardMasterKey,
    txn: TransactionData,
    card_data: Vec<u8>,
    arqc: [u8; 8],
    arc: [u8; 2],
    csu: [u8; 4],
    prop: Vec<u8>,
    arpc: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let doc = doc();
    let mut out = Vec::new();
    for (group, cvn) in GROUPS {
        for v in doc["vectors"][group].as_array().unwrap() {
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            let mut t = Vec::new();
            for tag in [
                "9f02", "9f03", "9f1a", "95", "5f2a", "9a", "9c", "9f37", "82", "9f36",
            ] {
                t.extend(hex(&s(&format!("tag_{tag}"))));
            }
            let card_data = if v.get("tag_9f10").is_some() {
                hex(&s("tag_9f10"))
            } else {
                let mut d = hex(&s("cvr"));
                if v.get("counters").is_some() {
                    d.extend(hex(&s("counters")));
                }
                d
            };
            let psn = v
                .get("psn")
                .and_then(Value::as_str)
                .map_or(Psn::ABSENT, |p| Psn::parse(p).unwrap());
            let imk = IssuerMasterKey::new(Algorithm::Tdes2, &hex(&s("iss_mk_ac"))).unwrap();
            let mk = cvn
                .derive_card_key(&imk, &Pan::parse(&s("pan")).unwrap(), psn)
                .unwrap();
            let opt = |k: &str| v.get(k).map(|x| hex(x.as_str().unwrap()));
            out.push(Case {
                id: s("id"),
                cvn,
                mk,
                txn: TransactionData::from_slice(&t).unwrap(),
                card_data,
                arqc: hex(&s("arqc")).try_into().unwrap(),
                arc: opt("arc").map_or([0; 2], |a| a.try_into().unwrap()),
                csu: opt("csu").map_or([0; 4], |c| c.try_into().unwrap()),
                prop: opt("prop_auth_data").unwrap_or_default(),
                arpc: hex(&s("arpc")),
            });
        }
    }
    assert!(out.len() >= 5 * 9, "{} vectors", out.len());
    out
}

/// The published ARQC and ARPC through `keys` (and one flipped ARPC bit
/// refused by the card-side check).
fn check(c: &Case, keys: &TransactionKeys<'_>) {
    let cd = c.cvn.card_data(&c.card_data).unwrap();
    let ac = keys.generate_ac(&c.txn, &cd).unwrap();
    assert_eq!(ac.0, c.arqc, "{}: ARQC", c.id);
    let verified = keys.verify_arqc(&c.txn, &cd, &ac).unwrap();
    let response = match c.cvn.arpc {
        ArpcMethod::Method1 => ArpcResponse::Method1 {
            arc: ResponseCode(c.arc),
        },
        ArpcMethod::Method2 => ArpcResponse::Method2 {
            csu: Csu(c.csu),
            proprietary: &c.prop,
        },
    };
    let arpc = verified.arpc(&response).unwrap();
    assert_eq!(arpc.as_bytes(), &c.arpc[..], "{}: ARPC", c.id);
    assert!(keys.verify_arpc(&ac, &response, &arpc).is_ok(), "{}", c.id);
    let flipped = match arpc {
        Arpc::Method1(mut a) => {
            a[7] ^= 1;
            Arpc::Method1(a)
        }
        Arpc::Method2(mut a) => {
            a[3] ^= 1;
            Arpc::Method2(a)
        }
    };
    assert!(
        keys.verify_arpc(&ac, &response, &flipped).is_err(),
        "{}",
        c.id
    );
}

/// `transaction_keys` now holds one schedule: the ARQC and ARPC still match
/// pyemv for card-key ACs (Visa 10), session-key ACs with session-key ARPCs
/// (Visa 18, Interac 133) and session-key ACs with card-key ARPCs
/// (Mastercard 16/17: the card key is expanded again for the ARPC).
#[test]
fn owned_keys_give_the_published_arqc_and_arpc() {
    for c in cases() {
        let keys = c.cvn.transaction_keys(&c.mk, c.txn.atc, c.txn.un).unwrap();
        check(&c, &keys);
    }
}

/// One slot reused across every vector (other CVNs, cards and ATCs: the
/// session key is re-expanded in place where the slot already holds a
/// schedule), and a fresh slot each time: the same published values.
#[test]
fn slot_keys_give_the_published_arqc_and_arpc() {
    let cases = cases();
    let cards: Vec<CardKeySchedule> = cases
        .iter()
        .map(|c| {
            CardKeySchedule::new(CardMasterKey::tdes2(
                &c.mk.expose_secret().try_into().unwrap(),
            ))
        })
        .collect();
    let mut reused = None;
    for (c, card) in cases.iter().zip(&cards) {
        let keys = c
            .cvn
            .transaction_keys_in(card, c.txn.atc, c.txn.un, &mut reused)
            .unwrap();
        check(c, keys);
        let mut fresh = None;
        let keys = c
            .cvn
            .transaction_keys_in(card, c.txn.atc, c.txn.un, &mut fresh)
            .unwrap();
        check(c, keys);
    }
}

/// chain_emv_csk_aes: the AES session key through a slot that held keys
/// for another ATC (re-keyed in place) equals the published one, and the
/// slot's keys give the same ARQC as `transaction_keys_with` for both AES
/// profiles.
#[test]
fn aes_session_key_in_a_reused_slot() {
    let doc = doc();
    let v = &doc["vectors"]["chain_emv_csk_aes"][0];
    let s = |k: &str| hex(v[k].as_str().unwrap());
    let mk = CardMasterKey::new(Algorithm::Aes128, &s("icc_mk")).unwrap();
    let atc = Atc(s("atc").try_into().unwrap());
    let card = CardKeySchedule::new(mk);
    let mut slot = None;
    EMV_COMMON_AES
        .transaction_keys_ahead_in(&card, Atc::from_u16(0x0001), &mut slot)
        .unwrap();
    let keys = EMV_COMMON_AES
        .transaction_keys_in(&card, atc, UnpredictableNumber([0; 4]), &mut slot)
        .unwrap();
    assert_eq!(
        keys.session_key().unwrap().expose_secret(),
        &s("session_key")[..]
    );

    let txn = TransactionData {
        atc,
        un: UnpredictableNumber([1, 2, 3, 4]),
        ..TransactionData::default()
    };
    for cvn in [&EMV_COMMON_AES, &TAPCRYPT_DPAN_AES] {
        let iad = [0x5A; 32];
        let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
        let cd = if cvn.id == TAPCRYPT_DPAN_AES.id {
            cvn.card_data_bound(&Pan::parse("5399991208050893").unwrap(), &iad, &mut buf)
                .unwrap()
        } else {
            cvn.card_data(&iad[..7]).unwrap()
        };
        let want = cvn
            .transaction_keys_with(&card, txn.atc, txn.un)
            .unwrap()
            .generate_ac(&txn, &cd)
            .unwrap();
        let keys = cvn
            .transaction_keys_in(&card, txn.atc, txn.un, &mut slot)
            .unwrap();
        assert_eq!(keys.generate_ac(&txn, &cd).unwrap(), want, "{}", cvn.name);
    }
}

/// A refused derivation leaves the slot empty, not holding the previous
/// transaction's keys.
#[test]
fn an_error_empties_the_slot() {
    let mk = CardMasterKey::tdes2(&[0x5A; 16]);
    let card = CardKeySchedule::new(mk);
    let mut slot = None;
    VISA_CVN_18
        .transaction_keys_ahead_in(&card, Atc::from_u16(7), &mut slot)
        .unwrap();
    assert!(slot.is_some());
    assert!(matches!(
        MASTERCARD_CVN_17.transaction_keys_ahead_in(&card, Atc::from_u16(8), &mut slot),
        Err(Error::Parameter { .. })
    ));
    assert!(slot.is_none());
    // A card key of the wrong cipher for the CVN: refused, slot empty.
    VISA_CVN_18
        .transaction_keys_ahead_in(&card, Atc::from_u16(7), &mut slot)
        .unwrap();
    assert!(
        EMV_COMMON_AES
            .transaction_keys_in(
                &card,
                Atc::from_u16(7),
                UnpredictableNumber([0; 4]),
                &mut slot
            )
            .is_err()
    );
    assert!(slot.is_none());
}
