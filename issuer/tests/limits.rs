//! Key-use limits on the backend: the N+1-th tap on an N-use key is
//! refused (with a decline ARPC the band can authenticate), so is a tap past
//! the key's cumulative amount; neither changes the card's state.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_n_plus_first_tap_on_an_n_use_key_is_refused() {
    const N: u32 = 3;
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(0, N);
    let svc = start(&sqlite_url(&dir), &demo).await;
    let client = client();
    let mut band = band(&demo, "limited", 1);
    let mut replenish = Vec::new();
    for i in 1..=N {
        let (_, v) = post(&client, &svc.url, &band.tap(100, 978).unwrap()).await;
        assert_eq!(v["decision"], "approved", "tap {i}: {v}");
        replenish.push(v["replenish"].as_bool().unwrap());
    }
    // The last tap leaves the key at its low-water mark.
    assert_eq!(replenish.last(), Some(&true), "{replenish:?}");
    let before = svc.issuer.store().fingerprint().await.unwrap();
    let tap = band.tap(100, 978).unwrap();
    let (status, v) = post(&client, &svc.url, &tap).await;
    assert_eq!(status, 200);
    assert_eq!(
        (v["decision"].as_str(), v["reason"].as_str()),
        (Some("declined"), Some("key_uses_exhausted")),
        "{v}"
    );
    // The decline is authenticated (the ARQC verified) but is no approval.
    let arpc = v["arpc"].as_str().expect("a decline ARPC");
    assert!(!band.accepts_approval(&tap, arpc));
    assert_eq!(svc.issuer.store().fingerprint().await.unwrap(), before);
    assert_eq!(
        svc.issuer.store().approvals().await.unwrap().len(),
        N as usize
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tap_past_the_cumulative_amount_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(0, 10);
    let svc = start(&sqlite_url(&dir), &demo).await;
    let client = client();
    let mut band = band(&demo, "limited", 1);
    // The limited card may authorise 5000 in all.
    let (_, v) = post(&client, &svc.url, &band.tap(4000, 978).unwrap()).await;
    assert_eq!(v["decision"], "approved", "{v}");
    let (_, v) = post(&client, &svc.url, &band.tap(1001, 978).unwrap()).await;
    assert_eq!(v["reason"], "key_amount_exceeded", "{v}");
    let (_, v) = post(&client, &svc.url, &band.tap(1000, 978).unwrap()).await;
    assert_eq!(v["decision"], "approved", "{v}");
    svc.stop().await;
}
