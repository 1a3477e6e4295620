//! A hook for a hardware AES engine (issue 17).
//!
//! Most wearable MCUs carry an AES-128 engine with key slots: firmware hands
//! the engine a key once (at provisioning or boot) and afterwards names it by
//! a handle, so the card key never has to sit in RAM. [`AesEngine`] is the
//! small interface the AES tap path needs from such an engine; the tap itself
//! is [`Cvn::generate_ac_with_engine`](crate::emv::Cvn::generate_ac_with_engine).
//! [`SoftwareAes`] implements the same trait over the crate's software AES
//! and is the default: a firmware without an engine keeps calling
//! [`TransactionKeys::generate_ac`](crate::emv::TransactionKeys::generate_ac).
//!
//! # What an engine is asked to do
//! * One AES-128 block encryption under a key handle (`encrypt_block`), and
//!   optionally two under the same key (`encrypt_pair`; the CMAC of a tap
//!   uses it for `L = E_K(0)` beside the first CBC block).
//! * Derive a volatile AES-128 key `E_parent(block)` into a new handle
//!   (`derive_key`): the EMV AES-128 common session key. An engine with a key
//!   ladder keeps the session key inside; one without it encrypts and loads
//!   the result (the bytes then pass through RAM once: wipe them).
//!
//! # What the hook does not cover (use the software path)
//! * **AES-192 and AES-256 keys.** Many engines are AES-128 only. The
//!   AES-256 FF1 DPAN ([`crate::token`]) and AES-192/256 card keys (whose
//!   common session key is two blocks, `E(R with F0) ‖ E(R with 0F)`) stay on
//!   software AES. The tap refuses a handle the engine reports as not
//!   AES-128 ([`AesEngine::is_aes128`]) with [`Error::KeyAlgorithm`](crate::Error::KeyAlgorithm).
//! * **TDES CVNs** (Visa, Mastercard SKD): no common engine does DES.
//! * **AES decryption** (ARPC checks on some profiles, TR-31 unwrap): not
//!   needed at the tap.
//!
//! # Busy and faults
//! Every call is fallible. [`EngineError::Busy`] means nothing was
//! computed (another task or DMA owns the engine): the tap returns
//! [`Error::Engine`](crate::Error::Engine) and the firmware retries the whole
//! tap, or falls back to the software path. No partial cryptogram is ever
//! returned. Whether a call failed is public (it depends on the engine's
//! state, not on keys or data).
//!
//! # Constant time
//! The engine call is opaque: its timing is the silicon's (check the
//! vendor's side-channel claims). The code around it here branches only on
//! public lengths and on the public success of each call.

use zeroize::Zeroize;

use super::AesKey;

/// Why an AES engine call failed. Says nothing about keys or data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngineError {
    /// The engine is in use; nothing was computed. Retry later.
    Busy,
    /// The engine cannot take this operation (key size, mode): use the
    /// software path.
    Unsupported,
    /// The engine reported a fault (bad or erased key slot, tamper, timeout).
    Fault,
}

impl core::fmt::Display for EngineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            EngineError::Busy => "the AES engine is busy",
            EngineError::Unsupported => "the AES engine cannot take this operation",
            EngineError::Fault => "the AES engine reported a fault",
        })
    }
}

/// A block-cipher engine holding its keys: firmware names keys by an opaque
/// handle and never reads key bytes back.
pub trait AesEngine {
    /// Names a key held by the engine (a slot number, a key-store id). The
    /// engine should erase a volatile key when its handle is released.
    type KeyHandle;

    /// Whether `key` is an AES-128 key (public metadata of the slot). The
    /// tap refuses any other key size instead of computing a wrong
    /// session key.
    fn is_aes128(&self, key: &Self::KeyHandle) -> bool;

    /// Encrypts one block in place under `key`.
    ///
    /// # Errors
    /// [`EngineError`]; on error `block` holds no partial result the caller
    /// relies on.
    fn encrypt_block(
        &mut self,
        key: &Self::KeyHandle,
        block: &mut [u8; 16],
    ) -> Result<(), EngineError>;

    /// Encrypts two independent blocks under `key`. Engines that pipeline
    /// or take DMA batches override it; the default makes two calls.
    ///
    /// # Errors
    /// As [`encrypt_block`](Self::encrypt_block).
    fn encrypt_pair(
        &mut self,
        key: &Self::KeyHandle,
        a: &mut [u8; 16],
        b: &mut [u8; 16],
    ) -> Result<(), EngineError> {
        self.encrypt_block(key, a)?;
        self.encrypt_block(key, b)
    }

    /// A new volatile AES-128 key `E_parent(block)` (the EMV AES-128 common
    /// session key with `block` = ATC ‖ 00…00).
    ///
    /// # Errors
    /// As [`encrypt_block`](Self::encrypt_block); [`EngineError::Busy`] also
    /// when no volatile slot is free.
    fn derive_key(
        &mut self,
        parent: &Self::KeyHandle,
        block: &[u8; 16],
    ) -> Result<Self::KeyHandle, EngineError>;

    /// Releases a key from [`derive_key`](Self::derive_key) (the engine
    /// erases its slot). The default drops the handle.
    fn release(&mut self, key: Self::KeyHandle) {
        drop(key);
    }
}

/// The software AES (our fixsliced core on Cortex-M, the `aes` crate on
/// hosts; both constant time) as an
/// [`AesEngine`]: the default when the MCU has no engine, and the reference
/// the hardware path is tested against.
#[derive(Debug, Default)]
pub struct SoftwareAes;

/// An expanded AES key for [`SoftwareAes`]. Zeroized on drop; `Debug`
/// prints nothing secret; not `Copy`.
pub struct SoftwareKey {
    key: AesKey,
    aes128: bool,
}

impl core::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftwareKey").finish_non_exhaustive()
    }
}

impl SoftwareKey {
    /// Expands an AES card master key.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`](crate::Error::KeyAlgorithm) for a TDES key.
    pub fn from_card_key(card_key: &crate::CardMasterKey) -> Result<Self, crate::Error> {
        let alg = card_key.algorithm();
        if alg.is_tdes() {
            return Err(crate::Error::KeyAlgorithm {
                operation: "a software AES engine key",
                needs: "AES",
            });
        }
        Ok(SoftwareKey {
            key: AesKey::from_slice(card_key.expose_secret()),
            aes128: alg == crate::Algorithm::Aes128,
        })
    }
}

impl AesEngine for SoftwareAes {
    type KeyHandle = SoftwareKey;

    fn is_aes128(&self, key: &SoftwareKey) -> bool {
        key.aes128
    }

    fn encrypt_block(
        &mut self,
        key: &SoftwareKey,
        block: &mut [u8; 16],
    ) -> Result<(), EngineError> {
        key.key.encrypt_block(block);
        Ok(())
    }

    fn encrypt_pair(
        &mut self,
        key: &SoftwareKey,
        a: &mut [u8; 16],
        b: &mut [u8; 16],
    ) -> Result<(), EngineError> {
        key.key.encrypt_pair(a, b);
        Ok(())
    }

    fn derive_key(
        &mut self,
        parent: &SoftwareKey,
        block: &[u8; 16],
    ) -> Result<SoftwareKey, EngineError> {
        let mut k = *block;
        parent.key.encrypt_block(&mut k);
        let key = AesKey::from_slice(&k);
        k.zeroize();
        Ok(SoftwareKey { key, aes128: true })
    }
}

/// AES-CMAC (NIST SP 800-38B) of `msg` through an engine. `L = E_K(0)` rides
/// with the first CBC block in one `encrypt_pair` when there is more than one
/// block. Branches only on `msg.len()` (public) and on call results.
pub(crate) fn engine_cmac<E: AesEngine + ?Sized>(
    engine: &mut E,
    key: &E::KeyHandle,
    msg: &[u8],
) -> Result<[u8; 16], EngineError> {
    let mut state = [0u8; 16];
    let mut l = [0u8; 16];
    let mut last = [0u8; 16];
    let r = cmac_inner(engine, key, msg, &mut state, &mut l, &mut last);
    l.zeroize();
    last.zeroize();
    match r {
        Ok(()) => Ok(state),
        Err(e) => {
            state.zeroize();
            Err(e)
        }
    }
}

fn cmac_inner<E: AesEngine + ?Sized>(
    engine: &mut E,
    key: &E::KeyHandle,
    msg: &[u8],
    state: &mut [u8; 16],
    l: &mut [u8; 16],
    last: &mut [u8; 16],
) -> Result<(), EngineError> {
    let n = msg.len();
    // Blocks before the last one (lengths are public).
    let head_blocks = if n == 0 { 0 } else { (n - 1) >> 4 };
    let (head, tail) = msg.split_at(head_blocks << 4);
    for (i, chunk) in head.chunks_exact(16).enumerate() {
        for (s, m) in state.iter_mut().zip(chunk) {
            *s ^= *m;
        }
        if i == 0 {
            engine.encrypt_pair(key, state, l)?;
        } else {
            engine.encrypt_block(key, state)?;
        }
    }
    if head_blocks == 0 {
        engine.encrypt_block(key, l)?;
    }
    let mut k = crate::mac::dbl(l);
    if let Some(dst) = last.get_mut(..tail.len()) {
        dst.copy_from_slice(tail);
    }
    if tail.len() < 16 {
        if let Some(b) = last.get_mut(tail.len()) {
            *b = 0x80;
        }
        let k2 = crate::mac::dbl(&k);
        k.zeroize();
        k = k2;
    }
    for ((s, m), kk) in state.iter_mut().zip(last.iter()).zip(k.iter()) {
        *s ^= *m ^ *kk;
    }
    k.zeroize();
    engine.encrypt_block(key, state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A software engine that counts block encryptions (`L` included: the
    /// CMAC computes it once).
    struct Counting(usize);

    impl AesEngine for Counting {
        type KeyHandle = AesKey;
        fn is_aes128(&self, _: &AesKey) -> bool {
            true
        }
        fn encrypt_block(&mut self, k: &AesKey, b: &mut [u8; 16]) -> Result<(), EngineError> {
            self.0 += 1;
            k.encrypt_block(b);
            Ok(())
        }
        fn derive_key(&mut self, _: &AesKey, _: &[u8; 16]) -> Result<AesKey, EngineError> {
            Err(EngineError::Unsupported)
        }
    }

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// emv.json `aes_cmac` (SP 800-38B examples and an independent Python
    /// reference on pyca/cryptography): every length class (empty, partial,
    /// one full block, several with a full or partial last block), all
    /// three key sizes; one flipped bit fails.
    #[test]
    fn engine_cmac_matches_published_vectors() {
        let text = include_str!("../../test-vectors/data/emv.json");
        let d: serde_json::Value = serde_json::from_str(text).unwrap();
        let vs = d["vectors"]["aes_cmac"].as_array().unwrap();
        assert!(vs.len() >= 20);
        for v in vs {
            let key = AesKey::from_slice(&hex(v["key"].as_str().unwrap()));
            let data = hex(v["data"].as_str().unwrap());
            let want = hex(v["cmac"].as_str().unwrap());
            let mut e = Counting(0);
            let got = engine_cmac(&mut e, &key, &data).unwrap();
            assert_eq!(got.to_vec(), want, "{}", v["id"]);
            assert_eq!(e.0, 2 + data.len().saturating_sub(1) / 16, "{}", v["id"]);
            if let Some(b) = data.first() {
                let mut flipped = data.clone();
                flipped[0] = b ^ 1;
                let got = engine_cmac(&mut Counting(0), &key, &flipped).unwrap();
                assert_ne!(got.to_vec(), want, "{}", v["id"]);
            }
        }
    }
}
