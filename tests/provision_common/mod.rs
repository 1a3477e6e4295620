//! Helpers shared by the provisioning integration tests.
#![allow(dead_code)]

pub(crate) fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s}");
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
pub(crate) fn wycheproof_tests(v: &serde_json::Value) -> Vec<(serde_json::Value, serde_json::Value)> {
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
