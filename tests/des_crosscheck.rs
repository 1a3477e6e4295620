//! Cross-check of tapcrypt's constant-time DES/TDES against the table-driven
//! `des` crate (RustCrypto, a dev-dependency used only as an oracle), plus
//! known-answer tests from independent published sources.
//!
//! The DES module is crate-private and self-contained (it depends only on
//! `core` and `zeroize`), so this test compiles the very same source file as
//! a module of its own instead of widening the library's API.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

#[path = "../src/cipher/des.rs"]
#[allow(dead_code, unreachable_pub)]
mod des_ct;

use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use des_ct::{Des, Tdes};

/// Number of random key/block pairs per direction and variant.
const N: usize = 100_000;

mod splitmix;
use splitmix::SplitMix;

fn hex<const L: usize>(s: &str) -> [u8; L] {
    let s: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    assert_eq!(s.len(), 2 * L, "bad hex length");
    let mut out = [0u8; L];
    for (o, pair) in out.iter_mut().zip(s.chunks(2)) {
        *o = u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap();
    }
    out
}

fn oracle_des_enc(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let c = des::Des::new_from_slice(key).unwrap();
    let mut b = Array::from(*block);
    c.encrypt_block(&mut b);
    b.into()
}

fn oracle_des_dec(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let c = des::Des::new_from_slice(key).unwrap();
    let mut b = Array::from(*block);
    c.decrypt_block(&mut b);
    b.into()
}

fn oracle_tdes<
    C: KeyInit + BlockCipherEncrypt + BlockCipherDecrypt<BlockSize = des::cipher::consts::U8>,
>(
    key: &[u8],
    block: &[u8; 8],
    encrypt: bool,
) -> [u8; 8] {
    let c = C::new_from_slice(key).unwrap();
    let mut b = Array::from(*block);
    if encrypt {
        c.encrypt_block(&mut b);
    } else {
        c.decrypt_block(&mut b);
    }
    b.into()
}

fn ours_des_enc(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let mut b = *block;
    Des::new(key).encrypt_block(&mut b);
    b
}

fn ours_des_dec(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let mut b = *block;
    Des::new(key).decrypt_block(&mut b);
    b
}

fn ours_tdes(key: &[u8], block: &[u8; 8], encrypt: bool) -> [u8; 8] {
    let t = Tdes::from_slice(key);
    let mut b = *block;
    if encrypt {
        t.encrypt_block(&mut b);
    } else {
        t.decrypt_block(&mut b);
    }
    b
}

// ----------------------------------------------------------------------------
// Known answers (independent of both implementations).

/// J. Orlin Grabbe, "The DES Algorithm Illustrated" (the classic worked
/// example, also in Stallings): K = 133457799BBCDFF1, M = 0123456789ABCDEF.
#[test]
fn kat_grabbe_worked_example() {
    let k = hex::<8>("133457799BBCDFF1");
    let p = hex::<8>("0123456789ABCDEF");
    let c = hex::<8>("85E813540F0AB405");
    assert_eq!(ours_des_enc(&k, &p), c);
    assert_eq!(ours_des_dec(&k, &c), p);
}

/// FIPS PUB 81 (DES modes of operation), Appendix B, ECB example: key
/// 0123456789ABCDEF, plaintext "Now is the time for all ".
#[test]
fn kat_fips81_ecb() {
    let k = hex::<8>("0123456789ABCDEF");
    let cases = [
        ("4E6F772069732074", "3FA40E8A984D4815"),
        ("68652074696D6520", "6A271787AB8883F9"),
        ("666F7220616C6C20", "893D51EC4B563B53"),
    ];
    for (p, c) in cases {
        let (p, c) = (hex::<8>(p), hex::<8>(c));
        assert_eq!(ours_des_enc(&k, &p), c);
        assert_eq!(ours_des_dec(&k, &c), p);
    }
}

/// NIST SP 800-20 (ex NBS SP 500-20) Table A.1, variable-plaintext KAT with
/// key 0101010101010101 (all-zero key bits), and Table A.2, variable-key KAT
/// with plaintext 0.
#[test]
fn kat_sp800_20() {
    let zero_key = hex::<8>("0101010101010101");
    let var_pt = [
        ("8000000000000000", "95F8A5E5DD31D900"),
        ("4000000000000000", "DD7F121CA5015619"),
        ("2000000000000000", "2E8653104F3834EA"),
        ("0000000000000001", "166B40B44ABA4BD6"),
    ];
    for (p, c) in var_pt {
        let (p, c) = (hex::<8>(p), hex::<8>(c));
        assert_eq!(ours_des_enc(&zero_key, &p), c, "plaintext {p:02X?}");
        assert_eq!(ours_des_dec(&zero_key, &c), p);
    }
    let var_key = [("8001010101010101", "95A8D72813DAA94D")];
    for (k, c) in var_key {
        let (k, c) = (hex::<8>(k), hex::<8>(c));
        assert_eq!(ours_des_enc(&k, &[0; 8]), c);
        assert_eq!(ours_des_dec(&k, &c), [0; 8]);
    }
}

/// R. L. Rivest, "Testing implementations of DES" (MIT LCS, 1985):
/// X0 = 9474B8E8C73BCA7D, X(i+1) = E(Xi, Xi) for even i, D(Xi, Xi) for odd i;
/// X16 = 1B1A2DDB4C642438 catches every single-entry S-box/permutation error.
#[test]
fn kat_rivest_recurrence() {
    let mut x = hex::<8>("9474B8E8C73BCA7D");
    for i in 0..16 {
        let key = x;
        x = if i % 2 == 0 {
            ours_des_enc(&key, &x)
        } else {
            ours_des_dec(&key, &x)
        };
    }
    assert_eq!(x, hex::<8>("1B1A2DDB4C642438"));
}

/// Two-key TDES key check value: ANSI X9.24 / AWS Payment Cryptography
/// example key 0123456789ABCDEFFEDCBA9876543210, KCV = E(00*8) = 08D7B4...
#[test]
fn kat_tdes2_kcv() {
    let key = hex::<16>("0123456789ABCDEFFEDCBA9876543210");
    let e = ours_tdes(&key, &[0; 8], true);
    assert_eq!(e[..3], [0x08, 0xD7, 0xB4]);
    assert_eq!(ours_tdes(&key, &e, false), [0; 8]);
}

/// NIST SP 800-67 Rev. 1, Appendix B (three-key TDES ECB example): keys
/// 0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123, plaintext
/// "The qufck brown fox jump".
#[test]
fn kat_sp800_67_tdes3() {
    let key = hex::<24>("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123");
    let cases = [
        ("5468652071756663", "A826FD8CE53B855F"),
        ("6B2062726F776E20", "CCE21C8112256FE6"),
        ("666F78206A756D70", "68D5C05DD9B6B900"),
    ];
    for (p, c) in cases {
        let (p, c) = (hex::<8>(p), hex::<8>(c));
        assert_eq!(ours_tdes(&key, &p, true), c);
        assert_eq!(ours_tdes(&key, &c, false), p);
    }
}

// ----------------------------------------------------------------------------
// Random cross-checks against the oracle.

#[test]
fn crosscheck_des_encrypt() {
    let mut rng = SplitMix(0x7461_7063_7279_7074); // "tapcrypt"
    for _ in 0..N {
        let (k, p) = (rng.bytes::<8>(), rng.bytes::<8>());
        assert_eq!(
            ours_des_enc(&k, &p),
            oracle_des_enc(&k, &p),
            "key {k:02X?} block {p:02X?}"
        );
    }
}

#[test]
fn crosscheck_des_decrypt() {
    let mut rng = SplitMix(0x6465_7364_6563_7279);
    for _ in 0..N {
        let (k, c) = (rng.bytes::<8>(), rng.bytes::<8>());
        assert_eq!(
            ours_des_dec(&k, &c),
            oracle_des_dec(&k, &c),
            "key {k:02X?} block {c:02X?}"
        );
    }
}

#[test]
fn crosscheck_tdes2() {
    let mut rng = SplitMix(0x7464_6573_3265_6465);
    for _ in 0..N {
        let (k, b) = (rng.bytes::<16>(), rng.bytes::<8>());
        for enc in [true, false] {
            assert_eq!(
                ours_tdes(&k, &b, enc),
                oracle_tdes::<des::TdesEde2>(&k, &b, enc),
                "enc {enc} key {k:02X?} block {b:02X?}"
            );
        }
    }
}

#[test]
fn crosscheck_tdes3() {
    let mut rng = SplitMix(0x7464_6573_3365_6465);
    for _ in 0..N {
        let (k, b) = (rng.bytes::<24>(), rng.bytes::<8>());
        for enc in [true, false] {
            assert_eq!(
                ours_tdes(&k, &b, enc),
                oracle_tdes::<des::TdesEde3>(&k, &b, enc),
                "enc {enc} key {k:02X?} block {b:02X?}"
            );
        }
    }
}

/// One key, many blocks: catches state leaking between calls on one schedule.
#[test]
fn crosscheck_reused_schedule() {
    let mut rng = SplitMix(42);
    let k = rng.bytes::<16>();
    let ours = Tdes::from_slice(&k);
    let oracle = des::TdesEde2::new_from_slice(&k).unwrap();
    let k1 = des::Des::new_from_slice(&k[..8]).unwrap();
    let k2 = des::Des::new_from_slice(&k[8..]).unwrap();
    for _ in 0..1000 {
        let p = rng.bytes::<8>();
        let (mut a, mut b) = (p, Array::from(p));
        ours.encrypt_block(&mut a);
        oracle.encrypt_block(&mut b);
        assert_eq!(a, <[u8; 8]>::from(b));
        // Retail MAC building blocks: single DES with K1, single DES⁻¹ with K2.
        let (mut a, mut b) = (p, Array::from(p));
        ours.k1().encrypt_block(&mut a);
        k1.encrypt_block(&mut b);
        assert_eq!(a, <[u8; 8]>::from(b));
        let (mut a, mut b) = (p, Array::from(p));
        ours.k2().decrypt_block(&mut a);
        k2.decrypt_block(&mut b);
        assert_eq!(a, <[u8; 8]>::from(b));
    }
}

/// One schedule re-keyed in place (`Tdes::rekey`, the device's session-key
/// slot) with two- and three-key keys in turn, starting from a blank and
/// from a used schedule: each key gives the oracle's TDES, and the key
/// length reported is the new key's.
#[test]
fn crosscheck_rekeyed_in_place() {
    let mut rng = SplitMix(0x0072_656b_6579);
    let mut ours = Tdes::zeroed();
    for i in 0..2000 {
        let p = rng.bytes::<8>();
        let mut a = p;
        let mut b = Array::from(p);
        if i % 3 == 2 {
            let k = rng.bytes::<24>();
            ours.rekey(&k);
            assert!(ours.is_three_key());
            des::TdesEde3::new_from_slice(&k)
                .unwrap()
                .encrypt_block(&mut b);
        } else {
            let k = rng.bytes::<16>();
            ours.rekey(&k);
            assert!(!ours.is_three_key());
            des::TdesEde2::new_from_slice(&k)
                .unwrap()
                .encrypt_block(&mut b);
        }
        ours.encrypt_block(&mut a);
        assert_eq!(a, <[u8; 8]>::from(b), "key {i}");
    }
}

// ----------------------------------------------------------------------------
// Key handling.

/// KL = KR two-key TDES degenerates to single DES and must be accepted.
#[test]
fn tdes2_with_equal_halves_is_single_des() {
    let mut rng = SplitMix(7);
    for _ in 0..1000 {
        let (kl, p) = (rng.bytes::<8>(), rng.bytes::<8>());
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&kl);
        k[8..].copy_from_slice(&kl);
        assert_eq!(ours_tdes(&k, &p, true), oracle_des_enc(&kl, &p));
        assert_eq!(ours_tdes(&k, &p, false), oracle_des_dec(&kl, &p));
    }
}

/// Parity bits (low bit of each key byte) are ignored.
#[test]
fn parity_bits_ignored() {
    let mut rng = SplitMix(8);
    for _ in 0..1000 {
        let (k, p) = (rng.bytes::<8>(), rng.bytes::<8>());
        let flips = rng.bytes::<8>();
        let mut k2 = k;
        for (b, f) in k2.iter_mut().zip(flips) {
            *b ^= f & 1;
        }
        assert_eq!(ours_des_enc(&k, &p), ours_des_enc(&k2, &p));
        assert_eq!(ours_des_enc(&k, &p), oracle_des_enc(&k, &p));
    }
}

/// Lengths other than 16/24 are a caller bug: no panic, documented fallback
/// (zero-pad or truncate to 24 bytes, three-key).
#[test]
fn odd_key_lengths_do_not_panic() {
    let bytes: [u8; 40] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    for len in [0usize, 1, 7, 8, 9, 15, 17, 23, 25, 32, 40] {
        let mut padded = [0u8; 24];
        let n = len.min(24);
        padded[..n].copy_from_slice(&bytes[..n]);
        let p = [0x5Au8; 8];
        assert_eq!(
            ours_tdes(&bytes[..len], &p, true),
            oracle_tdes::<des::TdesEde3>(&padded, &p, true),
            "len {len}"
        );
        assert_eq!(
            ours_tdes(&bytes[..len], &p, false),
            oracle_tdes::<des::TdesEde3>(&padded, &p, false)
        );
    }
}

/// The Debug output never prints key material.
#[test]
fn debug_is_opaque() {
    let t = Tdes::from_slice(&[0xA5; 16]);
    assert_eq!(format!("{t:?}"), "Tdes { .. }");
    assert_eq!(format!("{:?}", t.k1()), "Des { .. }");
}
