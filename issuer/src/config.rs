//! The demo file: the issuer's keys (see [`crate::keys`]: demo only) and
//! the cards to enrol (their personalisation records: PAN, PSN, pinned CVN,
//! key name, key-use limits, and the DPAN sequence numbers issued to them).
//!
//! Enrolment is idempotent: at start-up the service inserts the cards that
//! are not yet in the database and never touches the state (replay window,
//! key use) of a card that is.

use serde::Deserialize;

use crate::keys::KeySection;

/// The whole demo file.
#[derive(Debug, Deserialize, Default)]
pub struct DemoFile {
    /// Keys (clear: demo only).
    #[serde(default)]
    pub keys: KeySection,
    /// Cards to enrol.
    #[serde(default)]
    pub cards: Vec<CardEnrolment>,
}

impl DemoFile {
    /// Parses the JSON text of a demo file.
    ///
    /// # Errors
    /// The JSON error, with its line and column.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// One card's personalisation record.
#[derive(Debug, Deserialize, Clone)]
pub struct CardEnrolment {
    /// The issuer's name for the card (unique).
    pub card_ref: String,
    /// The account PAN the card key is derived from (for a token: the token
    /// account). **Demo**: kept in clear in the database; production keeps
    /// it in a vault or encrypted.
    pub pan: String,
    /// PAN sequence number, two digits.
    #[serde(default = "default_psn")]
    pub psn: String,
    /// The pinned CVN, by its name in tapcrypt's catalogue (e.g.
    /// `"EMV common AES"`).
    pub cvn: String,
    /// Name of the issuer master key in the key store.
    pub imk: String,
    /// Key-use limits of the card's current limited-use credential.
    pub limits: Limits,
    /// DPANs issued to the card: runs of sequence numbers of a range.
    #[serde(default)]
    pub tokens: Vec<TokenRun>,
}

fn default_psn() -> String {
    "00".to_owned()
}

/// Key-use limits: how many taps, how much money in all, until when.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Taps the key may authorise.
    pub max_uses: u32,
    /// Cumulative amount (minor units) the key may authorise.
    pub max_amount: u64,
    /// Last second (Unix time) the key is valid; `None`: no time limit.
    #[serde(default)]
    pub not_after: Option<u64>,
}

/// A run of DPAN sequence numbers of one range, issued to one card.
#[derive(Debug, Deserialize, Clone)]
pub struct TokenRun {
    /// The range's name in the key store.
    pub range: String,
    /// First sequence number.
    pub first_seq: u64,
    /// How many.
    pub count: u64,
}
