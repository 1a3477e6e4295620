//! The store's compare-and-swap, deterministically: two approvals computed
//! from the same read can never both commit, and one (card, ATC) is never
//! recorded twice — on SQLite, and on PostgreSQL when `TAPCRYPT_PG_URL` is
//! set.

mod common;
mod pg;

use tapcrypt_issuer::store::{Approval, CardRecord, Committed, Store};
use tapcrypt_issuer::{SqliteSync, policy};

/// The swap of `read`'s window to `new` (its counters unchanged) for `atc`.
fn swap(read: &CardRecord, atc: u16, new: &[u8]) -> Approval {
    Approval {
        card_id: read.id,
        old_window: read.replay_window.clone(),
        old_key_use: read.key_use.clone(),
        new_window: new.to_vec(),
        new_key_use: read.key_use.clone(),
        atc,
        amount: 1,
        currency: 978,
    }
}

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
    let approval = |atc: u16, new: &[u8]| swap(&read, atc, new);
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

/// SQLite keeps the cards in memory (the directory). A second store on the
/// same file — another service instance — must still see cards enrolled
/// after it started, and a swap computed from its stale memory must lose
/// to the database and leave it reading the committed state.
#[tokio::test]
async fn sqlite_second_instance_sees_the_database_not_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::sqlite_url(&dir);
    let a = Store::open(&url, SqliteSync::Full).await.unwrap();
    let b = Store::open(&url, SqliteSync::Full).await.unwrap();
    let demo = common::demo(1, 3);
    for card in &demo.cards {
        let usage = policy::initial_usage(card.limits.to_use_limits().unwrap()).unwrap();
        a.enrol(card, 0, &policy::initial_window().unwrap(), &usage)
            .await
            .unwrap();
    }
    const PAN: &str = "5413339000000000";
    // Enrolled through `a` after `b` opened: `b` finds it in the database.
    let stale = b.card_by_pan(PAN).await.unwrap().expect("b sees a's card");
    let by_token = b.card_by_token("range-1", 120).await.unwrap();
    assert_eq!(
        by_token.map(|c| c.card_ref),
        Some(common::DPAN_CARD.to_owned()),
        "b sees a's token run"
    );
    assert!(b.card_by_token("range-1", 150).await.unwrap().is_none());
    let fresh = a.card_by_pan(PAN).await.unwrap().unwrap();
    assert_eq!(
        a.commit(swap(&fresh, 5, b"by-a")).await.unwrap(),
        Committed::Yes
    );
    // `b`'s memory still holds the old state: its swap passes memory, loses
    // to the database's compare-and-swap, and `b` reads the card back.
    assert_eq!(
        b.commit(swap(&stale, 6, b"by-b")).await.unwrap(),
        Committed::Conflict
    );
    let reread = b.card_by_pan(PAN).await.unwrap().unwrap();
    assert_eq!(reread.replay_window, b"by-a", "b did not reload the card");
    assert_eq!(
        b.commit(swap(&reread, 6, b"by-b")).await.unwrap(),
        Committed::Yes
    );
    assert_eq!(
        a.approvals().await.unwrap(),
        vec![("card-0000".to_owned(), 5), ("card-0000".to_owned(), 6)]
    );
    a.close().await;
    b.close().await;
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
