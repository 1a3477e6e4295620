//! Side by side (issue 16), the tapcrypt half: reads the authorisations
//! `benches/side_by_side.py` made with pyemv (Visa CVN 18, one PAN per card,
//! pyemv's ARQCs and ARPCs), verifies them all with `batch::verify_batch`
//! and with the single-item path (IMK → card key → session key → verify →
//! ARPC, item by item), checks every ARQC verifies and every ARPC equals
//! pyemv's, and prints both rates and the ratios to pyemv's. Then the same
//! for as many EMV common AES authorisations (AES-128, one PAN per card):
//! pyemv has no AES CVN, so these are made by tapcrypt's single-item path
//! (their known answers are in `tests/batch_aes.rs`) and only batch vs
//! single is compared.
//!
//! Run through `benches/side_by_side.sh`, or
//! `cargo run --release --example side_by_side -- ITEMS.json`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Instant;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::{
    ArpcResponse, Atc, Cryptogram, Csu, EMV_COMMON_AES, TransactionData, UnpredictableNumber,
    VISA_CVN_18,
};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Runs `f` over `n` items: items per second.
fn rate(n: usize, f: impl FnOnce()) -> f64 {
    let t0 = Instant::now();
    f();
    n as f64 / t0.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: side_by_side ITEMS.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let imk = IssuerMasterKey::new(Algorithm::Tdes2, &hex(doc["imk"].as_str().unwrap())).unwrap();
    let psn = Psn::parse(doc["psn"].as_str().unwrap()).unwrap();
    let iad = hex(doc["iad"].as_str().unwrap());
    let csu = Csu::from_slice(&hex(doc["csu"].as_str().unwrap())).unwrap();
    let pyemv = doc["pyemv_per_s"].as_f64().unwrap();
    let cd = VISA_CVN_18.card_data(&iad).unwrap();
    let resp = ArpcResponse::Method2 {
        csu,
        proprietary: &[],
    };
    let raw = doc["items"].as_array().unwrap();
    let pans: Vec<Pan> = raw
        .iter()
        .map(|v| Pan::parse(v["pan"].as_str().unwrap()).unwrap())
        .collect();
    let items: Vec<Authorisation<'_>> = raw
        .iter()
        .zip(&pans)
        .map(|(v, pan)| Authorisation {
            cvn: &VISA_CVN_18,
            key: BatchKey::Issuer {
                imk: &imk,
                pan,
                psn,
            },
            txn: TransactionData::from_slice(&hex(v["txn"].as_str().unwrap())).unwrap(),
            card_data: cd,
            cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
            arqc: Cryptogram(hex(v["arqc"].as_str().unwrap()).try_into().unwrap()),
            response: resp,
        })
        .collect();
    let want: Vec<Vec<u8>> = raw
        .iter()
        .map(|v| hex(v["arpc"].as_str().unwrap()))
        .collect();
    let n = items.len();
    let mut out: Vec<Outcome> = (0..n).map(|_| Outcome::Pending).collect();

    let (s, b) = compare(&items, &want, &mut out);
    println!("tapcrypt single: {n} items, {s:.0}/s (median of 5)");
    println!("tapcrypt batch:  {n} items, {b:.0}/s (median of 5)");
    println!("all {n} pyemv ARQCs verified; every ARPC equals pyemv's");
    println!(
        "ratios: batch/single {:.1}x, batch/pyemv {:.1}x, single/pyemv {:.1}x",
        b / s,
        b / pyemv,
        s / pyemv
    );
    aes(n);
}

/// Single-item path vs `verify_batch` on `items`, interleaved (single,
/// batch, ...) so load hits both alike; medians of 5.
/// Every item must verify with the ARPC in `want`.
fn compare(items: &[Authorisation<'_>], want: &[Vec<u8>], out: &mut [Outcome]) -> (f64, f64) {
    let n = items.len();
    let single = |items: &[Authorisation<'_>]| {
        rate(n, || {
            for (a, w) in items.iter().zip(want) {
                let BatchKey::Issuer { imk, pan, psn } = a.key else {
                    unreachable!()
                };
                let mk = a.cvn.derive_card_key(imk, pan, psn).unwrap();
                let keys = a.cvn.transaction_keys(&mk, a.txn.atc, a.txn.un).unwrap();
                let v = keys.verify_arqc(&a.txn, &a.card_data, &a.arqc).unwrap();
                assert_eq!(v.arpc(&a.response).unwrap().as_bytes(), &w[..]);
            }
        })
    };
    let mut batch = |items: &[Authorisation<'_>]| {
        let r = rate(n, || verify_batch(items, out).unwrap());
        for (o, w) in out.iter().zip(want) {
            assert_eq!(o.verified().unwrap().arpc().as_bytes(), &w[..]);
        }
        r
    };
    let (mut s, mut b) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        s.push(single(items));
        b.push(batch(items));
    }
    (median(s), median(b))
}

/// EMV common AES (AES-128 IMK, Option C, common session key, CMAC,
/// ARPC Method 2): `n` cards, batch vs single.
fn aes(n: usize) {
    let imk = IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap();
    let psn = Psn::parse("01").unwrap();
    let iad = [0x0F, 0xA5, 0x01, 0x03];
    let cd = EMV_COMMON_AES.card_data(&iad).unwrap();
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &[],
    };
    let pans: Vec<Pan> = (0..n)
        .map(|i| Pan::parse(&format!("5413330{:09}", i * 7919)).unwrap())
        .collect();
    let mut want = Vec::new();
    let items: Vec<Authorisation<'_>> = pans
        .iter()
        .enumerate()
        .map(|(i, pan)| {
            let txn = TransactionData {
                un: UnpredictableNumber((i as u32).to_be_bytes()),
                atc: Atc::from_u16(i as u16),
                amount_authorised: [0, 0, 0, 0, 0x12, 0x50],
                ..TransactionData::default()
            };
            let mk = EMV_COMMON_AES.derive_card_key(&imk, pan, psn).unwrap();
            let keys = EMV_COMMON_AES
                .transaction_keys(&mk, txn.atc, txn.un)
                .unwrap();
            let arqc = keys.generate_ac(&txn, &cd).unwrap();
            let v = keys.verify_arqc(&txn, &cd, &arqc).unwrap();
            want.push(v.arpc(&resp).unwrap().as_bytes().to_vec());
            Authorisation {
                cvn: &EMV_COMMON_AES,
                key: BatchKey::Issuer {
                    imk: &imk,
                    pan,
                    psn,
                },
                txn,
                card_data: cd,
                cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
                arqc,
                response: resp,
            }
        })
        .collect();
    let mut out: Vec<Outcome> = (0..n).map(|_| Outcome::Pending).collect();
    let (s, b) = compare(&items, &want, &mut out);
    println!("EMV common AES (pyemv has no AES CVN: tapcrypt only)");
    println!("tapcrypt single: {n} items, {s:.0}/s (median of 5)");
    println!("tapcrypt batch:  {n} items, {b:.0}/s (median of 5)");
    println!("ratio: batch/single {:.1}x", b / s);
}
