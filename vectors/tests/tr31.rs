//! TR-31 key blocks (psec-computed, versions B and D; tampered blocks rejected).

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn tr31_vectors() {
    let doc = load_data("tr31.json");
    let reps = run_file(&doc).unwrap();
    assert!(reps[0].failed.is_empty(), "{:?}", reps[0].failed);
    assert_eq!(reps[0].passed, 42);
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(checked, 68, "flipped outputs checked");
    assert!(bad.is_empty(), "{bad:?}");
}
