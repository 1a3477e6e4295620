//! Crash: `kill -9` the service (a child process) in the middle of a
//! bounded load run, restart it on the same store (SQLite file, or a
//! PostgreSQL database), resubmit every tap. No ATC is approved twice, no
//! answered approval is lost, and in the end every tap is recorded exactly
//! once.

mod common;
mod pg;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::Value;
use tapcrypt_issuer::band::TapMessage;

const CARDS: usize = 8;
const TAPS_PER_CARD: u16 = 60;
const WORKERS: usize = 16;
const KILL_AFTER: usize = 150;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Approved,
    Declined(String),
    /// No answer: the connection died (the process was killed).
    None,
}

async fn try_post(client: &reqwest::Client, url: &str, tap: &TapMessage) -> Answer {
    let Ok(r) = client
        .post(format!("{url}/v1/authorisations"))
        .json(&tap.request_json())
        .send()
        .await
    else {
        return Answer::None;
    };
    let status = r.status().as_u16();
    let Ok(v) = r.json::<Value>().await else {
        return Answer::None;
    };
    assert_eq!(status, 200, "{v}");
    if v["decision"] == "approved" {
        Answer::Approved
    } else {
        Answer::Declined(v["reason"].as_str().unwrap_or("?").to_owned())
    }
}

/// Posts every tap with `WORKERS` concurrent clients; returns each tap's
/// answer, keyed by (card, ATC).
async fn run(
    url: &str,
    taps: &Arc<Vec<(String, TapMessage)>>,
    answered: &Arc<AtomicUsize>,
) -> BTreeMap<(String, u16), Answer> {
    let next = Arc::new(AtomicUsize::new(0));
    let client = client();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (taps, next, answered, client, url) = (
                taps.clone(),
                next.clone(),
                answered.clone(),
                client.clone(),
                url.to_owned(),
            );
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((card, tap)) = taps.get(i) else {
                        break;
                    };
                    let a = try_post(&client, &url, tap).await;
                    if a != Answer::None {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    out.push(((card.clone(), tap.atc), a));
                }
                out
            })
        })
        .collect();
    let mut all = BTreeMap::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_then_resubmit_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    kill_9_scenario(&db, &dir).await;
}

/// The same on PostgreSQL (`synchronous_commit = on`): the service dies,
/// the database does not; what it committed before answering must be there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_then_resubmit_everything_postgres() {
    let Some(pg) = pg::fresh_database("crash").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    kill_9_scenario(&pg.url, &dir).await;
    pg.drop().await;
}

async fn kill_9_scenario(db: &str, dir: &tempfile::TempDir) {
    let db = db.to_owned();
    let config = dir.path().join("demo.json");
    std::fs::write(&config, demo_json(CARDS, 3)).unwrap();
    let demo = demo(CARDS, 3);
    // Interleave the cards so that every batch mixes them.
    let mut taps = Vec::new();
    for atc in 1..=TAPS_PER_CARD {
        for c in 0..CARDS {
            let card = format!("card-{c:04}");
            let tap = band(&demo, &card, 1)
                .tap_at(atc, 100 + u64::from(atc), 978)
                .unwrap();
            taps.push((card, tap));
        }
    }
    let taps = Arc::new(taps);

    // Run 1, killed part-way.
    let service = Process::spawn(&db, &config);
    let answered = Arc::new(AtomicUsize::new(0));
    let url = service.url.clone();
    let load = {
        let (taps, answered) = (taps.clone(), answered.clone());
        tokio::spawn(async move { run(&url, &taps, &answered).await })
    };
    while answered.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    service.kill9();
    let first = load.await.unwrap();
    let approved_1: BTreeSet<_> = first
        .iter()
        .filter(|(_, a)| **a == Answer::Approved)
        .map(|(k, _)| k.clone())
        .collect();
    let unanswered_1 = first.values().filter(|a| **a == Answer::None).count();
    assert!(
        approved_1.len() >= KILL_AFTER / 2,
        "the load barely ran: {}",
        approved_1.len()
    );
    assert!(
        unanswered_1 > 0,
        "the kill came after the run: nothing was in flight"
    );
    for (k, a) in &first {
        assert!(
            matches!(a, Answer::Approved | Answer::None),
            "{k:?}: a genuine first tap was declined: {a:?}"
        );
    }

    // Run 2 on the same file: resubmit everything.
    let service = Process::spawn(&db, &config);
    let second = run(&service.url, &taps, &Arc::new(AtomicUsize::new(0))).await;
    drop(service);
    for (k, a) in &second {
        assert_ne!(*a, Answer::None, "{k:?}: no answer after the restart");
        if approved_1.contains(k) {
            assert_eq!(
                *a,
                Answer::Declined("atc_replay".to_owned()),
                "{k:?} was approved before the crash and again after it"
            );
        } else {
            assert!(
                matches!(a, Answer::Approved) || *a == Answer::Declined("atc_replay".to_owned()),
                "{k:?}: {a:?}"
            );
        }
    }
    let approved_2: BTreeSet<_> = second
        .iter()
        .filter(|(_, a)| **a == Answer::Approved)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(approved_1.is_disjoint(&approved_2));

    // The database: every answered approval is there (none lost), and every
    // tap is recorded exactly once (the in-flight ones that committed before
    // the kill are refused as replays in run 2, not approved again).
    let store = tapcrypt_issuer::Store::open(&db, tapcrypt_issuer::SqliteSync::Full)
        .await
        .unwrap();
    let recorded: Vec<_> = store.approvals().await.unwrap();
    let recorded_set: BTreeSet<_> = recorded.iter().cloned().collect();
    assert_eq!(recorded.len(), recorded_set.len(), "an ATC recorded twice");
    assert!(
        approved_1.is_subset(&recorded_set),
        "an answered approval was lost"
    );
    assert!(approved_2.is_subset(&recorded_set));
    assert_eq!(
        recorded_set.len(),
        taps.len(),
        "some tap is neither approved nor recorded"
    );
    let committed_unanswered = recorded_set.len() - approved_1.len() - approved_2.len();
    println!(
        "crash test: {} approved before the kill, {} unanswered at the kill ({} of them had \
         committed and were refused as replays after the restart), {} approved after",
        approved_1.len(),
        unanswered_1,
        committed_unanswered,
        approved_2.len()
    );
    store.close().await;
}
