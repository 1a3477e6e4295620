//! BER-TLV walks, DOL assembly and GENERATE AC responses from published EMV
//! examples (pyemv, python-emv, the Dspread QPOS guide: see each vector's
//! `source`), plus tapcrypt's own bad-input limits.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn published_tlv_examples() {
    let doc = load_data("emv_tlv.json");
    let reps = run_file(&doc).unwrap();
    let mut passed = 0;
    for r in &reps {
        assert!(!r.skipped, "group {} unknown to the runner", r.name);
        assert!(r.failed.is_empty(), "{}: {:#?}", r.name, r.failed);
        passed += r.passed;
    }
    assert_eq!(passed, 56);
    // 28 positive walks, 4 DOLs, 1 response with 6 outputs.
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(checked, 28 + 4 + 6);
    assert!(bad.is_empty(), "{bad:?}");
}
