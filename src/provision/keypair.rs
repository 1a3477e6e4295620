//! P-256 public keys (strict decoding), device and ephemeral key pairs, and
//! ECDH → KBPK.
//!
//! # Accepted public-key encodings
//!
//! Exactly one: **65-byte uncompressed SEC1, `04 ‖ X ‖ Y`**, with `X, Y < p`
//! and the point on the curve. Everything else is refused with a typed
//! [`Error`] *before* any arithmetic:
//!
//! | input | error |
//! |---|---|
//! | empty, or `04` with a length other than 65 | [`Error::Length`] |
//! | `00` (point at infinity) | [`Error::Malformed`] "P-256 point at infinity" |
//! | `02/03 ‖ X` (compressed) | [`Error::Malformed`] "compressed P-256 point not accepted" |
//! | `06/07 ‖ X ‖ Y` (hybrid) | [`Error::Malformed`] "hybrid P-256 point not accepted" |
//! | any other first byte | [`Error::Malformed`] "unknown SEC1 point prefix" |
//! | a coordinate ≥ p | [`Error::Malformed`] "P-256 coordinate not below p" |
//! | not on the curve | [`Error::Malformed`] "point not on the P-256 curve" |
//!
//! Refusing compressed points (which Wycheproof rates `acceptable`) gives the
//! provisioning protocol a single canonical encoding, as Google Pay does for
//! its ephemeral keys. P-256 has cofactor 1, so a point on the curve that is
//! not the identity is in the prime-order group: no further subgroup check.
//!
//! For backends that receive X.509 keys, [`EcPublicKey::from_spki_der`]
//! accepts exactly the 91-byte DER `SubjectPublicKeyInfo` of a named-curve
//! (prime256v1) uncompressed key; BER variants and explicit curve parameters
//! are refused.
//!
//! # KBPK derivation
//!
//! `Z = x(d · Q)` (32 bytes, SEC1 / SP 800-56A) never leaves this module: it
//! is consumed inside a closure by the KDF and wiped when the closure returns.
//! An all-zero `Z` is **not** refused: `(0, y)` is a point of P-256, and
//! Wycheproof (tcId 3, "x-coordinate that satisfies x**2 = 0") rates that
//! shared secret `valid`. The identity cannot come out of the multiplication
//! because the peer key is a validated non-identity point and the scalar is
//! non-zero modulo the prime order.
//! The fixed info, used as SP 800-56C `FixedInfo` and as the HKDF `info`, is
//!
//! ```text
//! "tapcrypt/kbpk/v1"                    16 bytes  AlgorithmID
//! algorithm code                         1 byte   01 AES-128, 02 AES-192, 03 AES-256,
//!                                                 11 TDES-2key, 12 TDES-3key
//! 0x41 ‖ token-service ephemeral key    66 bytes  PartyUInfo (SEC1 uncompressed)
//! 0x41 ‖ device static public key       66 bytes  PartyVInfo (SEC1 uncompressed)
//! [len(context)]_16 ‖ context          2 + n     caller's context string (≤ 255 bytes)
//! [L]_32                                 4 bytes  output length in bits (SuppPubInfo)
//! ```
//!
//! HKDF-SHA256 uses an empty salt and `IKM = Z`.

use core::fmt;

use p256::elliptic_curve::Generate as _;
use zeroize::{Zeroize, Zeroizing};

use super::tr31::KeyBlockProtectionKey;
use crate::keys::KeyMaterial;
use crate::{Algorithm, Error};

/// Length of an uncompressed SEC1 P-256 point.
pub const SEC1_UNCOMPRESSED_LEN: usize = 65;

/// The field prime p of P-256, big-endian.
const P: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// DER prefix of a named-curve P-256 uncompressed SubjectPublicKeyInfo.
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// DER prefix of the compressed form (refused, with a precise error).
const SPKI_PREFIX_COMPRESSED: [u8; 26] = [
    0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00,
];

fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

/// A validated P-256 public key: on the curve, not the identity. Public data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcPublicKey(pub(crate) p256::PublicKey);

impl fmt::Debug for EcPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcPublicKey(")?;
        for b in self.to_sec1() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl EcPublicKey {
    /// Decodes a 65-byte uncompressed SEC1 point (see the module docs for
    /// everything that is refused and why).
    ///
    /// # Errors
    /// [`Error::Length`] or [`Error::Malformed`], as tabulated in the module
    /// docs.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, Error> {
        let len_err = Error::Length {
            field: "P-256 public key",
            expected: "65 (04 ‖ X ‖ Y)",
            got: bytes.len(),
        };
        match bytes.first() {
            None => Err(len_err),
            Some(0x00) => Err(malformed("P-256 point at infinity")),
            Some(0x02 | 0x03) => Err(malformed("compressed P-256 point not accepted")),
            Some(0x06 | 0x07) => Err(malformed("hybrid P-256 point not accepted")),
            Some(0x04) => {
                let p: &[u8; 65] = bytes.try_into().map_err(|_| len_err)?;
                let (x, y) = p
                    .get(1..33)
                    .zip(p.get(33..65))
                    .ok_or(malformed("P-256 public key"))?;
                // Public data: an ordinary lexicographic compare is fine.
                if x >= &P[..] || y >= &P[..] {
                    return Err(malformed("P-256 coordinate not below p"));
                }
                p256::PublicKey::from_sec1_bytes(p)
                    .map(EcPublicKey)
                    .map_err(|_| malformed("point not on the P-256 curve"))
            }
            Some(_) => Err(malformed("unknown SEC1 point prefix")),
        }
    }

    /// Decodes an X.509 `SubjectPublicKeyInfo` (DER) holding a named-curve
    /// P-256 uncompressed key: exactly the 26-byte standard prefix followed by
    /// the 65-byte point.
    ///
    /// # Errors
    /// [`Error::Malformed`] for any other encoding (BER, explicit parameters,
    /// other curves, compressed points), then as [`EcPublicKey::from_sec1`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        if let Some(rest) = der.strip_prefix(&SPKI_PREFIX[..])
            && rest.len() == SEC1_UNCOMPRESSED_LEN
        {
            return Self::from_sec1(rest);
        }
        if der.starts_with(&SPKI_PREFIX_COMPRESSED) {
            return Err(malformed("compressed P-256 point not accepted"));
        }
        Err(malformed(
            "SubjectPublicKeyInfo is not the DER encoding of a named-curve P-256 key",
        ))
    }

    /// The uncompressed SEC1 encoding `04 ‖ X ‖ Y`.
    #[must_use]
    pub fn to_sec1(&self) -> [u8; 65] {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let ep = self.0.to_sec1_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(ep.as_bytes());
        out
    }
}

/// Which KDF turns the ECDH secret into the KBPK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KbpkKdf {
    /// NIST SP 800-56C Rev. 2 one-step KDF with SHA-256 (the default).
    OneStepSha256,
    /// HKDF-SHA256 (RFC 5869), empty salt.
    HkdfSha256,
}

impl KbpkKdf {
    pub(crate) fn code(self) -> u8 {
        match self {
            KbpkKdf::OneStepSha256 => 0x01,
            KbpkKdf::HkdfSha256 => 0x02,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0x01 => Some(KbpkKdf::OneStepSha256),
            0x02 => Some(KbpkKdf::HkdfSha256),
            _ => None,
        }
    }
}

pub(crate) fn alg_code(a: Algorithm) -> u8 {
    match a {
        Algorithm::Aes128 => 0x01,
        Algorithm::Aes192 => 0x02,
        Algorithm::Aes256 => 0x03,
        Algorithm::Tdes2 => 0x11,
        Algorithm::Tdes3 => 0x12,
    }
}

pub(crate) fn alg_from_code(c: u8) -> Option<Algorithm> {
    match c {
        0x01 => Some(Algorithm::Aes128),
        0x02 => Some(Algorithm::Aes192),
        0x03 => Some(Algorithm::Aes256),
        0x11 => Some(Algorithm::Tdes2),
        0x12 => Some(Algorithm::Tdes3),
        _ => None,
    }
}

/// Parameters of the ECDH → KBPK derivation. Both sides must use the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KbpkParams<'a> {
    /// The KDF.
    pub kdf: KbpkKdf,
    /// The KBPK's algorithm (AES for key block version D, TDES for B).
    pub algorithm: Algorithm,
    /// A context string bound into the derivation (≤ 255 bytes), e.g. a token
    /// reference or provisioning session id.
    pub context: &'a [u8],
}

/// Largest context accepted in [`KbpkParams`].
pub const MAX_CONTEXT: usize = 255;

const KBPK_LABEL: &[u8; 16] = b"tapcrypt/kbpk/v1";

/// Runs ECDH and hands `Z` to `f`; `Z` is wiped when `p256`'s shared secret
/// drops, right after `f` returns.
fn with_shared_secret<R>(
    secret: &p256::NonZeroScalar,
    peer: &EcPublicKey,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, Error> {
    let ss = p256::ecdh::diffie_hellman(secret, peer.0.as_affine());
    Ok(f(ss.raw_secret_bytes().as_slice()))
}

/// The derivation shared by both sides. `party_u` is the token-service
/// ephemeral key, `party_v` the device key.
fn derive_kbpk(
    secret: &p256::NonZeroScalar,
    peer: &EcPublicKey,
    party_u: &EcPublicKey,
    party_v: &EcPublicKey,
    params: &KbpkParams<'_>,
) -> Result<KeyBlockProtectionKey, Error> {
    let ctx_len = u16::try_from(params.context.len())
        .ok()
        .filter(|n| usize::from(*n) <= MAX_CONTEXT)
        .ok_or(Error::Length {
            field: "KBPK derivation context",
            expected: "at most 255",
            got: params.context.len(),
        })?;
    let alg = params.algorithm;
    let n = alg.key_len();
    let u = party_u.to_sec1();
    let v = party_v.to_sec1();
    let alg_c = [alg_code(alg)];
    let ctx_l = ctx_len.to_be_bytes();
    let l_bits = ((n * 8) as u32).to_be_bytes();
    let fixed: [&[u8]; 9] = [
        KBPK_LABEL,
        &alg_c,
        &[0x41],
        &u,
        &[0x41],
        &v,
        &ctx_l,
        params.context,
        &l_bits,
    ];
    let mut out = Zeroizing::new([0u8; 32]);
    let dst = out.get_mut(..n).ok_or(Error::Parameter {
        what: "KBPK length",
    })?;
    with_shared_secret(secret, peer, |z| match params.kdf {
        KbpkKdf::OneStepSha256 => crate::kdf::one_step_sha256(z, &fixed, dst),
        KbpkKdf::HkdfSha256 => crate::kdf::hkdf_sha256_parts(&[], z, &fixed, dst),
    })??;
    let km = KeyMaterial::new(alg, out.get(..n).unwrap_or(&[]))?;
    Ok(KeyBlockProtectionKey(km))
}

/// Decodes a secret scalar in constant time (`Scalar::from_repr` + `CtOption`).
///
/// Whether the bytes are a valid key (0 < x < n) is public: it decides Ok or
/// Err. The decision goes through `ct::public_verdict`, the crate's one
/// declassification point, and the scalar itself is taken with a
/// constant-time select, never through `CtOption -> Option` (which branches
/// inside `subtle` on the secret-derived flag; ctgrind flagged it).
pub(crate) fn scalar_from_bytes(bytes: &[u8; 32]) -> Result<p256::NonZeroScalar, Error> {
    let mut fb = p256::FieldBytes::from(*bytes);
    let ct = p256::NonZeroScalar::from_repr(fb);
    fb.as_mut_slice().zeroize();
    let valid = ct.is_some();
    // A fixed valid scalar to select when the input is not one (never used:
    // the verdict below rejects it).
    let fallback = p256::NonZeroScalar::from_uint(p256::U256::ONE);
    let scalar = ct.unwrap_or(match Option::from(fallback) {
        Some(f) => f,
        None => return Err(malformed("P-256 secret scalar is zero or not below n")),
    });
    if crate::ct::public_verdict(valid) {
        Ok(scalar)
    } else {
        Err(malformed("P-256 secret scalar is zero or not below n"))
    }
}

/// A P-256 scalar that is wiped on drop and never copied.
struct Secret(p256::NonZeroScalar);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The device's static P-256 key pair for key agreement.
///
/// Zeroized on drop; `Debug` shows only the public key; not `Clone`/`Copy`.
pub struct DeviceKeyPair {
    secret: Secret,
    public: EcPublicKey,
}

impl fmt::Debug for DeviceKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for DeviceKeyPair {}

impl DeviceKeyPair {
    /// Generates a key pair from a cryptographic RNG.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let s = p256::NonZeroScalar::generate_from_rng(rng);
        Self::from_scalar(s)
    }

    fn from_scalar(s: p256::NonZeroScalar) -> Self {
        let public = EcPublicKey(p256::PublicKey::from_secret_scalar(&s));
        DeviceKeyPair {
            secret: Secret(s),
            public,
        }
    }

    /// Restores a key pair from its 32-byte big-endian secret scalar (as
    /// persisted by the device).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the scalar is 0 or ≥ n (decided in constant
    /// time; only the verdict is branched on).
    pub fn from_secret_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        scalar_from_bytes(bytes).map(Self::from_scalar)
    }

    /// The secret scalar, big-endian, for persisting in protected storage.
    ///
    /// # Security warning
    /// This is the device's long-term secret. The returned buffer wipes
    /// itself on drop; do not copy it anywhere else.
    #[must_use]
    pub fn expose_secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        let mut fb = p256::FieldBytes::from(self.secret.0);
        out.copy_from_slice(&fb);
        fb.as_mut_slice().zeroize();
        out
    }

    /// The public key to give to the token service.
    #[must_use]
    pub fn public_key(&self) -> EcPublicKey {
        self.public
    }

    /// ECDH with the token service's ephemeral key, then the KDF of
    /// `params`: returns the KBPK. The shared secret never leaves this call.
    ///
    /// # Errors
    /// [`Error::Length`] for a context over 255 bytes.
    pub fn derive_kbpk(
        &self,
        tsp_ephemeral: &EcPublicKey,
        params: &KbpkParams<'_>,
    ) -> Result<KeyBlockProtectionKey, Error> {
        derive_kbpk(
            &self.secret.0,
            tsp_ephemeral,
            tsp_ephemeral,
            &self.public,
            params,
        )
    }
}

/// The token service's one-time ECDH key for one envelope.
///
/// Consumed by [`EphemeralKeyPair::derive_kbpk`], so it cannot be reused.
pub struct EphemeralKeyPair {
    secret: Secret,
    public: EcPublicKey,
}

impl fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EphemeralKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for EphemeralKeyPair {}

impl EphemeralKeyPair {
    /// Generates a fresh ephemeral key.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let s = p256::NonZeroScalar::generate_from_rng(rng);
        let public = EcPublicKey(p256::PublicKey::from_secret_scalar(&s));
        EphemeralKeyPair {
            secret: Secret(s),
            public,
        }
    }

    /// An ephemeral key from fixed scalar bytes: **for reproducible test
    /// vectors only**.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the scalar is 0 or ≥ n.
    pub fn from_secret_bytes_for_tests(bytes: &[u8; 32]) -> Result<Self, Error> {
        let s = scalar_from_bytes(bytes)?;
        let public = EcPublicKey(p256::PublicKey::from_secret_scalar(&s));
        Ok(EphemeralKeyPair {
            secret: Secret(s),
            public,
        })
    }

    /// The public key that goes into the envelope.
    #[must_use]
    pub fn public_key(&self) -> EcPublicKey {
        self.public
    }

    /// ECDH with the device's static key, then the KDF: returns the KBPK and
    /// destroys the ephemeral secret.
    ///
    /// # Errors
    /// As [`DeviceKeyPair::derive_kbpk`].
    pub fn derive_kbpk(
        self,
        device: &EcPublicKey,
        params: &KbpkParams<'_>,
    ) -> Result<KeyBlockProtectionKey, Error> {
        derive_kbpk(&self.secret.0, device, &self.public, device, params)
    }
}

/// Raw ECDH for vector checks (`__internal` only).
#[cfg(feature = "__internal")]
pub(crate) fn raw_ecdh_for_vectors(
    private: &[u8; 32],
    peer: &EcPublicKey,
) -> Result<[u8; 32], Error> {
    let s = Secret(scalar_from_bytes(private)?);
    with_shared_secret(&s.0, peer, |z| {
        let mut o = [0u8; 32];
        o.copy_from_slice(z);
        o
    })
}
