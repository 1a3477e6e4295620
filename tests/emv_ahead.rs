//! Session keys prepared ahead of the tap (`Cvn::transaction_keys_ahead`):
//! the band knows the next ATC but not the terminal's unpredictable number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tapcrypt::emv::cryptogram::ALL_CVNS;
use tapcrypt::emv::{
    Atc, CardKeySchedule, Cvn, EMV_COMMON_AES, MASTERCARD_CVN_17, TransactionData,
    UnpredictableNumber, VISA_CVN_18,
};
use tapcrypt::{Algorithm, CardMasterKey, Error};

fn txn(atc: u16, un: [u8; 4]) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x12, 0x34],
        amount_other: [0; 6],
        terminal_country: [0x08, 0x26],
        tvr: [0; 5],
        currency: [0x08, 0x26],
        date: [0x26, 0x11, 0x23],
        transaction_type: 0,
        un: UnpredictableNumber(un),
        aip: [0x18, 0x00],
        atc: Atc::from_u16(atc),
    }
}

fn card(cvn: &Cvn) -> CardKeySchedule {
    let alg = if cvn.name.contains("AES") {
        Algorithm::Aes128
    } else {
        Algorithm::Tdes2
    };
    CardKeySchedule::new(CardMasterKey::new(alg, &[0x5A; 16][..alg.key_len()]).unwrap())
}

/// For every CSK/card-key profile, keys prepared ahead give the same AC as
/// keys derived at the tap (which the known-answer vectors pin), for any UN.
#[test]
fn ahead_matches_at_tap_for_un_independent_cvns() {
    let iad = [0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00];
    for cvn in [&VISA_CVN_18, &EMV_COMMON_AES] {
        let card = card(cvn);
        let cd = cvn.card_data(&iad).unwrap();
        let ahead = cvn
            .transaction_keys_ahead(&card, Atc::from_u16(0x0042))
            .unwrap();
        for un in [[0; 4], [0xDE, 0xAD, 0xBE, 0xEF]] {
            let t = txn(0x0042, un);
            let at_tap = cvn
                .transaction_keys_with(&card, t.atc, t.un)
                .unwrap()
                .generate_ac(&t, &cd)
                .unwrap();
            assert_eq!(ahead.generate_ac(&t, &cd).unwrap(), at_tap, "{}", cvn.name);
            ahead.verify_arqc(&t, &cd, &at_tap).unwrap();
        }
    }
}

#[test]
fn keys_are_bound_to_their_atc_and_un() {
    let iad = [0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00];
    let visa_card = card(&VISA_CVN_18);
    let cd = VISA_CVN_18.card_data(&iad).unwrap();
    let ahead = VISA_CVN_18
        .transaction_keys_ahead(&visa_card, Atc::from_u16(7))
        .unwrap();
    let other = txn(8, [1, 2, 3, 4]);
    assert!(matches!(
        ahead.generate_ac(&other, &cd),
        Err(Error::Parameter { .. })
    ));
    let good = ahead.generate_ac(&txn(7, [1, 2, 3, 4]), &cd).unwrap();
    assert!(ahead.verify_arqc(&other, &cd, &good).is_err());

    // Mastercard SKD keys embed the UN: another UN is refused.
    let card = card(&MASTERCARD_CVN_17);
    let cd = MASTERCARD_CVN_17
        .card_data(&[0xA0, 0, 0x03, 0x22, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x22, 0xFF])
        .unwrap();
    let t = txn(9, [1, 2, 3, 4]);
    let keys = MASTERCARD_CVN_17
        .transaction_keys_with(&card, t.atc, t.un)
        .unwrap();
    keys.generate_ac(&t, &cd).unwrap();
    assert!(matches!(
        keys.generate_ac(&txn(9, [1, 2, 3, 5]), &cd),
        Err(Error::Parameter { .. })
    ));
}

#[test]
fn un_dependent_cvns_refuse_to_prepare_ahead() {
    for cvn in ALL_CVNS {
        let c = card(cvn);
        let r = cvn.transaction_keys_ahead(&c, Atc::from_u16(1));
        let skd = ["Mastercard CVN 16", "Mastercard CVN 17", "Interac CVN 133"].contains(&cvn.name);
        assert_eq!(r.is_err(), skd, "{}", cvn.name);
    }
}
