//! Key derivation functions: HKDF-SHA256, SP 800-108 counter mode (CMAC and
//! HMAC), SP 800-56C one-step (SHA-256), and the MAC checks their vectors need.
//!
//! These are the low-level building blocks: they take input keying material
//! as a byte slice and write output into a caller buffer, like the RustCrypto
//! `hkdf`/`kbkdf` crates. The provisioning code wraps them so that the ECDH
//! shared secret and the derived KBPK only ever live in zeroize-on-drop types.
//!
//! Public: every length (key, label, context, output) and the PRF choice.
//! Secret: key bytes, the input keying material and every output byte. All
//! intermediate blocks (PRK, `T(i)`, `K(i)`) are zeroized before return.

use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::keys::KeyMaterial;
use crate::mac::{Cmac, MacKey};
use crate::{Algorithm, Error, VerifyError};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// SHA-256 output length in bytes.
const H: usize = 32;

/// HMAC-SHA256 of the concatenation of `parts` under `key` (any length).
fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of every length; `new_from_slice` cannot fail here.
    let mut out = [0u8; 32];
    if let Ok(mut m) = <HmacSha256 as KeyInit>::new_from_slice(key) {
        for p in parts {
            m.update(p);
        }
        let mut tag = m.finalize().into_bytes();
        out.copy_from_slice(&tag);
        tag[..].zeroize();
    }
    out
}

/// HMAC-SHA256 (RFC 2104 / FIPS 198-1) of `msg` under `key`.
///
/// Keys of any length are accepted (longer than 64 bytes: hashed first).
#[must_use]
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    hmac_parts(key, &[msg])
}

/// Verifies an HMAC-SHA256 tag of exactly `tag_len` bytes (the leftmost
/// `tag_len` bytes of the MAC), in constant time.
///
/// The *verifier* fixes the truncation: `tag_len` comes from the caller's
/// protocol, never from the received tag, so a sender cannot pick a shorter
/// (easier to forge) tag. `tag_len` must be 16..=32 (at least 128 bits).
///
/// # Errors
/// [`VerifyError`] if the tag does not match, `tag.len() != tag_len`, or
/// `tag_len` is outside 16..=32.
pub fn hmac_sha256_verify(
    key: &[u8],
    msg: &[u8],
    tag: &[u8],
    tag_len: usize,
) -> Result<(), VerifyError> {
    let mut full = hmac_sha256(key, msg);
    let r = ct_prefix_eq(&full, tag, tag_len, 16);
    full.zeroize();
    r
}

/// Verifies an AES-CMAC tag of exactly `tag_len` bytes (the leftmost
/// `tag_len` bytes of the CMAC), in constant time.
///
/// The *verifier* fixes the truncation: `tag_len` comes from the caller's
/// protocol (16 unless it specifies a truncation), never from the received
/// tag, so a sender cannot pick an 8-byte tag where 16 are expected.
/// `tag_len` must be 8..=16 (SP 800-38B advises at least 64 bits).
///
/// # Errors
/// [`VerifyError`] if the tag does not match, `tag.len() != tag_len`,
/// `tag_len` is outside 8..=16, or `key` is not an AES key.
pub fn aes_cmac_verify(
    key: &MacKey,
    msg: &[u8],
    tag: &[u8],
    tag_len: usize,
) -> Result<(), VerifyError> {
    let mut m = Cmac::new(&key.0).map_err(|_| VerifyError)?;
    m.update(msg);
    let mut full = m.finalize();
    let r = ct_prefix_eq(&full, tag, tag_len, 8);
    full.zeroize();
    r
}

/// Constant-time comparison of `tag` against the leftmost `tag_len` bytes of
/// `full`; `tag` must be exactly `tag_len` long and `tag_len` in `min..=N`.
/// The lengths are public.
fn ct_prefix_eq<const N: usize>(
    full: &[u8; N],
    tag: &[u8],
    tag_len: usize,
    min: usize,
) -> Result<(), VerifyError> {
    if tag_len < min || tag_len > N || tag.len() != tag_len {
        return Err(VerifyError);
    }
    let want = full.get(..tag_len).ok_or(VerifyError)?;
    if crate::ct::public_verdict(want.ct_eq(tag)) {
        Ok(())
    } else {
        Err(VerifyError)
    }
}

/// HKDF-SHA256 (RFC 5869): extract with `salt` (empty = 32 zero bytes), then
/// expand with `info` into `okm`.
///
/// # Errors
/// [`Error::Length`] if `okm` is longer than 255 × 32 = 8160 bytes.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], okm: &mut [u8]) -> Result<(), Error> {
    hkdf_sha256_parts(salt, ikm, &[info], okm)
}

/// [`hkdf_sha256`] with `info` given as the concatenation of `info_parts`, so
/// that structured info needs no buffer.
///
/// # Errors
/// [`Error::Length`] if `okm` is longer than 8160 bytes.
pub fn hkdf_sha256_parts(
    salt: &[u8],
    ikm: &[u8],
    info_parts: &[&[u8]],
    okm: &mut [u8],
) -> Result<(), Error> {
    if okm.len() > 255 * H {
        return Err(Error::Length {
            field: "HKDF-SHA256 output",
            expected: "at most 8160",
            got: okm.len(),
        });
    }
    // RFC 5869 §2.2: an absent salt is HashLen zero bytes; HMAC pads a shorter
    // key with zeros, so the empty slice already gives the same PRK.
    let mut prk = hmac_parts(salt, &[ikm]);
    let mut t = [0u8; H];
    let mut t_len = 0usize;
    for (i, chunk) in okm.chunks_mut(H).enumerate() {
        let ctr = [(i as u8).wrapping_add(1)];
        let Ok(mut m) = <HmacSha256 as KeyInit>::new_from_slice(&prk) else {
            break;
        };
        m.update(t.get(..t_len).unwrap_or(&[]));
        for p in info_parts {
            m.update(p);
        }
        m.update(&ctr);
        let mut block = m.finalize().into_bytes();
        t.copy_from_slice(&block);
        block[..].zeroize();
        t_len = H;
        chunk.copy_from_slice(t.get(..chunk.len()).unwrap_or(&[]));
    }
    prk.zeroize();
    t.zeroize();
    Ok(())
}

/// The pseudorandom function for SP 800-108.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Prf {
    /// AES-CMAC; the key length (16, 24 or 32 bytes) picks AES-128/192/256.
    CmacAes,
    /// HMAC-SHA256; keys of any length.
    HmacSha256,
}

/// One PRF instance, keyed once and reused for every counter block.
enum PrfKey<'a> {
    Cmac(KeyMaterial),
    Hmac(&'a [u8]),
}

impl<'a> PrfKey<'a> {
    fn new(prf: Prf, key: &'a [u8]) -> Result<Self, Error> {
        match prf {
            Prf::CmacAes => {
                let alg = Algorithm::aes_for_len(key.len()).ok_or(Error::KeyLength {
                    algorithm: "AES-CMAC",
                    got: key.len(),
                })?;
                Ok(PrfKey::Cmac(KeyMaterial::new(alg, key)?))
            }
            Prf::HmacSha256 => Ok(PrfKey::Hmac(key)),
        }
    }

    fn out_len(&self) -> usize {
        match self {
            PrfKey::Cmac(_) => 16,
            PrfKey::Hmac(_) => 32,
        }
    }

    /// PRF over the concatenation of `parts`; the first `out_len()` bytes of
    /// the result are meaningful.
    fn eval(&self, parts: &[&[u8]]) -> [u8; 32] {
        match self {
            PrfKey::Cmac(k) => {
                let mut out = [0u8; 32];
                if let Ok(mut m) = Cmac::new(k) {
                    for p in parts {
                        m.update(p);
                    }
                    let mut t = m.finalize();
                    if let Some(dst) = out.get_mut(..16) {
                        dst.copy_from_slice(&t);
                    }
                    t.zeroize();
                }
                out
            }
            PrfKey::Hmac(k) => hmac_parts(k, parts),
        }
    }
}

/// SP 800-108 counter-mode KDF with an opaque fixed input, the layout of the
/// NIST CAVP vectors: `K(i) = PRF(KI, before ‖ [i]_r ‖ after)` for
/// `i = 1, 2, …`, output the leftmost `out.len()` bytes.
///
/// `r_bits` is the counter width (8, 16, 24 or 32), big-endian. For
/// "counter before fixed input" pass `before = &[]`; for "after", `after = &[]`.
///
/// # Errors
/// [`Error::KeyLength`] for a CMAC key that is not 16, 24 or 32 bytes;
/// [`Error::Parameter`] for another counter width; [`Error::Length`] if the
/// output needs more blocks than the counter can count.
pub fn sp800_108_counter(
    prf: Prf,
    key: &[u8],
    before: &[u8],
    after: &[u8],
    r_bits: u32,
    out: &mut [u8],
) -> Result<(), Error> {
    let r_bytes = match r_bits {
        8 | 16 | 24 | 32 => (r_bits / 8) as usize,
        _ => {
            return Err(Error::Parameter {
                what: "SP 800-108 counter width must be 8, 16, 24 or 32 bits",
            });
        }
    };
    let k = PrfKey::new(prf, key)?;
    let h = k.out_len();
    let blocks = out.len().div_ceil(h) as u64;
    if blocks > (1u64 << r_bits) - 1 {
        return Err(Error::Length {
            field: "SP 800-108 output",
            expected: "at most (2^r - 1) PRF blocks",
            got: out.len(),
        });
    }
    for (i, chunk) in out.chunks_mut(h).enumerate() {
        let ctr = ((i as u32) + 1).to_be_bytes();
        let ctr = ctr.get(4 - r_bytes..).unwrap_or(&[]);
        let mut t = k.eval(&[before, ctr, after]);
        chunk.copy_from_slice(t.get(..chunk.len()).unwrap_or(&[]));
        t.zeroize();
    }
    Ok(())
}

/// SP 800-108 counter-mode KDF with the recommended fixed-input layout
/// (§4.1 with r = 32 and a 32-bit L):
/// `K(i) = PRF(KI, [i]_32 ‖ Label ‖ 0x00 ‖ Context ‖ [L]_32)`, L = output
/// length in bits.
///
/// SP 800-108r1 notes a key-control issue when CMAC is the PRF and the
/// fixed input is attacker-chosen; use it with fixed labels and contexts the
/// protocol controls.
///
/// # Errors
/// As [`sp800_108_counter`]; [`Error::Length`] if `8 × out.len()` does not fit
/// in 32 bits.
pub fn sp800_108_counter_kdf(
    prf: Prf,
    key: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    let l_bits = u32::try_from(out.len())
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or(Error::Length {
            field: "SP 800-108 output",
            expected: "less than 2^29",
            got: out.len(),
        })?;
    let k = PrfKey::new(prf, key)?;
    let h = k.out_len();
    let l = l_bits.to_be_bytes();
    for (i, chunk) in out.chunks_mut(h).enumerate() {
        let ctr = ((i as u32) + 1).to_be_bytes();
        let mut t = k.eval(&[&ctr, label, &[0u8], context, &l]);
        chunk.copy_from_slice(t.get(..chunk.len()).unwrap_or(&[]));
        t.zeroize();
    }
    Ok(())
}

/// NIST SP 800-56C Rev. 2 one-step KDF (§4.1, option 1: H = SHA-256):
/// `K(i) = SHA-256([i]_32 ‖ Z ‖ FixedInfo)`, output the leftmost `out.len()`
/// bytes. `FixedInfo` is the concatenation of `fixed_info` (no buffer needed).
///
/// # Errors
/// [`Error::Length`] if `out` is empty or longer than 8160 bytes (a bound we
/// choose; the standard's is far larger).
pub fn one_step_sha256(z: &[u8], fixed_info: &[&[u8]], out: &mut [u8]) -> Result<(), Error> {
    use sha2::Digest;
    if out.is_empty() || out.len() > 255 * H {
        return Err(Error::Length {
            field: "SP 800-56C one-step output",
            expected: "1 to 8160",
            got: out.len(),
        });
    }
    for (i, chunk) in out.chunks_mut(H).enumerate() {
        let mut d = sha2::Sha256::new();
        d.update(((i as u32) + 1).to_be_bytes());
        d.update(z);
        for p in fixed_info {
            d.update(p);
        }
        let mut t = d.finalize();
        chunk.copy_from_slice(t.get(..chunk.len()).unwrap_or(&[]));
        t[..].zeroize();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> [u8; 32] {
        let mut o = [0u8; 32];
        crate::ct::hex_decode(s.as_bytes(), &mut o).unwrap();
        o
    }

    #[test]
    fn rfc4231_tc2() {
        let t = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            t,
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        hmac_sha256_verify(b"Jefe", b"what do ya want for nothing?", &t[..16], 16).unwrap();
        assert!(
            hmac_sha256_verify(b"Jefe", b"what do ya want for nothing?", &t[..15], 15).is_err()
        );
        assert!(
            hmac_sha256_verify(b"Jefe", b"what do ya want for nothing?", &t[..16], 32).is_err()
        );
    }

    #[test]
    fn one_step_is_hash_of_counter_z_info() {
        use sha2::Digest;
        let mut out = [0u8; 48];
        one_step_sha256(b"zz", &[b"ab", b"c"], &mut out).unwrap();
        let mut h = sha2::Sha256::new();
        h.update([0, 0, 0, 1]);
        h.update(b"zzabc");
        assert_eq!(out[..32], h.finalize()[..]);
        let mut h = sha2::Sha256::new();
        h.update([0, 0, 0, 2]);
        h.update(b"zzabc");
        assert_eq!(out[32..], h.finalize()[..16]);
        assert!(one_step_sha256(b"z", &[], &mut []).is_err());
    }
}
