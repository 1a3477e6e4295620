//! FF1 (NIST samples + cross-implementation vectors), Luhn, DPAN ranges.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn ff1_luhn_and_dpan_vectors() {
    let doc = load_data("ff1.json");
    let reps = run_file(&doc).unwrap();
    let mut passed = 0;
    for r in &reps {
        assert!(r.failed.is_empty(), "{}: {:?}", r.name, r.failed);
        passed += r.passed;
        assert_eq!(r.skipped, r.name == "ff1_radix36", "{}", r.name);
    }
    // 53 radix-10 known answers + 5 required rejections, 17 Luhn, 6 DPANs.
    assert_eq!(passed, 58 + 17 + 6);
    let (checked, bad) = flipped_still_pass(&doc);
    assert!(checked >= 2 * 53 + 14 + 6, "{checked}");
    assert!(bad.is_empty(), "{bad:?}");
}
