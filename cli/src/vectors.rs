//! `tapcrypt vectors PATH...`: one line per group, failures by id, and a last
//! line `N passed, N failed, N skipped`.
//!
//! Exit status: 0 only when something was checked and nothing failed; 1 when
//! a vector failed (a mismatch, a wrong acceptance or rejection) or when
//! nothing at all was checked (an empty file, only unknown groups); 2 for
//! usage and I/O errors (a path that cannot be read, a file that is not JSON
//! or not a vector file). Errors go to stderr, the report to stdout.
//!
//! `--batch` also runs every EMV cryptogram-verification group through
//! `tapcrypt::batch::verify_batch`, each vector's genuine ARQC batched with
//! its 64 one-bit flips (each flip must fail only its own item); the closing
//! line means the same as without it.
//!
//! A PATH may be a file (tapcrypt's layout or a whole Wycheproof file) or a
//! directory, which is searched recursively for `*.json` files, so
//! `tapcrypt vectors wycheproof/testvectors_v1` runs every file tapcrypt
//! understands in a checkout of the upstream repository and counts the rest as
//! skipped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use tapcrypt_vectors::{GroupReport, run_file, run_file_batch};

#[derive(Default)]
struct Totals {
    batch: bool,
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Usage and I/O errors (exit 2).
    errors: usize,
}

impl Totals {
    fn error(&mut self, msg: impl std::fmt::Display) {
        eprintln!("error: {msg}");
        self.errors += 1;
    }
}

/// `tapcrypt vectors`: its arguments (a struct, so that flags can be added).
#[derive(clap::Args)]
pub(crate) struct VectorsArgs {
    /// Files in the layout of emv.json ({"meta": ..., "vectors": {group: [vector, ...]}}),
    /// whole Wycheproof files (recognised by their "schema"), or directories of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Also run every cryptogram-verification group through
    /// `batch::verify_batch`, each vector's genuine ARQC batched with its 64
    /// one-bit flips (each flip must fail only its own item); a vector passes
    /// only if both runs pass it.
    #[arg(long)]
    batch: bool,
}

pub(crate) fn run(args: &VectorsArgs) -> ExitCode {
    let mut t = Totals {
        batch: args.batch,
        ..Totals::default()
    };
    for path in &args.paths {
        let p = Path::new(path);
        if p.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = json_files(p, &mut files) {
                t.error(format!("{path}: cannot read the directory: {e}"));
                continue;
            }
            for f in files {
                run_one(&f, true, &mut t);
            }
        } else {
            run_one(p, false, &mut t);
        }
    }
    println!(
        "{} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    if t.errors > 0 {
        ExitCode::from(2)
    } else if t.failed > 0 {
        ExitCode::from(1)
    } else if t.passed == 0 {
        eprintln!("error: nothing was checked (no vector of a group tapcrypt knows)");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Every `*.json` file under `dir`, sorted, recursively.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Runs one file. Found by walking a directory (`walked`), a JSON file that is
/// not a vector file at all (a JSON Schema, a config) is skipped silently; named
/// on the command line, it is an error.
fn run_one(path: &Path, walked: bool, t: &mut Totals) {
    let name = path.display();
    let doc: Value = match std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|s| serde_json::from_str(&s).map_err(|e| format!("not valid JSON: {e}")))
    {
        Ok(d) => d,
        Err(e) => {
            t.error(format!("{name}: {e}"));
            return;
        }
    };
    let run = if t.batch { run_file_batch } else { run_file };
    let reports = match run(&doc) {
        Ok(r) => r,
        Err(_) if walked && doc.get("vectors").is_none() && doc.get("testGroups").is_none() => {
            return;
        }
        Err(e) => {
            t.error(format!("{name}: {e}"));
            return;
        }
    };
    println!("{name}:");
    for r in reports {
        print_report(&r, t);
    }
}

fn print_report(r: &GroupReport, t: &mut Totals) {
    if r.skipped {
        let why = if r.wycheproof.is_none() && !r.name.starts_with("wycheproof") {
            "unknown group"
        } else {
            "not supported"
        };
        println!(
            "  {:<28} skipped: {why} ({} vectors)",
            r.name, r.skipped_count
        );
        t.skipped += r.skipped_count;
        return;
    }
    let status = if r.failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "  {:<28} {status}: {} passed, {} failed",
        r.name,
        r.passed,
        r.failed.len()
    );
    if let Some(c) = &r.wycheproof {
        println!("    ({c})");
    }
    if let Some(b) = &r.batch {
        println!("    ({b})");
    }
    for (id, why) in &r.failed {
        println!("    {id}: {why}");
    }
    for (id, why) in &r.not_applicable {
        println!("    {id}: not applicable: {why}");
    }
    t.passed += r.passed;
    t.failed += r.failed.len();
}
