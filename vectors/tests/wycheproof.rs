//! Whole Wycheproof files through the schema-driven runner (the code path of
//! `tapcrypt vectors`): every `valid` test accepted with the right output,
//! every `invalid` one rejected, and tapcrypt's policy for `acceptable` tests
//! (reject them all, see data/README-provision.md) pinned by the counts.
//!
//! The mutation tests prove the runner can fail: a test whose result or
//! expected output is changed must be reported.

use serde_json::Value;
use tapcrypt_vectors::wycheproof::Counts;
use tapcrypt_vectors::{GroupReport, load_data, run_file};

/// Runs a file and returns its single report, asserting nothing was skipped.
fn only_report(doc: &Value) -> GroupReport {
    let mut reps = run_file(doc).unwrap();
    assert_eq!(reps.len(), 1, "{reps:?}");
    reps.pop().unwrap()
}

fn whole_file(name: &str, label: &str, want: Counts) {
    let r = only_report(&load_data(name));
    assert_eq!(r.name, label);
    assert!(r.failed.is_empty(), "{name}: {:?}", r.failed);
    assert_eq!(r.wycheproof, Some(want), "{name}");
    assert_eq!(
        r.passed,
        want.valid + want.invalid + want.acceptable_rejected + want.acceptable_accepted
    );
    // The whole file ran: the runner's total is the file's own count.
    let n = load_data(name)["numberOfTests"].as_u64().unwrap();
    assert_eq!(r.passed as u64, n, "{name}");
}

const fn counts(valid: usize, invalid: usize, acceptable_rejected: usize) -> Counts {
    Counts {
        valid,
        invalid,
        acceptable_rejected,
        acceptable_accepted: 0,
    }
}

#[test]
fn ecdh_x509() {
    whole_file(
        "wycheproof/ecdh_secp256r1_test.json",
        "wycheproof ECDH P-256 (X.509)",
        counts(330, 52, 230),
    );
}

#[test]
fn ecdh_ecpoint_subset() {
    whole_file(
        "wycheproof-subset/ecdh_secp256r1_ecpoint_test.subset.json",
        "wycheproof ECDH P-256 (ecpoint)",
        counts(20, 24, 1),
    );
}

#[test]
fn ecdsa_der() {
    whole_file(
        "wycheproof/ecdsa_secp256r1_sha256_test.json",
        "wycheproof ECDSA P-256 SHA-256 DER",
        counts(174, 310, 0),
    );
}

#[test]
fn ecdsa_p1363_subset() {
    whole_file(
        "wycheproof-subset/ecdsa_secp256r1_sha256_p1363_test.subset.json",
        "wycheproof ECDSA P-256 SHA-256 P1363",
        counts(26, 54, 0),
    );
}

#[test]
fn aes_cmac() {
    whole_file(
        "wycheproof/aes_cmac_test.json",
        "wycheproof AES-CMAC",
        counts(63, 248, 0),
    );
}

#[test]
fn hmac_sha256() {
    whole_file(
        "wycheproof/hmac_sha256_test.json",
        "wycheproof HMAC-SHA256",
        counts(66, 108, 0),
    );
}

#[test]
fn hkdf_sha256() {
    whole_file(
        "wycheproof/hkdf_sha256_test.json",
        "wycheproof HKDF-SHA256",
        counts(83, 3, 0),
    );
}

const ALL: &[&str] = &[
    "wycheproof/ecdh_secp256r1_test.json",
    "wycheproof-subset/ecdh_secp256r1_ecpoint_test.subset.json",
    "wycheproof/ecdsa_secp256r1_sha256_test.json",
    "wycheproof-subset/ecdsa_secp256r1_sha256_p1363_test.subset.json",
    "wycheproof/aes_cmac_test.json",
    "wycheproof/hmac_sha256_test.json",
    "wycheproof/hkdf_sha256_test.json",
];

/// The first test with `result` = `r`, as a mutable reference.
fn first_with<'a>(doc: &'a mut Value, r: &str) -> &'a mut Value {
    doc["testGroups"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|g| g["tests"].as_array_mut().unwrap().iter_mut())
        .find(|t| t["result"] == r)
        .unwrap()
}

fn failures(doc: &Value) -> usize {
    run_file(doc).unwrap().iter().map(|r| r.failed.len()).sum()
}

#[test]
fn relabelled_results_are_reported() {
    for name in ALL {
        let mut doc = load_data(name);
        first_with(&mut doc, "valid")["result"] = "invalid".into();
        assert_eq!(failures(&doc), 1, "{name}: valid relabelled invalid");
        let mut doc = load_data(name);
        first_with(&mut doc, "invalid")["result"] = "valid".into();
        assert_eq!(failures(&doc), 1, "{name}: invalid relabelled valid");
    }
}

#[test]
fn wrong_expected_outputs_are_reported() {
    for (name, field) in [
        ("wycheproof/ecdh_secp256r1_test.json", "shared"),
        (
            "wycheproof-subset/ecdh_secp256r1_ecpoint_test.subset.json",
            "shared",
        ),
        ("wycheproof/hkdf_sha256_test.json", "okm"),
        ("wycheproof/aes_cmac_test.json", "tag"),
        ("wycheproof/hmac_sha256_test.json", "tag"),
        ("wycheproof/ecdsa_secp256r1_sha256_test.json", "msg"),
        (
            "wycheproof-subset/ecdsa_secp256r1_sha256_p1363_test.subset.json",
            "sig",
        ),
    ] {
        let mut doc = load_data(name);
        let t = first_with(&mut doc, "valid");
        let mut s = t[field].as_str().unwrap().to_string();
        if s.is_empty() {
            s.push_str("00");
        } else {
            // Flip the low bit of the last hex digit.
            let last = s.pop().unwrap().to_digit(16).unwrap() ^ 1;
            s.push(char::from_digit(last, 16).unwrap());
        }
        t[field] = s.into();
        assert_eq!(failures(&doc), 1, "{name}: `{field}` changed");
    }
}

#[test]
fn other_curves_hashes_and_schemas_are_skipped_not_run() {
    let mut doc = load_data("wycheproof/ecdh_secp256r1_test.json");
    let g = &mut doc["testGroups"][0];
    let n = g["tests"].as_array().unwrap().len();
    g["curve"] = "secp384r1".into();
    let reps = run_file(&doc).unwrap();
    let skipped: Vec<_> = reps.iter().filter(|r| r.skipped).collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].skipped_count, n);
    assert_eq!(skipped[0].name, "wycheproof ECDH on secp384r1");

    let mut doc = load_data("wycheproof/ecdsa_secp256r1_sha256_test.json");
    for g in doc["testGroups"].as_array_mut().unwrap() {
        g["sha"] = "SHA-512".into();
    }
    let reps = run_file(&doc).unwrap();
    assert!(reps.iter().all(|r| r.skipped), "{reps:?}");
    assert_eq!(reps.iter().map(|r| r.skipped_count).sum::<usize>(), 484);

    let mut doc = load_data("wycheproof/hmac_sha256_test.json");
    doc["algorithm"] = "HMACSHA1".into();
    assert!(run_file(&doc).unwrap().iter().all(|r| r.skipped));

    let mut doc = load_data("wycheproof/hkdf_sha256_test.json");
    doc["schema"] = "xdh_test_schema_v1.json".into();
    assert!(run_file(&doc).unwrap().iter().all(|r| r.skipped));
}

#[test]
fn older_schema_names_are_recognised() {
    // Files under upstream's `testvectors/` say `…_schema.json` and ECDSA
    // groups carry `key` rather than `publicKey`.
    let mut doc = load_data("wycheproof/ecdsa_secp256r1_sha256_test.json");
    doc["schema"] = "ecdsa_verify_schema.json".into();
    for g in doc["testGroups"].as_array_mut().unwrap() {
        let k = g.as_object_mut().unwrap().remove("publicKey").unwrap();
        g["key"] = k;
    }
    let r = only_report(&doc);
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.passed, 484);
}
