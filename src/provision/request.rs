//! The signed provisioning request, **tapcrypt profile v1**: how a device
//! asks for an envelope and attests that it holds its keys.
//!
//! The flow, with the phone as an untrusted relay:
//!
//! 1. the token service sends a fresh random 32-byte **challenge**;
//! 2. the device builds a request ([`build_request`]) carrying its ECDH public
//!    key (the envelope's recipient), the counter of the last envelope it
//!    installed and the challenge, signed with its **attestation key**;
//! 3. the token service checks it ([`open_request`]) against the attestation
//!    key registered for the device at manufacture and against the challenge
//!    it issued, then builds an envelope for [`ProvisioningRequest::device_key`]
//!    with a counter above both its own record and
//!    [`ProvisioningRequest::last_counter`].
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
//! 4       1     profile version = 0x01
//! 5       3     reserved, 00 00 00
//! 8       8     last installed envelope counter, u64 (0: never provisioned)
//! 16      65    device ECDH public key, SEC1 uncompressed 04‖X‖Y
//! 81      32    token-service challenge
//! 113     1     context length c, 0..=64
//! 114     c     context (e.g. a token reference; public)
//! 114+c   64    ECDSA P-256/SHA-256 signature r‖s (P1363, low S) by the
//!               attestation key over "tapcrypt/request/v1" ‖ bytes[0 .. 114+c]
//! ```
//!
//! Nothing may follow the signature.

use super::ProvisionError;
use super::ecdsa::{EcdsaSigningKey, EcdsaVerifyingKey, verify_profile_signature};
use super::keypair::{EcPublicKey, SEC1_UNCOMPRESSED_LEN};
use super::wire::{Cursor, Writer, malformed};
use crate::Error;

/// Request magic.
pub const REQUEST_MAGIC: [u8; 4] = *b"TCPR";
/// The request profile version this module reads and writes.
pub const REQUEST_V1: u8 = 0x01;
/// Signature domain separation prefix (differs from the envelope's, so one
/// can never be passed off as the other).
pub const REQUEST_SIGNATURE_DOMAIN: &[u8; 19] = b"tapcrypt/request/v1";
/// Challenge length.
pub const CHALLENGE_LEN: usize = 32;
/// Largest context.
pub const MAX_REQUEST_CONTEXT: usize = 64;
/// Length of everything but the context.
const FIXED_LEN: usize = 4 + 1 + 3 + 8 + SEC1_UNCOMPRESSED_LEN + CHALLENGE_LEN + 1 + 64;

/// Exact length of a request with a `context_len`-byte context.
#[must_use]
pub const fn request_len(context_len: usize) -> usize {
    FIXED_LEN.saturating_add(context_len)
}

/// Largest request.
pub const MAX_REQUEST_LEN: usize = request_len(MAX_REQUEST_CONTEXT);

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
/// ([`request_len`]). Device side: `no_std`, no heap. The signature is hedged
/// (RFC 6979 plus `rng`), so a weak RNG cannot leak the attestation key.
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
    w.put(&[REQUEST_V1, 0, 0, 0])?;
    w.put(&contents.last_counter.to_be_bytes())?;
    w.put(&device_key.to_sec1())?;
    w.put(contents.challenge)?;
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
            expected: "178 to 242 bytes (request_len)",
            got: request.len(),
        }
        .into());
    }
    let (signed, signature) = request.split_at(request.len() - 64);
    let mut c = Cursor::new(signed);
    if c.array::<4>("request magic")? != REQUEST_MAGIC {
        return Err(malformed("not a tapcrypt provisioning request").into());
    }
    if c.u8("request version")? != REQUEST_V1 {
        return Err(malformed("unsupported request profile version").into());
    }
    if c.array::<3>("request reserved bytes")? != [0; 3] {
        return Err(malformed("request reserved bytes are not zero").into());
    }
    let last_counter = c.u64("last installed counter")?;
    let device_key = EcPublicKey::from_sec1(c.take(SEC1_UNCOMPRESSED_LEN, "device key")?)?;
    let got_challenge = c.array::<CHALLENGE_LEN>("challenge")?;
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
        context,
    })
}
