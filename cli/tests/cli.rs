//! The `tapcrypt` command as a payment engineer uses it.

use std::process::Command;

fn tapcrypt(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapcrypt"))
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn write(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tapcrypt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

fn last_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[test]
fn shipped_vectors_pass_with_closing_line() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/data/emv.json");
    let (code, out) = tapcrypt(&["vectors", path]);
    assert_eq!(code, 0, "{out}");
    let last = last_line(&out);
    let re: Vec<&str> = last.split(", ").collect();
    assert_eq!(re.len(), 3, "{last}");
    assert!(
        re[0].ends_with(" passed") && re[1] == "0 failed" && re[2].ends_with(" skipped"),
        "{last}"
    );
}

#[test]
fn failures_are_listed_by_id_with_the_field_and_exit_1() {
    // tdes_kcv-001 from emv.json with the KCV changed, plus one good vector.
    let f = write(
        "bad.json",
        r#"{"meta": {}, "vectors": {"tdes_kcv": [
            {"id": "good", "key": "0123456789ABCDEFFEDCBA9876543210", "kcv": "08D7B4"},
            {"id": "mine-7", "key": "0123456789ABCDEFFEDCBA9876543210", "kcv": "08D7B5"}
        ]}}"#,
    );
    let (code, out) = tapcrypt(&["vectors", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("mine-7: `kcv`: expected 08D7B5, got 08D7B4"),
        "{out}"
    );
    assert!(!out.contains("good:"), "{out}");
    assert_eq!(last_line(&out), "1 passed, 1 failed, 0 skipped");
}

#[test]
fn malformed_vectors_name_the_field() {
    let f = write(
        "malformed.json",
        r#"{"vectors": {"tdes_kcv": [
            {"id": "odd", "key": "0123456789ABCDEFFEDCBA987654321", "kcv": "08D7B4"},
            {"id": "nothex", "key": "0123456789ABCDEFFEDCBA98765432G0", "kcv": "08D7B4"},
            {"id": "missing", "kcv": "08D7B4"}
        ]}}"#,
    );
    let (code, out) = tapcrypt(&["vectors", &f]);
    assert_eq!(code, 1);
    assert!(
        out.contains("odd: field `key`: odd-length hex (31 characters)"),
        "{out}"
    );
    assert!(
        out.contains("nothex: field `key`: not a hex digit 'G' at position 30"),
        "{out}"
    );
    assert!(out.contains("missing: field `key` is missing"), "{out}");
    assert_eq!(last_line(&out), "0 passed, 3 failed, 0 skipped");
}

#[test]
fn invalid_vectors_pass_only_when_rejected() {
    let f = write(
        "invalid.json",
        r#"{"vectors": {"icc_mk_option_a": [
            {"id": "bad-pan", "imk": "0123456789ABCDEFFEDCBA9876543210", "pan": "12345678901X", "psn": "00", "icc_mk": "00", "result": "invalid"},
            {"id": "bad-psn", "imk": "0123456789ABCDEFFEDCBA9876543210", "pan": "123456789012", "psn": "123", "icc_mk": "00", "result": "invalid"},
            {"id": "not-invalid", "imk": "0123456789ABCDEFFEDCBA9876543210", "pan": "99012345678901234", "psn": "45", "icc_mk": "67F8292358083E5EA7AB7FDA58D53B6B", "result": "invalid"}
        ]}}"#,
    );
    let (code, out) = tapcrypt(&["vectors", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("not-invalid: expected the API to reject this vector"),
        "{out}"
    );
    assert_eq!(last_line(&out), "2 passed, 1 failed, 0 skipped");
}

#[test]
fn unknown_groups_are_skipped_and_named_and_checking_nothing_fails() {
    let f = write(
        "unknown.json",
        r#"{"vectors": {"my_hsm_thing": [{"id": "a"}, {"id": "b"}]}}"#,
    );
    let (code, out) = tapcrypt(&["vectors", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("my_hsm_thing") && out.contains("skipped"),
        "{out}"
    );
    assert!(out.contains("nothing was checked"), "{out}");
    // An empty vector file checks nothing either.
    let f = write("empty.json", r#"{"vectors": {}}"#);
    let (code, out) = tapcrypt(&["vectors", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing was checked"), "{out}");
    // Next to a file that checks something, skipped groups are fine.
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/data/aes_kcv.json"
    );
    let unknown = write(
        "unknown2.json",
        r#"{"vectors": {"my_hsm_thing": [{"id": "a"}]}}"#,
    );
    let (code, out) = tapcrypt(&["vectors", good, &unknown]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(last_line(&out), "4 passed, 0 failed, 1 skipped");
}

#[test]
fn a_wycheproof_checkout_runs_what_is_supported_and_skips_the_rest() {
    // A miniature checkout: a supported file, one for another curve, one with
    // an unsupported schema and a JSON Schema definition (not a vector file).
    let dir = std::env::temp_dir().join(format!("tapcrypt-cli-wp-{}", std::process::id()));
    let sub = dir.join("testvectors_v1");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/data/wycheproof/"
    );
    std::fs::copy(
        format!("{data}hmac_sha256_test.json"),
        sub.join("hmac_sha256_test.json"),
    )
    .unwrap();
    std::fs::write(
        sub.join("ecdh_secp384r1_test.json"),
        r#"{"algorithm": "ECDH", "schema": "ecdh_test_schema_v1.json", "testGroups": [
            {"curve": "secp384r1", "encoding": "asn", "tests": [{"tcId": 1}, {"tcId": 2}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        sub.join("x25519_test.json"),
        r#"{"algorithm": "XDH", "schema": "xdh_comp_schema_v1.json", "testGroups": [
            {"curve": "curve25519", "tests": [{"tcId": 1}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("schemas").join("mac_test_schema_v1.json"),
        r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}"#,
    )
    .unwrap();
    let (code, out) = tapcrypt(&["vectors", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("wycheproof HMAC-SHA256"), "{out}");
    assert!(
        out.contains("66 valid accepted, 108 invalid rejected"),
        "{out}"
    );
    assert!(out.contains("wycheproof ECDH on secp384r1"), "{out}");
    assert!(!out.contains("mac_test_schema_v1.json"), "{out}");
    assert_eq!(last_line(&out), "174 passed, 0 failed, 3 skipped");

    // The same file with one valid tag corrupted fails, by tcId.
    let text = std::fs::read_to_string(sub.join("hmac_sha256_test.json")).unwrap();
    let bad = text.replacen(
        "b175b57d89ea6cb606fb3363f2538abd73a4c00b4a1386905bac809004cf1933",
        "b175b57d89ea6cb606fb3363f2538abd73a4c00b4a1386905bac809004cf1932",
        1,
    );
    assert_ne!(bad, text);
    std::fs::write(sub.join("hmac_sha256_test.json"), bad).unwrap();
    let (code, out) = tapcrypt(&["vectors", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tcId 1: valid test rejected"), "{out}");
    assert_eq!(last_line(&out), "173 passed, 1 failed, 3 skipped");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// stdout and stderr apart, and the exit code.
fn tapcrypt_split(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapcrypt"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unreadable_and_non_json_files_are_io_errors_exit_2_on_stderr() {
    let f = write("notjson.json", "{ this is not json");
    let (code, out, err) = tapcrypt_split(&["vectors", &f, "/nonexistent/file.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not valid JSON") && err.contains("cannot read"),
        "{err}"
    );
    assert!(!out.contains("not valid JSON"), "{out}");
    // An I/O error wins over passing vectors next to it.
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/data/aes_kcv.json"
    );
    let (code, _, err) = tapcrypt_split(&["vectors", good, "/nonexistent/file.json"]);
    assert_eq!(code, 2, "{err}");
    // A JSON file named on the command line that is no vector file.
    let f = write("config.json", r#"{"name": "not vectors"}"#);
    let (code, _, err) = tapcrypt_split(&["vectors", &f]);
    assert_eq!(code, 2);
    assert!(err.contains("no \"vectors\" object"), "{err}");
}

#[test]
fn the_projects_own_folder_passes_and_counts_every_file() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/data");
    let (code, out, err) = tapcrypt_split(&["vectors", dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    // The files of other layouts are run, not dropped: each with its count.
    let section = |file: &str| -> String {
        let start = out
            .find(&format!("/{file}:\n"))
            .unwrap_or_else(|| panic!("{file}: {out}"));
        let rest = &out[start + file.len() + 3..];
        rest[..rest.find("test-vectors/data/").unwrap_or(rest.len())].to_string()
    };
    let p256 = section("p256.json");
    for want in [
        "ECDH P-256 (X.509) ok: 30 passed",
        "ECDH P-256 (ecpoint) ok: 57 passed",
        "ECDSA P-256 SHA-256 DER ok: 42 passed",
        "ECDSA P-256 SHA-256 P1363 ok: 80 passed",
    ] {
        assert!(p256.contains(want), "{want}: {p256}");
    }
    assert!(
        section("upstream/ff1.json")
            .contains("ff1                          ok: 53 passed, 0 failed"),
        "{out}"
    );
    let kbpk = section("kbpk_pyca.json");
    assert!(
        kbpk.contains("kbpk                         ok: 5 passed"),
        "{kbpk}"
    );
    assert!(
        kbpk.contains("one_step_sha256              ok: 3 passed"),
        "{kbpk}"
    );
    let kdf = section("kdf_mac.json");
    for want in [
        "kbkdf_counter                ok: 144 passed",
        "kbkdf_counter_structured     ok: 9 passed",
        "kdf_aes_cmac                 ok: 28 passed",
        "kdf_hkdf_sha256              ok: 3 passed",
        "kdf_hmac_sha256              ok: 7 passed",
    ] {
        assert!(kdf.contains(want), "{want}: {kdf}");
    }
    assert!(!out.contains("FAILED"), "{out}");
    assert!(
        last_line(&out).ends_with(" passed, 0 failed, 11 skipped"),
        "{}",
        last_line(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tapcrypt(&[]).0, 2);
    assert_eq!(tapcrypt(&["vectors"]).0, 2);
    assert_eq!(tapcrypt(&["frobnicate"]).0, 2);
    let (code, _, err) = tapcrypt_split(&["vectors", "--no-such-flag", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"), "{err}");
}

#[test]
fn demo_runs_and_verifies() {
    let (code, out) = tapcrypt(&["demo", "--runs", "3"]);
    assert_eq!(code, 0, "{out}");
    // Both Mastercard taps run (CVN 16 and 17), and the times say what they are.
    assert!(
        out.contains("== Mastercard CVN 16") && out.contains("== Mastercard CVN 17"),
        "{out}"
    );
    assert!(
        out.contains("host times: the median wall-clock time of one run over 3 runs"),
        "{out}"
    );
    assert!(out.contains("µs (1 run)"), "{out}");
    assert!(
        out.contains("ARQC verified") && out.contains("ARPC verified"),
        "{out}"
    );
    assert!(out.contains("rejected, as it must be"), "{out}");
    assert!(
        out.contains("detokenize the DPAN") && out.contains("-> token account"),
        "{out}"
    );
    assert!(
        out.contains("same ARQC presented with another DPAN: rejected"),
        "{out}"
    );
}

/// Wycheproof's FPE schemas run natively. No Wycheproof FF1 file is in the
/// project's vector folder, so these are files in Wycheproof's layout
/// (`fpe_str_test_schema` / `fpe_list_test_schema`: groups with `alphabet` or
/// `radix`, tests with `key`, `tweak`, `msg`, `ct`, `result`) holding the
/// NIST SP 800-38G FF1 samples 1, 2 and 4 (NIST's published values).
#[test]
fn wycheproof_fpe_schemas_run_natively() {
    let tests = |list: bool, ct1: &str| {
        let m = |s: &str| -> String {
            if list {
                format!(
                    "[{}]",
                    s.chars()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            } else {
                format!("\"{s}\"")
            }
        };
        format!(
            r#"[
            {{"tcId": 1, "key": "2b7e151628aed2a6abf7158809cf4f3c", "tweak": "", "msg": {}, "ct": {}, "result": "valid", "flags": []}},
            {{"tcId": 2, "key": "2b7e151628aed2a6abf7158809cf4f3c", "tweak": "39383736353433323130", "msg": {}, "ct": {}, "result": "valid", "flags": []}},
            {{"tcId": 3, "key": "2b7e151628aed2a6abf7158809cf4f3cef4359d8d580aa4f", "tweak": "", "msg": {}, "ct": {}, "result": "valid", "flags": []}},
            {{"tcId": 4, "key": "2b7e151628aed2a6abf7158809cf4f", "tweak": "", "msg": {}, "ct": {}, "result": "invalid", "flags": ["InvalidKeySize"]}},
            {{"tcId": 5, "key": "2b7e151628aed2a6abf7158809cf4f3c", "tweak": "", "msg": {}, "ct": {}, "result": "valid", "flags": ["SmallMessageSize"]}}
            ]"#,
            m("0123456789"),
            m(ct1),
            m("0123456789"),
            m("6124200773"),
            m("0123456789"),
            m("2830668132"),
            m("0123456789"),
            m("2433477484"),
            m("01234"),
            m("00000"),
        )
    };
    let str_file = write(
        "aes_ff1_base10_test.json",
        &format!(
            r#"{{"algorithm": "AES-FF1", "schema": "fpe_str_test_schema.json", "testGroups": [
            {{"alphabet": "0123456789", "radix": 10, "tests": {}}},
            {{"alphabet": "0123456789abcdef", "radix": 16, "tests": [{{"tcId": 9}}]}}]}}"#,
            tests(false, "2433477484")
        ),
    );
    let list_file = write(
        "aes_ff1_radix10_test.json",
        &format!(
            r#"{{"algorithm": "AES-FF1", "schema": "fpe_list_test_schema.json", "testGroups": [
            {{"radix": 10, "tests": {}}}]}}"#,
            tests(true, "2433477484")
        ),
    );
    let (code, out) = tapcrypt(&["vectors", &str_file, &list_file]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("wycheproof AES-FF1 radix 10 (str) ok: 4 passed, 0 failed"),
        "{out}"
    );
    assert!(
        out.contains("wycheproof AES-FF1 radix 10 (list) ok: 4 passed, 0 failed"),
        "{out}"
    );
    assert!(out.contains("radix 16"), "{out}");
    assert_eq!(last_line(&out), "8 passed, 0 failed, 3 skipped");
    // A wrong ciphertext in a valid test fails, by tcId.
    let bad = write(
        "aes_ff1_base10_bad_test.json",
        &format!(
            r#"{{"algorithm": "AES-FF1", "schema": "fpe_str_test_schema.json", "testGroups": [
            {{"alphabet": "0123456789", "radix": 10, "tests": {}}}]}}"#,
            tests(false, "2433477485")
        ),
    );
    let (code, out) = tapcrypt(&["vectors", &bad]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tcId 1:"), "{out}");
}

/// `--batch` (issue 16): the cryptogram groups of emv.json also go through
/// `batch::verify_batch`, each vector with its 64 ARQC flips; the closing
/// line is the one the plain run prints.
#[test]
fn batch_runs_the_same_vectors_with_the_same_closing_line() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/data/emv.json");
    let (code, plain) = tapcrypt(&["vectors", path]);
    assert_eq!(code, 0, "{plain}");
    let (code, batched) = tapcrypt(&["vectors", "--batch", path]);
    assert_eq!(code, 0, "{batched}");
    assert_eq!(last_line(&batched), last_line(&plain));
}

/// The DPAN-bound AES group (dpan_binding.json, an independent Python
/// reference) goes through the batch too — its AES-128 vectors through the
/// multi-key AES lanes — with the plain run's closing line; a vector whose
/// ARQC is changed fails under `--batch` by its id.
#[test]
fn batch_runs_the_dpan_bound_aes_group() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/data/dpan_binding.json"
    );
    let (code, plain) = tapcrypt(&["vectors", path]);
    assert_eq!(code, 0, "{plain}");
    let (code, batched) = tapcrypt(&["vectors", "--batch", path]);
    assert_eq!(code, 0, "{batched}");
    assert!(
        batched.contains("one-bit flips in one verify_batch call"),
        "{batched}"
    );
    assert_eq!(last_line(&batched), last_line(&plain));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut v = doc["vectors"]["ac_dpan_bound"][0].clone();
    let arqc = v["arqc"].as_str().unwrap().to_owned();
    let flipped = if arqc.starts_with('0') { "1" } else { "0" };
    v["arqc"] = serde_json::Value::String(format!("{flipped}{}", &arqc[1..]));
    v["id"] = serde_json::Value::String("tampered-d2".into());
    let doc = serde_json::json!({"meta": {}, "vectors": {"ac_dpan_bound": [v]}});
    let f = write("tampered_dpan_batch.json", &doc.to_string());
    let (code, out) = tapcrypt(&["vectors", "--batch", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered-d2"), "{out}");
}

/// A pyemv Visa CVN 18 vector with its ARQC changed fails under `--batch`
/// too, by its id: the batch path does not accept what the single path
/// refuses.
#[test]
fn batch_fails_a_tampered_arqc_by_id() {
    let emv: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../test-vectors/data/emv.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut v = emv["vectors"]["cvn_visa_18"][0].clone();
    let arqc = v["arqc"].as_str().unwrap().to_owned();
    let flipped = if arqc.starts_with('0') { "1" } else { "0" };
    v["arqc"] = serde_json::Value::String(format!("{flipped}{}", &arqc[1..]));
    v["id"] = serde_json::Value::String("tampered-1".into());
    let doc = serde_json::json!({"meta": {}, "vectors": {"cvn_visa_18": [v]}});
    let f = write("tampered_batch.json", &doc.to_string());
    let (code, out) = tapcrypt(&["vectors", "--batch", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered-1"), "{out}");
}
