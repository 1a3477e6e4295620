//! Load generator for the issuer service: authorisations per second and
//! p50/p99 latency over HTTP, with SQLite or PostgreSQL, next to the rate of
//! the bare library work one authorisation does (parse field 55, derive the
//! card key, session key, verify, ARPC) on one thread.
//!
//! ```sh
//! cargo run --release -p tapcrypt-issuer --example load -- \
//!     [--db sqlite:///tmp/load.db | --db postgres://…] [--taps 20000] \
//!     [--cards 256] [--concurrency 64] [--sqlite-sync full|normal]
//! ```
//!
//! The service runs in this process on its own two-thread runtime (the
//! machine's two cores), listening on 127.0.0.1; the client has its own
//! runtime. Every tap is a genuine ARQC of a distinct (card, ATC), computed
//! before the clock starts, so every answer must be an approval; the run
//! fails otherwise. Not a test and not in CI: figures go in BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{ArpcResponse, Csu};
use tapcrypt_issuer::band::{Band, TapMessage};
use tapcrypt_issuer::{DemoFile, DemoKeyFile, KeyStore, SqliteSync};

struct Args {
    db: String,
    taps: usize,
    cards: usize,
    concurrency: usize,
    sync: SqliteSync,
}

fn args() -> Args {
    let mut a = Args {
        db: String::new(),
        taps: 20_000,
        cards: 256,
        concurrency: 64,
        sync: SqliteSync::Full,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut it = v.iter();
    while let Some(f) = it.next() {
        let val = it.next().cloned().unwrap_or_default();
        match f.as_str() {
            "--db" => a.db = val,
            "--taps" => a.taps = val.parse().expect("--taps N"),
            "--cards" => a.cards = val.parse().expect("--cards N"),
            "--concurrency" => a.concurrency = val.parse().expect("--concurrency N"),
            "--sqlite-sync" => {
                a.sync = if val == "normal" {
                    SqliteSync::Normal
                } else {
                    SqliteSync::Full
                }
            }
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn demo(cards: usize) -> DemoFile {
    let cards: Vec<_> = (0..cards)
        .map(|i| {
            json!({
                "card_ref": format!("load-{i:05}"), "pan": format!("5413337{i:09}"), "psn": "01",
                "cvn": "EMV common AES", "imk": "imk-aes-1",
                "limits": { "max_uses": 60000, "max_amount": 1_000_000_000_000u64 }
            })
        })
        .collect();
    let v = json!({
        "keys": { "issuer_master_keys": [
            { "id": "imk-aes-1", "algorithm": "AES128", "hex": "2B7E151628AED2A6ABF7158809CF4F3C" }
        ] },
        "cards": cards
    });
    DemoFile::parse(&v.to_string()).expect("demo file")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// The library work of one authorisation, on this thread: auths/s.
fn bare_rate(keys: &DemoKeyFile, taps: &[(usize, TapMessage)], demo: &DemoFile) -> f64 {
    let cvn = tapcrypt_issuer::cvn_by_name("EMV common AES").expect("CVN");
    let n = taps.len().min(20_000);
    let icc: Vec<(Vec<u8>, tapcrypt::Pan)> = taps[..n]
        .iter()
        .map(|(c, t)| {
            (
                hex::decode(&t.icc_hex).expect("hex"),
                tapcrypt::Pan::parse(&demo.cards[*c].pan).expect("PAN"),
            )
        })
        .collect();
    let psn = tapcrypt::Psn::parse("01").expect("PSN");
    let response = ArpcResponse::Method2 {
        csu: Csu([0, 0x80, 0, 0]),
        proprietary: &[],
    };
    let start = Instant::now();
    for (msg, pan) in &icc {
        let req = AuthorisationRequest::parse(msg, cvn).expect("parse");
        let card_key = keys.card_key("imk-aes-1", cvn, pan, psn).expect("key");
        let tk = req.transaction_keys(&card_key).expect("keys");
        let proof = req.verify(&tk).expect("verify");
        let mut out = [0u8; 16];
        std::hint::black_box(proof.respond(&response, &mut out).expect("ARPC"));
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = if a.db.is_empty() {
        format!("sqlite://{}", dir.path().join("load.db").display())
    } else {
        a.db.clone()
    };
    let demo = demo(a.cards);
    let keys = DemoKeyFile::from_section(&demo.keys).expect("keys");

    // Every tap, genuine and distinct, before the clock starts: round-robin
    // over the cards so that no card sees two taps at once.
    let bands: Vec<Band> = demo
        .cards
        .iter()
        .map(|c| Band::personalise(&keys, c, 1).expect("band"))
        .collect();
    let taps: Vec<(usize, TapMessage)> = (0..a.taps)
        .map(|k| {
            let c = k % a.cards;
            let atc = u16::try_from(k / a.cards + 1).expect("ATC");
            (c, bands[c].tap_at(atc, 100, 978).expect("tap"))
        })
        .collect();
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        taps.iter()
            .map(|(_, t)| serde_json::to_vec(&t.request_json()).expect("JSON"))
            .collect(),
    );

    println!("bare library work (parse, card key, session key, verify, ARPC), 1 thread:");
    println!("  {:.0} authorisations/s", bare_rate(&keys, &taps, &demo));

    // The service, on its own two-thread runtime.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (issuer, url) = server_rt.block_on(async {
        let issuer = tapcrypt_issuer::start(&db, a.sync, &demo)
            .await
            .expect("service");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(tapcrypt_issuer::serve(
            listener,
            issuer.clone(),
            std::future::pending(),
        ));
        (issuer, url)
    });

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (elapsed, mut lat, approved) = client_rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(a.concurrency)
            .build()
            .expect("client");
        let next = Arc::new(AtomicUsize::new(0));
        let approved = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let workers: Vec<_> = (0..a.concurrency)
            .map(|_| {
                let (client, url, bodies, next, approved) = (
                    client.clone(),
                    format!("{url}/v1/authorisations"),
                    bodies.clone(),
                    next.clone(),
                    approved.clone(),
                );
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = bodies.get(i) else { break };
                        let t = Instant::now();
                        let r = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await
                            .expect("request");
                        let v: serde_json::Value = r.json().await.expect("answer");
                        lat.push(t.elapsed());
                        if v["decision"] == "approved" {
                            approved.fetch_add(1, Ordering::Relaxed);
                        } else {
                            eprintln!("not approved: {v}");
                        }
                    }
                    lat
                })
            })
            .collect();
        let mut lat = Vec::new();
        for w in workers {
            lat.extend(w.await.expect("worker"));
        }
        (start.elapsed(), lat, approved.load(Ordering::Relaxed))
    });
    lat.sort();
    let kind = if db.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "service over HTTP, {kind}, {} taps, {} cards, {} concurrent clients:",
        a.taps, a.cards, a.concurrency
    );
    println!(
        "  {:.0} authorisations/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({approved} approved)",
        a.taps as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    assert_eq!(approved, a.taps, "every tap is genuine and distinct");
    server_rt.block_on(issuer.store().close());
}
