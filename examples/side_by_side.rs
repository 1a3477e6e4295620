//! Side by side (issue 16), the tapcrypt half: reads the authorisations
//! `benches/side_by_side.py` made with pyemv (Visa CVN 18, one PAN per card,
//! pyemv's ARQCs and ARPCs), verifies them all with `batch::verify_batch`
//! and with the single-item path (IMK → card key → session key → verify →
//! ARPC, item by item), checks every ARQC verifies and every ARPC equals
//! pyemv's, and prints both rates and the ratios to pyemv's.
//!
//! Run through `benches/side_by_side.sh`, or
//! `cargo run --release --example side_by_side -- ITEMS.json`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Instant;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::{ArpcResponse, Cryptogram, Csu, TransactionData, VISA_CVN_18};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
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

    let single = |items: &[Authorisation<'_>]| {
        let t0 = Instant::now();
        for (a, w) in items.iter().zip(&want) {
            let BatchKey::Issuer { imk, pan, psn } = a.key else {
                unreachable!()
            };
            let mk = a.cvn.derive_card_key(imk, pan, psn).unwrap();
            let keys = a.cvn.transaction_keys(&mk, a.txn.atc, a.txn.un).unwrap();
            let v = keys.verify_arqc(&a.txn, &a.card_data, &a.arqc).unwrap();
            assert_eq!(v.arpc(&a.response).unwrap().as_bytes(), &w[..]);
        }
        n as f64 / t0.elapsed().as_secs_f64()
    };
    let mut batch = |items: &[Authorisation<'_>]| {
        let t0 = Instant::now();
        verify_batch(items, &mut out).unwrap();
        let r = n as f64 / t0.elapsed().as_secs_f64();
        for (o, w) in out.iter().zip(&want) {
            assert_eq!(o.verified().unwrap().arpc().as_bytes(), &w[..]);
        }
        r
    };
    // Interleaved (single, batch, ...) so load hits both alike; medians of 5.
    let (mut s, mut b) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        s.push(single(&items));
        b.push(batch(&items));
    }
    let (s, b) = (median(s), median(b));
    println!("tapcrypt single: {n} items, {s:.0}/s (median of 5)");
    println!("tapcrypt batch:  {n} items, {b:.0}/s (median of 5)");
    println!("all {n} pyemv ARQCs verified; every ARPC equals pyemv's");
    println!(
        "ratios: batch/single {:.1}x, batch/pyemv {:.1}x, single/pyemv {:.1}x",
        b / s,
        b / pyemv,
        s / pyemv
    );
}
