//! `tapcrypt-issuer`: the reference issuer service.
//!
//! ```sh
//! tapcrypt-issuer serve [--config issuer/demo.json] [--db sqlite://tapcrypt-issuer.db]
//!                       [--listen 127.0.0.1:8080] [--sqlite-sync full|normal]
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tapcrypt_issuer::{DemoFile, SqliteSync};

/// tapcrypt's reference issuer service: authorises taps over HTTP, keeps
/// each card's replay window and key-use limits in SQLite or PostgreSQL.
#[derive(Parser)]
#[command(name = "tapcrypt-issuer", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve `POST /v1/authorisations` until Ctrl-C.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Demo file: keys (in clear, DEMO ONLY) and the cards to enrol.
    #[arg(long, value_name = "FILE", default_value = "issuer/demo.json")]
    config: String,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        value_name = "URL",
        default_value = "sqlite://tapcrypt-issuer.db"
    )]
    db: String,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// SQLite durability: `full`, an approval survives a power loss;
    /// `normal`, it survives a crash of the process only.
    #[arg(long, value_enum, default_value_t = Sync::Full)]
    sqlite_sync: Sync,
}

#[derive(Clone, Copy, ValueEnum)]
enum Sync {
    Full,
    Normal,
}

async fn serve(a: ServeArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&a.config).map_err(|e| format!("{}: {e}", a.config))?;
    let demo = DemoFile::parse(&text).map_err(|e| format!("{}: {e}", a.config))?;
    let sync = match a.sqlite_sync {
        Sync::Full => SqliteSync::Full,
        Sync::Normal => SqliteSync::Normal,
    };
    let issuer = tapcrypt_issuer::start(&a.db, sync, &demo).await?;
    let listener = tokio::net::TcpListener::bind(&a.listen)
        .await
        .map_err(|e| format!("{}: {e}", a.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Tests read this line to find the port.
    println!(
        "tapcrypt-issuer listening on http://{addr} (database {})",
        a.db
    );
    tapcrypt_issuer::serve(listener, issuer.clone(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())?;
    issuer.store().close().await;
    Ok(())
}

fn main() -> ExitCode {
    // Usage errors exit 2, --help/--version 0 (clap's convention).
    let Command::Serve(a) = Cli::parse().command;
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tapcrypt-issuer: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(serve(a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tapcrypt-issuer: {e}");
            ExitCode::from(1)
        }
    }
}
