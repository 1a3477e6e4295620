//! PAN, PSN and hex-key parsing: never panics on any input; what parses
//! round-trips; what does not parse is rejected for a documented reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn, SessionKey};

const ALGS: [Algorithm; 5] = [
    Algorithm::Tdes2,
    Algorithm::Tdes3,
    Algorithm::Aes128,
    Algorithm::Aes192,
    Algorithm::Aes256,
];

fn hex_ref(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            let pair = s.get(i..i + 2)?;
            if !pair.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let all_digits = s.bytes().all(|c| c.is_ascii_digit());

    // PAN: 12..=19 ASCII digits, nothing else.
    match Pan::parse(s) {
        Ok(pan) => {
            assert!(all_digits && (12..=19).contains(&s.len()));
            assert_eq!(pan.len(), s.len());
            let mut buf = [0u8; 19];
            assert_eq!(pan.write_ascii(&mut buf), s.as_bytes());
            let dbg = format!("{pan:?}");
            assert!(!dbg.contains(s), "Pan Debug leaks the digits");
        }
        Err(Error::DigitCount { got, .. }) => {
            assert!(!(12..=19).contains(&s.len()));
            assert_eq!(got, s.len());
        }
        Err(Error::NotDigits { .. }) => assert!(!all_digits),
        Err(e) => panic!("unexpected PAN error {e:?}"),
    }

    // PSN: exactly two digits.
    let psn = Psn::parse(s);
    assert_eq!(psn.is_ok(), s.len() == 2 && all_digits, "{psn:?}");

    // Hex keys, every algorithm and every key role.
    let want = hex_ref(s);
    for alg in ALGS {
        let r = IssuerMasterKey::from_hex(alg, s);
        match (&r, &want) {
            (Ok(k), Some(w)) => {
                assert_eq!(k.expose_secret(), &w[..]);
                assert_eq!(k.algorithm(), alg);
                let _ = k.kcv();
                let _ = k.kcv_ecb_zero();
            }
            (Ok(_), None) => panic!("from_hex accepted non-hex {s:?}"),
            (Err(Error::KeyLength { got, .. }), _) => {
                assert_ne!(s.len(), 2 * alg.key_len());
                let _ = got;
            }
            (Err(Error::OddHex { .. }), _) => assert!(s.len() % 2 == 1),
            (Err(Error::NotHex), w) => {
                assert!(w.is_none() && s.len() == 2 * alg.key_len())
            }
            (Err(e), _) => panic!("unexpected from_hex error {e:?}"),
        }
        assert_eq!(
            CardMasterKey::from_hex(alg, s).is_ok(),
            r.is_ok(),
            "key roles disagree"
        );
        assert_eq!(SessionKey::from_hex(alg, s).is_ok(), r.is_ok());
    }
});
