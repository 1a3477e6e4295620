//! Exactly-once on SQLite: one authorisation submitted concurrently N times
//! is approved once; distinct ATCs submitted concurrently are all approved
//! (no lost update); a replay after a restart is refused.

mod common;

use common::*;

const N: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_tap_concurrently_is_approved_once_and_refused_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let demo = demo(2, 3);
    let svc = start(&db, &demo).await;
    // A second service instance on the same database file: its requests
    // race the first's through SQLite's write lock and the compare-and-swap.
    let other = start(&db, &demo).await;
    let client = client();
    for card_ref in ["card-0000", DPAN_CARD, "visa-3456"] {
        let band = band(&demo, card_ref, 7);
        let tap = band.tap_at(7, 1250, 978).unwrap();
        let posts = (0..N).map(|i| {
            let url = if i % 2 == 0 { &svc.url } else { &other.url };
            let (client, url, tap) = (client.clone(), url.clone(), tap.clone());
            tokio::spawn(async move { post(&client, &url, &tap).await })
        });
        let mut approved = Vec::new();
        for p in posts {
            let (status, body) = p.await.unwrap();
            assert_eq!(status, 200, "{body}");
            if body["decision"] == "approved" {
                approved.push(body);
            } else {
                assert_eq!(body["reason"], "atc_replay", "{body}");
            }
        }
        assert_eq!(approved.len(), 1, "{card_ref}: {approved:?}");
        let arpc = approved[0]["arpc"].as_str().unwrap();
        assert!(
            band.accepts_approval(&tap, arpc),
            "{card_ref}: the band rejects the ARPC"
        );
    }
    let recorded = svc.issuer.store().approvals().await.unwrap();
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    svc.stop().await;
    other.stop().await;

    // Restart on the same file: the approvals are remembered.
    let svc = start(&db, &demo).await;
    let band = band(&demo, "card-0000", 7);
    let (status, body) = post(&client, &svc.url, &band.tap_at(7, 1250, 978).unwrap()).await;
    assert_eq!(
        (status, body["decision"].as_str()),
        (200, Some("declined")),
        "{body}"
    );
    assert_eq!(body["reason"], "atc_replay");
    // ... and the next ATC is still approved.
    let (_, body) = post(&client, &svc.url, &band.tap_at(8, 1250, 978).unwrap()).await;
    assert_eq!(body["decision"], "approved", "{body}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn distinct_atcs_concurrently_are_all_approved_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let demo = demo(1, 3);
    let svc = start(&db, &demo).await;
    let client = client();
    let band = band(&demo, "card-0000", 1);
    // 40 different ATCs of one card, out of order, each sent twice, all at
    // once: every ATC approved exactly once (the compare-and-swap loses no
    // concurrent update).
    let taps: Vec<_> = (1..=40u16)
        .rev()
        .map(|atc| band.tap_at(atc, 100, 978).unwrap())
        .collect();
    let posts: Vec<_> = taps
        .iter()
        .chain(taps.iter())
        .map(|tap| {
            let (client, url, tap) = (client.clone(), svc.url.clone(), tap.clone());
            tokio::spawn(async move { (tap.atc, post(&client, &url, &tap).await) })
        })
        .collect();
    let mut approved = std::collections::BTreeMap::<u16, usize>::new();
    for p in posts {
        let (atc, (status, body)) = p.await.unwrap();
        assert_eq!(status, 200, "{body}");
        if body["decision"] == "approved" {
            *approved.entry(atc).or_default() += 1;
        }
    }
    assert_eq!(approved.len(), 40, "{approved:?}");
    assert!(approved.values().all(|n| *n == 1), "{approved:?}");
    assert_eq!(svc.issuer.store().approvals().await.unwrap().len(), 40);
    svc.stop().await;
}
