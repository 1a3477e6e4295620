//! The cloud-payment parsers (issue 14): the VCPS key index (string and IAD
//! field), the CVN '43' IAD, the MCBP IAD against a pinned profile, the
//! mobile PIN. Never panics on any input; accepts exactly what the
//! documented rules accept (checked against a plain reference here); what
//! parses round-trips. A parsed IAD is then driven through its verifier,
//! which must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::emv::cloud::mcbp::{
    self, IssuedKeyBatch, IssuedSingleUseKeys, McbpIad, McbpProfile, MobilePin, SingleUseKey,
};
use tapcrypt::emv::cloud::vcps::{KeyIndex, VcpsIad, VcpsVerifier};
use tapcrypt::emv::{Atc, Cryptogram, TransactionData};
use tapcrypt::{Algorithm, CardMasterKey};

/// Decimal value of ASCII digits (callers pass digits only).
fn value(d: &[u8]) -> u32 {
    d.iter().fold(0u32, |a, &x| a * 10 + u32::from(x - b'0'))
}

fn hours_ok(d: &[u8]) -> bool {
    (1..=8784).contains(&value(d))
}

fuzz_target!(|data: &[u8]| {
    // Key index as a string: 7 digits (YHHHHCC) or 8 (YYHHHHCC).
    if let Ok(s) = core::str::from_utf8(data) {
        let b = s.as_bytes();
        let want = (b.len() == 7 || b.len() == 8)
            && b.iter().all(u8::is_ascii_digit)
            && hours_ok(&b[b.len() - 6..b.len() - 2]);
        match KeyIndex::parse(s) {
            Ok(k) => {
                assert!(want, "accepted {s:?}");
                let mut buf = [0u8; 8];
                assert_eq!(k.write_ascii(&mut buf), b);
                assert_eq!(u32::from(k.hours()), value(&b[b.len() - 6..b.len() - 2]));
                assert_eq!(u32::from(k.counter()), value(&b[b.len() - 2..]));
                if b.len() == 7 {
                    let f = k.to_iad_field().unwrap();
                    assert_eq!(KeyIndex::from_iad_field(f).unwrap(), k);
                } else {
                    assert!(k.to_iad_field().is_err());
                }
            }
            Err(_) => assert!(!want, "rejected {s:?}"),
        }
        let pin_ok = (4..=8).contains(&b.len()) && b.iter().all(u8::is_ascii_digit);
        assert_eq!(MobilePin::parse(s).is_ok(), pin_ok, "PIN {s:?}");
    }

    // Key index as IAD derivation data: BCD 0 || YHHHHCC.
    if let Some(f) = data.first_chunk::<4>() {
        let nib: Vec<u8> = f.iter().flat_map(|x| [x >> 4, x & 15]).collect();
        let want = nib[0] == 0 && nib.iter().all(|&n| n <= 9) && {
            let d: Vec<u8> = nib[2..6].iter().map(|n| n + b'0').collect();
            hours_ok(&d)
        };
        match KeyIndex::from_iad_field(*f) {
            Ok(k) => {
                assert!(want);
                assert_eq!(k.to_iad_field().unwrap(), *f);
            }
            Err(_) => assert!(!want),
        }
    }

    // The CVN '43' IAD, driven through the verifier when it parses.
    match VcpsIad::parse(data) {
        Ok(iad) => {
            assert!(data.len() == 32 && data[0] == 0x1F && data[1] == 0x43);
            assert_eq!(&iad.to_bytes()[..], data);
            assert_eq!(&iad.cvr()[..], &data[3..7]);
            let udk = CardMasterKey::new(Algorithm::Tdes2, &[0x5A; 16]).unwrap();
            let issued = [iad.key_index()];
            let ac = Cryptogram(*data[24..].first_chunk::<8>().unwrap());
            let _ = VcpsVerifier::new(&udk, &issued).verify_qvsdc(
                &TransactionData::default(),
                &iad,
                &ac,
            );
        }
        Err(_) => assert!(
            data.len() != 32
                || data[0] != 0x1F
                || data[1] != 0x43
                || KeyIndex::from_iad_field(*data[13..].first_chunk::<4>().unwrap()).is_err()
        ),
    }

    // The MCBP IAD against a pinned profile (KDI 01, CVN 14).
    let mut template = [0u8; 18];
    template[0] = 0x01;
    template[1] = 0x14;
    let profile = McbpProfile {
        iad_template: template,
        pin_iv_cvc3_track2: [0; 2],
    };
    match McbpIad::parse(data, &profile) {
        Ok(iad) => {
            assert!(data.len() == 18 && data[0] == 0x01 && data[1] == 0x14);
            assert_eq!(&iad.cvr()[..], &data[2..8]);
            assert_eq!(&iad.md_part()[..], &data[11..16]);
            let mut b = IssuedKeyBatch::<1>::new();
            b.insert(IssuedSingleUseKeys::contactless(
                Atc::from_u16(0),
                SingleUseKey::from_bytes(&[0x11; 16]),
                SingleUseKey::from_bytes(&[0x22; 16]),
            ))
            .unwrap();
            let ac = Cryptogram(*data[..8].first_chunk::<8>().unwrap());
            let _ = mcbp::verify_contactless(&mut b, &TransactionData::default(), &iad, &ac);
        }
        Err(_) => assert!(data.len() != 18 || data[0] != 0x01 || data[1] != 0x14),
    }
});
