//! DES/TDES: tapcrypt's constant-time implementation next to the
//! table-driven `des` crate (not constant time; the test oracle), in one run.
//!
//! Like `tests/des_crosscheck.rs`, this compiles `src/cipher/des.rs` as a
//! module of its own, so the crate-private cipher needs no public hook.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../src/cipher/des.rs"]
#[allow(dead_code, unreachable_pub)]
mod des_ct;

use criterion::{Criterion, criterion_group, criterion_main};
use des::cipher::{Array, BlockCipherEncrypt, KeyInit};
use std::hint::black_box;

const KEY16: [u8; 16] = *b"\x01\x23\x45\x67\x89\xAB\xCD\xEF\xFE\xDC\xBA\x98\x76\x54\x32\x10";

fn bench(c: &mut Criterion) {
    let key8: [u8; 8] = KEY16[..8].try_into().unwrap();

    let mut g = c.benchmark_group("des_block_encrypt");
    let ours = des_ct::Des::new(&key8);
    let theirs = des::Des::new_from_slice(&key8).unwrap();
    g.bench_function("tapcrypt", |b| {
        let mut blk = [0u8; 8];
        b.iter(|| ours.encrypt_block(black_box(&mut blk)))
    });
    g.bench_function("des-crate", |b| {
        let mut blk = Array::from([0u8; 8]);
        b.iter(|| theirs.encrypt_block(black_box(&mut blk)))
    });
    g.finish();

    let mut g = c.benchmark_group("tdes2_block_encrypt");
    let ours = des_ct::Tdes::from_slice(&KEY16);
    let theirs = des::TdesEde2::new_from_slice(&KEY16).unwrap();
    g.bench_function("tapcrypt", |b| {
        let mut blk = [0u8; 8];
        b.iter(|| ours.encrypt_block(black_box(&mut blk)))
    });
    g.bench_function("des-crate", |b| {
        let mut blk = Array::from([0u8; 8]);
        b.iter(|| theirs.encrypt_block(black_box(&mut blk)))
    });
    g.finish();

    let mut g = c.benchmark_group("des_key_schedule");
    g.bench_function("tapcrypt", |b| {
        b.iter(|| des_ct::Des::new(black_box(&key8)))
    });
    g.bench_function("des-crate", |b| {
        b.iter(|| des::Des::new_from_slice(black_box(&key8)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("tdes2_key_schedule");
    g.bench_function("tapcrypt", |b| {
        b.iter(|| des_ct::Tdes::from_slice(black_box(&KEY16)))
    });
    g.bench_function("des-crate", |b| {
        b.iter(|| des::TdesEde2::new_from_slice(black_box(&KEY16)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
