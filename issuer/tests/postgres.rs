//! PostgreSQL, the scale-out path: two service instances (separate pools,
//! separate lock tables) on one database. The same tap submitted to both
//! concurrently is approved once; distinct ATCs of one card sent to both at
//! once are each approved once (the instances' compare-and-swaps race);
//! a replay after a restart is refused; the key-use limit holds.
//!
//! Needs `TAPCRYPT_PG_URL` (a role with CREATEDB); without it each test says
//! it was skipped.

mod common;
mod pg;

use std::collections::BTreeMap;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_one_database_exactly_once() {
    let Some(db) = pg::fresh_database("exactly_once").await else {
        return;
    };
    let demo = demo(1, 3);
    let a = start(&db.url, &demo).await;
    let b = start(&db.url, &demo).await;
    let client = client();

    for card_ref in ["card-0000", DPAN_CARD] {
        let band = band(&demo, card_ref, 9);
        let tap = band.tap_at(9, 1250, 978).unwrap();
        let posts: Vec<_> = (0..32)
            .map(|i| {
                let url = if i % 2 == 0 {
                    a.url.clone()
                } else {
                    b.url.clone()
                };
                let (client, tap) = (client.clone(), tap.clone());
                tokio::spawn(async move { post(&client, &url, &tap).await })
            })
            .collect();
        let mut approved = 0;
        for p in posts {
            let (status, v) = p.await.unwrap();
            assert_eq!(status, 200, "{v}");
            if v["decision"] == "approved" {
                approved += 1;
                assert!(band.accepts_approval(&tap, v["arpc"].as_str().unwrap()));
            } else {
                assert_eq!(v["reason"], "atc_replay", "{v}");
            }
        }
        assert_eq!(approved, 1, "{card_ref}");
    }

    // Distinct ATCs of one card, each twice, spread over both instances.
    let band = band(&demo, "card-0000", 10);
    let taps: Vec<_> = (10..40u16)
        .map(|atc| band.tap_at(atc, 100, 978).unwrap())
        .collect();
    let posts: Vec<_> = taps
        .iter()
        .chain(taps.iter())
        .enumerate()
        .map(|(i, tap)| {
            let url = if i % 2 == 0 {
                a.url.clone()
            } else {
                b.url.clone()
            };
            let (client, tap) = (client.clone(), tap.clone());
            tokio::spawn(async move { (tap.atc, post(&client, &url, &tap).await) })
        })
        .collect();
    let mut approved = BTreeMap::<u16, usize>::new();
    for p in posts {
        let (atc, (status, v)) = p.await.unwrap();
        assert_eq!(status, 200, "{v}");
        if v["decision"] == "approved" {
            *approved.entry(atc).or_default() += 1;
        }
    }
    assert_eq!(approved.len(), taps.len(), "{approved:?}");
    assert!(approved.values().all(|n| *n == 1), "{approved:?}");
    let recorded = a.issuer.store().approvals().await.unwrap();
    assert_eq!(recorded.len(), 2 + taps.len());
    a.stop().await;
    b.stop().await;

    // Restart: the replay is refused by a fresh instance.
    let c = start(&db.url, &demo).await;
    let (_, v) = post(&client, &c.url, &band.tap_at(9, 1250, 978).unwrap()).await;
    assert_eq!(v["reason"], "atc_replay", "{v}");
    c.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_key_use_limit() {
    let Some(db) = pg::fresh_database("limits").await else {
        return;
    };
    let demo = demo(0, 2);
    let svc = start(&db.url, &demo).await;
    let client = client();
    let mut band = band(&demo, "limited", 1);
    for _ in 0..2 {
        let (_, v) = post(&client, &svc.url, &band.tap(10, 978).unwrap()).await;
        assert_eq!(v["decision"], "approved", "{v}");
    }
    let (_, v) = post(&client, &svc.url, &band.tap(10, 978).unwrap()).await;
    assert_eq!(v["reason"], "key_uses_exhausted", "{v}");
    svc.stop().await;
    db.drop().await;
}
