#![no_std]
#![doc = include_str!("lib.md")]
// docs.rs (`--cfg docsrs`, nightly): a badge on every item a feature gates.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
// No panic reachable from the public API: these paths are denied outright.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unimplemented,
    clippy::todo
)]
#![warn(clippy::std_instead_of_core)]
// With one cipher compiled out, the dispatch on `BlockKey`/`Algorithm` has a
// single variant left: its `let … else` and `_` arms become irrefutable or
// unreachable. That is the point of the feature, not a defect.
#![cfg_attr(
    not(all(feature = "aes192", feature = "aes256", feature = "tdes")),
    allow(
        irrefutable_let_patterns,
        unreachable_patterns,
        unused_variables,
        unused_imports,
        dead_code
    )
)]

#[cfg(test)]
extern crate std;

#[cfg(not(any(feature = "aes", feature = "tdes")))]
compile_error!(
    "tapcrypt needs at least one block cipher: enable the `aes` or `tdes` feature (both are default features)"
);

// Modules, bottom-up: nothing imports from a module listed after it.
mod ct;
mod error;

pub(crate) mod cipher;
pub mod digits;
pub mod keys;
pub mod mac;

// Hardware AES engine hook (issue 17): `tapcrypt::engine`.
#[cfg(feature = "aes")]
pub use cipher::engine;

pub mod emv;
// FF1 DPANs and the wallet of one-time tokens: AES (FF1 over AES-256).
#[cfg(feature = "aes")]
pub mod token;

pub mod lifecycle;

// The band's cloud-payment wallet holds VCPS LUKs (TDES).
#[cfg(feature = "tdes")]
pub mod cloud_wallet;

// Backend batch verification (per-item verdicts and ARPCs).
pub mod batch;

#[cfg(feature = "code")]
pub mod code;
#[cfg(feature = "provision")]
pub mod kdf;
#[cfg(feature = "provision")]
pub mod provision;

#[cfg(feature = "hazmat")]
pub mod hazmat;

#[cfg(feature = "__internal")]
#[doc(hidden)]
pub mod __internal;

pub use digits::{Pan, Psn};
pub use error::{Error, VerifyError};
pub use keys::{
    Algorithm, CardEncKey, CardMacKey, CardMasterKey, Cvc3Key, DcvvKey, IssuerCvc3Key,
    IssuerDcvvKey, IssuerEncKey, IssuerKey, IssuerMacKey, IssuerMasterKey, Kcv, ScriptEncKey,
    ScriptMacKey, ScriptMasterKey, SessionKey,
};
