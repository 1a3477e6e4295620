//! Malformed public input gives a typed error that names the problem, never a panic.

use tapcrypt::emv::derive::{self, TreeParams};
use tapcrypt::emv::{
    Atc, Cryptogram, Csu, EMV_COMMON_AES, MASTERCARD_CVN_17, TransactionData, UnpredictableNumber,
    VISA_CVN_10, VISA_CVN_18, arpc,
};
use tapcrypt::mac::{self, MacKey, Padding};
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn, SessionKey};

#[test]
fn wrong_key_lengths() {
    for (alg, n) in [
        (Algorithm::Tdes2, 15),
        (Algorithm::Tdes2, 24),
        (Algorithm::Tdes3, 16),
        (Algorithm::Aes128, 24),
        (Algorithm::Aes192, 16),
        (Algorithm::Aes256, 0),
    ] {
        let e = IssuerMasterKey::new(alg, &vec![0u8; n]).unwrap_err();
        assert!(
            matches!(e, Error::KeyLength { got, .. } if got == n),
            "{alg:?} {n}: {e:?}"
        );
        assert!(e.to_string().contains(&n.to_string()));
    }
}

#[test]
fn hex_keys() {
    assert_eq!(
        SessionKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA987654321").unwrap_err(),
        Error::KeyLength {
            algorithm: "TDES-2key",
            got: 15
        }
    );
    assert_eq!(
        SessionKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA987654321Z").unwrap_err(),
        Error::NotHex
    );
    assert!(SessionKey::from_hex(Algorithm::Tdes2, "0123456789abcdefFEDCBA9876543210").is_ok());
}

#[test]
fn pans_and_psns() {
    for bad in [
        "",
        "12345678901",
        "12345678901234567890",
        "123456789O12",
        "1234 5678 9012",
        "-12345678901",
    ] {
        assert!(Pan::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        Pan::parse("1234567890A2").unwrap_err(),
        Error::NotDigits { field: "PAN" }
    );
    assert_eq!(
        Pan::parse("12345").unwrap_err(),
        Error::DigitCount {
            field: "PAN",
            min: 12,
            max: 19,
            got: 5
        }
    );
    assert_eq!(
        Psn::parse("1").unwrap_err(),
        Error::DigitCount {
            field: "PSN",
            min: 2,
            max: 2,
            got: 1
        }
    );
    assert_eq!(
        Psn::parse("A1").unwrap_err(),
        Error::NotDigits { field: "PSN" }
    );
}

#[test]
fn card_data_of_the_wrong_length_for_a_cvn() {
    let e = VISA_CVN_10.card_data(&[0; 5]).unwrap_err();
    assert_eq!(
        e,
        Error::Length {
            field: "CVR (Visa CVN 10, IAD[3..7])",
            expected: "4",
            got: 5
        }
    );
    assert!(e.to_string().contains("Visa CVN 10"));
    // 8-23 bytes are accepted since issue 13 item 13 (issuer discretionary
    // data); 6 and 24 stay refused.
    assert!(VISA_CVN_18.card_data(&[0; 6]).is_err());
    assert!(VISA_CVN_18.card_data(&[0; 24]).is_err());
    assert!(VISA_CVN_18.card_data(&[0; 7]).is_ok());
    assert!(VISA_CVN_18.card_data(&[0; 32]).is_ok());
    assert!(MASTERCARD_CVN_17.card_data(&[0; 6]).is_err());
    assert!(EMV_COMMON_AES.card_data(&[]).is_err());
    assert!(EMV_COMMON_AES.card_data(&[0; 33]).is_err());
}

#[test]
fn key_algorithm_mismatches() {
    let pan = Pan::parse("1234567890123456").unwrap();
    let aes_imk = IssuerMasterKey::new(Algorithm::Aes128, &[1; 16]).unwrap();
    let tdes_imk = IssuerMasterKey::new(Algorithm::Tdes2, &[1; 16]).unwrap();
    assert!(matches!(
        VISA_CVN_18.derive_card_key(&aes_imk, &pan, Psn::ABSENT),
        Err(Error::KeyAlgorithm { .. })
    ));
    assert!(matches!(
        EMV_COMMON_AES.derive_card_key(&tdes_imk, &pan, Psn::ABSENT),
        Err(Error::KeyAlgorithm { .. })
    ));
    assert!(derive::option_c(&aes_imk, &pan, Psn::ABSENT, 20).is_err());
    let aes_mk = CardMasterKey::new(Algorithm::Aes128, &[1; 16]).unwrap();
    let t3 = CardMasterKey::new(Algorithm::Tdes3, &[1; 24]).unwrap();
    assert!(
        derive::mastercard_skd(&aes_mk, Atc::from_u16(1), UnpredictableNumber::default()).is_err()
    );
    assert!(
        derive::visa_xor_session_key(&tapcrypt::CardMacKey::aes128(&[1; 16]), Atc::from_u16(1))
            .is_err()
    );
    assert!(derive::session_key_ac(&t3, Atc::from_u16(1)).is_err());
    assert!(
        VISA_CVN_18
            .transaction_keys(&aes_mk, Atc::from_u16(1), UnpredictableNumber::default())
            .is_err()
    );
    let k = MacKey::new(Algorithm::Aes128, &[0; 16]).unwrap();
    assert!(mac::retail_mac(&k, b"x", Padding::Method2).is_err());
    let k = MacKey::new(Algorithm::Tdes2, &[0; 16]).unwrap();
    assert!(mac::aes_cmac(&k, b"x").is_err());
}

#[test]
fn session_key_inputs() {
    let mk = CardMasterKey::new(Algorithm::Tdes2, &[1; 16]).unwrap();
    assert_eq!(
        derive::common_session_key(&mk, &[0; 16]).unwrap_err(),
        Error::Length {
            field: "session key diversification value R",
            expected: "8",
            got: 16
        }
    );
    let mut p = TreeParams::H8_B4;
    p.branch_factor = 2; // 2^8 < 65535: cannot cover every ATC
    assert!(matches!(
        derive::emv2000_tree_session_key(&mk, Atc::from_u16(0), p),
        Err(Error::Parameter { .. })
    ));
    p.branch_factor = 0;
    assert!(derive::emv2000_tree_session_key(&mk, Atc::from_u16(0), p).is_err());
}

#[test]
fn fixed_fields_and_arpc_inputs() {
    assert_eq!(
        Atc::from_slice(&[1, 2, 3]).unwrap_err(),
        Error::Length {
            field: "ATC",
            expected: "2",
            got: 3
        }
    );
    assert!(Csu::from_slice(&[0; 3]).is_err());
    assert!(TransactionData::from_slice(&[0; 32]).is_err());
    let sk = SessionKey::new(Algorithm::Tdes2, &[1; 16]).unwrap();
    let _ = (&sk, Cryptogram([0; 8]));
    let e = arpc::Arpc::Method2([0; 4])
        .issuer_authentication_data(
            &arpc::ArpcResponse::Method2 {
                csu: Csu([0; 4]),
                proprietary: &[0; 9],
            },
            &mut [0; 16],
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::Length {
            field: "proprietary authentication data",
            expected: "0 to 8",
            got: 9
        }
    );
    assert!(Padding::from_number(3).is_err());
    let mut out = [0u8; 8];
    assert!(mac::pad(&[0; 8], Padding::Method2, 8, &mut out).is_err());
    assert!(mac::pad(&[0; 8], Padding::Method2, 0, &mut [0u8; 32]).is_err());
}

#[test]
fn debug_never_prints_key_bytes() {
    let k =
        IssuerMasterKey::from_hex(Algorithm::Tdes2, "A1B2C3D4E5F60718293A4B5C6D7E8F90").unwrap();
    let s = format!("{k:?}");
    assert!(s.contains("Tdes2"), "{s}");
    // Neither hex (either case) nor decimal renderings of the first bytes.
    for needle in ["A1B2", "a1b2", "161, 178", "161", "[161"] {
        assert!(!s.contains(needle), "{s}");
    }
}

#[test]
fn dpan_binding_inputs() {
    use tapcrypt::emv::{EMV_COMMON_AES, TAPCRYPT_DPAN_AES};
    let dpan = Pan::parse("5399991208050893").unwrap();
    let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    assert!(matches!(
        EMV_COMMON_AES.card_data_bound(&dpan, &[1], &mut buf),
        Err(Error::Parameter { .. })
    ));
    assert!(matches!(
        TAPCRYPT_DPAN_AES.card_data_bound(&dpan, &[], &mut buf),
        Err(Error::Length { got: 0, .. })
    ));
    assert!(matches!(
        TAPCRYPT_DPAN_AES.card_data_bound(&dpan, &[0; 33], &mut buf),
        Err(Error::Length { got: 33, .. })
    ));
    // A PAN is 12-19 digits, a DPAN 13-19: 12 is refused here.
    let short = Pan::parse("539999120805").unwrap();
    assert!(matches!(
        TAPCRYPT_DPAN_AES.card_data_bound(&short, &[1], &mut buf),
        Err(Error::DigitCount {
            min: 13,
            max: 19,
            got: 12,
            ..
        })
    ));
    assert!(TAPCRYPT_DPAN_AES.binds_dpan() && !EMV_COMMON_AES.binds_dpan());
    assert_eq!(TAPCRYPT_DPAN_AES.id, 0xD2);
    let cd = TAPCRYPT_DPAN_AES
        .card_data_bound(&dpan, &[0xAA], &mut buf)
        .unwrap();
    assert_eq!(
        cd.as_bytes(),
        &[0x10, 0x53, 0x99, 0x99, 0x12, 0x08, 0x05, 0x08, 0x93, 0xAA]
    );
    // Odd length: F-padded low nibble, count 0x0F.
    let odd = Pan::parse("539999120805089").unwrap();
    let cd = TAPCRYPT_DPAN_AES
        .card_data_bound(&odd, &[0xAA], &mut buf)
        .unwrap();
    assert_eq!(
        cd.as_bytes(),
        &[0x0F, 0x53, 0x99, 0x99, 0x12, 0x08, 0x05, 0x08, 0x9F, 0xAA]
    );
}

/// Issue 13 item 5 (regression): `card_data()` no longer builds card data
/// for a DPAN-binding CVN (before the fix `TAPCRYPT_DPAN_AES.card_data(8
/// bytes)` returned `Ok`, card data with no DPAN in it), and the retired D1
/// byte names no profile.
#[test]
fn dpan_binding_cvn_has_no_unbound_constructor() {
    use tapcrypt::emv::{Cvn, TAPCRYPT_DPAN_AES, cryptogram::ALL_CVNS};
    for len in [1, 8, 9, 10, 20, 42, 43] {
        assert!(
            matches!(
                TAPCRYPT_DPAN_AES.card_data(&vec![0xAA; len]),
                Err(Error::Parameter { .. })
            ),
            "{len}"
        );
    }
    // Every other CVN still builds its card data with card_data().
    for cvn in ALL_CVNS.iter().filter(|c| !c.binds_dpan()) {
        assert!(
            cvn.card_data(&vec![0; cvn.card_data.min]).is_ok(),
            "{}",
            cvn.name
        );
    }
    assert_eq!(ALL_CVNS.iter().filter(|c| c.binds_dpan()).count(), 1);
    assert!(Cvn::by_id(0xD1).is_none());
    assert_eq!(Cvn::by_id(0xD2), Some(&TAPCRYPT_DPAN_AES));
}

/// Issue 13 item 5 (regression): the bound card data is injective across
/// DPAN lengths. Under D1 (`BCD(DPAN) ‖ IAD`) a 16-digit DPAN with IAD X
/// and its first 14 digits with IAD (digits 15-16 in BCD) ‖ X gave the
/// same bytes, so one ARQC verified for both DPANs.
#[test]
fn dpan_bound_card_data_is_injective_across_lengths() {
    use tapcrypt::emv::{Atc, TAPCRYPT_DPAN_AES, TransactionData};
    let long = Pan::parse("5399991208050893").unwrap();
    let short = Pan::parse("53999912080508").unwrap();
    let (mut b1, mut b2) = ([0u8; 43], [0u8; 43]);
    let a = TAPCRYPT_DPAN_AES
        .card_data_bound(&long, &[0x01, 0x02], &mut b1)
        .unwrap();
    let b = TAPCRYPT_DPAN_AES
        .card_data_bound(&short, &[0x93, 0x01, 0x02], &mut b2)
        .unwrap();
    assert_ne!(a.as_bytes(), b.as_bytes());
    // And the cryptogram over one does not verify over the other.
    let imk = tapcrypt::IssuerMasterKey::aes128(&[0x2B; 16]);
    let account = Pan::parse("5399991200004242").unwrap();
    let mk = TAPCRYPT_DPAN_AES
        .derive_card_key(&imk, &account, tapcrypt::Psn::ABSENT)
        .unwrap();
    let txn = TransactionData {
        atc: Atc::from_u16(7),
        ..TransactionData::default()
    };
    let keys = TAPCRYPT_DPAN_AES
        .transaction_keys(&mk, txn.atc, txn.un)
        .unwrap();
    let ac = keys.generate_ac(&txn, &a).unwrap();
    assert!(keys.verify_arqc(&txn, &a, &ac).is_ok());
    assert!(keys.verify_arqc(&txn, &b, &ac).is_err());
    // Exhaustively over the lengths: DPAN prefixes of 13..=19 digits with
    // IADs that complete them to the same byte string under D1.
    let digits = "5399991208050893417";
    let tail = [0x5Au8; 4];
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for n in 13..=19 {
        let p = Pan::parse(&digits[..n]).unwrap();
        let mut iad = Vec::new();
        // The remaining digits as F-padded BCD: under D1, n = 14, 16, 18
        // and 19 all gave BCD(all 19 digits) ‖ tail.
        let rest = &digits[n..];
        for pair in rest.as_bytes().chunks(2) {
            let hi = pair[0] - b'0';
            let lo = pair.get(1).map_or(0xF, |c| c - b'0');
            iad.push(hi << 4 | lo);
        }
        iad.extend_from_slice(&tail);
        let mut buf = [0u8; 43];
        let cd = TAPCRYPT_DPAN_AES
            .card_data_bound(&p, &iad, &mut buf)
            .unwrap();
        assert!(!seen.contains(&cd.as_bytes().to_vec()), "{n}");
        seen.push(cd.as_bytes().to_vec());
    }
}

/// Issue 13 item 9: ISO 9797-1 MAC algorithm 3 (the retail MAC) takes two
/// DES keys. Given a three-key TDES key, the retail MAC, ARPC Method 2, the
/// issuer-script MAC and IVCVC3 used K1 and K2 and silently dropped K3 (the
/// result equalled that of the two-key key K1‖K2). Every entry point now
/// refuses it with `Error::KeyAlgorithm`, as the derivations do.
#[cfg(feature = "hazmat")]
#[test]
#[cfg(feature = "hazmat")] // raw-ATC/ARQC script calls
fn three_key_tdes_refused_by_every_retail_mac_path() {
    use tapcrypt::emv::arpc::{Arpc, ArpcResponse};
    use tapcrypt::emv::cvv;
    use tapcrypt::emv::script::{self, Pin};
    use tapcrypt::hazmat::{arpc_generate, arpc_method2};
    let k3: Vec<u8> = (0u8..24).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
    let key_alg = |e: Error| matches!(e, Error::KeyAlgorithm { .. });
    // The MAC module.
    let mk3 = MacKey::new(Algorithm::Tdes3, &k3).unwrap();
    let e = mac::retail_mac(&mk3, b"message", Padding::Method2).unwrap_err();
    assert!(key_alg(e), "retail_mac: {e:?}");
    // ARPC Method 2, under a session key and under a card key.
    let sk3 = SessionKey::new(Algorithm::Tdes3, &k3).unwrap();
    let cmk3 = CardMasterKey::new(Algorithm::Tdes3, &k3).unwrap();
    let arqc = Cryptogram([0x11; 8]);
    let csu = Csu([0x00, 0x80, 0x00, 0x00]);
    let e = arpc_method2(&sk3, &arqc, csu, &[]).unwrap_err();
    assert!(key_alg(e), "hazmat::arpc_method2 (session key): {e:?}");
    let e = arpc_method2(&cmk3, &arqc, csu, &[1, 2]).unwrap_err();
    assert!(key_alg(e), "hazmat::arpc_method2 (card key): {e:?}");
    let resp = ArpcResponse::Method2 {
        csu,
        proprietary: &[],
    };
    let e = arpc_generate(&sk3, &arqc, &resp).unwrap_err();
    assert!(key_alg(e), "hazmat::arpc_generate: {e:?}");
    // Device side: the ARPC the K1‖K2 key gives no longer verifies under
    // the three-key key (it did while K3 was ignored).
    let sk2 = SessionKey::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    let Arpc::Method2(a) = arpc_generate(&sk2, &arqc, &resp).unwrap() else {
        panic!("method 2 expected")
    };
    arpc::verify(&sk2, &arqc, &resp, &Arpc::Method2(a)).unwrap();
    assert!(arpc::verify(&sk3, &arqc, &resp, &Arpc::Method2(a)).is_err());
    // The issuer-script MAC: the raw command MAC, the profile's command
    // MAC and a whole PIN-change command (three-key SK_SMI).
    let smi3 = tapcrypt::ScriptMacKey::new(Algorithm::Tdes3, &k3).unwrap();
    let smi2 = tapcrypt::ScriptMacKey::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    let smc2 = tapcrypt::ScriptEncKey::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    let e = script::command_mac(&smi3, &[0x84, 0x24, 0, 2, 8]).unwrap_err();
    assert!(key_alg(e), "command_mac: {e:?}");
    for profile in [&VISA_CVN_10.script, &MASTERCARD_CVN_17.script] {
        let e = tapcrypt::hazmat::script_command_mac(
            profile,
            &smi3,
            &[0x84, 0x24, 0, 2, 8],
            Atc::from_u16(1),
            &arqc,
            &[],
        )
        .unwrap_err();
        assert!(key_alg(e), "script_command_mac: {e:?}");
    }
    let mk2 = CardMasterKey::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    let e = tapcrypt::hazmat::pin_change_command(
        &VISA_CVN_10.script,
        &mk2,
        &smi3,
        &smc2,
        Atc::from_u16(1),
        &arqc,
        &Pin::parse("1234").unwrap(),
        None,
        &mut [0u8; 64],
    )
    .unwrap_err();
    assert!(key_alg(e), "pin_change_command: {e:?}");
    // IVCVC3 (and CVC3, which its docs also limit to two-key TDES).
    let cvc3_k3 = tapcrypt::Cvc3Key::new(Algorithm::Tdes3, &k3).unwrap();
    let e = cvv::ivcvc3(&cvc3_k3, &[0x54, 0x13, 0x33, 0x90, 0x00, 0x00, 0x15, 0x13]).unwrap_err();
    assert!(key_alg(e), "ivcvc3: {e:?}");
    let e = cvv::cvc3(
        &cvc3_k3,
        [0x12, 0x34],
        UnpredictableNumber::default(),
        Atc::from_u16(1),
    )
    .unwrap_err();
    assert!(key_alg(e), "cvc3: {e:?}");
    // The two-key key still works everywhere (the refusal is not a blanket one).
    let mk2m = MacKey::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    mac::retail_mac(&mk2m, b"message", Padding::Method2).unwrap();
    script::command_mac(&smi2, &[0x84, 0x24, 0, 2, 8]).unwrap();
    let cvc3_k2 = tapcrypt::Cvc3Key::new(Algorithm::Tdes2, &k3[..16]).unwrap();
    cvv::ivcvc3(&cvc3_k2, &[0x54, 0x13]).unwrap();
}
