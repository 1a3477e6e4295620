//! Every group of `emv.json` that tapcrypt implements passes, and every
//! positive vector fails once one bit of an expected output is flipped.

use tapcrypt_vectors::{flipped_still_pass, load_data, run_file};

/// Groups the EMV core does not implement yet (scripts, PIN blocks, CVC3,
/// dCVV, CVV, Luhn: later issues). The test fails if this list goes stale in
/// either direction.
const NOT_YET: &[&str] = &[];

#[test]
fn every_known_group_passes() {
    let doc = load_data("emv.json");
    let reports = run_file(&doc).unwrap();
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut skipped = Vec::new();
    for r in &reports {
        passed += r.passed;
        for (id, why) in &r.failed {
            failures.push(format!("{}: {id}: {why}", r.name));
        }
        if r.skipped {
            skipped.push(r.name.as_str());
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    skipped.sort_unstable();
    let mut want: Vec<&str> = NOT_YET.to_vec();
    want.sort_unstable();
    assert_eq!(skipped, want, "groups skipped by the runner");
    let total: usize = doc["vectors"]
        .as_object()
        .unwrap()
        .values()
        .map(|l| l.as_array().unwrap().len())
        .sum();
    let not_yet: usize = NOT_YET
        .iter()
        .map(|g| doc["vectors"][g].as_array().unwrap().len())
        .sum();
    assert_eq!(passed, total - not_yet);
    eprintln!("emv.json: {passed} vectors passed, {not_yet} in groups not implemented yet");
}

#[test]
fn one_bit_flips_fail() {
    let doc = load_data("emv.json");
    let (checked, bad) = flipped_still_pass(&doc);
    // One flip per checked output of every passing vector (pinned, so a
    // runner change that stops checking an output shows up).
    assert_eq!(checked, 1537, "flipped outputs checked");
    assert!(
        bad.is_empty(),
        "flipped vectors that still passed: {bad:#?}"
    );
    eprintln!("{checked} one-bit-flipped vectors all failed as they must");
}
