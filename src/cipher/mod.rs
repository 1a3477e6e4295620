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

    /// Expands `bytes` into `slot`. A TDES key is expanded in place (into
    /// the slot's TDES schedule, else into a blank one written straight
    /// into the slot). An AES key is expanded in place (into
    /// the slot's key if it has the same size, else into a blank schedule
    /// written straight into the slot) where the backend allows, so no
    /// schedule-sized temporary is built and copied: with our core that is
    /// 352 bytes of a tap's peak stack for AES-128. Otherwise as [`new`](Self::new).
    pub(crate) fn expand_into(slot: &mut Option<BlockKey>, alg: Algorithm, bytes: &[u8]) {
        // TDES: always in place (576 bytes: three DES schedules).
        #[cfg(feature = "tdes")]
        if alg.is_tdes() {
            #[allow(irrefutable_let_patterns)] // TDES-only builds: one variant
            if let Some(BlockKey::Tdes(t)) = slot.as_mut() {
                t.rekey(bytes);
                return;
            }
            #[allow(irrefutable_let_patterns)]
            if let BlockKey::Tdes(t) = slot.insert(BlockKey::Tdes(Tdes::zeroed())) {
                t.rekey(bytes);
            }
            return;
        }
        #[cfg(feature = "aes")]
        if !alg.is_tdes() {
            #[allow(irrefutable_let_patterns)] // AES-only builds: one variant
            if let Some(BlockKey::Aes(k)) = slot.as_mut()
                && k.fits(bytes.len())
            {
                k.rekey(bytes);
                return;
            }
            if let Some(b) = AesKey::blank(bytes.len()) {
                // `Option::insert`: at opt-level 3 and "s" the blank is
                // zeroed in the slot itself (at "z" in a temporary and
                // copied; an assignment `*slot = Some(..)` copies at "s"
                // too: measured, BENCHMARKS.md).
                #[allow(irrefutable_let_patterns)]
                if let BlockKey::Aes(k) = slot.insert(BlockKey::Aes(b)) {
                    k.rekey(bytes);
                }
                return;
            }
        }
        Self::replace(slot, alg, bytes);
    }

    /// [`expand_into`](Self::expand_into)'s fallback (the `aes` crate): a new schedule moved into the slot. Out of line, so its
    /// schedule-sized temporaries are not in the frame of the in-place path.
    #[inline(never)]
    fn replace(slot: &mut Option<BlockKey>, alg: Algorithm, bytes: &[u8]) {
        *slot = Some(BlockKey::new(alg, bytes));
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
