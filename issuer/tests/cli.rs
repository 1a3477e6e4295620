//! The binary's command line: usage errors exit 2 and name the problem,
//! `--help`/`--version` exit 0.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapcrypt-issuer"))
        .args(args)
        .output()
        .expect("run tapcrypt-issuer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_and_help() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("tapcrypt-issuer "), "{out}");
    let (code, out, _) = run(&["serve", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--sqlite-sync"), "{out}");
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("frobnicate"), "{err}");
    let (code, _, err) = run(&["serve", "--sqlite-sync", "sometimes"]);
    assert_eq!(code, 2);
    assert!(err.contains("sometimes"), "{err}");
    let (code, _, err) = run(&["serve", "--db"]);
    assert_eq!(code, 2);
    assert!(err.contains("--db"), "{err}");
    // A config file that does not exist: a runtime error (1), named.
    let (code, _, err) = run(&["serve", "--config", "/nonexistent/demo.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/demo.json"), "{err}");
}
