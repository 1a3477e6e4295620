//! Issue 15: one call that verifies the cryptogram and consumes the ATC
//! (from a message parsed with the pinned CVN, so the CID is checked),
//! with no way to consume without the verification. pyemv's Visa CVN 18 HSM
//! test transaction (ARQC 7A788EA6B8A3E733) is the genuine tap.

use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{ArpcResponse, Atc, Csu, TransactionData, VISA_CVN_18};
use tapcrypt::lifecycle::{AtcVerdict, AtcWindow, Refusal};

mod common;
use common::{IAD, card_key, txn};

/// The genuine ARQC's bytes (tests/common).
const ARQC: [u8; 8] = common::ARQC.0;

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
