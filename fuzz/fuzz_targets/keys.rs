//! Key construction from raw bytes, KCVs and odd-parity adjustment: never
//! panics; lengths are enforced; parity adjustment only touches bit 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::mac::MacKey;
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, SessionKey, keys};

const ALGS: [Algorithm; 5] = [
    Algorithm::Tdes2,
    Algorithm::Tdes3,
    Algorithm::Aes128,
    Algorithm::Aes192,
    Algorithm::Aes256,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, key)) = data.split_first() else {
        return;
    };
    let alg = ALGS[usize::from(sel) % ALGS.len()];

    match IssuerMasterKey::new(alg, key) {
        Ok(k) => {
            assert_eq!(key.len(), alg.key_len());
            assert_eq!(k.expose_secret(), key);
            let kcv = k.kcv();
            if alg.is_tdes() {
                assert_eq!(kcv, k.kcv_ecb_zero());
            }
            // Same bytes in every role give the same KCV.
            let c = CardMasterKey::new(alg, key).expect("same length");
            assert_eq!(c.kcv(), kcv);
            let s = SessionKey::new(alg, key).expect("same length");
            assert_eq!(s.kcv(), kcv);
            let m = MacKey::new(alg, key).expect("same length");
            assert_eq!(m.kcv(), kcv);
            // Debug shows the algorithm and nothing else.
            assert_eq!(
                format!("{k:?}"),
                format!("IssuerMasterKey {{ algorithm: {alg:?}, .. }}")
            );
            assert_eq!(
                format!("{m:?}"),
                format!("MacKey {{ algorithm: {alg:?}, .. }}")
            );
        }
        Err(Error::KeyLength { got, .. }) => {
            assert_ne!(key.len(), alg.key_len());
            assert_eq!(got, key.len());
        }
        Err(e) => panic!("unexpected error {e:?}"),
    }

    // Odd parity: every byte odd, only bit 0 changed, idempotent.
    let mut adj = key.to_vec();
    keys::odd_parity_adjust(&mut adj);
    for (a, b) in adj.iter().zip(key) {
        assert_eq!(a.count_ones() % 2, 1);
        assert_eq!(a & 0xFE, b & 0xFE);
    }
    let mut again = adj.clone();
    keys::odd_parity_adjust(&mut again);
    assert_eq!(again, adj);
    if alg.is_tdes() && key.len() == alg.key_len() {
        // DES ignores parity bits: the KCV does not change.
        let k1 = IssuerMasterKey::new(alg, key).expect("len");
        let k2 = IssuerMasterKey::new(alg, &adj).expect("len");
        assert_eq!(k1.kcv(), k2.kcv());
    }
});
