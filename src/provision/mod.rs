//! P-256 provisioning: device keys, ECDH → KBPK, TR-31 key blocks, ECDSA and
//! the signed provisioning envelope.
//!
//! Two sides use this module:
//!
//! * the **device** (Cortex-M, `no_std`, no heap): holds a static P-256 key
//!   pair, an attestation signing key and a pinned token-service verifying
//!   key; it asks for credentials with a signed [`request`] and installs
//!   envelopes atomically into fixed-capacity storage ([`envelope`]);
//! * the **token service** (backend): checks requests against the device's
//!   registered attestation key and its own challenge, and builds envelopes — an ephemeral key per
//!   envelope, ECDH with the device's public key, SP 800-56C one-step KDF to a
//!   KBPK, TR-31 version D key blocks, and an ECDSA P-256/SHA-256 signature.

mod cipher;
pub mod ecdsa;
pub mod envelope;
pub mod keypair;
pub mod request;
pub mod tr31;
mod wire;

/// The `rand_core` version this module's RNG parameters use.
pub use rand_core;

pub use ecdsa::{EcdsaSignature, EcdsaSigningKey, EcdsaVerifyingKey};
pub use envelope::{
    CredentialStore, Credentials, EnvelopeContents, EnvelopeKey, build_envelope, open_envelope,
};
pub use keypair::{DeviceKeyPair, EcPublicKey, EphemeralKeyPair, KbpkKdf, KbpkParams};
pub use request::{
    ProvisioningRequest, RequestContents, build_request, open_request, request_hash,
};
pub use tr31::{KeyBlockHeader, KeyBlockProtectionKey, KeyRole, UnwrappedKey};

use core::fmt;

use crate::{Error, VerifyError};

/// Why a provisioning operation failed.
///
/// Malformed public input keeps its precise [`Error`]; a failed MAC or
/// signature is the opaque [`VerifyError`]; a replayed envelope says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvisionError {
    /// Malformed public input (lengths, encodings, points, versions, …).
    Input(Error),
    /// A MAC or signature did not verify.
    Verify(VerifyError),
    /// The envelope counter is not greater than the last one installed.
    Replay {
        /// Counter in the rejected envelope.
        envelope: u64,
        /// Last counter the device accepted.
        last_installed: u64,
    },
    /// A correctly signed request that answers another challenge (a replay
    /// of an old request).
    StaleChallenge,
    /// A correctly signed envelope that does not answer the device's
    /// outstanding request: it answers another (older) one, or none is
    /// outstanding (e.g. the device lost its state and has not re-attested).
    NotRequested,
}

impl From<Error> for ProvisionError {
    fn from(e: Error) -> Self {
        ProvisionError::Input(e)
    }
}

impl From<VerifyError> for ProvisionError {
    fn from(e: VerifyError) -> Self {
        ProvisionError::Verify(e)
    }
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProvisionError::Input(e) => fmt::Display::fmt(e, f),
            ProvisionError::Verify(e) => fmt::Display::fmt(e, f),
            ProvisionError::Replay {
                envelope,
                last_installed,
            } => write!(
                f,
                "envelope counter {envelope} is not above the last installed {last_installed}"
            ),
            ProvisionError::StaleChallenge => f.write_str("the request answers another challenge"),
            ProvisionError::NotRequested => {
                f.write_str("the envelope does not answer the device's outstanding request")
            }
        }
    }
}

impl core::error::Error for ProvisionError {}
