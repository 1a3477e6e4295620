//! Offline payment codes and CPM payloads, computed by independent Python
//! implementations (test-vectors/gen/).

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

#[test]
fn payment_code_cpm_qr_ndef_vectors() {
    let doc = load_data("codes.json");
    let reps = run_file(&doc).unwrap();
    let pc = reps.iter().find(|r| r.name == "payment_code").unwrap();
    assert!(!pc.skipped);
    assert!(pc.failed.is_empty(), "{:?}", pc.failed);
    assert!(pc.not_applicable.is_empty());
    // 12 codes + 3 required rejections.
    assert_eq!(pc.passed, 12 + 3);
    let cpm = reps.iter().find(|r| r.name == "cpm").unwrap();
    assert!(cpm.failed.is_empty(), "{:?}", cpm.failed);
    // 7 payloads (4 DPAN-bound, 3 EMV common AES) + 8 required rejections,
    // 6 cloud-profile payloads (3 Visa VCPS, 3 Mastercard MCBP) + 7 required
    // rejections (profile mismatch, tampered cryptogram, key index never issued).
    assert_eq!(cpm.passed, 7 + 8 + 6 + 7);
    for (name, n) in [("qr", 4), ("ndef", 11)] {
        let g = reps.iter().find(|r| r.name == name).unwrap();
        assert!(g.failed.is_empty(), "{name}: {:?}", g.failed);
        assert_eq!(g.passed, n, "{name}");
    }
    for r in &reps {
        assert!(!r.skipped, "{} skipped", r.name);
        assert!(r.failed.is_empty(), "{}: {:?}", r.name, r.failed);
    }
    let (checked, bad) = flipped_still_pass(&doc);
    assert_eq!(
        checked,
        12 * 2 + (7 + 6) * 3 + 4 + 11,
        "flipped outputs checked"
    );
    assert!(bad.is_empty(), "{bad:?}");
}
