//! Helpers shared by the provisioning integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub(crate) fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

/// Iterates over every test of a Wycheproof file, with its group.
pub(crate) fn wycheproof_tests(
    v: &serde_json::Value,
) -> Vec<(serde_json::Value, serde_json::Value)> {
    let mut out = Vec::new();
    for g in v["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            out.push((g.clone(), t.clone()));
        }
    }
    out
}

/// Left-pads or strips a big-endian integer to exactly 32 bytes.
pub(crate) fn scalar32(b: &[u8]) -> [u8; 32] {
    let mut s = b;
    while s.len() > 32 && s[0] == 0 {
        s = &s[1..];
    }
    assert!(s.len() <= 32);
    let mut o = [0u8; 32];
    o[32 - s.len()..].copy_from_slice(s);
    o
}

/// The shared deterministic test RNG (HMAC-SHA256 in counter mode).
#[cfg(feature = "__internal")]
#[allow(unused_imports)] // not every test file draws random bytes
pub(crate) use tapcrypt::__internal::TestRng;

/// The P-256 group order n, big-endian.
pub(crate) const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// Malleates a P1363 signature `r‖s` in place into `r‖(n − s)`: the same
/// signature mathematically, with high S if `s` was low.
pub(crate) fn malleate_p1363(sig: &mut [u8]) {
    let s = &mut sig[32..64];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        s[i] = (d + 256 * borrow) as u8;
    }
    assert_eq!(borrow, 0);
}
