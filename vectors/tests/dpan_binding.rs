//! The DPAN-bound token profile against an independent implementation.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn dpan_bound_cryptograms() {
    let doc = load_data("dpan_binding.json");
    let reps = run_file(&doc).unwrap();
    assert!(reps[0].failed.is_empty(), "{:?}", reps[0].failed);
    assert_eq!(reps[0].passed, 13);
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(checked, 39);
    assert!(bad.is_empty(), "{bad:?}");
}
