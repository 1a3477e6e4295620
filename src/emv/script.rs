//! Issuer scripts (secure messaging): script session keys, command MACs,
//! command data encryption, PIN-change blocks and whole PIN-change commands.
//!
//! * Command MAC (EMV Book 2 §9.2, secure messaging for integrity): retail MAC, padding 2, under SK_SMI, over
//!   `CLA INS P1 P2 Lc ‖ ATC ‖ ARQC ‖ data` (Interac: header ‖ data).
//! * Data encryption (§9.2) under SK_SMC: Visa = length-prefixed, padding 2,
//!   TDES-ECB; Mastercard = padding 2 only if unaligned, TDES-CBC (IV 0);
//!   EMV = always padding 2, TDES-CBC.
//! * PIN blocks (§9.3): ISO 9564-1 format 2, and the Visa VIS block with and
//!   without the current PIN.
//!
//! Keys are typed by role: SK-SMI is a [`ScriptMacKey`] (derived from an
//! MK-SMI, [`CardMacKey`](crate::CardMacKey)), SK-SMC a [`ScriptEncKey`]
//! (from an MK-SMC, [`CardEncKey`](crate::CardEncKey)); the VIS PIN block
//! takes the MK-AC ([`CardMasterKey`]). Passing one where the other is
//! expected does not compile (see the `compile_fail` examples on
//! `hazmat::pin_change_command`).
//!
//! **Scripts answer a verified ARQC.** A script command is bound to the ATC
//! and ARQC of the authorisation it answers (its session key is derived from
//! the ARQC for most CVNs, and its MAC covers ATC ‖ ARQC), so the issuer's
//! entry points take the proof: [`VerifiedArqc::script_session_key`],
//! [`VerifiedArqc::script_command_mac`] and
//! [`VerifiedArqc::pin_change_command`], with the CVN's pinned
//! [`ScriptProfile`]. The forms that take a raw ATC and ARQC are in `hazmat`
//! (feature `hazmat`): they would MAC and encrypt under keys diversified by
//! values nobody verified.
//!
//! Keys and PINs are secret; lengths are public. The AES variants of secure
//! messaging are not implemented: no public definition or vector was found
//! (EMV Book 2 §9, \[U\]).

use zeroize::Zeroize;

use super::cryptogram::VerifiedArqc;
use super::derive;
use super::types::{Atc, Cryptogram};
#[cfg(feature = "tdes")]
use crate::cipher::BlockKey;
#[cfg(feature = "tdes")]
use crate::keys::{KeyMaterial, ScriptMasterKey};
#[cfg(feature = "tdes")]
use crate::mac::{Padding, RetailMac};
use crate::{CardMasterKey, Error, ScriptEncKey, ScriptMacKey};

/// How script session keys are derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScriptKeyMethod {
    /// Visa XOR with the ATC.
    VisaXor,
    /// EMV common session key with R = ARQC.
    CommonSessionKeyArqc,
}

/// Command data encryption layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScriptEncryption {
    /// 1-byte length prefix, padding 2, TDES-ECB.
    Visa,
    /// Padding 2 only if not a multiple of 8, TDES-CBC with zero IV.
    Mastercard,
    /// Always padding 2, TDES-CBC with zero IV.
    Emv,
}

/// Which PIN block a PIN change carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinBlockFormat {
    /// Visa VIS PIN block, with or without the current PIN.
    Vis,
    /// ISO 9564-1 format 2.
    Iso9564Format2,
    /// ISO format 2 for a new PIN, VIS when the current PIN is given (Visa CVN '22').
    Iso2NewVisWithCurrent,
}

/// Everything a CVN says about issuer scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScriptProfile {
    /// Script session key derivation.
    pub keys: ScriptKeyMethod,
    /// Command data encryption.
    pub encryption: ScriptEncryption,
    /// PIN block for PIN change.
    pub pin_block: PinBlockFormat,
    /// Whether the MAC input carries ATC ‖ ARQC after the header (not for Interac).
    pub mac_includes_atc_arqc: bool,
    /// Mastercard rule: the n-th command of a response (n ≥ 1) uses R = ARQC + n.
    pub increment_arqc_per_command: bool,
}

/// A PIN: 4 to 12 digits. Zeroized on drop, `Debug` prints only the length.
pub struct Pin {
    digits: [u8; 12],
    len: usize,
}

impl Pin {
    /// Parses 4 to 12 decimal digits.
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        let len = s.len();
        if !(4..=12).contains(&len) {
            return Err(Error::DigitCount {
                field: "PIN",
                min: 4,
                max: 12,
                got: len,
            });
        }
        let mut digits = [0u8; 12];
        let r = crate::digits::parse_digits(
            s.as_bytes(),
            digits.get_mut(..len).unwrap_or(&mut []),
            "PIN",
        );
        if let Err(e) = r {
            digits.zeroize();
            return Err(e);
        }
        Ok(Pin { digits, len })
    }

    fn values(&self) -> &[u8] {
        self.digits.get(..self.len).unwrap_or(&[])
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        self.digits.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Pin {}

impl core::fmt::Debug for Pin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pin")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Writes nibbles into an 8-byte block from nibble position `at`, the rest
/// staying as initialised.
fn put_nibbles(block: &mut [u8; 8], at: usize, nibbles: &[u8]) {
    for (i, v) in nibbles.iter().enumerate() {
        let pos = at + i;
        if let Some(b) = block.get_mut(pos / 2) {
            if pos.is_multiple_of(2) {
                *b = (*b & 0x0F) | (v << 4);
            } else {
                *b = (*b & 0xF0) | (v & 0x0F);
            }
        }
    }
}

/// ISO 9564-1 format 2: `2L ‖ PIN ‖ F…F` (8 bytes).
#[must_use]
pub fn iso9564_format2(pin: &Pin) -> [u8; 8] {
    let mut b = [0xFFu8; 8];
    b[0] = 0x20 | pin.len as u8;
    put_nibbles(&mut b, 2, pin.values());
    b
}

#[cfg(feature = "tdes")]
/// Visa VIS PIN block: `(00*4 ‖ MK-AC[4..8]) ⊕ (len ‖ PIN ‖ F…F)`, and with
/// the current PIN additionally ⊕ the current PIN right-padded with 0 to 16
/// digits.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the ICC MK-AC is two-key TDES.
pub fn vis_pin_block(
    mk_ac: &CardMasterKey,
    pin: &Pin,
    current: Option<&Pin>,
) -> Result<[u8; 8], Error> {
    if mk_ac.algorithm() != crate::Algorithm::Tdes2 {
        return Err(Error::KeyAlgorithm {
            operation: "the VIS PIN block",
            needs: "two-key TDES",
        });
    }
    let mut b = [0xFFu8; 8];
    b[0] = pin.len as u8;
    put_nibbles(&mut b, 2, pin.values());
    for (x, k) in b.iter_mut().skip(4).zip(mk_ac.0.bytes().iter().skip(4)) {
        *x ^= *k;
    }
    if let Some(cur) = current {
        let mut c = [0u8; 8];
        put_nibbles(&mut c, 0, cur.values());
        for (x, y) in b.iter_mut().zip(c.iter()) {
            *x ^= *y;
        }
        c.zeroize();
    }
    Ok(b)
}

#[cfg(feature = "tdes")]
fn tdes_of(key: &KeyMaterial, operation: &'static str) -> Result<BlockKey, Error> {
    match key.block_key() {
        #[cfg(feature = "tdes")]
        k @ BlockKey::Tdes(_) => Ok(k),
        #[cfg(feature = "aes")]
        BlockKey::Aes(_) => Err(Error::KeyAlgorithm {
            operation,
            needs: "two-key TDES (AES secure messaging is not defined publicly)",
        }),
    }
}

#[cfg(feature = "tdes")]
/// Command MAC: 8-byte retail MAC (padding 2) over `data` (the caller has
/// assembled header ‖ ATC ‖ ARQC ‖ command data as its CVN requires).
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless SK_SMI is two-key TDES (the retail MAC
/// would ignore a third key).
pub fn command_mac(sk_smi: &ScriptMacKey, data: &[u8]) -> Result<[u8; 8], Error> {
    command_mac_parts(sk_smi, &[data])
}

#[cfg(feature = "tdes")]
fn command_mac_parts(sk_smi: &ScriptMacKey, parts: &[&[u8]]) -> Result<[u8; 8], Error> {
    let BlockKey::Tdes(t) = tdes_of(&sk_smi.0, "the script command MAC")? else {
        return Err(Error::Parameter {
            what: "unreachable",
        });
    };
    let mut m = RetailMac::new(&t, Padding::Method2, "the script command MAC")?;
    for p in parts {
        m.update(p);
    }
    Ok(m.finalize())
}

#[cfg(feature = "tdes")]
/// Encrypts command data into `out` and returns the ciphertext length.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless SK_SMC is TDES; [`Error::Length`] if the
/// data is over 239 bytes or `out` is too small.
pub fn encrypt_command_data(
    sk_smc: &ScriptEncKey,
    layout: ScriptEncryption,
    data: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    if data.len() > 239 {
        return Err(Error::Length {
            field: "script command data",
            expected: "at most 239",
            got: data.len(),
        });
    }
    let BlockKey::Tdes(t) = tdes_of(&sk_smc.0, "script data encryption")? else {
        return Err(Error::Parameter {
            what: "unreachable",
        });
    };
    // Build the plaintext in `out`, then encrypt it in place.
    let (prefix, pad) = match layout {
        ScriptEncryption::Visa => (1, Some(Padding::Method2)),
        ScriptEncryption::Mastercard if data.len().is_multiple_of(8) && !data.is_empty() => {
            (0, None)
        }
        ScriptEncryption::Mastercard | ScriptEncryption::Emv => (0, Some(Padding::Method2)),
    };
    let body = data.len() + prefix;
    let n = match pad {
        Some(p) => p.padded_len(body, 8),
        None => body,
    };
    let got = out.len();
    let buf = out.get_mut(..n).ok_or(Error::Length {
        field: "script encryption output buffer",
        expected: "at least the padded length",
        got,
    })?;
    buf.fill(0);
    if let Some(b) = buf.first_mut().filter(|_| prefix == 1) {
        *b = data.len() as u8;
    }
    if let Some(dst) = buf.get_mut(prefix..body) {
        dst.copy_from_slice(data);
    }
    if let (Some(_), Some(b)) = (pad, buf.get_mut(body)) {
        *b = 0x80;
    }
    let cbc = layout != ScriptEncryption::Visa;
    let mut chain = [0u8; 8];
    for block in buf.chunks_exact_mut(8) {
        let mut x = [0u8; 8];
        x.copy_from_slice(block);
        if cbc {
            for (a, c) in x.iter_mut().zip(chain.iter()) {
                *a ^= *c;
            }
        }
        t.encrypt_block(&mut x);
        block.copy_from_slice(&x);
        chain = x;
    }
    chain.zeroize();
    Ok(n)
}

#[cfg(feature = "tdes")]
/// The script session key for the `index`-th command (0 = first) of one
/// issuer response, typed by role: from the ICC MK-SMI
/// ([`CardMacKey`](crate::CardMacKey)) an SK-SMI ([`ScriptMacKey`]), from
/// the MK-SMC ([`CardEncKey`](crate::CardEncKey)) an SK-SMC
/// ([`ScriptEncKey`]).
///
/// # Errors
/// As the underlying derivation ([`derive::visa_xor_session_key`],
/// [`derive::session_key_script`]).
pub(crate) fn script_session_key<K: ScriptMasterKey>(
    profile: &ScriptProfile,
    mk: &K,
    atc: Atc,
    arqc: &Cryptogram,
    index: u8,
) -> Result<K::Session, Error> {
    match profile.keys {
        ScriptKeyMethod::VisaXor => derive::visa_xor_session_key(mk, atc),
        ScriptKeyMethod::CommonSessionKeyArqc => {
            let mut r = *arqc;
            if profile.increment_arqc_per_command {
                let v = u64::from_be_bytes(r.0).wrapping_add(u64::from(index));
                r.0 = v.to_be_bytes();
            }
            derive::session_key_script(mk, &r)
        }
    }
}

#[cfg(feature = "tdes")]
/// The MAC of a script command `header ‖ data` for `profile`: the header
/// (`CLA INS P1 P2 Lc`, Lc counting data and MAC) is followed by ATC ‖ ARQC
/// where the scheme requires it.
///
/// # Errors
/// As [`command_mac`].
pub(crate) fn script_command_mac(
    profile: &ScriptProfile,
    sk_smi: &ScriptMacKey,
    header: &[u8; 5],
    atc: Atc,
    arqc: &Cryptogram,
    data: &[u8],
) -> Result<[u8; 8], Error> {
    if profile.mac_includes_atc_arqc {
        command_mac_parts(sk_smi, &[header, &atc.0, &arqc.0, data])
    } else {
        command_mac_parts(sk_smi, &[header, data])
    }
}

#[cfg(feature = "tdes")]
/// Builds a whole PIN-change command into `out` (returns its length):
/// `84 24 00 P2 Lc ‖ Enc(SK_SMC, PIN block) ‖ MAC(SK_SMI, …)`, P2 = 02
/// without the current PIN, 01 with it.
///
/// # Errors
/// Key algorithm errors as above; [`Error::Length`] if `out` is too small.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pin_change_command(
    profile: &ScriptProfile,
    mk_ac: &CardMasterKey,
    sk_smi: &ScriptMacKey,
    sk_smc: &ScriptEncKey,
    atc: Atc,
    arqc: &Cryptogram,
    new_pin: &Pin,
    current_pin: Option<&Pin>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut block = match (profile.pin_block, current_pin) {
        (PinBlockFormat::Vis, cur) | (PinBlockFormat::Iso2NewVisWithCurrent, cur @ Some(_)) => {
            vis_pin_block(mk_ac, new_pin, cur)?
        }
        (PinBlockFormat::Iso9564Format2, _) | (PinBlockFormat::Iso2NewVisWithCurrent, None) => {
            iso9564_format2(new_pin)
        }
    };
    let mut enc = [0u8; 24];
    let n = encrypt_command_data(sk_smc, profile.encryption, &block, &mut enc);
    block.zeroize();
    let n = n?;
    let p2 = if current_pin.is_some() { 0x01 } else { 0x02 };
    let header = [0x84, 0x24, 0x00, p2, (n + 8) as u8];
    let cipher = enc.get(..n).unwrap_or(&[]);
    let mac = script_command_mac(profile, sk_smi, &header, atc, arqc, cipher)?;
    let total = 5 + n + 8;
    let got = out.len();
    let dst = out.get_mut(..total).ok_or(Error::Length {
        field: "PIN change command buffer",
        expected: "at least 29",
        got,
    })?;
    let (h, rest) = dst.split_at_mut(5);
    h.copy_from_slice(&header);
    let (c, m) = rest.split_at_mut(n);
    c.copy_from_slice(cipher);
    m.copy_from_slice(&mac);
    Ok(total)
}

#[cfg(feature = "tdes")]
/// The issuer's script entry points: each answers the verified ARQC, with
/// the pinned CVN's script profile, ATC and ARQC taken from the proof.
impl VerifiedArqc<'_> {
    /// The script session key for the `index`-th command (0 = first) of the
    /// response to this ARQC: an SK-SMI from an MK-SMI
    /// ([`CardMacKey`](crate::CardMacKey)), an SK-SMC from an MK-SMC
    /// ([`CardEncKey`](crate::CardEncKey)).
    ///
    /// # Errors
    /// As the underlying derivation (key algorithm).
    pub fn script_session_key<K: ScriptMasterKey>(
        &self,
        mk: &K,
        index: u8,
    ) -> Result<K::Session, Error> {
        script_session_key(&self.cvn().script, mk, self.atc(), self.arqc(), index)
    }

    /// The MAC of a script command `header ‖ data` answering this ARQC (the
    /// pinned profile decides whether ATC ‖ ARQC are MAC'd).
    ///
    /// # Errors
    /// As [`command_mac`].
    pub fn script_command_mac(
        &self,
        sk_smi: &ScriptMacKey,
        header: &[u8; 5],
        data: &[u8],
    ) -> Result<[u8; 8], Error> {
        script_command_mac(
            &self.cvn().script,
            sk_smi,
            header,
            self.atc(),
            self.arqc(),
            data,
        )
    }

    /// A whole PIN-change command answering this ARQC, into `out` (returns
    /// its length); layout as in the module docs.
    ///
    /// # Errors
    /// Key algorithm errors; [`Error::Length`] if `out` is too small.
    pub fn pin_change_command(
        &self,
        mk_ac: &CardMasterKey,
        sk_smi: &ScriptMacKey,
        sk_smc: &ScriptEncKey,
        new_pin: &Pin,
        current_pin: Option<&Pin>,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        pin_change_command(
            &self.cvn().script,
            mk_ac,
            sk_smi,
            sk_smc,
            self.atc(),
            self.arqc(),
            new_pin,
            current_pin,
            out,
        )
    }
}
