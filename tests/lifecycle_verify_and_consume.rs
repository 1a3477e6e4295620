//! Issue 15: one call that verifies the cryptogram and consumes the ATC
//! (from a message parsed with the pinned CVN, so the CID is checked),
//! with no way to consume without the verification. pyemv's Visa CVN 18 HSM
//! test transaction (ARQC 7A788EA6B8A3E733) is the genuine tap.

use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{ArpcResponse, Atc, Csu, TransactionData, UnpredictableNumber, VISA_CVN_18};
use tapcrypt::lifecycle::{AtcVerdict, AtcWindow, Refusal};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

const IAD: [u8; 7] = [0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00];
const ARQC: [u8; 8] = [0x7A, 0x78, 0x8E, 0xA6, 0xB8, 0xA3, 0xE7, 0x33];

fn txn() -> TransactionData {
    TransactionData {
        amount_authorised: [0x00, 0x00, 0x00, 0x00, 0x40, 0x00],
        terminal_country: [0x01, 0x24],
        tvr: [0x80, 0x00, 0x04, 0x80, 0x00],
        currency: [0x01, 0x24],
        date: [0x19, 0x11, 0x05],
        transaction_type: 0x01,
        un: UnpredictableNumber([0x52, 0xBF, 0x45, 0x85]),
        aip: [0x18, 0x00],
        atc: Atc::from_u16(0x001C),
        ..TransactionData::default()
    }
}

fn card_key() -> tapcrypt::CardMasterKey {
    let imk =
        IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210").unwrap();
    VISA_CVN_18
        .derive_card_key(&imk, &Pan::parse("1234567890123456").unwrap(), Psn::ABSENT)
        .unwrap()
}

#[test]
fn verify_then_consume_once() {
    let t = txn();
    let mk = card_key();
    let window = AtcWindow::resume_after(Atc::from_u16(0x0010), 32).unwrap();

    // A forged ARQC: refused as a cryptogram, the window untouched.
    let mut forged = ARQC;
    forged[7] ^= 1;
    let msg = field55(&t, &forged, 0x80);
    let req = AuthorisationRequest::parse(&msg, &VISA_CVN_18).unwrap();
    let keys = req.transaction_keys(&mk).unwrap();
    let (w, r) = window.verify_request_and_consume(&req, &keys);
    assert_eq!(r.unwrap_err(), Refusal::Cryptogram);
    assert_eq!(w, window);

    // The genuine ARQC labelled TC (CID 40): not an ARQC, window untouched.
    let msg = field55(&t, &ARQC, 0x40);
    let req = AuthorisationRequest::parse(&msg, &VISA_CVN_18).unwrap();
    let (w, r) = window.verify_request_and_consume(&req, &keys);
    assert_eq!(r.unwrap_err(), Refusal::Cryptogram);
    assert_eq!(w, window);

    // The genuine ARQC: accepted, the ATC spent, an ARPC from the proof.
    let msg = field55(&t, &ARQC, 0x80);
    let req = AuthorisationRequest::parse(&msg, &VISA_CVN_18).unwrap();
    let (w, r) = window.verify_request_and_consume(&req, &keys);
    let verified = r.unwrap();
    assert_eq!(verified.atc(), t.atc);
    assert_ne!(w, window);
    assert_eq!(w.check(t.atc), AtcVerdict::Replay);
    let resp = ArpcResponse::Method2 {
        csu: Csu([0; 4]),
        proprietary: &[],
    };
    assert!(verified.arpc(&resp).is_ok());

    // Replayed: it still verifies, but the ATC is spent; window unchanged.
    let (w2, r) = w.verify_request_and_consume(&req, &keys);
    assert_eq!(r.unwrap_err(), Refusal::Atc(AtcVerdict::Replay));
    assert_eq!(w2, w);
}

fn field55(t: &TransactionData, arqc: &[u8; 8], cid: u8) -> Vec<u8> {
    let tlv = |tag: &[u8], v: &[u8]| [tag, &[v.len() as u8], v].concat();
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
        (&[0x9F, 0x10], &IAD),
        (&[0x9F, 0x27], &[cid]),
        (&[0x9F, 0x26], arqc),
    ] {
        body.extend(tlv(tag, v));
    }
    tlv(&[0x77], &body)
}

#[test]
fn from_a_message_pinned_to_the_card_cvn() {
    let t = txn();
    let msg = field55(&t, &ARQC, 0x80);
    let req = AuthorisationRequest::parse(&msg, &VISA_CVN_18).unwrap();
    let mk = card_key();
    let keys = req.transaction_keys(&mk).unwrap();
    let window = AtcWindow::new(64).unwrap();
    let (w, r) = window.verify_request_and_consume(&req, &keys);
    assert!(r.is_ok());
    let (_, r) = w.verify_request_and_consume(&req, &keys);
    assert_eq!(r.unwrap_err(), Refusal::Atc(AtcVerdict::Replay));
    // Too far ahead of what the window allows.
    let strict = AtcWindow::resume_after(Atc::from_u16(0x0001), 4).unwrap();
    let (w, r) = strict.verify_request_and_consume(&req, &keys);
    assert_eq!(r.unwrap_err(), Refusal::Atc(AtcVerdict::TooFarAhead));
    assert_eq!(w, strict);
}
