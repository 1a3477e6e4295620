//! Issue 19's naming-trap items: `Pan::from_bcd`/`from_track2` (tags 5A and
//! 57), the response-field TLV encoder (tags 91, 71, 72) and the scheme/IAD
//! mismatch error. Every expected value is a byte string written by hand
//! from the EMV layouts (Book 3 Annex A data elements, Book 3 §10.10 issuer
//! scripts, Book 2 §8.2 issuer authentication data), not computed by us.

use tapcrypt::emv::tlv::{
    AuthorisationRequest, Scheme, ScriptTemplate, TlvWriter, detect_cvn,
    encode_issuer_authentication_data, encode_issuer_script,
};
use tapcrypt::emv::{Arpc, ArpcResponse, Csu, MASTERCARD_CVN_16, ResponseCode, VISA_CVN_18};
use tapcrypt::{Error, Pan};

fn ascii(p: &Pan) -> String {
    let mut b = [0u8; 19];
    String::from_utf8(p.write_ascii(&mut b).to_vec()).unwrap()
}

fn h(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn pan_from_tag_5a() {
    // 5A 08: a 16-digit PAN fills 8 bytes exactly.
    let p = Pan::from_bcd(&h("47 61 73 90 01 01 01 19")).unwrap();
    assert_eq!(ascii(&p), "4761739001010119");
    // 5A 07: 13 digits, one F pad nibble.
    let p = Pan::from_bcd(&h("41 11 11 11 11 11 9F")).unwrap();
    assert_eq!(ascii(&p), "4111111111119");
    // 5A 0A: 19 digits, one F pad nibble.
    let p = Pan::from_bcd(&h("62 12 34 56 78 90 12 34 56 7F")).unwrap();
    assert_eq!(ascii(&p), "6212345678901234567");
    // 12 digits padded to 7 bytes with FF (trailing F's).
    let p = Pan::from_bcd(&h("54 13 33 00 89 02 FF")).unwrap();
    assert_eq!(ascii(&p), "541333008902");
}

#[test]
fn pan_from_tag_5a_bad_input() {
    // A nibble A-E is not a digit.
    assert_eq!(
        Pan::from_bcd(&h("47 61 73 90 01 01 0A 19")).unwrap_err(),
        Error::NotDigits {
            field: "PAN (tag 5A)"
        }
    );
    // A digit after the F padding.
    assert!(matches!(
        Pan::from_bcd(&h("41 11 11 11 11 11 F1")),
        Err(Error::NotDigits { .. })
    ));
    // Too few digits (11) and too long a value (11 bytes).
    assert!(matches!(
        Pan::from_bcd(&h("41 11 11 11 11 1F")),
        Err(Error::DigitCount { got: 11, .. })
    ));
    assert!(matches!(
        Pan::from_bcd(&[0x11; 11]),
        Err(Error::Length { got: 11, .. })
    ));
    assert!(matches!(
        Pan::from_bcd(&[]),
        Err(Error::DigitCount { got: 0, .. })
    ));
}

#[test]
fn pan_from_track2_equivalent_data() {
    // 57 13: PAN D YYMM service-code discretionary-data F.
    let t2 = h("47 61 73 90 01 01 01 19 D2 21 22 01 17 58 92 89 1F");
    assert_eq!(ascii(&Pan::from_track2(&t2).unwrap()), "4761739001010119");
    // An odd-length PAN: the separator sits in a low nibble.
    let t2 = h("41 11 11 11 11 11 9D 25 12 20 11 00 00 0F");
    assert_eq!(ascii(&Pan::from_track2(&t2).unwrap()), "4111111111119");
    // No separator at all.
    assert!(matches!(
        Pan::from_track2(&h("47 61 73 90 01 01 01 19 22 12")),
        Err(Error::Malformed { .. })
    ));
    // A non-digit before the separator (F padding is not a separator).
    assert!(matches!(
        Pan::from_track2(&h("47 61 73 90 01 01 01 1F D2 21")),
        Err(Error::NotDigits { .. })
    ));
    // A separator after 20 digits.
    assert!(matches!(
        Pan::from_track2(&h("12 34 56 78 90 12 34 56 78 90 D2 21")),
        Err(Error::DigitCount { got: 20, .. })
    ));
    assert!(matches!(
        Pan::from_track2(&[0x11; 20]),
        Err(Error::Length { got: 20, .. })
    ));
}

#[test]
fn tag_91_method1_and_method2() {
    let mut out = [0u8; 18];
    let arpc = Arpc::Method1(h("11 22 33 44 55 66 77 88").try_into().unwrap());
    let resp = ArpcResponse::Method1 {
        arc: ResponseCode(*b"00"),
    };
    let got = encode_issuer_authentication_data(&arpc, &resp, &mut out).unwrap();
    assert_eq!(got, h("91 0A 11 22 33 44 55 66 77 88 30 30"));

    let arpc = Arpc::Method2(h("AA BB CC DD").try_into().unwrap());
    let resp = ArpcResponse::Method2 {
        csu: Csu(h("00 82 00 00").try_into().unwrap()),
        proprietary: &h("01 02"),
    };
    let got = encode_issuer_authentication_data(&arpc, &resp, &mut out).unwrap();
    assert_eq!(got, h("91 0A AA BB CC DD 00 82 00 00 01 02"));

    // Too small a buffer, and a method mismatch.
    let mut small = [0u8; 11];
    assert!(matches!(
        encode_issuer_authentication_data(&arpc, &resp, &mut small),
        Err(Error::Length { got: 11, .. })
    ));
    let wrong = ArpcResponse::Method1 {
        arc: ResponseCode(*b"00"),
    };
    assert!(matches!(
        encode_issuer_authentication_data(&arpc, &wrong, &mut out),
        Err(Error::Parameter { .. })
    ));
}

#[test]
fn tag_71_72_issuer_scripts() {
    // APPLICATION UNBLOCK (84 18 00 00 04 ‖ 4-byte MAC) and PIN UNBLOCK
    // (84 24 00 00 04 ‖ MAC), with and without a script identifier.
    let unblock = h("84 18 00 00 04 01 02 03 04");
    let pin_unblock = h("84 24 00 00 04 0A 0B 0C 0D");
    let mut out = [0u8; 64];
    let got = encode_issuer_script(
        ScriptTemplate::AfterFinalGenerateAc,
        Some([0, 0, 0, 1]),
        &[&unblock, &pin_unblock],
        &mut out,
    )
    .unwrap();
    assert_eq!(
        got,
        h("72 1D 9F 18 04 00 00 00 01
           86 09 84 18 00 00 04 01 02 03 04
           86 09 84 24 00 00 04 0A 0B 0C 0D")
    );
    let got = encode_issuer_script(
        ScriptTemplate::BeforeFinalGenerateAc,
        None,
        &[&unblock],
        &mut out,
    )
    .unwrap();
    assert_eq!(got, h("71 0B 86 09 84 18 00 00 04 01 02 03 04"));

    // A long command takes the two-byte length form 81 xx.
    let long = [0x84u8; 130];
    let got = encode_issuer_script(
        ScriptTemplate::AfterFinalGenerateAc,
        None,
        &[&long],
        &mut [0u8; 140],
    )
    .map(<[u8]>::to_vec)
    .unwrap();
    assert_eq!(&got[..5], &h("72 81 85 86 81"));
    assert_eq!(got[5], 0x82);
    assert_eq!(got.len(), 3 + 3 + 130);

    // Bad input: no command, a command shorter than its header, no room.
    assert!(matches!(
        encode_issuer_script(ScriptTemplate::AfterFinalGenerateAc, None, &[], &mut out),
        Err(Error::Parameter { .. })
    ));
    assert!(matches!(
        encode_issuer_script(
            ScriptTemplate::AfterFinalGenerateAc,
            None,
            &[&[0x84, 0x18]],
            &mut out
        ),
        Err(Error::Length { got: 2, .. })
    ));
    assert!(matches!(
        encode_issuer_script(
            ScriptTemplate::AfterFinalGenerateAc,
            None,
            &[&unblock],
            &mut [0u8; 12]
        ),
        Err(Error::Length { .. })
    ));
}

#[test]
fn tlv_writer_tags_and_lengths() {
    let mut buf = [0u8; 300];
    let mut w = TlvWriter::new(&mut buf);
    w.put(0x8A, b"00").unwrap();
    w.put(0x9F18, &[0, 0, 0, 1]).unwrap();
    w.put(0xDF8101, &[]).unwrap();
    w.put(0x5A, &[0xEE; 290]).unwrap_err(); // 15 + 4 + 290 > 300: does not fit
    w.put(0x5A, &[0xEE; 200]).unwrap();
    let b = w.finish();
    assert_eq!(&b[..15], &h("8A 02 30 30 9F 18 04 00 00 00 01 DF 81 01 00"));
    assert_eq!(&b[15..18], &h("5A 81 C8"));
    assert_eq!(b.len(), 18 + 200);

    let mut w = TlvWriter::new(&mut buf);
    // Not BER tags: a one-byte tag announcing more bytes, a two-byte tag
    // whose first byte does not, a continuation bit on the last byte, zero.
    for bad in [0x9F, 0x5A01, 0x9F81, 0, 0x9F_81_81_01] {
        assert!(
            matches!(w.put(bad, &[]), Err(Error::Parameter { .. })),
            "{bad:#x}"
        );
    }
    assert!(w.is_empty());
}

// Field 55 of the Visa CVN 18 example in AuthorisationRequest's doc.
fn visa_field55() -> Vec<u8> {
    let mut body = Vec::new();
    for (t, v) in [
        ("9F02", "000000004000"),
        ("9F03", "000000000000"),
        ("9F1A", "0124"),
        ("95", "8000048000"),
        ("5F2A", "0124"),
        ("9A", "191105"),
        ("9C", "01"),
        ("9F37", "52BF4585"),
        ("82", "1800"),
        ("9F36", "001C"),
        ("9F10", "06011203A0B800"),
        ("9F27", "80"),
        ("9F26", "7A788EA6B8A3E733"),
    ] {
        body.extend(h(t));
        body.push(h(v).len() as u8);
        body.extend(h(v));
    }
    [vec![0x77, body.len() as u8], body].concat()
}

#[test]
fn scheme_iad_mismatch_says_so() {
    // A Visa IAD (format 0/1/3: 06 01 12 …, CVN 18 in byte 2) read as
    // Mastercard's: byte 1 is 01, no Mastercard CVN.
    let e = detect_cvn(Scheme::Mastercard, &h("06 01 12 03 A0 B8 00")).unwrap_err();
    assert_eq!(
        e,
        Error::SchemeMismatch {
            expected: "Mastercard",
            found: "Visa",
            cvn: 0x12
        }
    );
    let text = e.to_string();
    assert!(text.contains("scheme/IAD mismatch"), "{text}");
    assert!(!text.contains("unsupported CVN"), "{text}");
    // The right scheme still detects, and a byte that fits no scheme is
    // still an unsupported CVN.
    assert_eq!(
        detect_cvn(Scheme::Visa, &h("06 01 12 03 A0 B8 00"))
            .unwrap()
            .id,
        0x12
    );
    assert_eq!(
        detect_cvn(Scheme::Mastercard, &h("00 77 00")).unwrap_err(),
        Error::UnsupportedCvn { cvn: 0x77 }
    );
    // A Visa message parsed for a card pinned to Mastercard CVN 16.
    let msg = visa_field55();
    assert!(AuthorisationRequest::parse(&msg, &VISA_CVN_18).is_ok());
    assert!(matches!(
        AuthorisationRequest::parse(&msg, &MASTERCARD_CVN_16),
        Err(Error::SchemeMismatch {
            expected: "Mastercard",
            found: "Visa",
            cvn: 0x12
        })
    ));
}
