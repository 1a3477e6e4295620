//! Differential: `batch::verify_batch` over up to 24 fuzzed authorisations
//! (any CVN, key algorithm, card key given or derived from an IMK, PAN,
//! transaction data, card data, genuine / flipped / arbitrary cryptogram,
//! either ARPC method, any CID) against the single-item path,
//! item by item, and each item verified alone against the same item in the
//! batch: no item's outcome depends on the others, an ARPC exists only for a
//! verified ARQC and equals the single path's, a genuine AC always verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::cryptogram::ALL_CVNS;
use tapcrypt::emv::tlv::CryptogramType;
use tapcrypt::emv::{ArpcResponse, Cryptogram, Csu, ResponseCode, TransactionData};
use tapcrypt::hazmat::arpc_unverified;
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

const ALGS: [Algorithm; 3] = [Algorithm::Tdes2, Algorithm::Aes128, Algorithm::Aes256];

fn take<'a>(data: &mut &'a [u8], n: usize) -> Vec<u8> {
    let k = n.min(data.len());
    let (a, b) = data.split_at(k);
    *data = b;
    let mut v = a.to_vec();
    v.resize(n, 0);
    v
}

struct Raw {
    cvn: &'static tapcrypt::emv::Cvn,
    /// The card key: given, or derived from `imk` and `pan` (which then
    /// goes into the batch as `BatchKey::Issuer`).
    key: CardMasterKey,
    imk: Option<(IssuerMasterKey, Pan)>,
    cid: CryptogramType,
    txn: TransactionData,
    cd: Vec<u8>,
    ac_mode: u8,
    ac: [u8; 8],
    method1: bool,
    prop: Vec<u8>,
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    // Up to 24: the AES lanes take a batch's AES-128 items from six on.
    let n = usize::from(take(&mut data, 1)[0] % 24) + 1;
    let mut raws = Vec::new();
    for _ in 0..n {
        let h = take(&mut data, 5);
        let cvn = ALL_CVNS[usize::from(h[0]) % ALL_CVNS.len()];
        if cvn.binds_dpan() {
            continue; // its card data needs a DPAN; the single-path targets cover it
        }
        let alg = ALGS[usize::from(h[1]) % ALGS.len()];
        let kb = take(&mut data, alg.key_len());
        // h[1] bit 4: derive the card key from an IMK (the CVN's option).
        let imk = if h[1] & 0x10 != 0 {
            let digits: String = take(&mut data, 16)
                .iter()
                .map(|b| char::from(b'0' + b % 10))
                .collect();
            let pan = Pan::parse(&digits).expect("16 digits");
            let imk = IssuerMasterKey::new(alg, &kb).expect("length");
            Some((imk, pan))
        } else {
            None
        };
        let key = match &imk {
            Some((i, p)) => match cvn.derive_card_key(i, p, Psn::ABSENT) {
                Ok(k) => k,
                Err(_) => continue, // IMK of the wrong cipher: the Card case covers it
            },
            None => CardMasterKey::new(alg, &kb).expect("length"),
        };
        // h[1] bits 5-6: the CID (ARQC twice as often).
        let cid = match (h[1] >> 5) & 3 {
            0 => CryptogramType::Tc,
            1 => CryptogramType::Aac,
            _ => CryptogramType::Arqc,
        };
        let txn = TransactionData::from_slice(&take(&mut data, TransactionData::LEN)).expect("33");
        let cd_len = cvn.card_data.only.map_or(
            cvn.card_data.min + usize::from(h[2]) % (cvn.card_data.max - cvn.card_data.min + 1),
            |[a, b]| if h[2] & 1 == 0 { a } else { b },
        );
        raws.push(Raw {
            cvn,
            key,
            imk,
            cid,
            txn,
            cd: take(&mut data, cd_len),
            ac_mode: h[3] % 3,
            ac: take(&mut data, 8).try_into().expect("8"),
            method1: h[4] & 1 == 0,
            prop: take(&mut data, usize::from(h[4] >> 1) % 10), // 9: over the limit
        });
    }
    let mut items = Vec::new();
    let mut genuine = Vec::new();
    for r in &raws {
        let cd = r.cvn.card_data(&r.cd).expect("length chosen from the spec");
        // 0: the genuine AC (when the key fits), 1: genuine with one bit flipped, 2: arbitrary.
        let real = r
            .cvn
            .transaction_keys(&r.key, r.txn.atc, r.txn.un)
            .ok()
            .map(|k| k.generate_ac(&r.txn, &cd).expect("generate"));
        let ac = match (r.ac_mode, real) {
            (0, Some(a)) => a,
            (1, Some(mut a)) => {
                a.0[usize::from(r.ac[0] % 8)] ^= 1 << (r.ac[1] % 8);
                a
            }
            _ => Cryptogram(r.ac),
        };
        genuine.push(r.ac_mode == 0 && real.is_some() && r.cid == CryptogramType::Arqc);
        items.push(Authorisation {
            cvn: r.cvn,
            key: match &r.imk {
                Some((imk, pan)) => BatchKey::Issuer {
                    imk,
                    pan,
                    psn: Psn::ABSENT,
                },
                None => BatchKey::Card(&r.key),
            },
            txn: r.txn,
            card_data: cd,
            cryptogram_type: r.cid,
            arqc: ac,
            response: if r.method1 {
                ArpcResponse::Method1 {
                    arc: ResponseCode(*b"00"),
                }
            } else {
                ArpcResponse::Method2 {
                    csu: Csu([0, 0, 0, 0x10]),
                    proprietary: &r.prop,
                }
            },
        });
    }
    let mut out: Vec<Outcome> = (0..items.len() + 1).map(|_| Outcome::Pending).collect();
    verify_batch(&items, &mut out).expect("enough slots");
    assert!(matches!(out[items.len()], Outcome::Pending));
    for (i, (a, o)) in items.iter().zip(&out).enumerate() {
        // The single path.
        let want = match a.cvn.transaction_keys(&raws[i].key, a.txn.atc, a.txn.un) {
            Err(_) => None,
            Ok(keys) => match arpc_unverified(&keys, &a.arqc, &a.response) {
                Err(_) => None,
                // Only an ARQC (by its CID) verifies.
                Ok(arpc) => Some(
                    keys.verify_arqc(&a.txn, &a.card_data, &a.arqc)
                        .ok()
                        .filter(|_| a.cryptogram_type == CryptogramType::Arqc)
                        .map(|v| {
                            assert_eq!(v.arpc(&a.response).expect("checked"), arpc);
                            arpc
                        }),
                ),
            },
        };
        match (&want, o) {
            (None, Outcome::Malformed(_)) | (Some(None), Outcome::Rejected(_)) => {}
            (Some(Some(arpc)), Outcome::Verified(v)) => {
                assert_eq!(v.arpc(), arpc);
                assert_eq!(v.atc(), a.txn.atc);
                assert_eq!(v.arqc(), &a.arqc);
            }
            (w, o) => panic!("item {i}: single path {w:?}, batch {o:?}"),
        }
        if genuine[i] && want.is_some() {
            assert!(o.is_verified(), "item {i}: genuine AC not verified");
        }
        // The item alone: the same outcome.
        let mut one: [Outcome; 1] = Default::default();
        verify_batch(core::slice::from_ref(a), &mut one).expect("one slot");
        match (&one[0], o) {
            (Outcome::Verified(x), Outcome::Verified(y)) => assert_eq!(x.arpc(), y.arpc()),
            (Outcome::Rejected(_), Outcome::Rejected(_))
            | (Outcome::Malformed(_), Outcome::Malformed(_)) => {}
            (x, y) => panic!("item {i}: alone {x:?}, in batch {y:?}"),
        }
    }
});
