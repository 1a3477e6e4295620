//! Where the service's keys live: the [`KeyStore`] trait (the production
//! shape: an HSM or a KMS behind it) and [`DemoKeyFile`], clear keys read
//! from a JSON file — **for the demo and the tests only**.
//!
//! The trait is shaped so that no issuer master key or DPAN range key ever
//! has to leave the key store: the service asks for the *card* key of one
//! card (derived inside the store) and for the detokenisation of one DPAN.
//! An HSM that also verifies ARQCs itself would take the whole verification
//! behind the same seam.

use std::collections::HashMap;

use serde::Deserialize;
use tapcrypt::emv::Cvn;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

/// Why a key store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// No key of that name.
    UnknownKey(String),
    /// The DPAN is in none of the store's ranges (wrong BIN or Luhn digit).
    UnknownToken,
    /// The key store refused or failed (the library's message).
    Failed(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::UnknownKey(k) => write!(f, "no key named {k:?} in the key store"),
            KeyError::UnknownToken => f.write_str("the token is in no DPAN range of this issuer"),
            KeyError::Failed(m) => write!(f, "key store: {m}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The issuer's keys, as the authorisation path needs them. Implement it
/// over an HSM or a KMS in production: each method is one HSM command
/// (derive a card key under a named IMK; FF1-decrypt a DPAN under a range
/// key), so the master keys never enter the service's memory.
pub trait KeyStore: Send + Sync + 'static {
    /// The card's AC master key: the issuer master key `key_id`, diversified
    /// with the CVN's option (A, B or C) for `pan` and `psn`.
    ///
    /// # Errors
    /// [`KeyError::UnknownKey`], or [`KeyError::Failed`] if the key does not
    /// fit the CVN.
    fn card_key(
        &self,
        key_id: &str,
        cvn: &Cvn,
        pan: &Pan,
        psn: Psn,
    ) -> Result<CardMasterKey, KeyError>;

    /// Detokenises a one-time DPAN: the name of its range and its sequence
    /// number. (The vault — the database — says which card that is.)
    ///
    /// # Errors
    /// [`KeyError::UnknownToken`] if no range of this store issued it.
    fn detokenise(&self, dpan: &Dpan) -> Result<(String, u64), KeyError>;
}

/// One key in the demo key file.
#[derive(Debug, Deserialize)]
struct KeyEntry {
    id: String,
    /// `TDES2`, `TDES3`, `AES128`, `AES192` or `AES256`.
    algorithm: String,
    hex: String,
}

/// One DPAN range in the demo key file.
#[derive(Debug, Deserialize)]
struct RangeEntry {
    id: String,
    bin: String,
    key_version: u16,
    #[serde(default)]
    domain: String,
    algorithm: String,
    hex: String,
}

/// The `keys` section of the demo file.
#[derive(Debug, Deserialize, Default)]
pub struct KeySection {
    #[serde(default)]
    issuer_master_keys: Vec<KeyEntry>,
    #[serde(default)]
    dpan_ranges: Vec<RangeEntry>,
}

/// Clear keys from a JSON file: **demo and tests only**. Anyone who can read
/// the file can mint cryptograms for every card; production keeps the keys
/// in an HSM or a KMS behind [`KeyStore`].
pub struct DemoKeyFile {
    imks: HashMap<String, IssuerMasterKey>,
    ranges: Vec<(String, DpanRange)>,
}

impl std::fmt::Debug for DemoKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoKeyFile")
            .field("issuer_master_keys", &self.imks.len())
            .field("dpan_ranges", &self.ranges.len())
            .finish_non_exhaustive()
    }
}

fn algorithm(name: &str) -> Result<Algorithm, KeyError> {
    match name.to_ascii_uppercase().replace('-', "").as_str() {
        "TDES2" => Ok(Algorithm::Tdes2),
        "TDES3" => Ok(Algorithm::Tdes3),
        "AES128" => Ok(Algorithm::Aes128),
        "AES192" => Ok(Algorithm::Aes192),
        "AES256" => Ok(Algorithm::Aes256),
        _ => Err(KeyError::Failed(format!("unknown key algorithm {name:?}"))),
    }
}

impl DemoKeyFile {
    /// Builds the store from the parsed `keys` section.
    ///
    /// # Errors
    /// [`KeyError::Failed`] naming the entry that is wrong.
    pub fn from_section(section: &KeySection) -> Result<Self, KeyError> {
        let mut imks = HashMap::new();
        for k in &section.issuer_master_keys {
            let key = IssuerMasterKey::from_hex(algorithm(&k.algorithm)?, &k.hex)
                .map_err(|e| KeyError::Failed(format!("issuer master key {:?}: {e}", k.id)))?;
            imks.insert(k.id.clone(), key);
        }
        let mut ranges = Vec::new();
        for r in &section.dpan_ranges {
            let what = |e: tapcrypt::Error| KeyError::Failed(format!("DPAN range {:?}: {e}", r.id));
            let bin = Bin::parse(&r.bin).map_err(what)?;
            let key = DpanRangeKey::from_hex(algorithm(&r.algorithm)?, &r.hex).map_err(what)?;
            let range = DpanRange::new(bin, &key, r.key_version, &r.domain, 0).map_err(what)?;
            ranges.push((r.id.clone(), range));
        }
        Ok(DemoKeyFile { imks, ranges })
    }

    /// The DPAN range named `id` (for the simulated band of the demo and
    /// tests, which needs its DPANs).
    #[must_use]
    pub fn range(&self, id: &str) -> Option<&DpanRange> {
        self.ranges
            .iter()
            .find(|(name, _)| name == id)
            .map(|(_, r)| r)
    }

    /// The issuer master key named `id` (for the simulated band's
    /// personalisation in the demo and tests).
    #[must_use]
    pub fn issuer_master_key(&self, id: &str) -> Option<&IssuerMasterKey> {
        self.imks.get(id)
    }
}

impl KeyStore for DemoKeyFile {
    fn card_key(
        &self,
        key_id: &str,
        cvn: &Cvn,
        pan: &Pan,
        psn: Psn,
    ) -> Result<CardMasterKey, KeyError> {
        let imk = self
            .imks
            .get(key_id)
            .ok_or_else(|| KeyError::UnknownKey(key_id.to_owned()))?;
        cvn.derive_card_key(imk, pan, psn)
            .map_err(|e| KeyError::Failed(e.to_string()))
    }

    fn detokenise(&self, dpan: &Dpan) -> Result<(String, u64), KeyError> {
        // Each range checks its own (public) BIN in constant time and
        // refuses a DPAN of another BIN before decrypting anything.
        self.ranges
            .iter()
            .find_map(|(id, range)| range.detokenize(dpan).ok().map(|seq| (id.clone(), seq)))
            .ok_or(KeyError::UnknownToken)
    }
}
