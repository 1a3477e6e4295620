//! The store's compare-and-swap, deterministically: two approvals computed
//! from the same read can never both commit, and one (card, ATC) is never
//! recorded twice — on SQLite, and on PostgreSQL when `TAPCRYPT_PG_URL` is
//! set.

mod common;
mod pg;

use tapcrypt_issuer::store::{Approval, Committed, Store};
use tapcrypt_issuer::{SqliteSync, policy};

async fn check_cas(store: &Store) {
    let demo = common::demo(1, 3);
    for card in &demo.cards {
        let usage = policy::initial_usage(card.limits.to_use_limits().unwrap()).unwrap();
        store
            .enrol(card, 0, &policy::initial_window().unwrap(), &usage)
            .await
            .unwrap();
    }
    let read = store
        .card_by_pan("5413339000000000")
        .await
        .unwrap()
        .unwrap();
    let approval = |atc: u16, new: &[u8]| Approval {
        card_id: read.id,
        old_window: read.replay_window.clone(),
        old_key_use: read.key_use.clone(),
        new_window: new.to_vec(),
        new_key_use: read.key_use.clone(),
        atc,
        amount: 1,
        currency: 978,
    };
    assert_eq!(
        store.commit(approval(5, b"first")).await.unwrap(),
        Committed::Yes
    );
    // Same read, another ATC: the swap finds the state changed.
    assert_eq!(
        store.commit(approval(6, b"second")).await.unwrap(),
        Committed::Conflict
    );
    // A fresh read, but an ATC already recorded: the (card, ATC) guard.
    let again = store
        .card_by_pan("5413339000000000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.replay_window, b"first");
    let dup = Approval {
        old_window: again.replay_window.clone(),
        ..approval(5, b"third")
    };
    assert_eq!(store.commit(dup).await.unwrap(), Committed::Conflict);
    let after = store
        .card_by_pan("5413339000000000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.replay_window, b"first",
        "a refused swap changed the card"
    );
    let recorded = store.approvals().await.unwrap();
    assert_eq!(recorded, vec![("card-0000".to_owned(), 5)]);
}

#[tokio::test]
async fn sqlite_compare_and_swap() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&common::sqlite_url(&dir), SqliteSync::Full)
        .await
        .unwrap();
    check_cas(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_compare_and_swap() {
    let Some(db) = pg::fresh_database("cas").await else {
        return;
    };
    let store = Store::open(&db.url, SqliteSync::Full).await.unwrap();
    check_cas(&store).await;
    store.close().await;
    db.drop().await;
}
