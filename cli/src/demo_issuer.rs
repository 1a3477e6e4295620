//! The demo's last section: the reference issuer service (`issuer/`),
//! started in-process on 127.0.0.1 with a temporary SQLite database, and
//! taps posted to it over HTTP by a simulated band — an approval whose ARPC
//! the band checks, the same tap replayed and refused, a limited-use key
//! running out.

use std::time::Instant;

use serde_json::Value;
use tapcrypt_issuer::band::{Band, TapMessage};
use tapcrypt_issuer::{DemoFile, DemoKeyFile, SqliteSync};

/// The service's own demo file (clear keys: demo only).
const DEMO_FILE: &str = include_str!("../../issuer/demo.json");

/// Runs the section; on failure prints why and exits with status 1.
pub(crate) fn run() {
    if let Err(e) = section() {
        eprintln!("demo failed: issuer service: {e}");
        std::process::exit(1);
    }
}

async fn post(client: &reqwest::Client, url: &str, tap: &TapMessage) -> Result<Value, String> {
    let t = Instant::now();
    let r = client
        .post(format!("{url}/v1/authorisations"))
        .json(&tap.request_json())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let who = tap
        .token
        .as_deref()
        .map_or_else(|| "PAN ****".to_owned(), |d| format!("DPAN {d}"));
    println!(
        "  POST {who} ATC {:04X} amount {}: {status} {} ({}) {ms:.2} ms",
        tap.atc,
        tap.amount,
        v["decision"].as_str().unwrap_or("-"),
        v["reason"].as_str().unwrap_or("-"),
    );
    Ok(v)
}

fn expect(v: &Value, decision: &str, reason: &str) -> Result<(), String> {
    if v["decision"] == decision && v["reason"] == reason {
        Ok(())
    } else {
        Err(format!("expected {decision}/{reason}, got {v}"))
    }
}

fn section() -> Result<(), String> {
    println!("== the issuer service: taps over HTTP, card state in SQLite ==");
    let demo = DemoFile::parse(DEMO_FILE).map_err(|e| e.to_string())?;
    let keys = DemoKeyFile::from_section(&demo.keys).map_err(|e| e.to_string())?;
    let card = |r: &str| {
        demo.cards
            .iter()
            .find(|c| c.card_ref == r)
            .ok_or(format!("no card {r} in issuer/demo.json"))
    };
    let mut band = Band::personalise(&keys, card("token-4242")?, 1)?;
    let mut limited = Band::personalise(&keys, card("limited-0001")?, 1)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = format!("sqlite://{}", dir.path().join("issuer.db").display());
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let issuer = tapcrypt_issuer::start(&db, SqliteSync::Full, &demo).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tapcrypt_issuer::serve(listener, issuer.clone(), async {
            let _ = stopped.await;
        }));
        println!("  service on {url}, database {db} (WAL, synchronous = FULL)");
        let client = reqwest::Client::new();

        // A DPAN-bound tap: approved once its window update is committed.
        let tap = band.tap(1250, 978)?;
        let v = post(&client, &url, &tap).await?;
        expect(&v, "approved", "approved")?;
        let arpc = v["arpc"].as_str().unwrap_or_default();
        if !band.accepts_approval(&tap, arpc) {
            return Err("the band rejects the issuer's ARPC".to_owned());
        }
        println!(
            "    ARPC {arpc}, tag 91 {}: the band verifies it",
            v["tag91"].as_str().unwrap_or("-")
        );
        // The very same message again: the replay window refuses it.
        let v = post(&client, &url, &tap).await?;
        expect(&v, "declined", "atc_replay")?;
        println!("    the same tap replayed: refused, the ATC was already used");

        // A key limited to 3 taps: the 4th is refused.
        println!("  a card whose key is limited to 3 taps:");
        for _ in 0..3 {
            let v = post(&client, &url, &limited.tap(500, 978)?).await?;
            expect(&v, "approved", "approved")?;
            if v["replenish"] == true {
                println!("    the key is at its low-water mark: replenish the band");
            }
        }
        let v = post(&client, &url, &limited.tap(500, 978)?).await?;
        expect(&v, "declined", "key_uses_exhausted")?;
        println!("    4th tap: refused, the key has run out\n");

        let _ = stop.send(());
        let _ = server.await;
        issuer.store().close().await;
        Ok::<(), String>(())
    })
}
