//! FF1 (NIST samples + cross-implementation vectors), Luhn, DPAN ranges.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn ff1_luhn_and_dpan_vectors() {
    let doc = load_data("ff1.json");
    let reps = run_file(&doc).unwrap();
    let mut passed = 0;
    let mut not_applicable = Vec::new();
    for r in &reps {
        assert!(r.failed.is_empty(), "{}: {:?}", r.name, r.failed);
        passed += r.passed;
        not_applicable.extend(r.not_applicable.iter().map(|(id, _)| id.as_str()));
        assert_eq!(r.skipped, r.name == "ff1_radix36", "{}", r.name);
    }
    // 53 radix-10 known answers + 4 rejections the API must make (5 digits,
    // 39 digits, a non-digit, a 15-byte key), 17 Luhn, 6 DPANs. The radix-36
    // rejection cannot reach the API (no radix parameter): not counted.
    assert_eq!(passed, 57 + 17 + 6);
    assert_eq!(not_applicable, ["INVALID-radix36"]);
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(checked, 126, "flipped outputs checked");
    assert!(bad.is_empty(), "{bad:?}");
}
