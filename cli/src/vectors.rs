//! `tapcrypt vectors FILE...`: one line per group, failures by id, and a last
//! line `N passed, N failed, N skipped`. Exit status 1 if anything failed.

use std::process::ExitCode;

use tapcrypt_vectors::run_file;

pub(crate) fn run(files: &[String]) -> ExitCode {
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for path in files {
        let doc = match std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("not valid JSON: {e}")))
        {
            Ok(d) => d,
            Err(e) => {
                println!("{path}: {e}");
                failed += 1;
                continue;
            }
        };
        let reports = match run_file(&doc) {
            Ok(r) => r,
            Err(e) => {
                println!("{path}: {e}");
                failed += 1;
                continue;
            }
        };
        println!("{path}:");
        for r in reports {
            if r.skipped {
                println!(
                    "  {:<28} skipped: unknown group ({} vectors)",
                    r.name, r.skipped_count
                );
                skipped += r.skipped_count;
                continue;
            }
            let status = if r.failed.is_empty() { "ok" } else { "FAILED" };
            println!(
                "  {:<28} {status}: {} passed, {} failed",
                r.name,
                r.passed,
                r.failed.len()
            );
            for (id, why) in &r.failed {
                println!("    {id}: {why}");
            }
            passed += r.passed;
            failed += r.failed.len();
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
