//! The bitsliced DES core alone (issue 16): two-key TDES blocks per second
//! for each lane word — `u64` (64 lanes), `[u64; 2]` (128) and `[u64; 4]`
//! (256) — against the one-block constant-time TDES, transposition in and
//! out included. Chooses the lane word of `batch/tdes.rs`.
//! Run: `cargo bench --bench des_lanes --features __internal`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tapcrypt::__internal::{tdes_encrypt_block, tdes2_lanes_in};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("des_lanes/TDES-2 encrypt");
    for words in [1usize, 2, 4] {
        let n = 64 * words;
        let keys: Vec<[u8; 16]> = (0..n).map(|i| [i as u8 ^ 0x5A; 16]).collect();
        let mut blocks: Vec<[u8; 8]> = (0..n).map(|i| [i as u8; 8]).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("bitsliced {n} lanes ([u64; {words}])"), |b| {
            b.iter(|| tdes2_lanes_in(words, black_box(&keys), &mut blocks, false).unwrap())
        });
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("one block (cipher::des)", |b| {
        let key = [0x5Au8; 16];
        let mut blk = [1u8; 8];
        b.iter(|| tdes_encrypt_block(black_box(&key), &mut blk).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
