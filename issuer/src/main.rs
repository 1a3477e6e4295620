//! `tapcrypt-issuer`: the reference issuer service.
//!
//! ```sh
//! tapcrypt-issuer serve [--config issuer/demo.json] [--db sqlite://tapcrypt-issuer.db]
//!                       [--listen 127.0.0.1:8080] [--sqlite-sync full|normal]
//! ```

use std::process::ExitCode;

use tapcrypt_issuer::{DemoFile, SqliteSync};

const USAGE: &str = "usage:
  tapcrypt-issuer serve [--config FILE] [--db URL] [--listen ADDR] [--sqlite-sync full|normal]

  --config FILE   demo file: keys (clear, DEMO ONLY) and cards to enrol [issuer/demo.json]
  --db URL        sqlite://PATH (default sqlite://tapcrypt-issuer.db) or postgres://USER@HOST/DB
  --listen ADDR   address to listen on [127.0.0.1:8080]; port 0 picks a free port
  --sqlite-sync   full: an approval survives power loss (default); normal: survives a
                  process crash only";

struct Args {
    config: String,
    db: String,
    listen: String,
    sync: SqliteSync,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        config: "issuer/demo.json".to_owned(),
        db: "sqlite://tapcrypt-issuer.db".to_owned(),
        listen: "127.0.0.1:8080".to_owned(),
        sync: SqliteSync::Full,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--config" => a.config = value()?,
            "--db" => a.db = value()?,
            "--listen" => a.listen = value()?,
            "--sqlite-sync" => {
                a.sync = match value()?.as_str() {
                    "full" => SqliteSync::Full,
                    "normal" => SqliteSync::Normal,
                    other => return Err(format!("--sqlite-sync: {other:?} is not full or normal")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

async fn serve(a: Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&a.config).map_err(|e| format!("{}: {e}", a.config))?;
    let demo = DemoFile::parse(&text).map_err(|e| format!("{}: {e}", a.config))?;
    let issuer = tapcrypt_issuer::start(&a.db, a.sync, &demo).await?;
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {}
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let a = match parse(&args[1..]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tapcrypt-issuer: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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
