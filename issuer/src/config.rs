//! The demo file: the issuer's keys (see [`crate::keys`]: demo only) and
//! the cards to enrol (their personalisation records: PAN, PSN, pinned CVN,
//! key name, key-use limits, and the DPAN sequence numbers issued to them).
//!
//! Enrolment is idempotent: at start-up the service inserts the cards that
//! are not yet in the database and never touches the state (replay window,
//! key use) of a card that is.

use serde::Deserialize;
use tapcrypt::lifecycle::{Currency, LowWater, UseLimits};

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

/// Key-use limits of a card's limited-use credential (the library's
/// [`UseLimits`]; stored with the counts, so changing the file does not
/// change an enrolled card).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Taps the credential may serve.
    pub max_uses: u32,
    /// Cumulative amount (minor units of `currency`).
    pub max_amount: u64,
    /// ISO 4217 numeric currency the credential pays in (default 978, EUR).
    #[serde(default = "eur")]
    pub currency: u16,
    /// First second of validity (Unix time; default 0).
    #[serde(default)]
    pub not_before: u64,
    /// Last second of validity (Unix time; default: no end).
    #[serde(default = "forever")]
    pub not_after: u64,
    /// Replenish when at most this many taps remain (default: a fifth).
    #[serde(default)]
    pub low_water_uses: Option<u32>,
}

fn eur() -> u16 {
    978
}

fn forever() -> u64 {
    u64::MAX
}

impl Limits {
    /// The library's form.
    ///
    /// # Errors
    /// The library's message for a currency that is not 0–999.
    pub fn to_use_limits(&self) -> Result<UseLimits, String> {
        Ok(UseLimits {
            max_uses: self.max_uses,
            not_before: self.not_before,
            not_after: self.not_after,
            max_amount: self.max_amount,
            currency: Currency::from_numeric(self.currency).map_err(|e| e.to_string())?,
            low_water: LowWater {
                uses: self.low_water_uses.unwrap_or(self.max_uses / 5),
                ..LowWater::default()
            },
        })
    }
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
