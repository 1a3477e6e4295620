//! Key derivation: ICC master keys from an issuer master key (EMV Options A, B,
//! C) and session keys from an ICC master key (EMV common session key, the
//! Mastercard SKD, the Visa XOR script keys, the EMV2000 tree).
//!
//! PAN digits and all keys are secret: the Option B decimalisation and every
//! parity adjustment run branch-free over fixed-length loops. The ATC, UN,
//! tree parameters and key algorithm are public.

#[cfg(feature = "tdes")]
use sha1::Digest;
use zeroize::Zeroize;

use super::types::{Atc, Cryptogram, UnpredictableNumber};
use crate::cipher::BlockKey;
use crate::digits::{pack_bcd, pan_psn_right};
use crate::keys::role_sealed::Role;
use crate::keys::{IssuerKey, KeyMaterial, ScriptMasterKey};
use crate::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn, SessionKey};

/// How an ICC master key is derived from an issuer master key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MkDerivation {
    /// EMV Option A (TDES): rightmost 16 digits of PAN ‖ PSN.
    OptionA,
    /// EMV Option B (TDES + SHA-1): Option A for PANs of up to 16 digits.
    OptionB,
    /// Option B's SHA-1 path for every PAN length, as jPOS applies it for
    /// dCVV and CVC3 keys. Not EMV Book 2's rule (which falls back to Option
    /// A for short PANs); here to interoperate with systems that do this.
    OptionBAlwaysHash,
    /// EMV Option C (AES): PAN ‖ PSN left-padded to 32 digits.
    OptionC,
}

/// Derives the ICC master key with `method`, typed by the issuer key's
/// family: an [`IssuerMasterKey`] (IMK-AC) gives a [`CardMasterKey`]
/// (MK-AC), an [`IssuerMacKey`](crate::IssuerMacKey) a
/// [`CardMacKey`](crate::CardMacKey), an [`IssuerEncKey`](crate::IssuerEncKey)
/// a [`CardEncKey`](crate::CardEncKey), and so on ([`IssuerKey`]).
///
/// # Errors
/// [`Error::KeyAlgorithm`] if the IMK's algorithm does not fit the method
/// (Options A/B need a two-key TDES IMK, Option C an AES IMK).
pub fn derive_card_key<I: IssuerKey>(
    method: MkDerivation,
    imk: &I,
    pan: &Pan,
    psn: Psn,
) -> Result<I::Card, Error> {
    let imk = imk.material();
    let m = match method {
        #[cfg(feature = "tdes")]
        MkDerivation::OptionA => option_a_m(imk, pan, psn)?,
        #[cfg(feature = "tdes")]
        MkDerivation::OptionB if pan.len() <= 16 => option_a_m(imk, pan, psn)?,
        #[cfg(feature = "tdes")]
        MkDerivation::OptionB | MkDerivation::OptionBAlwaysHash => {
            option_b_always_hash_m(imk, pan, psn)?
        }
        #[cfg(not(feature = "tdes"))]
        MkDerivation::OptionA | MkDerivation::OptionB | MkDerivation::OptionBAlwaysHash => {
            return Err(Error::KeyAlgorithm {
                operation: "EMV Options A/B",
                needs: "two-key TDES (tapcrypt's `tdes` feature is off)",
            });
        }
        #[cfg(feature = "aes")]
        MkDerivation::OptionC => option_c_m(imk, pan, psn, imk.algorithm().key_len())?,
        #[cfg(not(feature = "aes"))]
        MkDerivation::OptionC => {
            return Err(Error::KeyAlgorithm {
                operation: "EMV Option C",
                needs: "AES (tapcrypt's `aes` feature is off)",
            });
        }
    };
    Ok(I::Card::from_material(m))
}

#[cfg(feature = "tdes")]
fn need_tdes2(k: &KeyMaterial, operation: &'static str) -> Result<(), Error> {
    if k.algorithm() == Algorithm::Tdes2 {
        Ok(())
    } else {
        Err(Error::KeyAlgorithm {
            operation,
            needs: "two-key TDES",
        })
    }
}

#[cfg(feature = "tdes")]
/// `odd_parity(TDES_K(y) ‖ TDES_K(y ⊕ FF..FF))`: the last two steps of Options A and B.
fn tdes_pair_from_y(imk: &KeyMaterial, mut y: [u8; 8]) -> KeyMaterial {
    let k = imk.block_key();
    let mut out = [0u8; 16];
    if let BlockKey::Tdes(t) = &k {
        let mut zl = y;
        t.encrypt_block(&mut zl);
        let mut zr = y;
        for b in zr.iter_mut() {
            *b ^= 0xFF;
        }
        t.encrypt_block(&mut zr);
        out[..8].copy_from_slice(&zl);
        out[8..].copy_from_slice(&zr);
        zl.zeroize();
        zr.zeroize();
    }
    y.zeroize();
    crate::ct::odd_parity(&mut out);
    KeyMaterial::from_array(Algorithm::Tdes2, out)
}

#[cfg(feature = "tdes")]
/// EMV Option A.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the IMK is two-key TDES.
pub fn option_a(imk: &IssuerMasterKey, pan: &Pan, psn: Psn) -> Result<CardMasterKey, Error> {
    option_a_m(&imk.0, pan, psn).map(CardMasterKey)
}

#[cfg(feature = "tdes")]
fn option_a_m(imk: &KeyMaterial, pan: &Pan, psn: Psn) -> Result<KeyMaterial, Error> {
    need_tdes2(imk, "EMV Option A")?;
    Ok(tdes_pair_from_y(imk, option_a_y(pan, psn)))
}

#[cfg(feature = "tdes")]
/// Option A's `Y`: BCD of the rightmost 16 digits of PAN ‖ PSN.
fn option_a_y(pan: &Pan, psn: Psn) -> [u8; 8] {
    let mut digits = pan_psn_right::<16>(pan, psn);
    let mut y = [0u8; 8];
    pack_bcd(&digits, &mut y);
    digits.zeroize();
    y
}

#[cfg(feature = "tdes")]
/// The 8-byte `Y` that Options A and B encrypt under the IMK (the ICC
/// master key is `odd_parity(TDES_IMK(Y) ‖ TDES_IMK(Y ⊕ FF..FF))`), for the
/// batch path, which runs those encryptions bitsliced.
///
/// # Errors
/// [`Error::Parameter`] for Option C (AES: no such `Y`).
pub(crate) fn tdes_card_key_y(method: MkDerivation, pan: &Pan, psn: Psn) -> Result<[u8; 8], Error> {
    match method {
        MkDerivation::OptionA => Ok(option_a_y(pan, psn)),
        MkDerivation::OptionB if pan.len() <= 16 => Ok(option_a_y(pan, psn)),
        MkDerivation::OptionB | MkDerivation::OptionBAlwaysHash => Ok(option_b_y(pan, psn)),
        MkDerivation::OptionC => Err(Error::Parameter {
            what: "Option C derives an AES key",
        }),
    }
}

#[cfg(feature = "tdes")]
/// EMV Option B: SHA-1 over PAN ‖ PSN, decimalised, for PANs over 16 digits;
/// Option A otherwise.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the IMK is two-key TDES.
pub fn option_b(imk: &IssuerMasterKey, pan: &Pan, psn: Psn) -> Result<CardMasterKey, Error> {
    if pan.len() <= 16 {
        return option_a(imk, pan, psn);
    }
    option_b_always_hash(imk, pan, psn)
}

#[cfg(feature = "tdes")]
/// Option B's hashing path whatever the PAN length (see
/// [`MkDerivation::OptionBAlwaysHash`]).
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the IMK is two-key TDES.
pub fn option_b_always_hash(
    imk: &IssuerMasterKey,
    pan: &Pan,
    psn: Psn,
) -> Result<CardMasterKey, Error> {
    option_b_always_hash_m(&imk.0, pan, psn).map(CardMasterKey)
}

#[cfg(feature = "tdes")]
fn option_b_always_hash_m(imk: &KeyMaterial, pan: &Pan, psn: Psn) -> Result<KeyMaterial, Error> {
    need_tdes2(imk, "EMV Option B")?;
    Ok(tdes_pair_from_y(imk, option_b_y(pan, psn)))
}

#[cfg(feature = "tdes")]
/// Option B's `Y`: SHA-1 over PAN ‖ PSN, decimalised, packed.
fn option_b_y(pan: &Pan, psn: Psn) -> [u8; 8] {
    // X = PAN ‖ PSN, with a leading '0' if odd; at most 21 digits → 11 bytes.
    let n = pan.len() + 2;
    let mut digits = [0u8; 22];
    let off = n % 2; // public: the PAN length is public
    if let Some(dst) = digits.get_mut(off..off + pan.len()) {
        dst.copy_from_slice(pan.digit_values());
    }
    if let Some(dst) = digits.get_mut(off + pan.len()..off + n) {
        dst.copy_from_slice(&psn.digit_values());
    }
    let nbytes = (n + off) / 2;
    let mut packed = [0u8; 11];
    pack_bcd(&digits, &mut packed);
    let mut d = sha1::Sha1::digest(packed.get(..nbytes).unwrap_or(&[]));
    digits.zeroize();
    packed.zeroize();

    let mut y_digits = decimalise_sha1(&d);
    d.as_mut_slice().zeroize();
    let mut y = [0u8; 8];
    pack_bcd(&y_digits, &mut y);
    y_digits.zeroize();
    y
}

#[cfg(feature = "tdes")]
/// Option B steps 4–5: the first 16 decimal nibbles of the digest, then
/// letters mapped A→0 … F→5 (constant time, see `ct::decimalise`).
fn decimalise_sha1(d: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    crate::ct::decimalise(d.get(..20).unwrap_or(d), &mut out);
    out
}

#[cfg(feature = "aes")]
/// EMV Option C (AES): `leftmost k bytes of AES_IMK(Y) ‖ AES_IMK(Y ⊕ FF..FF)`,
/// `Y` = BCD of PAN ‖ PSN left-padded to 32 digits. `k` is normally the IMK
/// length (16, 24 or 32).
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the IMK is AES; [`Error::Parameter`] if
/// `k` is not 16, 24 or 32.
pub fn option_c(
    imk: &IssuerMasterKey,
    pan: &Pan,
    psn: Psn,
    k: usize,
) -> Result<CardMasterKey, Error> {
    option_c_m(&imk.0, pan, psn, k).map(CardMasterKey)
}

#[cfg(feature = "aes")]
fn option_c_m(imk: &KeyMaterial, pan: &Pan, psn: Psn, k: usize) -> Result<KeyMaterial, Error> {
    if imk.algorithm().is_tdes() {
        return Err(Error::KeyAlgorithm {
            operation: "EMV Option C",
            needs: "AES",
        });
    }
    let alg = Algorithm::aes_for_len(k).ok_or(Error::Parameter {
        what: "Option C key length must be 16, 24 or 32 bytes",
    })?;
    let mut y = option_c_y(pan, psn);
    let out = aes_pair(&imk.block_key(), &y, &y, true, k);
    y.zeroize();
    Ok(KeyMaterial::from_array(alg, out).truncated(alg))
}

/// Option C's input Y: the BCD of PAN ‖ PSN, left-padded with zeros to 32
/// digits. Secret (it holds the PAN): the caller wipes it.
///
/// The digits are placed into one `u128`, four bits each: PAN ‖ PSN is at
/// most 21 digits, so the zero padding is the value's top nibbles and no
/// digit buffer is made (or has to be wiped: on a backend's batch path the
/// old digit array, its copy and their byte-wise wipes were a sixth of an
/// AES item's time). Each of the 19 buffer positions goes to a fixed nibble
/// (independent steps, not a chain of 128-bit shifts), and one shift by
/// the length (public) drops the positions past the PAN and right-aligns it
/// before the PSN is appended.
#[cfg(feature = "aes")]
pub(crate) fn option_c_y(pan: &Pan, psn: Psn) -> [u8; 16] {
    option_c_y_value(pan, psn).to_be_bytes()
}

/// [`option_c_y`] as a big-endian number, for a caller that keeps it in
/// registers (the batch path: a 16-byte array returned through memory and
/// read back as one 128-bit load stalled store forwarding there).
#[cfg(feature = "aes")]
#[inline]
pub(crate) fn option_c_y_value(pan: &Pan, psn: Psn) -> u128 {
    let (buf, len) = pan.digit_buffer();
    let mut acc = 0u128;
    for (i, &d) in buf.iter().enumerate() {
        // Whatever follows the digits stays in its own nibble (`& 0x0F`)...
        acc |= u128::from(d & 0x0F) << (4 * (buf.len() - 1 - i));
    }
    // ...which is among the low ones this shift (by a public amount) drops.
    acc >>= 4 * (buf.len() - len.min(buf.len()));
    let [p0, p1] = psn.digit_values();
    acc << 8 | u128::from(p0) << 4 | u128::from(p1)
}

#[cfg(feature = "aes")]
/// `AES_K(a) ‖ AES_K(b ⊕ FF..FF if invert)`, both 16 bytes, into a 32-byte
/// buffer; only the first block is computed when `k` = 16. The two halves
/// are one paired call (`encrypt_pair`: the fixsliced cores, ours and the
/// `aes` crate's, encrypt two blocks for the price of one).
fn aes_pair(key: &BlockKey, a: &[u8; 16], b: &[u8; 16], invert: bool, k: usize) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let BlockKey::Aes(c) = key {
        let mut l = *a;
        if k > 16 {
            let mut r = *b;
            if invert {
                for x in r.iter_mut() {
                    *x ^= 0xFF;
                }
            }
            c.encrypt_pair(&mut l, &mut r);
            out[16..].copy_from_slice(&r);
            r.zeroize();
        } else {
            c.encrypt_block(&mut l);
        }
        out[..16].copy_from_slice(&l);
        l.zeroize();
    }
    out
}

/// The EMV common session key (Book 2 A1.3.1) from an n-byte diversification
/// value `r` (n = 8 for TDES, 16 for AES).
///
/// * TDES: `odd_parity(TDES_MK(F1) ‖ TDES_MK(F2))`, F1/F2 = R with byte 2
///   **replaced** by F0 / 0F.
/// * AES-128: `AES_MK(R)` — R unchanged.
/// * AES-192/256: leftmost k bytes of `AES_MK(F1) ‖ AES_MK(F2)`.
///
/// # Errors
/// [`Error::Length`] if `r` is not one block; [`Error::KeyAlgorithm`] for a
/// three-key TDES master key (not defined by EMV).
pub fn common_session_key(mk: &CardMasterKey, r: &[u8]) -> Result<SessionKey, Error> {
    common_session_key_with(&mk.0.block_key(), mk.algorithm(), r)
}

/// [`common_session_key`] with the card key's schedule already expanded.
pub(crate) fn common_session_key_with(
    mk: &BlockKey,
    alg: Algorithm,
    r: &[u8],
) -> Result<SessionKey, Error> {
    let n = alg.block_len();
    if r.len() != n {
        return Err(Error::Length {
            field: "session key diversification value R",
            expected: if n == 8 { "8" } else { "16" },
            got: r.len(),
        });
    }
    match alg {
        #[cfg(feature = "tdes")]
        Algorithm::Tdes2 => {
            let mut f1 = [0u8; 8];
            crate::ct::copy(&mut f1, r);
            let mut f2 = f1;
            f1[2] = 0xF0;
            f2[2] = 0x0F;
            Ok(SessionKey(tdes_pair(mk, &f1, &f2)))
        }
        #[cfg(feature = "tdes")]
        Algorithm::Tdes3 => Err(Error::KeyAlgorithm {
            operation: "the EMV common session key",
            needs: "two-key TDES or AES",
        }),
        #[cfg(feature = "aes")]
        _ => {
            let mut f1 = [0u8; 16];
            crate::ct::copy(&mut f1, r);
            let k = alg.key_len();
            if k == 16 {
                let out = aes_pair(mk, &f1, &f1, false, 16);
                return Ok(SessionKey(KeyMaterial::from_array(alg, out).truncated(alg)));
            }
            let mut f2 = f1;
            f1[2] = 0xF0;
            f2[2] = 0x0F;
            let out = aes_pair(mk, &f1, &f2, false, k);
            Ok(SessionKey(KeyMaterial::from_array(alg, out).truncated(alg)))
        }
    }
}

#[cfg(feature = "tdes")]
/// `odd_parity(TDES_K(a) ‖ TDES_K(b))` as a two-key TDES key.
fn tdes_pair(key: &BlockKey, a: &[u8; 8], b: &[u8; 8]) -> KeyMaterial {
    let mut out = [0u8; 16];
    if let BlockKey::Tdes(t) = key {
        let mut l = *a;
        t.encrypt_block(&mut l);
        let mut r = *b;
        t.encrypt_block(&mut r);
        out[..8].copy_from_slice(&l);
        out[8..].copy_from_slice(&r);
        l.zeroize();
        r.zeroize();
    }
    crate::ct::odd_parity(&mut out);
    KeyMaterial::from_array(Algorithm::Tdes2, out)
}

/// The AC / ARPC session key: common session key with R = ATC ‖ 00…00.
///
/// # Errors
/// As [`common_session_key`].
pub fn session_key_ac(mk: &CardMasterKey, atc: Atc) -> Result<SessionKey, Error> {
    session_key_ac_with(&mk.0.block_key(), mk.algorithm(), atc)
}

pub(crate) fn session_key_ac_with(
    mk: &BlockKey,
    alg: Algorithm,
    atc: Atc,
) -> Result<SessionKey, Error> {
    let mut r = [0u8; 16];
    r[..2].copy_from_slice(&atc.0);
    common_session_key_with(mk, alg, r.get(..alg.block_len()).unwrap_or(&[]))
}

/// Script (secure messaging) session key: common session key with R = the
/// ARQC (‖ 00*8 for AES — EMV Book 2 Annex A1.3 gives the TDES form; the AES
/// layout is inferred).
/// Typed by role: MK-SMI ([`CardMacKey`](crate::CardMacKey)) gives SK-SMI
/// ([`ScriptMacKey`](crate::ScriptMacKey)), MK-SMC gives SK-SMC.
///
/// # Errors
/// As [`common_session_key`].
pub fn session_key_script<K: ScriptMasterKey>(
    mk: &K,
    arqc: &Cryptogram,
) -> Result<K::Session, Error> {
    let mk = mk.material();
    let mut r = [0u8; 16];
    r[..8].copy_from_slice(&arqc.0);
    let n = mk.algorithm().block_len();
    let sk = common_session_key_with(&mk.block_key(), mk.algorithm(), r.get(..n).unwrap_or(&[]))?;
    let SessionKey(m) = sk;
    Ok(K::Session::from_material(m))
}

#[cfg(feature = "tdes")]
/// Mastercard proprietary SKD (M/Chip): R = ATC ‖ 00 00 ‖ UN, then the TDES
/// common session key procedure.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the card key is two-key TDES.
pub fn mastercard_skd(
    mk: &CardMasterKey,
    atc: Atc,
    un: UnpredictableNumber,
) -> Result<SessionKey, Error> {
    mastercard_skd_with(&mk.0.block_key(), mk.algorithm(), atc, un)
}

#[cfg(feature = "tdes")]
pub(crate) fn mastercard_skd_with(
    mk: &BlockKey,
    alg: Algorithm,
    atc: Atc,
    un: UnpredictableNumber,
) -> Result<SessionKey, Error> {
    if alg != Algorithm::Tdes2 {
        return Err(Error::KeyAlgorithm {
            operation: "the Mastercard SKD",
            needs: "two-key TDES",
        });
    }
    let mut r = [0u8; 8];
    r[..2].copy_from_slice(&atc.0);
    r[4..].copy_from_slice(&un.0);
    common_session_key_with(mk, alg, &r)
}

#[cfg(feature = "tdes")]
/// Visa script session key by XOR (CVN 10 and 18):
/// `SK_L = MK_L ⊕ (00*6 ‖ ATC)`, `SK_R = MK_R ⊕ (00*6 ‖ ATC ⊕ FFFF)`, odd parity.
/// Typed by role, as [`session_key_script`].
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the card key is two-key TDES.
pub fn visa_xor_session_key<K: ScriptMasterKey>(mk: &K, atc: Atc) -> Result<K::Session, Error> {
    let mk = mk.material();
    need_tdes2(mk, "the Visa XOR session key")?;
    let mut k = [0u8; 16];
    crate::ct::copy(&mut k, mk.bytes());
    k[6] ^= atc.0[0];
    k[7] ^= atc.0[1];
    k[14] ^= !atc.0[0];
    k[15] ^= !atc.0[1];
    crate::ct::odd_parity(&mut k);
    Ok(K::Session::from_material(KeyMaterial::from_array(
        Algorithm::Tdes2,
        k,
    )))
}

/// Parameters of the EMV2000 tree-based session key derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeParams {
    /// Tree height H (pyemv uses 8 or 16).
    pub height: u8,
    /// Branch factor b: 2, 4, 8 or 16 (EMV uses 2 or 4). Powers of two only,
    /// so that node indices are shifts, not divisions.
    pub branch_factor: u8,
    /// Initial value, normally zero.
    pub iv: [u8; 16],
}

impl TreeParams {
    /// Height 8, branch factor 4, zero IV.
    pub const H8_B4: TreeParams = TreeParams {
        height: 8,
        branch_factor: 4,
        iv: [0; 16],
    };
    /// Height 16, branch factor 2, zero IV.
    pub const H16_B2: TreeParams = TreeParams {
        height: 16,
        branch_factor: 2,
        iv: [0; 16],
    };
}

#[cfg(feature = "tdes")]
/// EMV2000 tree-based session key (legacy; only for verifying old cards).
///
/// # Errors
/// [`Error::Parameter`] if b is not 2, 4, 8 or 16, H is not 2..=32, or b^H
/// does not cover every ATC value; [`Error::KeyAlgorithm`] unless the card
/// key is two-key TDES.
pub fn emv2000_tree_session_key(
    mk: &CardMasterKey,
    atc: Atc,
    p: TreeParams,
) -> Result<SessionKey, Error> {
    need_tdes2(&mk.0, "the EMV2000 tree derivation")?;
    let b = u32::from(p.branch_factor);
    let h = u32::from(p.height);
    let log_b = match b {
        2 => 1,
        4 => 2,
        8 => 3,
        16 => 4,
        _ => 0,
    };
    if log_b == 0 || !(2..=32).contains(&h) || log_b * h < 16 {
        return Err(Error::Parameter {
            what: "EMV2000 tree: need branch factor 2, 4, 8 or 16, height 2..=32 and b^H >= 65536",
        });
    }
    // The ATC is public. Node index at `level` on the path to leaf `atc` is
    // atc div b^(H - level), a shift (b is a power of two).
    let atc = u32::from(atc.to_u16());
    let mask = b - 1;
    let index_at = |level: u32| -> u32 { atc.checked_shr(log_b * (h - level)).unwrap_or(0) };
    // Walk the path to leaf `atc`, keeping IK(level) and IK(level - 1);
    // IK(0) is the card key and IK(-1) the IV.
    let mut g2 = p.iv;
    let mut p1 = [0u8; 16];
    crate::ct::copy(&mut p1, mk.0.bytes());
    for level in 1..h {
        let mut node = tree_f(&p1, &g2, index_at(level) & mask);
        g2 = p1;
        p1 = node;
        // Intermediate keys: no copy outlives its use.
        node.zeroize();
    }
    // The session key is the leaf node XORed with its grandparent IK(H-2).
    let mut sk = tree_f(&p1, &g2, atc & mask);
    for (s, g) in sk.iter_mut().zip(g2.iter()) {
        *s ^= *g;
    }
    crate::ct::odd_parity(&mut sk);
    p1.zeroize();
    g2.zeroize();
    let key = SessionKey(KeyMaterial::from_array(Algorithm::Tdes2, sk));
    sk.zeroize();
    Ok(key)
}

#[cfg(feature = "tdes")]
/// `F(X, Y, j) = TDES_X(Y_L ⊕ J) ‖ TDES_X(Y_R ⊕ J ⊕ 00*7‖F0)`, J = j as 8 bytes.
fn tree_f(x: &[u8; 16], y: &[u8; 16], j: u32) -> [u8; 16] {
    let t = crate::cipher::Tdes::from_slice(x);
    let jb = u64::from(j).to_be_bytes();
    let mut l = [0u8; 8];
    let mut r = [0u8; 8];
    let (yl, yr) = y.split_at(8);
    for (((l, r), (a, b)), j) in l
        .iter_mut()
        .zip(r.iter_mut())
        .zip(yl.iter().zip(yr))
        .zip(jb)
    {
        *l = a ^ j;
        *r = b ^ j;
    }
    r[7] ^= 0xF0;
    t.encrypt_block(&mut l);
    t.encrypt_block(&mut r);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&l);
    out[8..].copy_from_slice(&r);
    l.zeroize();
    r.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Option C's Y is "PAN ‖ PSN, left-padded with zeros to 32 digits, as
    /// BCD" (EMV Book 2 A1.4.3): the expected bytes come from the digit
    /// string itself (zero-padded text, read as hex), not from our packing,
    /// for every PAN length and PSN, with digits that differ position by
    /// position.
    #[cfg(feature = "aes")]
    #[test]
    fn option_c_y_is_the_padded_digit_string() {
        use std::format;
        for len in Pan::MIN_DIGITS..=Pan::MAX_DIGITS {
            for psn in ["00", "01", "59", "99"] {
                let digits: std::string::String = (0..len)
                    .map(|i| char::from(b'0' + ((i * 7 + len) % 10) as u8))
                    .collect();
                let pan = Pan::parse(&digits).unwrap();
                let text = format!("{:0>32}", format!("{digits}{psn}"));
                let want = u128::from_str_radix(&text, 16).unwrap().to_be_bytes();
                assert_eq!(option_c_y(&pan, Psn::parse(psn).unwrap()), want, "{text}");
            }
        }
        // An absent PSN is 00.
        let pan = Pan::parse("5413330089010434").unwrap();
        let want = u128::from_str_radix("00000000000000541333008901043400", 16).unwrap();
        assert_eq!(option_c_y(&pan, Psn::ABSENT), want.to_be_bytes());
    }

    #[test]
    fn decimalisation_matches_spec_example() {
        // EMV Book 2 Annex A1.4.2 (Option B) / icc_mk_option_b-001: SHA-1 42018CCE… → 4201892658095334.
        let d: [u8; 20] = [
            0x42, 0x01, 0x8C, 0xCE, 0xD9, 0x26, 0x58, 0x09, 0x5A, 0xF3, 0x34, 0x20, 0x79, 0x76,
            0xCA, 0x56, 0xF2, 0x27, 0x8D, 0xD6,
        ];
        let y = decimalise_sha1(&d);
        assert_eq!(y, [4, 2, 0, 1, 8, 9, 2, 6, 5, 8, 0, 9, 5, 3, 3, 4]);
    }

    #[test]
    fn decimalisation_letter_pass() {
        // All letters: first pass finds nothing, second maps A..F to 0..5.
        let d = [0xABu8; 20];
        assert_eq!(
            decimalise_sha1(&d),
            [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
        );
        // 10 decimal nibbles then letters.
        let mut d = [0xFFu8; 20];
        d[..5].copy_from_slice(&[0x12, 0x34, 0x56, 0x78, 0x90]);
        assert_eq!(
            decimalise_sha1(&d),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 5, 5, 5, 5, 5, 5]
        );
    }
}
