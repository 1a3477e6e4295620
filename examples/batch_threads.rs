//! Spread one batch of authorisations over threads with `std::thread::scope`
//! (the threads take chunks of the batch from a shared queue, each chunk
//! verified into its own slice of outcomes) and
//! print 1-thread vs N-thread throughput side by side (medians of seven
//! interleaved runs).
//!
//! Run: `cargo run --release --example batch_threads -- [ITEMS] [THREADS]`
//! (defaults: 20000 items of Visa CVN 18 and of EMV common AES, 2 threads).
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::Instant;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::{
    ArpcResponse, Atc, Csu, Cvn, EMV_COMMON_AES, TransactionData, UnpredictableNumber, VISA_CVN_18,
};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn run(items: &[Authorisation<'_>], out: &mut [Outcome], threads: usize) -> f64 {
    // A shared queue of small chunks, not one fixed share per thread: on a
    // shared machine one core is often interrupted, and with fixed halves the
    // other thread would finish early and idle while the slow half finished.
    // Each thread takes the next chunk (items and their outcome slots) until
    // the queue is empty; a chunk of 2048 is ~0.5 ms of work, so the lock is
    // taken a few hundred times a second.
    const CHUNK: usize = 2048;
    let queue = Mutex::new(items.chunks(CHUNK).zip(out.chunks_mut(CHUNK)));
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    // The guard is a temporary of this statement: the lock is
                    // released before the chunk is verified.
                    let next = queue.lock().unwrap().next();
                    let Some((it, o)) = next else { break };
                    verify_batch(it, o).unwrap();
                }
            });
        }
    });
    let secs = t0.elapsed().as_secs_f64();
    assert!(out.iter().all(Outcome::is_verified));
    items.len() as f64 / secs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(20_000, |s| s.parse().unwrap());
    let threads: usize = args.get(2).map_or(2, |s| s.parse().unwrap());
    let psn = Psn::parse("01").unwrap();
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &[],
    };
    let profiles: [(&'static Cvn, Algorithm, &[u8]); 2] = [
        (&VISA_CVN_18, Algorithm::Tdes2, &[6, 1, 0x12, 3, 0xA0, 0, 0]),
        (&EMV_COMMON_AES, Algorithm::Aes128, &[0x0F, 0xA5, 1, 3]),
    ];
    for (cvn, alg, iad) in profiles {
        let imk = IssuerMasterKey::new(alg, &[0x11; 16]).unwrap();
        let cd = cvn.card_data(iad).unwrap();
        let pans: Vec<Pan> = (0..n)
            .map(|i| Pan::parse(&format!("4761739{:09}", i)).unwrap())
            .collect();
        let items: Vec<Authorisation<'_>> = pans
            .iter()
            .enumerate()
            .map(|(i, pan)| {
                let txn = TransactionData {
                    un: UnpredictableNumber((i as u32).to_be_bytes()),
                    atc: Atc::from_u16(i as u16),
                    ..TransactionData::default()
                };
                let mk = cvn.derive_card_key(&imk, pan, psn).unwrap();
                let arqc = cvn
                    .transaction_keys(&mk, txn.atc, txn.un)
                    .unwrap()
                    .generate_ac(&txn, &cd)
                    .unwrap();
                Authorisation {
                    cvn,
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
        // Interleave the runs (1, N, 1, N, ...) so a loaded machine hits
        // both alike; report the median of seven for each, and the median
        // of the seven paired ratios.
        let (mut one, mut many, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..7 {
            let a = run(&items, &mut out, 1);
            let b = run(&items, &mut out, threads);
            one.push(a);
            many.push(b);
            ratio.push(b / a);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "{}: {n} items, 1 thread {:.0}/s, {threads} threads {:.0}/s (medians of 7), paired ratio median {:.2}x",
            cvn.name,
            median(&mut one),
            median(&mut many),
            median(&mut ratio)
        );
    }
}
