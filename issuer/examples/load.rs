//! Load generator for the issuer service: authorisations per second and
//! p50/p99 latency over HTTP, with SQLite or PostgreSQL, next to the rate of
//! the bare library work one authorisation does (parse field 55, derive the
//! card key, session key, verify, ARPC) on one thread.
//!
//! ```sh
//! cargo run --release -p tapcrypt-issuer --example load -- \
//!     [--db sqlite:///tmp/load.db | --db postgres://…] [--taps 20000] \
//!     [--cards 256] [--concurrency 64] [--sqlite-sync full|normal] \
//!     [--client reqwest|wrk] [--seconds 5]
//! ```
//!
//! `--client reqwest` (the default) drives the service from a tokio runtime
//! in this process. `--client wrk` runs `wrk` (Debian package `wrk`, C and
//! LuaJIT, one thread) as a separate process instead, so the client's CPU
//! on this 2-core machine is a small fraction of the service's: it sends
//! each prepared tap once, for `--seconds`, and counts approvals itself
//! (prepare more `--taps` than the service can answer in that time; a run
//! that used them all up is refused).
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
    wrk: bool,
    seconds: u32,
}

fn args() -> Args {
    let mut a = Args {
        db: String::new(),
        taps: 20_000,
        cards: 256,
        concurrency: 64,
        sync: SqliteSync::Full,
        wrk: false,
        seconds: 5,
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
            "--client" => a.wrk = val == "wrk",
            "--seconds" => a.seconds = val.parse().expect("--seconds N"),
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

    if a.wrk {
        run_wrk(&a, &url, &bodies, &db);
        server_rt.block_on(issuer.store().close());
        return;
    }

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

/// The wrk client: a Lua script that sends each prepared body once (in
/// order, one wrk thread so nothing is sent twice) and counts the answers
/// whose `decision` is `approved`.
const WRK_SCRIPT: &str = r#"
-- Globals, not locals: done() reads the counters with thread:get().
bodies, next_i, approved, other = {}, 1, 0, 0
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
function request()
  local b = bodies[next_i]
  if b == nil then b = "{}" end -- ran out: a 4xx, counted below, fails the run
  next_i = next_i + 1
  return wrk.format("POST", "/v1/authorisations", {["Content-Type"] = "application/json"}, b)
end
function response(status, headers, body)
  if status == 200 and string.find(body, '"decision":"approved"', 1, true) then
    approved = approved + 1
  else
    other = other + 1
  end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local t = threads[1]
  io.write(string.format("WRK requests %d approved %d other %d p50_us %d p99_us %d max_us %d secs %.3f\n",
    summary.requests, t:get("approved"), t:get("other"),
    latency:percentile(50), latency:percentile(99), latency.max, summary.duration / 1e6))
end
"#;

fn run_wrk(a: &Args, url: &str, bodies: &[Vec<u8>], db: &str) {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("taps.lua");
    std::fs::write(&script, WRK_SCRIPT).expect("script");
    let lines = dir.path().join("taps.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&lines).expect("bodies"));
    for b in bodies {
        f.write_all(b).expect("write");
        f.write_all(b"\n").expect("write");
    }
    f.flush().expect("flush");
    drop(f);
    let out = std::process::Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{}", a.concurrency),
            &format!("-d{}s", a.seconds),
        ])
        .arg("-s")
        .arg(&script)
        .arg(format!("{url}/v1/authorisations"))
        .arg("--")
        .arg(&lines)
        .output()
        .expect("run wrk (Debian package wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("WRK "))
        .unwrap_or_else(|| panic!("wrk said: {text} {}", String::from_utf8_lossy(&out.stderr)));
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [requests, approved, other, p50, p99, max, secs] = f[..] else {
        panic!("unexpected wrk summary: {line}")
    };
    let kind = if db.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "service over HTTP, {kind}, wrk (separate process, 1 thread), {} connections, {:.1} s:",
        a.concurrency, secs
    );
    println!(
        "  {:.0} authorisations/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({approved} approved, {other} other, of {requests} answered)",
        approved / secs,
        p50 / 1e3,
        p99 / 1e3,
        max / 1e3,
    );
    assert!(
        other == 0.0,
        "every tap is genuine and distinct: prepare more --taps"
    );
}
