//! AC generate/verify over arbitrary CVN, key, transaction data, card data and
//! cryptogram: never panics; `verify_ac` accepts exactly the generated AC.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::emv::cryptogram::{ALL_CVNS, CardKeySchedule, CipherFamily};
use tapcrypt::emv::{ArpcMethod, ArpcResponse, Cryptogram, Csu, ResponseCode, TransactionData};
use tapcrypt::{Algorithm, CardMasterKey, Error};

const ALGS: [Algorithm; 5] = [
    Algorithm::Tdes2,
    Algorithm::Tdes3,
    Algorithm::Aes128,
    Algorithm::Aes192,
    Algorithm::Aes256,
];

/// Takes `n` bytes, zero-padded when the input runs out.
fn take<'a>(data: &mut &'a [u8], n: usize) -> Vec<u8> {
    let k = n.min(data.len());
    let (a, b) = data.split_at(k);
    *data = b;
    let mut v = a.to_vec();
    v.resize(n, 0);
    v
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let hdr = take(&mut data, 4);
    let cvn = ALL_CVNS[usize::from(hdr[0]) % ALL_CVNS.len()];
    let alg = ALGS[usize::from(hdr[1]) % ALGS.len()];
    let cd_len = usize::from(hdr[2]) % 40;
    let flags = hdr[3];
    let key = take(&mut data, alg.key_len());
    let txn_bytes = take(&mut data, usize::from(flags >> 4) + 26); // 26..=41: hits bad lengths
    let ac = Cryptogram::from_slice(&take(&mut data, 8)).expect("8 bytes");
    let cd_bytes = take(&mut data, cd_len);

    let txn = match TransactionData::from_slice(&txn_bytes) {
        Ok(t) => {
            assert_eq!(txn_bytes.len(), TransactionData::LEN);
            assert_eq!(t.to_bytes().as_slice(), txn_bytes.as_slice());
            t
        }
        Err(Error::Length { got, .. }) => {
            assert_ne!(got, TransactionData::LEN);
            TransactionData::default()
        }
        Err(e) => panic!("unexpected {e:?}"),
    };

    let card = CardMasterKey::new(alg, &key).expect("length");
    let fits = match cvn.cipher {
        CipherFamily::Tdes => alg == Algorithm::Tdes2,
        CipherFamily::Aes => !alg.is_tdes(),
    };
    let sched;
    let keys = if flags & 1 == 0 {
        cvn.transaction_keys(&card, txn.atc, txn.un)
    } else {
        sched = CardKeySchedule::new(CardMasterKey::new(alg, &key).expect("length"));
        cvn.transaction_keys_with(&sched, txn.atc, txn.un)
    };
    let keys = match keys {
        Ok(k) => {
            assert!(fits, "{} accepted {alg:?}", cvn.name);
            k
        }
        Err(Error::KeyAlgorithm { .. }) => {
            assert!(!fits);
            return;
        }
        Err(e) => panic!("unexpected {e:?}"),
    };

    // A DPAN-binding CVN has no unbound constructor: its card data is built
    // from a DPAN (13..=19 digits from the input) and the rest as the IAD.
    let mut bound = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let built = if cvn.binds_dpan() {
        assert!(matches!(
            cvn.card_data(&cd_bytes),
            Err(Error::Parameter { .. })
        ));
        let n = 13 + usize::from(flags >> 1) % 7;
        let digits: String = (0..n)
            .map(|i| char::from(b'0' + hdr[i % 4].wrapping_add(i as u8) % 10))
            .collect();
        let dpan = tapcrypt::Pan::parse(&digits).expect("13..=19 digits");
        cvn.card_data_bound(&dpan, &cd_bytes, &mut bound)
    } else {
        cvn.card_data(&cd_bytes)
    };
    match built {
        Ok(cd) => {
            let want = keys.generate_ac(&txn, &cd).expect("validated card data");
            let verified = keys.verify_arqc(&txn, &cd, &want).expect("genuine ARQC");
            assert_eq!(verified.atc(), txn.atc);
            // The ARPC from the proof is the CVN's ARPC for that ARQC.
            let resp = match cvn.arpc {
                ArpcMethod::Method1 => ArpcResponse::Method1 {
                    arc: ResponseCode(*b"00"),
                },
                ArpcMethod::Method2 => ArpcResponse::Method2 {
                    csu: Csu([0; 4]),
                    proprietary: &[],
                },
            };
            assert_eq!(
                verified.arpc(&resp).ok(),
                tapcrypt::hazmat::arpc_unverified(&keys, &want, &resp).ok()
            );
            assert!(keys.verify_tc_or_aac(&txn, &cd, &want).is_ok());
            // Keys prepared ahead (ATC only) agree wherever the CVN allows them.
            let band = CardKeySchedule::new(CardMasterKey::new(alg, &key).expect("length"));
            if let Ok(ahead) = cvn.transaction_keys_ahead(&band, txn.atc) {
                assert_eq!(ahead.generate_ac(&txn, &cd).ok(), Some(want));
            }
            assert_eq!(keys.verify_arqc(&txn, &cd, &ac).is_ok(), want == ac);
            let mut bad = want;
            bad.0[usize::from(flags >> 1) % 8] ^= 1 << (flags % 8);
            assert!(keys.verify_arqc(&txn, &cd, &bad).is_err());
        }
        Err(Error::Length { got, .. }) => {
            assert_eq!(got, cd_len);
        }
        Err(e) => panic!("unexpected {e:?}"),
    }

    // Card data validated for another CVN is refused, never misused.
    let other = ALL_CVNS[(usize::from(hdr[0]) + 1) % ALL_CVNS.len()];
    if other.id != cvn.id
        && let Ok(cd) = other.card_data(&cd_bytes)
    {
        assert!(matches!(
            keys.generate_ac(&txn, &cd),
            Err(Error::Parameter { .. })
        ));
        assert!(keys.verify_arqc(&txn, &cd, &ac).is_err());
    }
});
