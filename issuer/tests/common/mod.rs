//! Shared by the service tests: a demo file with many cards, an in-process
//! service, a service in a child process, and a client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tapcrypt_issuer::band::{Band, TapMessage};
use tapcrypt_issuer::config::CardEnrolment;
use tapcrypt_issuer::{DemoFile, DemoKeyFile, SqliteSync};
use tokio::sync::oneshot;

pub const DPAN_CARD: &str = "token-4242";

/// A demo file: the token card (DPAN-bound CVN), a Visa CVN 18 card, a card
/// limited to `limited_uses` taps, and `n` EMV common AES cards
/// `card-0000`… with 60 000 taps each.
pub fn demo_json(n: usize, limited_uses: u32) -> String {
    let mut cards = vec![
        json!({ "card_ref": DPAN_CARD, "pan": "5399991200004242", "cvn": "tapcrypt DPAN-bound AES v2",
                "imk": "imk-aes-1", "limits": { "max_uses": 60000, "max_amount": 1_000_000_000u64 },
                "tokens": [ { "range": "range-1", "first_seq": 100, "count": 50 } ] }),
        json!({ "card_ref": "visa-3456", "pan": "4123456789013456", "cvn": "Visa CVN 18",
                "imk": "imk-tdes-1", "limits": { "max_uses": 60000, "max_amount": 1_000_000_000u64 } }),
        json!({ "card_ref": "limited", "pan": "5413330000000001", "cvn": "EMV common AES",
                "imk": "imk-aes-1", "limits": { "max_uses": limited_uses, "max_amount": 5000 } }),
    ];
    for i in 0..n {
        cards.push(json!({
            "card_ref": format!("card-{i:04}"), "pan": format!("5413339{i:09}"), "psn": "01",
            "cvn": "EMV common AES", "imk": "imk-aes-1",
            "limits": { "max_uses": 60000, "max_amount": 1_000_000_000u64 }
        }));
    }
    json!({
        "keys": {
            "issuer_master_keys": [
                { "id": "imk-aes-1", "algorithm": "AES128", "hex": "2B7E151628AED2A6ABF7158809CF4F3C" },
                { "id": "imk-tdes-1", "algorithm": "TDES2", "hex": "0123456789ABCDEFFEDCBA9876543210" }
            ],
            "dpan_ranges": [
                { "id": "range-1", "bin": "53999912", "key_version": 1, "algorithm": "AES256",
                  "hex": "DBCB420CDABE2A5495BEDAECFE69A89D1FE28C5309BC56AD6FF47C575002CBD2" }
            ]
        },
        "cards": cards
    })
    .to_string()
}

pub fn demo(n: usize, limited_uses: u32) -> DemoFile {
    DemoFile::parse(&demo_json(n, limited_uses)).expect("demo file")
}

pub fn card<'a>(demo: &'a DemoFile, card_ref: &str) -> &'a CardEnrolment {
    demo.cards
        .iter()
        .find(|c| c.card_ref == card_ref)
        .expect("card in demo file")
}

pub fn band(demo: &DemoFile, card_ref: &str, first_atc: u16) -> Band {
    let keys = DemoKeyFile::from_section(&demo.keys).expect("keys");
    Band::personalise(&keys, card(demo, card_ref), first_atc).expect("band")
}

/// An in-process service on 127.0.0.1 (a free port). Dropping the guard's
/// sender stops it.
pub struct Running {
    pub url: String,
    pub issuer: tapcrypt_issuer::Issuer,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.issuer.store().close().await;
    }
}

pub async fn start(db_url: &str, demo: &DemoFile) -> Running {
    let issuer = tapcrypt_issuer::start(db_url, SqliteSync::Full, demo)
        .await
        .expect("service starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(tapcrypt_issuer::serve(listener, issuer.clone(), async {
        let _ = rx.await;
    }));
    Running {
        url,
        issuer,
        stop: Some(stop),
        task: Some(tokio::spawn(async move {
            let _ = task.await;
        })),
    }
}

pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("issuer.db").display())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Posts a tap; returns (status, body).
pub async fn post(client: &reqwest::Client, url: &str, tap: &TapMessage) -> (u16, Value) {
    post_json(client, url, &tap.request_json()).await
}

pub async fn post_json(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let r = client
        .post(format!("{url}/v1/authorisations"))
        .json(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("JSON answer");
    (status, v)
}

/// The service binary in a child process.
pub struct Process {
    pub child: Child,
    pub url: String,
}

impl Process {
    pub fn spawn(db_url: &str, config: &std::path::Path) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tapcrypt-issuer"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db_url,
                "--config",
            ])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the service");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Process { child, url }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
