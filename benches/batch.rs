//! Batch verification benches (issue 16), side by side in one run:
//! per core, `batch::verify_batch` vs the single-item path on the same
//! authorisations (TDES Visa CVN 18 and EMV common AES: IMK → card key →
//! session key → verify → ARPC), and the AES-unit lever: eight blocks under
//! eight keys through the `aes` crate's hazmat `cipher_round_par` vs eight
//! separate `encrypt_block` calls.
//! Run: `cargo bench --bench batch --features hazmat`. With
//! `--features hazmat,batch-aesni,__internal` the batch runs its AES lanes
//! on AES-NI (`tapcrypt-aes-lanes`) and the same run also measures the safe
//! lanes ("batch (safe lanes)") and the AES-NI primitive itself.
#![allow(missing_docs, clippy::unwrap_used)]

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::{
    ArpcResponse, Atc, Cryptogram, Csu, Cvn, EMV_COMMON_AES, TransactionData, UnpredictableNumber,
    VISA_CVN_18,
};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

const N: usize = 256;

fn txn(i: usize) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x12, 0x50],
        amount_other: [0; 6],
        terminal_country: [0x01, 0x56],
        tvr: [0; 5],
        currency: [0x01, 0x56],
        date: [0x26, 0x12, 0x02],
        transaction_type: 0,
        un: UnpredictableNumber((i as u32).to_be_bytes()),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(0x40 + i as u16),
    }
}

struct Set {
    cvn: &'static Cvn,
    imk: IssuerMasterKey,
    pans: Vec<Pan>,
    txns: Vec<TransactionData>,
    acs: Vec<Cryptogram>,
    iad: Vec<u8>,
}

fn set(cvn: &'static Cvn, alg: Algorithm, iad: &[u8]) -> Set {
    let imk = IssuerMasterKey::new(alg, &[0x11; 16]).unwrap();
    let psn = Psn::parse("01").unwrap();
    let pans: Vec<Pan> = (0..N)
        .map(|i| Pan::parse(&format!("4761739{:09}", i * 7919)).unwrap())
        .collect();
    let txns: Vec<_> = (0..N).map(txn).collect();
    let cd = cvn.card_data(iad).unwrap();
    let acs = pans
        .iter()
        .zip(&txns)
        .map(|(p, t)| {
            let mk = cvn.derive_card_key(&imk, p, psn).unwrap();
            cvn.transaction_keys(&mk, t.atc, t.un)
                .unwrap()
                .generate_ac(t, &cd)
                .unwrap()
        })
        .collect();
    Set {
        cvn,
        imk,
        pans,
        txns,
        acs,
        iad: iad.to_vec(),
    }
}

fn bench_batch(c: &mut Criterion) {
    let psn = Psn::parse("01").unwrap();
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &[],
    };
    let sets = [
        (
            "TDES Visa CVN 18",
            set(&VISA_CVN_18, Algorithm::Tdes2, &[6, 1, 0x12, 3, 0xA0, 0, 0]),
        ),
        (
            "AES EMV common",
            set(&EMV_COMMON_AES, Algorithm::Aes128, &[0x0F, 0xA5, 1, 3]),
        ),
    ];
    for (name, s) in &sets {
        let cd = s.cvn.card_data(&s.iad).unwrap();
        let items: Vec<Authorisation<'_>> = (0..N)
            .map(|i| Authorisation {
                cvn: s.cvn,
                key: BatchKey::Issuer {
                    imk: &s.imk,
                    pan: &s.pans[i],
                    psn,
                },
                txn: s.txns[i],
                card_data: cd,
                cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
                arqc: s.acs[i],
                response: resp,
            })
            .collect();
        let mut g = c.benchmark_group(format!("batch/{name} verify+ARPC"));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("single", |b| {
            b.iter(|| {
                for i in 0..N {
                    let mk = s.cvn.derive_card_key(&s.imk, &s.pans[i], psn).unwrap();
                    let k = s
                        .cvn
                        .transaction_keys(&mk, s.txns[i].atc, s.txns[i].un)
                        .unwrap();
                    let v = k
                        .verify_arqc(black_box(&s.txns[i]), &cd, black_box(&s.acs[i]))
                        .unwrap();
                    black_box(v.arpc(&resp).unwrap());
                }
            })
        });
        let mut out: Vec<Outcome> = (0..N).map(|_| Outcome::Pending).collect();
        g.bench_function("batch", |b| {
            b.iter(|| {
                verify_batch(black_box(&items), &mut out).unwrap();
                black_box(&out);
            })
        });
        // The safe cipher_round_par lanes in the same run, for the ratio.
        #[cfg(all(feature = "batch-aesni", feature = "__internal"))]
        g.bench_function("batch (safe lanes)", |b| {
            b.iter(|| {
                tapcrypt::__internal::verify_batch_safe_lanes(black_box(&items), &mut out).unwrap();
                black_box(&out);
            })
        });
        g.finish();
        // The latency of a batch of one (an issuer that does not queue).
        let mut g = c.benchmark_group(format!("batch/{name} verify+ARPC, one item"));
        g.bench_function("batch of 1", |b| {
            b.iter(|| {
                verify_batch(black_box(&items[..1]), &mut out[..1]).unwrap();
                black_box(&out[0]);
            })
        });
        g.finish();
    }
}

/// The multi-key AES lever, measured on the `aes` crate's own APIs.
fn bench_aes_lanes(c: &mut Criterion) {
    let keys: Vec<aes::Aes128> = (0..8u8)
        .map(|i| aes::Aes128::new(&[i; 16].into()))
        .collect();
    let rk: Vec<aes::hazmat::Block8> = (0..11u8)
        .map(|r| {
            let mut b = aes::hazmat::Block8::default();
            for (j, blk) in b.iter_mut().enumerate() {
                *blk = [r ^ j as u8; 16].into();
            }
            b
        })
        .collect();
    let mut g = c.benchmark_group("aes/8 blocks under 8 keys");
    g.throughput(Throughput::Elements(8));
    g.bench_function("Aes128::new x8 (key expansion)", |b| {
        b.iter(|| {
            for i in 0..8u8 {
                black_box(aes::Aes128::new(&[black_box(i); 16].into()));
            }
        })
    });
    g.bench_function("encrypt_block x8 (one chain each)", |b| {
        let mut blk = [aes::Block::default(); 8];
        b.iter(|| {
            for (k, x) in keys.iter().zip(blk.iter_mut()) {
                k.encrypt_block(x);
            }
            black_box(&blk);
        })
    });
    g.bench_function("hazmat cipher_round_par x10 + inv_mix_columns x8", |b| {
        let mut blk = aes::hazmat::Block8::default();
        b.iter(|| {
            for r in &rk[1..] {
                aes::hazmat::cipher_round_par(&mut blk, r);
            }
            for x in blk.iter_mut() {
                aes::hazmat::inv_mix_columns(x);
            }
            black_box(&blk);
        })
    });
    #[cfg(feature = "batch-aesni")]
    if let Some(ni) = tapcrypt_aes_lanes::AesNi::detect() {
        let keys: [[u8; 16]; 8] = core::array::from_fn(|i| [i as u8; 16]);
        let mut sched = tapcrypt_aes_lanes::Schedules::new();
        ni.expand(&keys, &mut sched);
        g.bench_function("aes-lanes (AES-NI) expand x8", |b| {
            let mut s = tapcrypt_aes_lanes::Schedules::new();
            b.iter(|| {
                ni.expand(black_box(&keys), &mut s);
                black_box(&s);
            })
        });
        g.bench_function("aes-lanes (AES-NI) encrypt x8 (stored schedules)", |b| {
            let mut blk = [[0u8; 16]; 8];
            b.iter(|| {
                ni.encrypt(&sched, &mut blk);
                black_box(&blk);
            })
        });
        g.bench_function(
            "aes-lanes (AES-NI) encrypt_with_keys x8 (keys expanded on the fly)",
            |b| {
                let mut blk = [[0u8; 16]; 8];
                b.iter(|| {
                    ni.encrypt_with_keys(black_box(&keys), &mut blk);
                    black_box(&blk);
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench_batch, bench_aes_lanes);
criterion_main!(benches);
