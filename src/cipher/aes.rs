//! AES with the key size chosen at run time (public): our fixsliced core
//! ([`super::aes_fixslice`]) on 32-bit ARM bare metal or with the
//! `aes-fixslice` feature, the `aes` crate elsewhere (and on bare metal with
//! `--cfg tapcrypt_aes_crate`). See the core's module doc for why.

#[cfg(not(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
)))]
use aes::cipher::{BlockCipherEncrypt, KeyInit};

#[cfg(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
))]
use super::aes_fixslice::Fixslice128 as Aes128;
#[cfg(all(
    any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    ),
    feature = "aes192"
))]
use super::aes_fixslice::Fixslice192 as Aes192;
#[cfg(all(
    any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    ),
    feature = "aes256"
))]
use super::aes_fixslice::Fixslice256 as Aes256;
#[cfg(not(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
)))]
use aes::Aes128;
#[cfg(all(
    not(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    )),
    feature = "aes192"
))]
use aes::Aes192;
#[cfg(all(
    not(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    )),
    feature = "aes256"
))]
use aes::Aes256;

/// An expanded AES key of any of the three sizes. Zeroized on drop (by the
/// `aes` crate, whose `zeroize` feature is on, or by our core).
/// AES-192 and AES-256 exist only with their features (`aes192`, `aes256`).
pub(crate) enum AesKey {
    Aes128(Aes128),
    #[cfg(feature = "aes192")]
    Aes192(Aes192),
    #[cfg(feature = "aes256")]
    Aes256(Aes256),
}

impl AesKey {
    /// Expands a 16-, 24- or 32-byte key. Other lengths (and, without the
    /// `aes192`/`aes256` features, those sizes) are a caller bug that the key
    /// types rule out; they fall back to the largest compiled-in size over the
    /// zero-padded or truncated key rather than panic.
    // With our core: not inlined, so the round keys are written once, into
    // the caller's `AesKey` (inlined, the key went through three 352-byte
    // temporaries and a tap's peak stack grew by 1.2 KB at opt-level "s").
    #[cfg_attr(
        any(
            feature = "aes-fixslice",
            all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
        ),
        inline(never)
    )]
    pub(crate) fn from_slice(key: &[u8]) -> Self {
        match key.len() {
            16 => AesKey::Aes128(expand(key)),
            #[cfg(feature = "aes192")]
            24 => AesKey::Aes192(expand(key)),
            #[cfg(feature = "aes256")]
            _ => AesKey::Aes256(expand(key)),
            #[cfg(all(feature = "aes192", not(feature = "aes256")))]
            _ => AesKey::Aes192(expand(key)),
            #[cfg(not(any(feature = "aes192", feature = "aes256")))]
            _ => AesKey::Aes128(expand(key)),
        }
    }

    /// Encrypts one 16-byte block in place.
    #[cfg(not(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    )))]
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 16]) {
        let b: &mut aes::Block = block.into();
        match self {
            AesKey::Aes128(k) => k.encrypt_block(b),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_block(b),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_block(b),
        }
    }

    /// Encrypts two independent blocks in one call. The fixsliced software
    /// backend (Cortex-M) always processes blocks in pairs, so this costs the
    /// same as one block there; hardware backends pipeline the two.
    #[cfg(not(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    )))]
    pub(crate) fn encrypt_pair(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
        let mut blocks = [aes::Block::from(*a), aes::Block::from(*b)];
        match self {
            AesKey::Aes128(k) => k.encrypt_blocks(&mut blocks),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_blocks(&mut blocks),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_blocks(&mut blocks),
        }
        let [x, y] = &mut blocks;
        a.copy_from_slice(x);
        b.copy_from_slice(y);
        zeroize::Zeroize::zeroize(x.as_mut_slice());
        zeroize::Zeroize::zeroize(y.as_mut_slice());
    }

    /// Encrypts one 16-byte block in place (our core: costs a pair).
    #[cfg(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    ))]
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 16]) {
        match self {
            AesKey::Aes128(k) => k.encrypt_block(block),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_block(block),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_block(block),
        }
    }

    /// Encrypts two independent blocks for the price of one (our core).
    #[cfg(any(
        feature = "aes-fixslice",
        all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
    ))]
    pub(crate) fn encrypt_pair(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
        match self {
            AesKey::Aes128(k) => k.encrypt_pair(a, b),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_pair(a, b),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_pair(a, b),
        }
    }
}

/// Expands a key with our core (slice length checked by the caller).
#[cfg(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
))]
fn expand<const R: usize>(src: &[u8]) -> super::aes_fixslice::FixsliceKey<R> {
    super::aes_fixslice::FixsliceKey::new(src)
}

/// Expands a key, wiping the temporary copy the `aes` API needs.
#[cfg(not(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
)))]
fn expand<C: KeyInit>(src: &[u8]) -> C {
    let mut k = aes::cipher::Key::<C>::default();
    for (o, s) in k.iter_mut().zip(src) {
        *o = *s;
    }
    let c = C::new(&k);
    zeroize::Zeroize::zeroize(k.as_mut_slice());
    c
}
