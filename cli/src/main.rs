//! The `tapcrypt` command: an end-to-end demo of a tap and its authorisation,
//! a known-answer vector runner payment teams can point at their own data, and
//! a payment engineer's calculator (hex in, hex out, `--json` for scripts).

mod calc;
mod demo;
mod demo_cloud;
mod demo_codes;
mod demo_issuer;
mod tags;
mod vectors;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};

/// tapcrypt: constant-time EMV tap-to-pay cryptography, from the command line.
#[derive(Parser)]
#[command(name = "tapcrypt", version, arg_required_else_help = true)]
struct Cli {
    /// Print results as one JSON object (errors stay on stderr).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a tap on the device and its authorisation on the backend.
    Demo(DemoArgs),
    /// Run known-answer vector files through tapcrypt's public API.
    Vectors(vectors::VectorsArgs),
    #[command(flatten)]
    Calc(Box<calc::Calc>),
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Runs per timed step: each prints the median host time of one run.
    #[arg(long, default_value_t = demo::DEFAULT_RUNS, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    runs: u64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    match cli.command {
        Command::Demo(a) => demo::run(a.runs),
        Command::Vectors(a) => vectors::run(&a),
        Command::Calc(c) => calc::run(*c, cli.json),
    }
}

/// clap's errors, with "unknown command 'foo'" for an unknown verb. Help and
/// version go to stdout with status 0; every usage error exits 2.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::InvalidSubcommand => {
            let name = match e.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => String::new(),
            };
            eprintln!("error: unknown command '{name}'");
            let hint = match e.get(ContextKind::SuggestedSubcommand) {
                Some(ContextValue::String(s)) => Some(s.clone()),
                Some(ContextValue::Strings(v)) => v.first().cloned(),
                _ => None,
            };
            if let Some(s) = hint {
                eprintln!("  did you mean '{s}'?");
            }
            eprintln!("Run 'tapcrypt --help' for the list of commands.");
            ExitCode::from(2)
        }
        _ => {
            let _ = e.print();
            ExitCode::from(2)
        }
    }
}
