//! Review M3: a backend's usage limit charges the amount the card *signed*.
//! `BackendUsage::record` used to take the amount and currency as arguments
//! next to the proof, so a backend (or a bug in one) could charge a limit
//! with a figure the ARQC never covered. It now reads 9F02/5F2A from the
//! proof; magstripe-mode proofs (a CVC3, a VCPS MSD value), which cover no
//! amount, go through `record_magstripe`, which refuses a proof that did.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tapcrypt::emv::cloud::vcps::{self, KeyIndex, Luk, VcpsVerifier};
use tapcrypt::emv::{Atc, CoveredAmount, VISA_CVN_18, VerifiedAtc};
use tapcrypt::lifecycle::{BackendUsage, Currency, LimitError, LowWater, UseLimits};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

mod common;

// The pyemv Visa CVN 18 known answer used across the suite (tests/common):
// ATC 001C, 40.00 CAD (9F02 000000004000, 5F2A 0124), ARQC 7A788EA6B8A3E733.
use common::{ARQC, IAD as CARD_DATA, card_key, txn};

fn imk() -> IssuerMasterKey {
    IssuerMasterKey::from_hex(Algorithm::Tdes2, common::IMK).unwrap()
}

fn cad() -> Currency {
    Currency::from_numeric(124).unwrap()
}

fn usage(max_amount: u64, currency: Currency) -> BackendUsage {
    BackendUsage::new(UseLimits {
        max_uses: 10,
        not_before: 0,
        not_after: u64::MAX,
        max_amount,
        currency,
        low_water: LowWater::default(),
    })
    .unwrap()
}

#[test]
fn the_signed_amount_is_charged() {
    let mk = card_key();
    let t = txn();
    let keys = VISA_CVN_18.transaction_keys(&mk, t.atc, t.un).unwrap();
    let cd = VISA_CVN_18.card_data(&CARD_DATA).unwrap();
    let proof = keys.verify_arqc(&t, &cd, &ARQC).unwrap();
    assert_eq!(
        proof.covered_amount(),
        Some(CoveredAmount {
            amount_authorised: [0, 0, 0, 0, 0x40, 0x00],
            currency: [0x01, 0x24],
        })
    );
    let u = usage(10_000, cad()).record(&proof, 1).unwrap();
    assert_eq!((u.used(), u.spent()), (1, 4_000));
    // 39.99 left on the credential: the signed 40.00 does not fit, whatever
    // figure a backend would have liked to charge.
    assert_eq!(
        usage(3_999, cad()).record(&proof, 1),
        Err(LimitError::AmountExceeded)
    );
    // The signed currency is the one checked against the credential's.
    let eur = Currency::from_numeric(978).unwrap();
    assert_eq!(
        usage(10_000, eur).record(&proof, 1),
        Err(LimitError::WrongCurrency)
    );
    // A cryptogram proof is not a magstripe proof: the caller cannot pick
    // the amount for it.
    assert_eq!(
        usage(10_000, cad()).record_magstripe(&proof, 1, 1, cad()),
        Err(LimitError::AmountSigned)
    );
}

#[test]
fn a_signed_amount_that_is_not_bcd_is_refused() {
    let mk = card_key();
    let mut t = txn();
    t.amount_authorised = [0, 0, 0, 0, 0x4A, 0x00];
    let keys = VISA_CVN_18.transaction_keys(&mk, t.atc, t.un).unwrap();
    let cd = VISA_CVN_18.card_data(&CARD_DATA).unwrap();
    // The card MACs whatever the terminal sent: the ARQC verifies.
    let arqc = keys.generate_ac(&t, &cd).unwrap();
    let proof = keys.verify_arqc(&t, &cd, &arqc).unwrap();
    let before = usage(10_000, cad());
    assert_eq!(before.record(&proof, 1), Err(LimitError::MalformedAmount));
    assert_eq!(before.used(), 0);
}

#[test]
fn a_magstripe_proof_needs_the_message_amount() {
    let udk = vcps::derive_udk(
        &imk(),
        &Pan::parse("4895370012345678").unwrap(),
        Psn::ABSENT,
    )
    .unwrap();
    let ki = KeyIndex::new(6, 8048, 1).unwrap();
    let issued = [ki];
    let atc = Atc::from_u16(7);
    let dt = [0x30; 8];
    let value = Luk::derive(&udk, ki)
        .unwrap()
        .msd_value(atc, &dt)
        .to_ascii();
    let value = core::str::from_utf8(&value).unwrap();
    let proof = VcpsVerifier::new(&udk, &issued)
        .verify_msd(ki, atc, &dt, value)
        .unwrap();
    assert_eq!(proof.covered_amount(), None);
    assert_eq!(
        usage(10_000, cad()).record(&proof, 1),
        Err(LimitError::AmountNotSigned)
    );
    let u = usage(10_000, cad())
        .record_magstripe(&proof, 1, 2_500, cad())
        .unwrap();
    assert_eq!((u.used(), u.spent()), (1, 2_500));
}
