//! AES key check values, both conventions, from `aes_kcv.json`.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn aes_kcvs() {
    let doc = load_data("aes_kcv.json");
    let reps = run_file(&doc).unwrap();
    assert_eq!(reps.len(), 1);
    assert!(reps[0].failed.is_empty(), "{:?}", reps[0].failed);
    assert_eq!(reps[0].passed, 4);
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(checked, 8);
    assert!(bad.is_empty(), "{bad:?}");
}
