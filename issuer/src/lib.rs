//! tapcrypt's reference issuer service: authorises taps over HTTP the way a
//! token service does — detokenise the DPAN, look up the card's record
//! (pinned CVN, keys), verify the ARQC, consume the ATC through the card's
//! replay window, apply the key-use limits, answer with an ARPC computed
//! from the verification's proof — and keeps each card's state in SQLite
//! (default, embedded) or PostgreSQL (several instances, one store).
//!
//! * [`api`]: the HTTP API (axum) and [`Issuer`], the service.
//! * [`authorise`]: the database-free decision for one tap.
//! * [`store`]: the database, compare-and-swap commits, durability settings.
//! * [`policy`]: the card's replay window and key-use counters.
//! * [`keys`]: the [`KeyStore`] trait (HSM/KMS shape) and the demo key file.
//! * [`config`]: the demo file (keys and card enrolments).
//! * [`band`]: a simulated band and terminal (demo, tests, load generator).
//!
//! The two commands (see `README.md`):
//!
//! ```sh
//! cargo run --release -p tapcrypt-issuer -- serve --config issuer/demo.json
//! cargo test -p tapcrypt-issuer
//! ```

pub mod api;
pub mod authorise;
pub mod band;
pub mod config;
pub mod keys;
pub mod policy;
pub mod store;

use std::sync::Arc;

use tapcrypt::emv::Cvn;

pub use api::Issuer;
pub use config::DemoFile;
pub use keys::{DemoKeyFile, KeyStore};
pub use store::{SqliteSync, Store};

/// A CVN of tapcrypt's catalogue, by name (what card records pin).
#[must_use]
pub fn cvn_by_name(name: &str) -> Option<&'static Cvn> {
    tapcrypt::emv::cryptogram::ALL_CVNS
        .iter()
        .copied()
        .find(|c| c.name == name)
}

/// Opens the database at `db_url` (migrating it), loads the demo file's keys
/// and enrols its cards (those not yet enrolled).
///
/// # Errors
/// A message naming what failed.
pub async fn start(db_url: &str, sync: SqliteSync, demo: &DemoFile) -> Result<Issuer, String> {
    let keys = DemoKeyFile::from_section(&demo.keys).map_err(|e| e.to_string())?;
    let store = Store::open(db_url, sync).await.map_err(|e| e.to_string())?;
    for card in &demo.cards {
        if cvn_by_name(&card.cvn).is_none() {
            return Err(format!(
                "card {:?}: unknown CVN {:?}",
                card.card_ref, card.cvn
            ));
        }
        tapcrypt::Pan::parse(&card.pan).map_err(|e| format!("card {:?}: {e}", card.card_ref))?;
        let psn = tapcrypt::Psn::parse(&card.psn)
            .ok()
            .and_then(|_| card.psn.parse::<u8>().ok())
            .ok_or_else(|| format!("card {:?}: PSN must be two digits", card.card_ref))?;
        let limits = card
            .limits
            .to_use_limits()
            .map_err(|e| format!("card {:?}: limits: {e}", card.card_ref))?;
        let usage = policy::initial_usage(limits)
            .map_err(|e| format!("card {:?}: limits: {e}", card.card_ref))?;
        let window = policy::initial_window().map_err(|e| e.to_string())?;
        store
            .enrol(card, psn, &window, &usage)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(Issuer::new(store, Arc::new(keys)))
}

/// Serves `issuer` on `listener` until `shutdown` resolves.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(
    listener: tokio::net::TcpListener,
    issuer: Issuer,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, issuer.router())
        .with_graceful_shutdown(shutdown)
        .await
}
