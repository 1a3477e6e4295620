//! ECDSA P-256 with SHA-256: the token service signs envelopes, the device
//! signs (attests) its provisioning request.
//!
//! * Signing is RFC 6979 deterministic ([`EcdsaSigningKey::sign`]) or hedged
//!   with an RNG ([`EcdsaSigningKey::sign_with_rng`], RFC 6979 with the RNG
//!   output mixed in), so a weak MCU RNG can never repeat a nonce.
//!   Signatures are **normalised to low-S** when produced.
//! * Verification accepts both `s` and `n − s` (Wycheproof rates both
//!   `valid`; nothing in tapcrypt uses a signature as an identifier — replay
//!   protection is the envelope counter). `r` and `s` must be in `[1, n−1]`,
//!   P1363 signatures exactly 64 bytes, DER strictly DER (no BER, no
//!   non-minimal lengths or integers). Every failure is the opaque
//!   [`VerifyError`].
//! * Public keys decode with the strict rules of [`EcPublicKey::from_sec1`].

use core::fmt;

use p256::ecdsa::signature::{
    MultipartSigner, MultipartVerifier, RandomizedMultipartSigner, Verifier,
};
use p256::elliptic_curve::Generate as _;

use super::keypair::EcPublicKey;
use crate::{Error, VerifyError};

/// An ECDSA P-256 signature `r ‖ s` (public).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcdsaSignature(p256::ecdsa::Signature);

impl fmt::Debug for EcdsaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaSignature(")?;
        for b in self.to_p1363() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// Longest DER encoding of a P-256 signature.
pub const MAX_DER_SIGNATURE_LEN: usize = 72;

impl EcdsaSignature {
    /// From the 64-byte IEEE P1363 form `r ‖ s`.
    ///
    /// # Errors
    /// [`Error::Length`] unless 64 bytes; [`Error::Malformed`] if `r` or `s`
    /// is 0 or ≥ n.
    pub fn from_p1363(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != 64 {
            return Err(Error::Length {
                field: "P1363 ECDSA signature",
                expected: "64",
                got: bytes.len(),
            });
        }
        p256::ecdsa::Signature::from_slice(bytes)
            .map(EcdsaSignature)
            .map_err(|_| Error::Malformed {
                what: "ECDSA r or s out of range",
            })
    }

    /// From ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`.
    ///
    /// # Errors
    /// [`Error::Malformed`] for anything that is not strict DER with `r`, `s`
    /// in `[1, n−1]`.
    pub fn from_der(bytes: &[u8]) -> Result<Self, Error> {
        p256::ecdsa::Signature::from_der(bytes)
            .map(EcdsaSignature)
            .map_err(|_| Error::Malformed {
                what: "ECDSA DER signature",
            })
    }

    /// The 64-byte P1363 form.
    #[must_use]
    pub fn to_p1363(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(&self.0.to_bytes());
        out
    }

    /// Writes the DER form into `out`, returns its length.
    pub fn to_der(&self, out: &mut [u8; MAX_DER_SIGNATURE_LEN]) -> usize {
        let d = self.0.to_der();
        let b = d.as_bytes();
        let n = b.len().min(MAX_DER_SIGNATURE_LEN);
        if let (Some(dst), Some(src)) = (out.get_mut(..n), b.get(..n)) {
            dst.copy_from_slice(src);
        }
        n
    }

    /// True when `s > n/2` (public; signatures made here never are).
    #[must_use]
    pub fn is_high_s(&self) -> bool {
        self.0.normalize_s() != self.0
    }
}

/// An ECDSA P-256 verifying key (public).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcdsaVerifyingKey(p256::ecdsa::VerifyingKey);

impl fmt::Debug for EcdsaVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EcdsaVerifyingKey")
            .field(&self.public_key())
            .finish()
    }
}

impl From<EcPublicKey> for EcdsaVerifyingKey {
    fn from(k: EcPublicKey) -> Self {
        EcdsaVerifyingKey(p256::ecdsa::VerifyingKey::from(k.0))
    }
}

impl EcdsaVerifyingKey {
    /// From a 65-byte uncompressed SEC1 point (strict; see
    /// [`EcPublicKey::from_sec1`]).
    ///
    /// # Errors
    /// As [`EcPublicKey::from_sec1`].
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, Error> {
        EcPublicKey::from_sec1(bytes).map(Self::from)
    }

    /// The key as an [`EcPublicKey`].
    #[must_use]
    pub fn public_key(&self) -> EcPublicKey {
        EcPublicKey(p256::PublicKey::from(&self.0))
    }

    /// Verifies `sig` over SHA-256(`msg`).
    ///
    /// # Errors
    /// [`VerifyError`] if the signature is not valid.
    pub fn verify(&self, msg: &[u8], sig: &EcdsaSignature) -> Result<(), VerifyError> {
        self.0.verify(msg, &sig.0).map_err(|_| VerifyError)
    }

    /// Verifies over SHA-256 of the concatenation of `parts` (no buffer).
    ///
    /// # Errors
    /// [`VerifyError`] if the signature is not valid.
    pub fn verify_parts(&self, parts: &[&[u8]], sig: &EcdsaSignature) -> Result<(), VerifyError> {
        self.0
            .multipart_verify(parts, &sig.0)
            .map_err(|_| VerifyError)
    }

    /// Verifies a DER signature over SHA-256(`msg`); a malformed signature is
    /// simply invalid.
    ///
    /// # Errors
    /// [`VerifyError`].
    pub fn verify_der(&self, msg: &[u8], der: &[u8]) -> Result<(), VerifyError> {
        let s = EcdsaSignature::from_der(der).map_err(|_| VerifyError)?;
        self.verify(msg, &s)
    }

    /// Verifies a 64-byte P1363 signature over SHA-256(`msg`).
    ///
    /// # Errors
    /// [`VerifyError`].
    pub fn verify_p1363(&self, msg: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        let s = EcdsaSignature::from_p1363(sig).map_err(|_| VerifyError)?;
        self.verify(msg, &s)
    }
}

/// An ECDSA P-256 signing key (token-service envelope key, or the device's
/// attestation key). Zeroized on drop (by `ecdsa`); `Debug` shows only the
/// public key; not `Clone`/`Copy`.
pub struct EcdsaSigningKey(p256::ecdsa::SigningKey);

impl fmt::Debug for EcdsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaSigningKey")
            .field("public", &self.verifying_key().public_key())
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for EcdsaSigningKey {}

impl EcdsaSigningKey {
    /// Generates a key from a cryptographic RNG.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        EcdsaSigningKey(p256::ecdsa::SigningKey::generate_from_rng(rng))
    }

    /// From the 32-byte big-endian secret scalar (checked in constant time).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the scalar is 0 or ≥ n.
    pub fn from_secret_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        // Constant-time decode; the validity verdict is public (see keypair).
        let mut s = super::keypair::scalar_from_bytes(bytes)?;
        let key = EcdsaSigningKey(p256::ecdsa::SigningKey::from(s));
        zeroize::Zeroize::zeroize(&mut s);
        Ok(key)
    }

    /// The secret scalar, big-endian.
    ///
    /// # Security warning
    /// This is the signing secret; the buffer wipes itself on drop.
    #[must_use]
    pub fn expose_secret_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        let mut b = self.0.to_bytes();
        out.copy_from_slice(&b);
        zeroize::Zeroize::zeroize(b.as_mut_slice());
        out
    }

    /// The matching verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> EcdsaVerifyingKey {
        EcdsaVerifyingKey(*self.0.verifying_key())
    }

    /// Deterministic (RFC 6979) signature over SHA-256(`msg`), low-S.
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> EcdsaSignature {
        self.sign_parts(&[msg])
    }

    /// Deterministic signature over SHA-256 of the concatenation of `parts`.
    #[must_use]
    pub fn sign_parts(&self, parts: &[&[u8]]) -> EcdsaSignature {
        let s: p256::ecdsa::Signature = self.0.multipart_sign(parts);
        EcdsaSignature(s.normalize_s())
    }

    /// Hedged signature (RFC 6979 plus RNG output) over SHA-256 of the
    /// concatenation of `parts`, low-S.
    pub fn sign_parts_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        parts: &[&[u8]],
    ) -> EcdsaSignature {
        let s: p256::ecdsa::Signature = self.0.multipart_sign_with_rng(rng, parts);
        EcdsaSignature(s.normalize_s())
    }

    /// Hedged signature over SHA-256(`msg`).
    pub fn sign_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        msg: &[u8],
    ) -> EcdsaSignature {
        self.sign_parts_with_rng(rng, &[msg])
    }
}

/// Verifies a tapcrypt-profile signature: 64-byte `r‖s` with **low S** (the
/// profiles' signers always normalise, so a high-S form is a malleated copy)
/// over SHA-256(`domain ‖ signed`).
pub(crate) fn verify_profile_signature(
    key: &EcdsaVerifyingKey,
    domain: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let sig = EcdsaSignature::from_p1363(signature).map_err(|_| VerifyError)?;
    if sig.is_high_s() {
        return Err(VerifyError);
    }
    key.verify_parts(&[domain, signed], &sig)
}
