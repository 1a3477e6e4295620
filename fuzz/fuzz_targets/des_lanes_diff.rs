//! Differential: the bitsliced multi-lane TDES (`cipher::des_bitsliced`,
//! reached through `__internal::tdes2_lanes`) against the table-driven `des`
//! crate, lane by lane, both directions. The input is cut into lanes of a
//! 16-byte two-key TDES key and an 8-byte block; the first byte repeats the
//! input to more than 64 lanes so the 256-lane `[u64; 4]` path runs too.
#![no_main]

use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use libfuzzer_sys::fuzz_target;
use tapcrypt::__internal::tdes2_lanes;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut keys: Vec<[u8; 16]> = Vec::new();
    let mut blocks: Vec<[u8; 8]> = Vec::new();
    for c in rest.chunks_exact(24) {
        keys.push(c[..16].try_into().expect("16"));
        blocks.push(c[16..].try_into().expect("8"));
    }
    if keys.is_empty() {
        return;
    }
    // sel's low bits: repeat every lane (with a lane-dependent tweak) up to
    // 256 lanes in all, to reach the wide path and the lane boundaries.
    let reps = usize::from(sel & 7) + 1;
    let n0 = keys.len();
    for r in 1..reps {
        for i in 0..n0 {
            if keys.len() == 256 {
                break;
            }
            let mut k = keys[i];
            k[(r + i) % 16] ^= r as u8;
            let mut b = blocks[i];
            b[r % 8] ^= (i as u8).wrapping_add(r as u8);
            keys.push(k);
            blocks.push(b);
        }
    }
    keys.truncate(256);
    blocks.truncate(256);
    let orig = blocks.clone();

    let mut enc = blocks.clone();
    tdes2_lanes(&keys, &mut enc, false).expect("at most 256 lanes");
    let mut dec = blocks.clone();
    tdes2_lanes(&keys, &mut dec, true).expect("at most 256 lanes");
    for (l, k) in keys.iter().enumerate() {
        let c = des::TdesEde2::new_from_slice(k).expect("16");
        let mut t = Array::from(orig[l]);
        c.encrypt_block(&mut t);
        assert_eq!(enc[l], <[u8; 8]>::from(t), "encrypt differs in lane {l}");
        let mut t = Array::from(orig[l]);
        c.decrypt_block(&mut t);
        assert_eq!(dec[l], <[u8; 8]>::from(t), "decrypt differs in lane {l}");
    }
    tdes2_lanes(&keys, &mut enc, true).expect("at most 256 lanes");
    assert_eq!(enc, orig, "decrypt(encrypt(x)) != x");
});
