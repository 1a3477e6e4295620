//! AES with the key size chosen at run time (public): our fixsliced core
//! ([`super::aes_fixslice`]) on 32-bit ARM bare metal or with the
//! `aes-fixslice` feature, the `aes` crate elsewhere (and on bare metal with
//! `--cfg tapcrypt_aes_crate`). See the core's module doc for why.
//!
//! The choice is made once, by which `backend` module is compiled; both
//! give the three key types, `expand` and the one- and two-block calls
//! ([`backend::Encrypt`]), so [`AesKey`] is written once for either.

#[cfg(feature = "aes192")]
use backend::Aes192;
#[cfg(feature = "aes256")]
use backend::Aes256;
use backend::Encrypt as _;
use backend::{Aes128, blank, expand, rekey};

/// Our core.
#[cfg(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
))]
mod backend {
    pub(super) use crate::cipher::aes_fixslice::Fixslice128 as Aes128;
    #[cfg(feature = "aes192")]
    pub(super) use crate::cipher::aes_fixslice::Fixslice192 as Aes192;
    #[cfg(feature = "aes256")]
    pub(super) use crate::cipher::aes_fixslice::Fixslice256 as Aes256;
    use crate::cipher::aes_fixslice::FixsliceKey;

    /// One or two blocks under an expanded key.
    pub(super) trait Encrypt {
        fn encrypt_one(&self, block: &mut [u8; 16]);
        fn encrypt_two(&self, a: &mut [u8; 16], b: &mut [u8; 16]);
    }

    impl<const R: usize> Encrypt for FixsliceKey<R> {
        #[inline(always)]
        fn encrypt_one(&self, block: &mut [u8; 16]) {
            self.encrypt_block(block);
        }
        #[inline(always)]
        fn encrypt_two(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
            self.encrypt_pair(a, b);
        }
    }

    /// Expands a key (slice length checked by the caller).
    pub(super) fn expand<const R: usize>(src: &[u8]) -> FixsliceKey<R> {
        FixsliceKey::new(src)
    }

    /// An all-zero schedule to expand into in place ([`rekey`]).
    pub(super) fn blank<const R: usize>() -> Option<FixsliceKey<R>> {
        Some(FixsliceKey::zeroed())
    }

    /// Re-expands `k` in place: no schedule-sized temporary or copy.
    pub(super) fn rekey<const R: usize>(k: &mut FixsliceKey<R>, src: &[u8]) {
        k.expand(src);
    }
}

/// The `aes` crate.
#[cfg(not(any(
    feature = "aes-fixslice",
    all(target_arch = "arm", target_os = "none", not(tapcrypt_aes_crate))
)))]
mod backend {
    pub(super) use aes::Aes128;
    #[cfg(feature = "aes192")]
    pub(super) use aes::Aes192;
    #[cfg(feature = "aes256")]
    pub(super) use aes::Aes256;
    use aes::cipher::{BlockCipherEncrypt, KeyInit};

    /// One or two blocks under an expanded key.
    pub(super) trait Encrypt {
        fn encrypt_one(&self, block: &mut [u8; 16]);
        fn encrypt_two(&self, a: &mut [u8; 16], b: &mut [u8; 16]);
    }

    impl<C: BlockCipherEncrypt> Encrypt for C
    where
        C: aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
    {
        #[inline(always)]
        fn encrypt_one(&self, block: &mut [u8; 16]) {
            self.encrypt_block(block.into());
        }
        /// Hardware backends pipeline the two blocks.
        #[inline(always)]
        fn encrypt_two(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
            let mut blocks = [aes::Block::from(*a), aes::Block::from(*b)];
            self.encrypt_blocks(&mut blocks);
            let [x, y] = &mut blocks;
            a.copy_from_slice(x);
            b.copy_from_slice(y);
            zeroize::Zeroize::zeroize(x.as_mut_slice());
            zeroize::Zeroize::zeroize(y.as_mut_slice());
        }
    }

    /// Expands a key, wiping the temporary copy the `aes` API needs.
    pub(super) fn expand<C: KeyInit>(src: &[u8]) -> C {
        let mut k = aes::cipher::Key::<C>::default();
        for (o, s) in k.iter_mut().zip(src) {
            *o = *s;
        }
        let c = C::new(&k);
        zeroize::Zeroize::zeroize(k.as_mut_slice());
        c
    }

    /// The `aes` crate has no keyless schedule: callers build a new one.
    pub(super) fn blank<C>() -> Option<C> {
        None
    }

    /// Re-expands `k` (a new schedule, moved into place).
    pub(super) fn rekey<C: KeyInit>(k: &mut C, src: &[u8]) {
        *k = expand(src);
    }
}

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
    // Not inlined, so the round keys are written once, into the caller's
    // `AesKey`: with our core inlined, the key went through three 352-byte
    // temporaries and a tap's peak stack grew by 1.2 KB at opt-level "s".
    // (On hosts one call per key expansion is noise.)
    #[inline(never)]
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

    /// Whether this key has the size of a `len`-byte key (so
    /// [`rekey`](Self::rekey) can reuse it).
    #[inline(always)]
    pub(crate) fn fits(&self, len: usize) -> bool {
        match self {
            AesKey::Aes128(_) => len == 16,
            #[cfg(feature = "aes192")]
            AesKey::Aes192(_) => len == 24,
            #[cfg(feature = "aes256")]
            AesKey::Aes256(_) => len == 32,
        }
    }

    /// Expands `key` into this key's storage, keeping its size (a slice of
    /// another length is zero-padded or truncated, as in
    /// [`from_slice`](Self::from_slice); callers check [`fits`](Self::fits)
    /// or start from [`blank`](Self::blank)). With our core this is in
    /// place: no schedule-sized temporary or copy (352 bytes for AES-128:
    /// a tap's peak stack).
    pub(crate) fn rekey(&mut self, key: &[u8]) {
        match self {
            AesKey::Aes128(k) => rekey(k, key),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => rekey(k, key),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => rekey(k, key),
        }
    }

    /// An all-zero (keyless) schedule of the size
    /// [`from_slice`](Self::from_slice) picks for a `len`-byte key, to
    /// [`rekey`](Self::rekey) into; `None` with the `aes` crate (it has no
    /// keyless schedule).
    pub(crate) fn blank(len: usize) -> Option<AesKey> {
        match len {
            16 => blank().map(AesKey::Aes128),
            #[cfg(feature = "aes192")]
            24 => blank().map(AesKey::Aes192),
            #[cfg(feature = "aes256")]
            _ => blank().map(AesKey::Aes256),
            #[cfg(all(feature = "aes192", not(feature = "aes256")))]
            _ => blank().map(AesKey::Aes192),
            #[cfg(not(any(feature = "aes192", feature = "aes256")))]
            _ => blank().map(AesKey::Aes128),
        }
    }

    /// Encrypts one 16-byte block in place (our core: costs a pair).
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 16]) {
        match self {
            AesKey::Aes128(k) => k.encrypt_one(block),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_one(block),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_one(block),
        }
    }

    /// Encrypts two independent blocks in one call: for the price of one
    /// with our core (it always processes pairs); pipelined by hardware
    /// backends of the `aes` crate.
    pub(crate) fn encrypt_pair(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
        match self {
            AesKey::Aes128(k) => k.encrypt_two(a, b),
            #[cfg(feature = "aes192")]
            AesKey::Aes192(k) => k.encrypt_two(a, b),
            #[cfg(feature = "aes256")]
            AesKey::Aes256(k) => k.encrypt_two(a, b),
        }
    }
}
