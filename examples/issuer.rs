//! An issuer answering an authorisation: field 55 (the ICC data) in, tag 91
//! (Issuer Authentication Data) out.
//!
//! 1. The card record pins the CVN (here Visa CVN 18); nothing in the
//!    message chooses the algorithm.
//! 2. Parse field 55, derive the card's keys, verify the ARQC in constant time.
//! 3. Accept the ATC once (the card's replay window) from the proof.
//! 4. Answer with the ARPC, computed from the proof, encoded as tag 91.
//!
//! The keys and message are pyemv's published Visa CVN 18 test case; the
//! ARPC must come out as pyemv's `9AF514C1`.
//!
//! Run: `cargo run --example issuer`
#![allow(clippy::unwrap_used)]

use tapcrypt::emv::tlv::{AuthorisationRequest, encode_issuer_authentication_data};
use tapcrypt::emv::{ArpcResponse, Csu, VISA_CVN_18};
use tapcrypt::lifecycle::{AtcVerdict, AtcWindow};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn up(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Field 55 as the acquirer forwards it: a 77 template of EMV tags.
    let field55 = hex(concat!(
        "7754",
        "9F0206000000004000",
        "9F0306000000000000",
        "9F1A020124",
        "95058000048000",
        "5F2A020124",
        "9A03191105",
        "9C0101",
        "9F370452BF4585",
        "82021800",
        "9F3602001C",
        "9F100706011203A0B800",
        "9F270180",
        "9F26087A788EA6B8A3E733",
    ));

    // The issuer's records for this card: PAN, PSN, pinned CVN, replay window.
    let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210")?;
    let pan = Pan::parse("1234567890123456")?;
    let mut window = AtcWindow::new(32)?;

    let req = AuthorisationRequest::parse(&field55, &VISA_CVN_18)?;
    let card_key = VISA_CVN_18.derive_card_key(&imk, &pan, Psn::ABSENT)?;
    let keys = req.transaction_keys(&card_key)?;
    let verified = req.verify(&keys)?;
    println!("ARQC verified, ATC {}", up(&verified.atc().0));

    let (next, verdict) = window.consume(&verified);
    window = next; // persist before answering
    assert_eq!(verdict, AtcVerdict::Accepted);

    let response = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0]),
        proprietary: &[],
    };
    let arpc = verified.arpc(&response)?;
    let mut buf = [0u8; 18];
    let tag91 = encode_issuer_authentication_data(&arpc, &response, &mut buf)?;
    println!("ARPC {}", up(arpc.as_bytes()));
    println!("tag 91: {}", up(tag91));
    assert_eq!(up(arpc.as_bytes()), "9AF514C1"); // pyemv's known answer
    assert_eq!(up(tag91), "91089AF514C100000000");

    // The same message again is a replay: no second approval.
    let verified_again = req.verify(&keys)?;
    let (_, verdict) = window.consume(&verified_again);
    assert_eq!(verdict, AtcVerdict::Replay);
    println!("the same ARQC again: {verdict:?}");
    Ok(())
}
