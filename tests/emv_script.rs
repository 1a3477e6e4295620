//! Issuer-script rules not covered by the emv.json vectors: the Mastercard
//! "ARQC + i" rule for second and later commands, typed errors for bad
//! script inputs, and secrets (PINs, CVC3 digits) never printed.

use tapcrypt::emv::cvv;
use tapcrypt::emv::derive;
use tapcrypt::emv::script::{self, Pin, ScriptEncryption};
use tapcrypt::emv::{
    Atc, Cryptogram, INTERAC_CVN_133, MASTERCARD_CVN_16, MASTERCARD_CVN_21, UnpredictableNumber,
    VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
};
use tapcrypt::{
    Algorithm, CardMacKey, CardMasterKey, Cvc3Key, DcvvKey, Error, ScriptEncKey, ScriptMacKey,
};

const K: &str = "0123456789ABCDEFFEDCBA9876543210";

fn mk() -> CardMasterKey {
    CardMasterKey::from_hex(Algorithm::Tdes2, K).unwrap()
}

fn mk_smi() -> CardMacKey {
    CardMacKey::from_hex(Algorithm::Tdes2, K).unwrap()
}

fn cvc3_key() -> Cvc3Key {
    Cvc3Key::from_hex(Algorithm::Tdes2, K).unwrap()
}

fn key_bytes(k: &ScriptMacKey) -> Vec<u8> {
    k.expose_secret().to_vec()
}

#[test]
#[cfg(feature = "hazmat")] // raw-ATC/ARQC script calls
fn mastercard_second_and_later_commands_use_arqc_plus_i() {
    let mk = mk_smi();
    let atc = Atc::from_u16(0x001C);
    let arqc = Cryptogram([0x12, 0x34, 0x56, 0x78, 0x90, 0xAB, 0xCD, 0xEF]);
    for cvn in [&MASTERCARD_CVN_16, &MASTERCARD_CVN_21, &INTERAC_CVN_133] {
        let p = &cvn.script;
        for i in 0u8..4 {
            let mut r = arqc;
            r.0 = (u64::from_be_bytes(arqc.0) + u64::from(i)).to_be_bytes();
            let want = derive::session_key_script(&mk, &r).unwrap();
            let got = tapcrypt::hazmat::script_session_key(p, &mk, atc, &arqc, i).unwrap();
            assert_eq!(
                key_bytes(&got),
                key_bytes(&want),
                "{} command {i}",
                cvn.name
            );
        }
        // The increment is an 8-byte big-endian add that carries and wraps.
        let carry = Cryptogram([0, 0, 0, 0, 0, 0, 0x01, 0xFF]);
        let want =
            derive::session_key_script(&mk, &Cryptogram([0, 0, 0, 0, 0, 0, 0x02, 0x00])).unwrap();
        let got = tapcrypt::hazmat::script_session_key(p, &mk, atc, &carry, 1).unwrap();
        assert_eq!(key_bytes(&got), key_bytes(&want));
        let top = Cryptogram([0xFF; 8]);
        let want = derive::session_key_script(&mk, &Cryptogram([0; 8])).unwrap();
        let got = tapcrypt::hazmat::script_session_key(p, &mk, atc, &top, 1).unwrap();
        assert_eq!(key_bytes(&got), key_bytes(&want));
    }
    // Visa: XOR keys ignore the ARQC and the command index; CVN '22' uses
    // CSK(ARQC) for every command (no increment).
    for cvn in [&VISA_CVN_10, &VISA_CVN_18] {
        let want = derive::visa_xor_session_key(&mk, atc).unwrap();
        for i in 0u8..3 {
            let got =
                tapcrypt::hazmat::script_session_key(&cvn.script, &mk, atc, &arqc, i).unwrap();
            assert_eq!(key_bytes(&got), key_bytes(&want));
        }
    }
    let want = derive::session_key_script(&mk, &arqc).unwrap();
    let got =
        tapcrypt::hazmat::script_session_key(&VISA_CVN_22.script, &mk, atc, &arqc, 2).unwrap();
    assert_eq!(key_bytes(&got), key_bytes(&want));
}

#[test]
#[cfg(feature = "hazmat")] // raw-ATC/ARQC script calls
fn bad_script_inputs_are_typed_errors() {
    let sk = ScriptEncKey::from_hex(Algorithm::Tdes2, K).unwrap();
    let sk_smi = ScriptMacKey::from_hex(Algorithm::Tdes2, K).unwrap();
    let mut out = [0u8; 512];
    assert!(matches!(
        script::encrypt_command_data(&sk, ScriptEncryption::Emv, &[0; 240], &mut out),
        Err(Error::Length { got: 240, .. })
    ));
    // Visa layout: 1 length byte + 8 data + 80 pad = 16 bytes needed.
    assert!(matches!(
        script::encrypt_command_data(&sk, ScriptEncryption::Visa, &[0; 8], &mut [0u8; 15]),
        Err(Error::Length { .. })
    ));
    assert_eq!(
        script::encrypt_command_data(&sk, ScriptEncryption::Visa, &[0; 8], &mut [0u8; 16]),
        Ok(16)
    );
    // Mastercard: aligned data is not padded, EMV always is.
    assert_eq!(
        script::encrypt_command_data(&sk, ScriptEncryption::Mastercard, &[0; 8], &mut out),
        Ok(8)
    );
    assert_eq!(
        script::encrypt_command_data(&sk, ScriptEncryption::Emv, &[0; 8], &mut out),
        Ok(16)
    );
    let aes = ScriptMacKey::aes128(&[1; 16]);
    assert!(matches!(
        script::command_mac(&aes, b"\x84\x24\x00\x00\x08"),
        Err(Error::KeyAlgorithm { .. })
    ));
    let aes = ScriptEncKey::aes128(&[1; 16]);
    assert!(matches!(
        script::encrypt_command_data(&aes, ScriptEncryption::Emv, &[0; 8], &mut out),
        Err(Error::KeyAlgorithm { .. })
    ));
    // A PIN-change command needs 5 + 16 + 8 bytes under the Visa layout.
    let mk = mk();
    let pin = Pin::parse("1234").unwrap();
    let arqc = Cryptogram([0; 8]);
    let p = &VISA_CVN_10.script;
    let r = tapcrypt::hazmat::pin_change_command(
        p,
        &mk,
        &sk_smi,
        &sk,
        Atc::from_u16(1),
        &arqc,
        &pin,
        None,
        &mut [0u8; 28],
    );
    assert!(matches!(r, Err(Error::Length { .. })));
    let mut buf = [0u8; 29];
    let n = tapcrypt::hazmat::pin_change_command(
        p,
        &mk,
        &sk_smi,
        &sk,
        Atc::from_u16(1),
        &arqc,
        &pin,
        None,
        &mut buf,
    )
    .unwrap();
    assert_eq!(n, 29);
    // Header 84 24 00 02, Lc = ciphertext + MAC.
    assert_eq!(&buf[..5], &[0x84, 0x24, 0x00, 0x02, 24]);
    let cur = Pin::parse("0000").unwrap();
    tapcrypt::hazmat::pin_change_command(
        p,
        &mk,
        &sk_smi,
        &sk,
        Atc::from_u16(1),
        &arqc,
        &pin,
        Some(&cur),
        &mut buf,
    )
    .unwrap();
    assert_eq!(&buf[..4], &[0x84, 0x24, 0x00, 0x01]);
}

#[test]
fn pins_are_validated_and_never_printed() {
    for bad in ["123", "1234567890123", "12a4", "12 4", "", "１２３４"] {
        assert!(
            matches!(
                Pin::parse(bad),
                Err(Error::DigitCount { .. } | Error::NotDigits { .. })
            ),
            "{bad:?}"
        );
    }
    let pin = Pin::parse("987654").unwrap();
    let dbg = format!("{pin:?}");
    assert!(!dbg.contains("987654") && !dbg.contains("9876"), "{dbg}");
    assert_eq!(
        script::iso9564_format2(&Pin::parse("1234").unwrap()),
        [0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(
        script::iso9564_format2(&Pin::parse("123456789012").unwrap()),
        [0x2C, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0xFF]
    );
}

#[test]
fn cvc3_verification_compares_only_well_formed_digits() {
    let mk = cvc3_key();
    let un = UnpredictableNumber([0, 0, 0x08, 0x99]);
    let atc = Atc::from_u16(0x005E);
    let iv = [0x11, 0xBA];
    let c = cvv::cvc3(&mk, iv, un, atc).unwrap();
    let digits = String::from_utf8(c.to_ascii().to_vec()).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(&digits[2..]), "{dbg}");
    for k in 1..=5 {
        let n = cvv::Cvc3Digits::new_short_less_safe(k).unwrap();
        assert!(
            cvv::verify_cvc3(&mk, iv, un, atc, n, &digits[5 - k..]).is_ok(),
            "{k}"
        );
    }
    let mut wrong = digits.clone().into_bytes();
    wrong[4] = if wrong[4] == b'9' { b'0' } else { wrong[4] + 1 };
    let wrong = String::from_utf8(wrong).unwrap();
    for bad in ["", "123456", &wrong, &format!("{}x", &digits[1..4])] {
        assert!(
            cvv::verify_cvc3(&mk, iv, un, atc, cvv::Cvc3Digits::FIVE, bad).is_err(),
            "{bad:?}"
        );
    }
}

/// Issue 13 item 3 (regression): the digit count comes from the card
/// profile, not from the value received. Before the fix `verify_cvc3`
/// compared as many digits as the value had, so one of the ten 1-digit
/// values ("7" for this card and transaction) verified.
#[test]
fn cvc3_digit_count_comes_from_the_profile() {
    let mk = cvc3_key();
    let un = UnpredictableNumber([0, 0, 0x08, 0x99]);
    let atc = Atc::from_u16(0x005E);
    let iv = [0x11, 0xBA];
    let c = cvv::cvc3(&mk, iv, un, atc).unwrap();
    let digits = String::from_utf8(c.to_ascii().to_vec()).unwrap();
    let three = cvv::Cvc3Digits::new(3).unwrap();
    // Every 1- and 2-digit value is refused for a 3-digit profile, including
    // the correct rightmost digits.
    for v in (0..10)
        .map(|d| d.to_string())
        .chain((0..100).map(|d| format!("{d:02}")))
    {
        assert!(
            cvv::verify_cvc3(&mk, iv, un, atc, three, &v).is_err(),
            "{v:?} accepted by a 3-digit profile"
        );
    }
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, three, &digits[4..]).is_err());
    // A longer value is refused too (even when its tail is right).
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, three, &digits[1..]).is_err());
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, three, &digits[2..]).is_ok());
    // One bit flipped in the right value: refused.
    let mut flipped = digits.as_bytes()[2..].to_vec();
    flipped[2] ^= 1;
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, three, &flipped).is_err());
    // Fewer than 3 digits only by the explicit opt-in; 0 and 6+ never.
    for n in [0, 1, 2, 6] {
        assert!(
            matches!(cvv::Cvc3Digits::new(n), Err(Error::DigitCount { min: 3, max: 5, got, .. }) if got == n),
            "{n}"
        );
    }
    for n in [0, 6] {
        assert!(cvv::Cvc3Digits::new_short_less_safe(n).is_err(), "{n}");
    }
    let one = cvv::Cvc3Digits::new_short_less_safe(1).unwrap();
    assert_eq!(one.get(), 1);
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, one, &digits[4..]).is_ok());
    assert!(cvv::verify_cvc3(&mk, iv, un, atc, one, &digits[3..]).is_err());
}

/// The same rule in the CVV and dCVV verifiers: exactly 3 digits, a shorter
/// or longer value is refused even when it is a suffix/extension of the
/// right one.
#[test]
fn cvv_and_dcvv_compare_exactly_three_digits() {
    let mk = DcvvKey::from_hex(Algorithm::Tdes2, K).unwrap();
    let pan = tapcrypt::Pan::parse("4123456789012345").unwrap();
    let atc = Atc::from_u16(0x00AB);
    let d = cvv::dcvv(&mk, &pan, "8701", "101", atc).unwrap();
    let d = String::from_utf8(d.to_ascii().to_vec()).unwrap();
    assert!(cvv::verify_dcvv(&mk, &pan, "8701", "101", atc, &d).is_ok());
    for bad in [&d[1..], &d[2..], &format!("{d}0"), &format!("0{d}"), ""] {
        assert!(
            cvv::verify_dcvv(&mk, &pan, "8701", "101", atc, bad).is_err(),
            "{bad:?}"
        );
    }
    let cvk =
        cvv::CardVerificationKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210")
            .unwrap();
    let c = cvv::cvv(&cvk, &pan, "8701", "101").unwrap();
    let c = String::from_utf8(c.to_ascii().to_vec()).unwrap();
    assert!(cvv::verify_cvv(&cvk, &pan, "8701", "101", &c).is_ok());
    for bad in [&c[1..], &c[2..], &format!("{c}0"), ""] {
        assert!(
            cvv::verify_cvv(&cvk, &pan, "8701", "101", bad).is_err(),
            "{bad:?}"
        );
    }
}
