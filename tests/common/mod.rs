//! Shared fixture of the lifecycle tests: pyemv 1.5.0's Visa CVN 18 HSM test
//! transaction (tests/test_cvn_hsm.py; also `cvn_visa_18-001` in
//! test-vectors/data/emv.json), the genuine tap every lifecycle test
//! verifies. IMK 0123456789ABCDEFFEDCBA9876543210, PAN 1234567890123456, no
//! PSN, ATC 001C, 40.00 CAD (9F02 000000004000, 5F2A 0124), IAD
//! 06011203A0B800, ARQC 7A788EA6B8A3E733. Every value here is pyemv's; none
//! is computed by tapcrypt.
#![allow(dead_code, clippy::unwrap_used)]

use tapcrypt::emv::{Atc, Cryptogram, TransactionData, UnpredictableNumber, VISA_CVN_18};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

/// The issuer master key (IMK-AC).
pub(crate) const IMK: &str = "0123456789ABCDEFFEDCBA9876543210";
/// The card's PAN.
pub(crate) const PAN: &str = "1234567890123456";
/// The card data CVN 18 MACs after the minimum set: the IAD (9F10).
pub(crate) const IAD: [u8; 7] = [0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00];
/// The genuine ARQC (9F26).
pub(crate) const ARQC: Cryptogram = Cryptogram([0x7A, 0x78, 0x8E, 0xA6, 0xB8, 0xA3, 0xE7, 0x33]);

/// The terminal's data of the tap.
pub(crate) fn txn() -> TransactionData {
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

/// The card's ICC MK: CVN 18's derivation (Option A) of [`IMK`], [`PAN`].
pub(crate) fn card_key() -> CardMasterKey {
    let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, IMK).unwrap();
    VISA_CVN_18
        .derive_card_key(&imk, &Pan::parse(PAN).unwrap(), Psn::ABSENT)
        .unwrap()
}
