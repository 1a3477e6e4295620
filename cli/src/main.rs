//! The `tapcrypt` command: an end-to-end demo of a tap and its authorisation,
//! and a known-answer vector runner payment teams can point at their own data.

mod demo;
mod demo_cloud;
mod demo_codes;
mod demo_issuer;
mod vectors;

use std::process::ExitCode;

const USAGE: &str = "usage:
  tapcrypt demo                 run a tap on the device and its authorisation on the backend
  tapcrypt vectors PATH...      run known-answer vector files through tapcrypt's public API:
                                files in the layout of emv.json ({\"meta\": ..., \"vectors\": {group: [vector, ...]}}),
                                whole Wycheproof files (recognised by their \"schema\"), or directories of them";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") if args.len() == 1 => demo::run(),
        Some("vectors") if args.len() > 1 => vectors::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
