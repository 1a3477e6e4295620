//! FF1 (ours vs the fpe crate, side by side) and DPAN issue/detokenize.
//! Run: `cargo bench --bench token`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use fpe::ff1::{FF1, FlexibleNumeralString};
use std::hint::black_box;
use tapcrypt::Algorithm;
use tapcrypt::token::ff1::Ff1;
use tapcrypt::token::{Bin, DpanRange, DpanRangeKey};

fn ff1(c: &mut Criterion) {
    let key = [0x2Bu8; 16];
    let tweak = *b"411111|v1";
    let ours = Ff1::new(&DpanRangeKey::new(Algorithm::Aes128, &key).unwrap()).unwrap();
    let theirs = FF1::<aes::Aes128>::new(&key, 10).unwrap();
    for n in [7usize, 9, 16] {
        let digits: Vec<u8> = (0..n).map(|i| (i * 7 % 10) as u8).collect();
        let ns: Vec<u16> = digits.iter().map(|d| u16::from(*d)).collect();
        let mut g = c.benchmark_group(format!("ff1_{n}_digits"));
        let mut out = vec![0u8; n];
        g.bench_function("encrypt/tapcrypt", |b| {
            b.iter(|| {
                ours.encrypt_digits(&tweak, black_box(&digits), &mut out)
                    .unwrap()
            })
        });
        g.bench_function("encrypt/fpe", |b| {
            b.iter(|| {
                theirs
                    .encrypt(&tweak, &FlexibleNumeralString::from(black_box(ns.clone())))
                    .unwrap()
            })
        });
        g.bench_function("decrypt/tapcrypt", |b| {
            b.iter(|| {
                ours.decrypt_digits(&tweak, black_box(&digits), &mut out)
                    .unwrap()
            })
        });
        g.bench_function("decrypt/fpe", |b| {
            b.iter(|| {
                theirs
                    .decrypt(&tweak, &FlexibleNumeralString::from(black_box(ns.clone())))
                    .unwrap()
            })
        });
        g.finish();
    }
}

fn dpan(c: &mut Criterion) {
    let key = DpanRangeKey::new(Algorithm::Aes256, &[0x42; 32]).unwrap();
    for bin in ["411111", "53999912"] {
        let r = DpanRange::new(Bin::parse(bin).unwrap(), &key, 1, "", 0).unwrap();
        let d = r.dpan_for(123_456).unwrap();
        c.bench_function(&format!("dpan/issue (BIN {bin})"), |b| {
            b.iter(|| r.dpan_for(black_box(123_456)).unwrap())
        });
        c.bench_function(&format!("dpan/detokenize (BIN {bin})"), |b| {
            b.iter(|| r.detokenize(black_box(&d)).unwrap())
        });
    }
}

criterion_group!(benches, ff1, dpan);
criterion_main!(benches);
