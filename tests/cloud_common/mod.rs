//! Shared helpers of the cloud tests: the vector file and hex.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tapcrypt::emv::{Atc, TransactionData, UnpredictableNumber};

/// `test-vectors/data/cloud.json` (copied from the shared vector set with its
/// provenance; see test-vectors/README.md).
pub(crate) fn vectors(group: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/data/cloud.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"][group].as_array().unwrap().clone()
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn hexn<const N: usize>(v: &Value, f: &str) -> [u8; N] {
    hex(v[f].as_str().unwrap_or_else(|| panic!("field {f}")))
        .try_into()
        .unwrap()
}

pub(crate) fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_else(|| panic!("field {f}"))
}

pub(crate) fn txn(v: &Value) -> TransactionData {
    TransactionData {
        amount_authorised: hexn(v, "tag_9f02"),
        amount_other: hexn(v, "tag_9f03"),
        terminal_country: hexn(v, "tag_9f1a"),
        tvr: hexn(v, "tag_95"),
        currency: hexn(v, "tag_5f2a"),
        date: hexn(v, "tag_9a"),
        transaction_type: hexn::<1>(v, "tag_9c")[0],
        un: UnpredictableNumber(hexn(v, "tag_9f37")),
        aip: hexn(v, "tag_82"),
        atc: Atc(hexn(v, "tag_9f36")),
    }
}

/// Every single-bit variant of `b`, one at a time.
pub(crate) fn each_bit_flip<const N: usize>(b: [u8; N]) -> impl Iterator<Item = [u8; N]> {
    (0..N * 8).map(move |i| {
        let mut x = b;
        x[i / 8] ^= 1 << (i % 8);
        x
    })
}
