//! Block ciphers behind one small interface.
//!
//! * AES comes from the `aes` crate on hosts (AES-NI / ARMv8), and from our
//!   own constant-time fixsliced core ([`aes_fixslice`]) on 32-bit ARM bare
//!   metal (Cortex-M) or wherever the `aes-fixslice` feature asks for it.
//! * TDES is our own constant-time implementation ([`des`]); the `des` crate
//!   indexes S-box tables with key-dependent data and is a test oracle only.
//! * [`des_bitsliced`]: DES / two-key TDES for 64 (or 64·N) independent
//!   lanes at once, for batch verification on backends.
//!
//! Everything here works on secret keys and secret blocks. The algorithm
//! (which variant of [`BlockKey`]) is public.

#[cfg(feature = "aes")]
pub(crate) mod aes;
// Always compiled with `aes` so the host tests, ctgrind and the fuzz target
// check it against the `aes` crate; used on ARM bare metal or with
// `aes-fixslice` (see its module doc).
#[cfg(feature = "aes")]
#[cfg_attr(
    not(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    )),
    allow(dead_code)
)]
pub(crate) mod aes_fixslice;
#[cfg(feature = "tdes")]
pub(crate) mod des;
#[cfg(feature = "tdes")]
pub(crate) mod des_bitsliced;
#[cfg(feature = "aes")]
pub mod engine;

#[cfg(feature = "aes")]
pub(crate) use self::aes::AesKey;
#[cfg(feature = "tdes")]
pub(crate) use self::des::Tdes;

use crate::Algorithm;

/// An expanded key for whichever block cipher the key's algorithm names.
// Lives on the stack for one operation; boxing is not an option without alloc.
#[allow(clippy::large_enum_variant)]
pub(crate) enum BlockKey {
    #[cfg(feature = "tdes")]
    Tdes(Tdes),
    #[cfg(feature = "aes")]
    Aes(AesKey),
}

impl BlockKey {
    /// Expands `bytes` (already validated to be `alg.key_len()` long).
    pub(crate) fn new(alg: Algorithm, bytes: &[u8]) -> Self {
        match alg {
            #[cfg(feature = "tdes")]
            Algorithm::Tdes2 | Algorithm::Tdes3 => BlockKey::Tdes(Tdes::from_slice(bytes)),
            #[cfg(feature = "aes")]
            Algorithm::Aes128 => BlockKey::Aes(AesKey::from_slice(bytes)),
            #[cfg(feature = "aes192")]
            Algorithm::Aes192 => BlockKey::Aes(AesKey::from_slice(bytes)),
            #[cfg(feature = "aes256")]
            Algorithm::Aes256 => BlockKey::Aes(AesKey::from_slice(bytes)),
        }
    }

    /// Encrypts one block of zeros into the first `block_len` bytes of `out`.
    pub(crate) fn encrypt_zero_block(&self, out: &mut [u8; 16]) {
        *out = [0u8; 16];
        match self {
            #[cfg(feature = "tdes")]
            BlockKey::Tdes(t) => {
                let mut b = [0u8; 8];
                t.encrypt_block(&mut b);
                if let Some(dst) = out.get_mut(..8) {
                    dst.copy_from_slice(&b);
                }
            }
            #[cfg(feature = "aes")]
            BlockKey::Aes(a) => a.encrypt_block(out),
        }
    }
}
