//! RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1, SHA-256, SHA-512).

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn rfc4226_and_rfc6238_vectors() {
    let doc = load_data("otp.json");
    let reps = run_file(&doc).unwrap();
    assert_eq!(reps.len(), 1);
    let r = &reps[0];
    assert_eq!(r.name, "otp");
    assert!(!r.skipped);
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert!(r.not_applicable.is_empty(), "{:?}", r.not_applicable);
    // 10 HOTP + 18 TOTP (6 times × 3 hashes) + 4 required rejections.
    assert_eq!(r.passed, 10 + 18 + 4);
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(
        checked, 28,
        "every positive vector re-run with its OTP flipped"
    );
    assert!(bad.is_empty(), "{bad:?}");
}
