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
use tapcrypt::{Algorithm, CardMasterKey, Error, SessionKey};

fn mk() -> CardMasterKey {
    CardMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210").unwrap()
}

fn key_bytes(k: &SessionKey) -> Vec<u8> {
    k.expose_secret().to_vec()
}

#[test]
fn mastercard_second_and_later_commands_use_arqc_plus_i() {
    let mk = mk();
    let atc = Atc::from_u16(0x001C);
    let arqc = Cryptogram([0x12, 0x34, 0x56, 0x78, 0x90, 0xAB, 0xCD, 0xEF]);
    for cvn in [&MASTERCARD_CVN_16, &MASTERCARD_CVN_21, &INTERAC_CVN_133] {
        let p = &cvn.script;
        for i in 0u8..4 {
            let mut r = arqc;
            r.0 = (u64::from_be_bytes(arqc.0) + u64::from(i)).to_be_bytes();
            let want = derive::session_key_script(&mk, &r).unwrap();
            let got = script::script_session_key(p, &mk, atc, &arqc, i).unwrap();
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
        let got = script::script_session_key(p, &mk, atc, &carry, 1).unwrap();
        assert_eq!(key_bytes(&got), key_bytes(&want));
        let top = Cryptogram([0xFF; 8]);
        let want = derive::session_key_script(&mk, &Cryptogram([0; 8])).unwrap();
        let got = script::script_session_key(p, &mk, atc, &top, 1).unwrap();
        assert_eq!(key_bytes(&got), key_bytes(&want));
    }
    // Visa: XOR keys ignore the ARQC and the command index; CVN '22' uses
    // CSK(ARQC) for every command (no increment).
    for cvn in [&VISA_CVN_10, &VISA_CVN_18] {
        let want = derive::visa_xor_session_key(&mk, atc).unwrap();
        for i in 0u8..3 {
            let got = script::script_session_key(&cvn.script, &mk, atc, &arqc, i).unwrap();
            assert_eq!(key_bytes(&got), key_bytes(&want));
        }
    }
    let want = derive::session_key_script(&mk, &arqc).unwrap();
    let got = script::script_session_key(&VISA_CVN_22.script, &mk, atc, &arqc, 2).unwrap();
    assert_eq!(key_bytes(&got), key_bytes(&want));
}

#[test]
fn bad_script_inputs_are_typed_errors() {
    let sk = SessionKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210").unwrap();
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
    let aes = SessionKey::aes128(&[1; 16]);
    assert!(matches!(
        script::command_mac(&aes, b"\x84\x24\x00\x00\x08"),
        Err(Error::KeyAlgorithm { .. })
    ));
    assert!(matches!(
        script::encrypt_command_data(&aes, ScriptEncryption::Emv, &[0; 8], &mut out),
        Err(Error::KeyAlgorithm { .. })
    ));
    // A PIN-change command needs 5 + 16 + 8 bytes under the Visa layout.
    let mk = mk();
    let pin = Pin::parse("1234").unwrap();
    let arqc = Cryptogram([0; 8]);
    let p = &VISA_CVN_10.script;
    let r = script::pin_change_command(
        p,
        &mk,
        &sk,
        &sk,
        Atc::from_u16(1),
        &arqc,
        &pin,
        None,
        &mut [0u8; 28],
    );
    assert!(matches!(r, Err(Error::Length { .. })));
    let mut buf = [0u8; 29];
    let n = script::pin_change_command(
        p,
        &mk,
        &sk,
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
    script::pin_change_command(
        p,
        &mk,
        &sk,
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
    let mk = mk();
    let un = UnpredictableNumber([0, 0, 0x08, 0x99]);
    let atc = Atc::from_u16(0x005E);
    let iv = [0x11, 0xBA];
    let c = cvv::cvc3(&mk, iv, un, atc).unwrap();
    let digits = String::from_utf8(c.to_ascii().to_vec()).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(&digits[2..]), "{dbg}");
    for k in 1..=5 {
        assert!(
            cvv::verify_cvc3(&mk, iv, un, atc, &digits[5 - k..]).is_ok(),
            "{k}"
        );
    }
    let mut wrong = digits.clone().into_bytes();
    wrong[4] = if wrong[4] == b'9' { b'0' } else { wrong[4] + 1 };
    let wrong = String::from_utf8(wrong).unwrap();
    for bad in ["", "123456", &wrong, &format!("{}x", &digits[1..4])] {
        assert!(cvv::verify_cvc3(&mk, iv, un, atc, bad).is_err(), "{bad:?}");
    }
}
