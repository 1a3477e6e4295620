//! The signed provisioning request, **tapcrypt profile v2**: how a device
//! asks for an envelope and attests that it holds its keys.
//!
//! The flow, with the phone as an untrusted relay:
//!
//! 1. the token service sends a fresh random 32-byte **challenge**;
//! 2. the device builds a request
//!    ([`CredentialStore::begin_request`](super::CredentialStore::begin_request),
//!    or [`build_request`] + [`request_hash`]) carrying its ECDH public key
//!    (the envelope's recipient), the counter of the last envelope it
//!    installed, the challenge and a fresh 32-byte **device nonce** drawn
//!    from its RNG, signed with its **attestation key**. It records the
//!    request's hash as its *outstanding request* and persists that
//!    *before* the request leaves the device;
//! 3. the token service checks it ([`open_request`]) against the attestation
//!    key registered for the device at manufacture and against the challenge
//!    it issued, then builds an envelope for [`ProvisioningRequest::device_key`]
//!    with a counter above both its own record and
//!    [`ProvisioningRequest::last_counter`], carrying
//!    [`ProvisioningRequest::request_hash`];
//! 4. the device installs only an envelope that carries the hash of its
//!    outstanding request (see [`envelope`](super::envelope)), then forgets
//!    the request: every envelope answers exactly one request.
//!
//! The request hash is SHA-256 over the complete request bytes, signature
//! included. The nonce makes it unique and unpredictable even if the relay
//! feeds the device an old challenge; the challenge makes a recorded request
//! useless to the token service later. A device that lost its state (counter
//! unknown, no outstanding request) refuses every envelope until it sends a
//! new request — it re-attests — and the answer to that one arrives.
//!
//! The attestation key is an [`EcdsaSigningKey`] distinct from the ECDH
//! [`DeviceKeyPair`](super::DeviceKeyPair): one key, one purpose (NIST SP
//! 800-57 Part 1, 5.2). Its signature binds the ECDH key to the device, so a
//! relay cannot substitute its own key and receive the device's credentials;
//! the challenge makes a recorded request useless later.
//!
//! # Byte layout (all integers big-endian)
//!
//! ```text
//! offset  size  field
//! 0       4     magic "TCPR"
//! 4       1     profile version = 0x02
//! 5       3     reserved, 00 00 00
//! 8       8     last installed envelope counter, u64 (0: never provisioned,
//!               or the device lost its state)
//! 16      65    device ECDH public key, SEC1 uncompressed 04‖X‖Y
//! 81      32    token-service challenge
//! 113     32    device nonce (fresh from the device's RNG for every request)
//! 145     1     context length c, 0..=64
//! 146     c     context (e.g. a token reference; public)
//! 146+c   64    ECDSA P-256/SHA-256 signature r‖s (P1363, low S) by the
//!               attestation key over "tapcrypt/request/v2" ‖ bytes[0 .. 146+c]
//! ```
//!
//! Nothing may follow the signature. Version 0x01 (no device nonce, not
//! bound to an envelope) is refused with its own error.

use sha2::Digest as _;

use super::ProvisionError;
use super::ecdsa::{EcdsaSigningKey, EcdsaVerifyingKey, verify_profile_signature};
use super::keypair::{EcPublicKey, SEC1_UNCOMPRESSED_LEN};
use super::wire::{Cursor, Writer, malformed};
use crate::Error;

/// Request magic.
pub const REQUEST_MAGIC: [u8; 4] = *b"TCPR";
/// The request profile version this module reads and writes.
pub const REQUEST_V2: u8 = 0x02;
/// Signature domain separation prefix (differs from the envelope's, so one
/// can never be passed off as the other).
pub const REQUEST_SIGNATURE_DOMAIN: &[u8; 19] = b"tapcrypt/request/v2";
/// Challenge length.
pub const CHALLENGE_LEN: usize = 32;
/// Device nonce length.
pub const DEVICE_NONCE_LEN: usize = 32;
/// Request hash length (SHA-256).
pub const REQUEST_HASH_LEN: usize = 32;
/// Largest context.
pub const MAX_REQUEST_CONTEXT: usize = 64;
/// Length of everything but the context.
const FIXED_LEN: usize =
    4 + 1 + 3 + 8 + SEC1_UNCOMPRESSED_LEN + CHALLENGE_LEN + DEVICE_NONCE_LEN + 1 + 64;

/// Exact length of a request with a `context_len`-byte context.
#[must_use]
pub const fn request_len(context_len: usize) -> usize {
    FIXED_LEN.saturating_add(context_len)
}

/// Largest request.
pub const MAX_REQUEST_LEN: usize = request_len(MAX_REQUEST_CONTEXT);

/// The hash that binds an envelope to the request it answers: SHA-256 over
/// the complete request bytes (signature included). Public.
#[must_use]
pub fn request_hash(request: &[u8]) -> [u8; REQUEST_HASH_LEN] {
    let mut out = [0u8; REQUEST_HASH_LEN];
    out.copy_from_slice(&sha2::Sha256::digest(request));
    out
}

/// What the device puts in a request.
#[derive(Clone, Copy, Debug)]
pub struct RequestContents<'a> {
    /// Counter of the last envelope installed (0 if none).
    pub last_counter: u64,
    /// The challenge the token service sent for this request.
    pub challenge: &'a [u8; CHALLENGE_LEN],
    /// Context, ≤ 64 bytes, public.
    pub context: &'a [u8],
}

/// A verified request, as the token service sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisioningRequest<'a> {
    /// The device's ECDH public key: the envelope's recipient.
    pub device_key: EcPublicKey,
    /// Counter of the last envelope the device installed.
    pub last_counter: u64,
    /// The device's nonce for this request.
    pub device_nonce: [u8; DEVICE_NONCE_LEN],
    /// [`request_hash`] of this request: the envelope that answers it
    /// carries it ([`EnvelopeContents::request_hash`](super::EnvelopeContents::request_hash)).
    pub request_hash: [u8; REQUEST_HASH_LEN],
    /// The request's context.
    pub context: &'a [u8],
}

impl ProvisioningRequest<'_> {
    /// The smallest counter the next envelope may carry for this device,
    /// given the token service's own record of the last one it issued.
    ///
    /// # Errors
    /// [`Error::Exhausted`] if the counter space is used up.
    pub fn next_counter(&self, last_issued: u64) -> Result<u64, Error> {
        self.last_counter
            .max(last_issued)
            .checked_add(1)
            .ok_or(Error::Exhausted {
                what: "envelope counter",
            })
    }
}

/// Builds and signs a request into `out`; returns its length
/// ([`request_len`]). Device side: `no_std`, no heap. The device nonce is
/// drawn from `rng`. The signature is hedged (RFC 6979 plus `rng`), so a
/// weak RNG cannot leak the attestation key.
///
/// The device must record [`request_hash`] of the written bytes as its
/// outstanding request and persist it before sending the request, or no
/// envelope answering it will install;
/// [`CredentialStore::begin_request`](super::CredentialStore::begin_request)
/// does both steps.
///
/// # Errors
/// [`Error::Malformed`] for a context over 64 bytes; [`Error::Length`] if
/// `out` is too short.
pub fn build_request<R: rand_core::CryptoRng + ?Sized>(
    contents: &RequestContents<'_>,
    device_key: &EcPublicKey,
    attestation: &EcdsaSigningKey,
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize, Error> {
    if contents.context.len() > MAX_REQUEST_CONTEXT {
        return Err(malformed("request context longer than 64 bytes"));
    }
    let mut w = Writer {
        out,
        pos: 0,
        field: "request output buffer",
        expected: "at least request_len(context length)",
    };
    w.put(&REQUEST_MAGIC)?;
    w.put(&[REQUEST_V2, 0, 0, 0])?;
    w.put(&contents.last_counter.to_be_bytes())?;
    w.put(&device_key.to_sec1())?;
    w.put(contents.challenge)?;
    let mut nonce = [0u8; DEVICE_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    w.put(&nonce)?;
    // Length checked above: at most 64.
    w.put(&[contents.context.len() as u8])?;
    w.put(contents.context)?;
    let sig = attestation.sign_parts_with_rng(rng, &[REQUEST_SIGNATURE_DOMAIN, w.written()]);
    w.put(&sig.to_p1363())?;
    Ok(w.pos)
}

/// Checks a request: structure (typed [`Error`]s), then the signature under
/// the device's registered `attestation` key (opaque
/// [`VerifyError`](crate::VerifyError), low S only), then that it answers
/// `challenge` ([`ProvisionError::StaleChallenge`]). Token-service side.
///
/// # Errors
/// As above; nothing is returned from a request that fails any check.
pub fn open_request<'a>(
    attestation: &EcdsaVerifyingKey,
    challenge: &[u8; CHALLENGE_LEN],
    request: &'a [u8],
) -> Result<ProvisioningRequest<'a>, ProvisionError> {
    if request.len() < FIXED_LEN || request.len() > MAX_REQUEST_LEN {
        return Err(Error::Length {
            field: "provisioning request",
            expected: "210 to 274 bytes (request_len)",
            got: request.len(),
        }
        .into());
    }
    let (signed, signature) = request.split_at(request.len() - 64);
    let mut c = Cursor::new(signed);
    if c.array::<4>("request magic")? != REQUEST_MAGIC {
        return Err(malformed("not a tapcrypt provisioning request").into());
    }
    match c.u8("request version")? {
        REQUEST_V2 => {}
        0x01 => {
            return Err(malformed(
                "request profile v1 (no device nonce) is no longer accepted; v2 required",
            )
            .into());
        }
        _ => return Err(malformed("unsupported request profile version").into()),
    }
    if c.array::<3>("request reserved bytes")? != [0; 3] {
        return Err(malformed("request reserved bytes are not zero").into());
    }
    let last_counter = c.u64("last installed counter")?;
    let device_key = EcPublicKey::from_sec1(c.take(SEC1_UNCOMPRESSED_LEN, "device key")?)?;
    let got_challenge = c.array::<CHALLENGE_LEN>("challenge")?;
    let device_nonce = c.array::<DEVICE_NONCE_LEN>("device nonce")?;
    let ctx_len = usize::from(c.u8("context length")?);
    if ctx_len > MAX_REQUEST_CONTEXT {
        return Err(malformed("request context longer than 64 bytes").into());
    }
    let context = c.take(ctx_len, "request context")?;
    if c.pos != signed.len() {
        return Err(Error::Length {
            field: "provisioning request",
            expected: "exactly request_len(context length) bytes",
            got: request.len(),
        }
        .into());
    }
    verify_profile_signature(attestation, REQUEST_SIGNATURE_DOMAIN, signed, signature)?;
    // Public values (the service issued the challenge): a plain comparison.
    if got_challenge != *challenge {
        return Err(ProvisionError::StaleChallenge);
    }
    Ok(ProvisioningRequest {
        device_key,
        last_counter,
        device_nonce,
        request_hash: request_hash(request),
        context,
    })
}
