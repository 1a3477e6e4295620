#![no_std]
#![doc = include_str!("../README.md")]
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

#[cfg(test)]
extern crate std;

// Modules, bottom-up: nothing imports from a module listed after it.
mod ct;
mod error;

pub(crate) mod cipher;
pub mod digits;
pub mod keys;
pub mod mac;

// Hardware AES engine hook (issue 17): `tapcrypt::engine`.
pub use cipher::engine;

pub mod emv;
pub mod token;

pub mod lifecycle;

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
