//! Known answers from FIPS-197 and SP 800-38A, and the `aes` crate as an
//! oracle for eight lanes under eight different keys. On a CPU without
//! AES-NI (and on other architectures) `AesNi::detect` is `None` and the
//! tests check only that.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use tapcrypt_aes_lanes::{AesNi, Block, LANES, Schedules};

fn h16(s: &str) -> Block {
    core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
}

fn ni() -> Option<AesNi> {
    let d = AesNi::detect();
    #[cfg(all(target_arch = "x86_64", target_feature = "aes"))]
    assert!(
        d.is_some(),
        "AES-NI is a compile-time target feature but was not detected"
    );
    d
}

/// The four ways to encrypt eight blocks under eight keys, all compared.
fn all_ways(ni: AesNi, keys: &[Block; LANES], pt: &[Block; LANES]) -> [Block; LANES] {
    let mut s = Schedules::new();
    ni.expand(keys, &mut s);
    let mut a = *pt;
    ni.encrypt(&s, &mut a);
    let mut b = *pt;
    ni.encrypt_with_keys(keys, &mut b);
    let mut s2 = Schedules::new();
    let mut c = *pt;
    ni.expand_encrypt(keys, &mut c, &mut s2);
    // The schedule kept by the fused call encrypts like the other one.
    let mut d = *pt;
    ni.encrypt(&s2, &mut d);
    assert_eq!(a, b, "encrypt_with_keys");
    assert_eq!(a, c, "expand_encrypt");
    assert_eq!(a, d, "expand_encrypt's schedule");
    a
}

/// FIPS-197 Appendix C.1 (AES-128): key 000102…0f, plaintext 00112233…ff,
/// ciphertext 69c4e0d8 6a7b0430 d8cdb780 70b4c55a; in lane 0 of eight
/// with other keys around it, then in every lane.
#[test]
fn fips197_c1() {
    let Some(ni) = ni() else { return };
    let key = h16("000102030405060708090a0b0c0d0e0f");
    let pt = h16("00112233445566778899aabbccddeeff");
    let want = h16("69c4e0d86a7b0430d8cdb78070b4c55a");
    let mut keys = [[0x5Au8; 16]; LANES];
    keys[0] = key;
    let mut blocks = [[0xA5u8; 16]; LANES];
    blocks[0] = pt;
    assert_eq!(all_ways(ni, &keys, &blocks)[0], want);
    assert_eq!(all_ways(ni, &[key; LANES], &[pt; LANES]), [want; LANES]);
}

/// SP 800-38A Appendix F.1.1, ECB-AES128.Encrypt: key 2b7e1516…, four
/// blocks; here in lanes 4..8 (and lanes 0..4 under the C.1 key).
#[test]
fn sp800_38a_f11_ecb_aes128() {
    let Some(ni) = ni() else { return };
    let key = h16("2b7e151628aed2a6abf7158809cf4f3c");
    let pt = [
        "6bc1bee22e409f96e93d7e117393172a",
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "f69f2445df4f9b17ad2b417be66c3710",
    ];
    let ct = [
        "3ad77bb40d7a3660a89ecaf32466ef97",
        "f5d3d58503b9699de785895a96fdbaaf",
        "43b1cd7f598ece23881b00e3ed030688",
        "7b0c785e27e8ad3f8223207104725dd4",
    ];
    let mut keys = [h16("000102030405060708090a0b0c0d0e0f"); LANES];
    let mut blocks = [[0u8; 16]; LANES];
    for i in 0..4 {
        keys[4 + i] = key;
        blocks[4 + i] = h16(pt[i]);
    }
    let out = all_ways(ni, &keys, &blocks);
    for i in 0..4 {
        assert_eq!(out[4 + i], h16(ct[i]), "block {}", i + 1);
    }
}

/// SplitMix64: reproducible pseudo-random keys and blocks.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn block(&mut self) -> Block {
        let (a, b) = (self.next(), self.next());
        let mut o = [0; 16];
        o[..8].copy_from_slice(&a.to_le_bytes());
        o[8..].copy_from_slice(&b.to_le_bytes());
        o
    }
}

/// Eight lanes, each its own random key and block, against `aes::Aes128`;
/// then chained (the ciphertexts become the next keys and blocks), as the
/// batch chains card key -> session key -> MAC.
#[test]
fn differential_vs_aes_crate() {
    let Some(ni) = ni() else { return };
    let mut rng = Rng(0x7a9c_2026_1203_0016);
    let iters = if cfg!(miri) { 4 } else { 2000 };
    for _ in 0..iters {
        let keys: [Block; LANES] = core::array::from_fn(|_| rng.block());
        let pt: [Block; LANES] = core::array::from_fn(|_| rng.block());
        let got = all_ways(ni, &keys, &pt);
        for l in 0..LANES {
            let mut b = pt[l].into();
            aes::Aes128::new(&keys[l].into()).encrypt_block(&mut b);
            assert_eq!(got[l], <[u8; 16]>::from(b), "lane {l}");
        }
        // Chained: encrypt the ciphertext under the ciphertext.
        let mut c = got;
        ni.encrypt_with_keys(&got, &mut c);
        for l in 0..LANES {
            let mut b = got[l].into();
            aes::Aes128::new(&got[l].into()).encrypt_block(&mut b);
            assert_eq!(c[l], <[u8; 16]>::from(b), "chained lane {l}");
        }
    }
}
