//! Mastercard Cloud-Based Payments (MCBP 1.0, M/Chip Mobile)
//! (MCBP 1.0 as public implementations and the MCBP SDK's tests show it).
//!
//! The token service (MDES) sends one credential per ATC: two key pairs,
//! contactless (CL) and remote (RP, DSRP), each a mobile-device key `SK_x_MD`
//! and a user-and-mobile-device key masked by the mobile PIN, `SUK_x_UMD`.
//!
//! ```text
//! P[i]     = (ASCII(PIN[i]) << 1) mod 256 for i < min(len, 8), else 00     [S]
//! SK_x_UMD = SUK_x_UMD XOR (P || P)
//! input    = 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 || AIP || ATC || CVR(6)      (39 bytes)
//! AC_UMD   = MAC3_{SK_UMD}(input) -> 9F26;  AC_MD = MAC3_{SK_MD}(input)    [S] (pad 2)
//! IAD      = template with CVR at 2, DAC/IDN at 8, AC_MD[0..5] at 11        [C]
//! CVC3     : X = PIN_IV_CVC3_Track2 || UN || ATC; D = TDES_SK(X)           [S DES step]
//!            a = BE16(D_MD[0..2]) mod 1000, b = BE16(D_UMD[6..8]) mod 1000,
//!            c = ATC mod 100; CryptoATC = a + 1000(c div 10),
//!            CVC3 = b + 1000(c mod 10)                                      [C arithmetic]
//! DSRP     : as the contactless AC with the RP keys, IAD[8..10] = 0000      [C]
//! ```
//!
//! Device: [`SingleUseKeys`] → [`SingleUseKeys::unlock`] (consumes the keys
//! and the [`MobilePin`]) → one of [`UnlockedKeys::contactless_ac`],
//! [`UnlockedKeys::remote_ac`], [`UnlockedKeys::cvc3`] (each consumes the
//! whole unlocked set: the keys are wiped after one use). The PIN is never
//! stored and never checked on the device: a wrong PIN silently yields a
//! wrong UMD key, whose cryptogram the issuer rejects (as the reference
//! SDKs do, \[S\]). The reference's "no CVM → random keys" path (\[C\]) is
//! not shipped: a band that has no PIN for the tap should not tap.
//!
//! Backend: [`verify_contactless`], [`verify_remote`] and [`verify_cvc3`]
//! take the single-use keys from a pluggable [`SingleUseKeySource`] (the
//! token service stores what it issued: the certain path), always compute
//! both MACs, compare in constant time, and report an [`McbpVerdict`]:
//! [`PinVerified`](McbpVerdict::PinVerified) when both match,
//! [`DeviceOnly`](McbpVerdict::DeviceOnly) when only the MD part matches
//! (a genuine device, wrong or absent PIN); anything else is a
//! [`VerifyError`]. The keys of a verified tap are spent through the proof.
//!
//! **\[U\] — not found in public code: how the issuer/MDES derives SK_x_MD
//! and SK_x_UMD from card master keys.** The spec's best reading (EMV CSK of
//! distinct MD and UMD master keys with the ATC) is available only behind the
//! cargo feature `mcbp-inferred-skd`, off by default, as
//! [`IssuedSingleUseKeys::derive_inferred`]. Do not treat it as verified.

use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

use super::{Key16, cloud_key, divmod_10, divmod_1000, mac3, mod_100};
use crate::emv::types::{Atc, Cryptogram, TransactionData, UnpredictableNumber};
use crate::{Error, VerifyError};

/// Length of the MCBP IAD.
pub const IAD_LEN: usize = 18;

/// CID (9F27) of an ARQC.
pub const CID_ARQC: u8 = 0x80;

/// The mobile PIN: 4 to 8 ASCII digits. Never stored by tapcrypt: it is
/// consumed by the unlock. Zeroized on drop; `Debug` prints nothing (not
/// even the length, which is a cardholder secret too).
pub struct MobilePin {
    ascii: [u8; 8],
    len: u32,
}

impl core::fmt::Debug for MobilePin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MobilePin(..)")
    }
}

impl Drop for MobilePin {
    fn drop(&mut self) {
        self.ascii.zeroize();
        self.len.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for MobilePin {}

impl MobilePin {
    /// Parses 4 to 8 decimal digits (MCBP limits the PIN to 8; "MCBP Issuer
    /// Cryptographic Algorithms v1.1 §3.4" as cited by the SDK). The digits
    /// are checked without branching on them.
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(pin: &str) -> Result<Self, Error> {
        let b = pin.as_bytes();
        if !(4..=8).contains(&b.len()) {
            return Err(Error::DigitCount {
                field: "mobile PIN",
                min: 4,
                max: 8,
                got: b.len(),
            });
        }
        let mut scratch = [0u8; 8];
        let r = crate::digits::parse_digits(
            b,
            scratch.get_mut(..b.len()).unwrap_or(&mut []),
            "mobile PIN",
        );
        scratch.zeroize();
        r?;
        let mut ascii = [0u8; 8];
        crate::ct::copy(&mut ascii, b);
        Ok(MobilePin {
            ascii,
            len: b.len() as u32,
        })
    }

    /// The 16-byte mask `P ‖ P`, `P[i] = ASCII(PIN[i]) << 1` for `i < len`,
    /// `00` after: a fixed 8 iterations, the length used only in masks.
    fn mask(&self) -> [u8; 16] {
        let mut m = [0u8; 16];
        for (i, (a, &c)) in (0u32..).zip(m.iter_mut().zip(self.ascii.iter())) {
            let keep = (crate::ct::lt_u32(i, self.len) as u8).wrapping_neg();
            *a = (c << 1) & keep;
        }
        let (l, r) = m.split_at_mut(8);
        crate::ct::copy(r, l);
        m
    }
}

cloud_key!(
    /// An unmasked MCBP single-use session key: `SK_CL_MD`, `SK_RP_MD`, or a
    /// `SK_x_UMD` after the PIN unlock (and, on the issuer side, as issued).
    SingleUseKey
);

cloud_key!(
    /// A masked UMD key, `SUK_x_UMD`, as delivered by the token service:
    /// useless without the mobile PIN, still secret.
    MaskedUmdKey
);

impl MaskedUmdKey {
    /// Unlocks with the mobile PIN: `SK_UMD = SUK_UMD ⊕ (P ‖ P)` (\[S\]).
    /// Consumes the masked key and the PIN. There is no check: a wrong PIN
    /// gives a wrong key, which only the issuer can tell.
    #[must_use]
    pub fn unlock(self, pin: MobilePin) -> SingleUseKey {
        unmask(&self.0, &pin)
    }
}

fn unmask(suk: &Key16, pin: &MobilePin) -> SingleUseKey {
    let mut m = pin.mask();
    let mut k = Key16([0u8; 16]);
    for ((o, s), x) in k.0.iter_mut().zip(suk.0.iter()).zip(m.iter()) {
        *o = s ^ x;
    }
    m.zeroize();
    SingleUseKey(k)
}

/// One MCBP credential as the device stores it: the ATC it belongs to, the
/// contactless pair and, if the credential includes it (SUKInfo `28`/`38`),
/// the remote-payment pair.
pub struct SingleUseKeys {
    atc: Atc,
    cl_md: SingleUseKey,
    cl_umd: MaskedUmdKey,
    rp: Option<(SingleUseKey, MaskedUmdKey)>,
}

impl core::fmt::Debug for SingleUseKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SingleUseKeys")
            .field("atc", &self.atc)
            .field("remote", &self.rp.is_some())
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for SingleUseKeys {}

impl SingleUseKeys {
    /// A contactless credential for `atc`.
    #[must_use]
    pub fn contactless(atc: Atc, sk_cl_md: SingleUseKey, suk_cl_umd: MaskedUmdKey) -> Self {
        SingleUseKeys {
            atc,
            cl_md: sk_cl_md,
            cl_umd: suk_cl_umd,
            rp: None,
        }
    }

    /// Adds the remote-payment (DSRP) pair.
    #[must_use]
    pub fn with_remote(mut self, sk_rp_md: SingleUseKey, suk_rp_umd: MaskedUmdKey) -> Self {
        self.rp = Some((sk_rp_md, suk_rp_umd));
        self
    }

    /// The ATC this credential belongs to.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// Unlocks the UMD keys with the mobile PIN. Consumes the credential and
    /// the PIN; the result computes exactly one tap.
    #[must_use]
    pub fn unlock(self, pin: MobilePin) -> UnlockedKeys {
        let cl_umd = unmask(&self.cl_umd.0, &pin);
        let rp = self
            .rp
            .as_ref()
            .map(|(md, umd)| (SingleUseKey(md.0.duplicate()), unmask(&umd.0, &pin)));
        UnlockedKeys {
            atc: self.atc,
            cl_md: SingleUseKey(self.cl_md.0.duplicate()),
            cl_umd,
            rp,
        }
    }
}

/// An unlocked credential: computes one tap (any one of its methods consumes
/// it, and every key is wiped on drop).
pub struct UnlockedKeys {
    atc: Atc,
    cl_md: SingleUseKey,
    cl_umd: SingleUseKey,
    rp: Option<(SingleUseKey, SingleUseKey)>,
}

impl core::fmt::Debug for UnlockedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnlockedKeys")
            .field("atc", &self.atc)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for UnlockedKeys {}

/// A card profile's fixed MCBP data, from the caller's records (pinned: the
/// backend checks the IAD's KDI and CVN against it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct McbpProfile {
    /// The 18-byte IAD template: KDI at 0, CVN at 1, profile bytes at 10 and
    /// 16..18; the rest is overwritten per tap.
    pub iad_template: [u8; IAD_LEN],
    /// PIN_IV_CVC3_Track2 (2 bytes) for the CVC3.
    pub pin_iv_cvc3_track2: [u8; 2],
}

impl McbpProfile {
    /// The KDI (IAD byte 0).
    #[must_use]
    pub fn kdi(&self) -> u8 {
        self.iad_template[0]
    }

    /// The CVN byte (IAD byte 1; `14` in the SDK's sample data).
    #[must_use]
    pub fn cvn(&self) -> u8 {
        self.iad_template[1]
    }
}

/// The terminal data of one MCBP tap (public): the 33-byte minimum set, the
/// CVR after the CVR mask, and the two CDOL1 fields that feed IAD\[8..10\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct McbpTap {
    /// 9F02 … 9F37, AIP and ATC.
    pub txn: TransactionData,
    /// CVR (6 bytes).
    pub cvr: [u8; 6],
    /// Data Authentication Code 9F45 from CDOL1.
    pub dac: [u8; 2],
    /// ICC Dynamic Number 9F4C from CDOL1 (all zero if absent).
    pub icc_dynamic_number: [u8; 8],
}

/// The dual application cryptogram of one tap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DualAc {
    /// AC_UMD, sent as 9F26.
    pub ac: Cryptogram,
    /// The IAD (9F10) carrying AC_MD\[0..5\] at 11.
    pub iad: [u8; IAD_LEN],
    /// CID 9F27 (`80`, ARQC).
    pub cid: u8,
}

/// The dual CVC3 of one mag-stripe tap (public once computed: it is sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DualCvc3 {
    /// CVC3 (9F61 and 9F60), big-endian, < 10000.
    pub cvc3: [u8; 2],
    /// CryptoATC, sent as 9F36 in place of the ATC, big-endian, < 10000.
    pub crypto_atc: [u8; 2],
}

fn ac_pair(
    umd: &Key16,
    md: &Key16,
    txn: &TransactionData,
    cvr: &[u8; 6],
) -> Result<([u8; 8], [u8; 8]), Error> {
    let mut min = txn.to_bytes();
    let a = mac3(&umd.tdes(), &[&min, cvr]);
    let b = mac3(&md.tdes(), &[&min, cvr]);
    min.zeroize();
    Ok((a?, b?))
}

fn build_iad(template: &[u8; IAD_LEN], cvr: &[u8; 6], dac_idn: [u8; 2], md: &[u8; 8]) -> [u8; 18] {
    let mut iad = *template;
    iad[2..8].copy_from_slice(cvr);
    iad[8..10].copy_from_slice(&dac_idn);
    iad[11..16].copy_from_slice(&md[..5]);
    iad
}

/// IAD\[8..10\] for a contactless tap: the DAC if the ICC Dynamic Number is
/// all zero, else its first 2 bytes (selected without a branch).
fn dac_or_idn(tap: &McbpTap) -> [u8; 2] {
    let zero = tap.icc_dynamic_number.ct_eq(&[0u8; 8]);
    let m = (zero.unwrap_u8()).wrapping_neg();
    let [i0, i1, ..] = tap.icc_dynamic_number;
    [(tap.dac[0] & m) | (i0 & !m), (tap.dac[1] & m) | (i1 & !m)]
}

fn check_atc(keys_atc: Atc, txn: &TransactionData) -> Result<(), Error> {
    if keys_atc == txn.atc {
        Ok(())
    } else {
        Err(Error::Parameter {
            what: "the tap's ATC is not the single-use keys' ATC",
        })
    }
}

impl UnlockedKeys {
    /// The contactless dual AC (GAC.7.2–7.4): AC_UMD in 9F26, AC_MD\[0..5\]
    /// in the IAD. Consumes the keys.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the tap's ATC is not the credential's.
    pub fn contactless_ac(self, profile: &McbpProfile, tap: &McbpTap) -> Result<DualAc, Error> {
        check_atc(self.atc, &tap.txn)?;
        let (umd, mut md) = ac_pair(&self.cl_umd.0, &self.cl_md.0, &tap.txn, &tap.cvr)?;
        let iad = build_iad(&profile.iad_template, &tap.cvr, dac_or_idn(tap), &md);
        md.zeroize();
        Ok(DualAc {
            ac: Cryptogram(umd),
            iad,
            cid: CID_ARQC,
        })
    }

    /// The remote-payment (DSRP) dual AC (REM.3.x, \[C\]): as the contactless
    /// AC with the RP keys, IAD\[8..10\] = `0000`. The merchant's
    /// cryptogram input goes in `tap` (missing fields zero; DAC/IDN ignored).
    /// Consumes the keys.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the credential has no remote pair or the ATC
    /// differs.
    pub fn remote_ac(self, profile: &McbpProfile, tap: &McbpTap) -> Result<DualAc, Error> {
        check_atc(self.atc, &tap.txn)?;
        let (md_key, umd_key) = self.rp.as_ref().ok_or(Error::Parameter {
            what: "this credential has no remote-payment keys",
        })?;
        let (umd, mut md) = ac_pair(&umd_key.0, &md_key.0, &tap.txn, &tap.cvr)?;
        let iad = build_iad(&profile.iad_template, &tap.cvr, [0, 0], &md);
        md.zeroize();
        Ok(DualAc {
            ac: Cryptogram(umd),
            iad,
            cid: CID_ARQC,
        })
    }

    /// The dual CVC3 for COMPUTE CRYPTOGRAPHIC CHECKSUM with the terminal's
    /// `un`, at the credential's ATC. Consumes the keys.
    #[must_use]
    pub fn cvc3(self, profile: &McbpProfile, un: UnpredictableNumber) -> DualCvc3 {
        let (mut du, mut dm) = cvc3_blocks(&self.cl_umd.0, &self.cl_md.0, profile, un, self.atc);
        let out = cvc3_from_blocks(&du, &dm, self.atc);
        du.zeroize();
        dm.zeroize();
        out
    }
}

fn cvc3_blocks(
    umd: &Key16,
    md: &Key16,
    profile: &McbpProfile,
    un: UnpredictableNumber,
    atc: Atc,
) -> ([u8; 8], [u8; 8]) {
    let mut x = [0u8; 8];
    x[..2].copy_from_slice(&profile.pin_iv_cvc3_track2);
    x[2..6].copy_from_slice(&un.0);
    x[6..].copy_from_slice(&atc.0);
    let mut du = x;
    umd.tdes().encrypt_block(&mut du);
    let mut dm = x;
    md.tdes().encrypt_block(&mut dm);
    (du, dm)
}

/// CCC.4.4 arithmetic (\[C\]), division-free.
fn cvc3_from_blocks(du: &[u8; 8], dm: &[u8; 8], atc: Atc) -> DualCvc3 {
    let (_, a) = divmod_1000(u16::from_be_bytes([dm[0], dm[1]]));
    let (_, b) = divmod_1000(u16::from_be_bytes([du[6], du[7]]));
    let c = mod_100(atc.to_u16());
    let (tens, units) = divmod_10(c);
    let crypto_atc = (a + 1000 * tens) as u16;
    let cvc3 = (b + 1000 * units) as u16;
    DualCvc3 {
        cvc3: cvc3.to_be_bytes(),
        crypto_atc: crypto_atc.to_be_bytes(),
    }
}

// ---------------------------------------------------------------------------
// Backend

/// The single-use keys the token service issued for one ATC, unmasked, as the
/// issuer holds them. Zeroized on drop; `Debug` shows only the ATC.
pub struct IssuedSingleUseKeys {
    atc: Atc,
    cl_umd: Key16,
    cl_md: Key16,
    rp: Option<(Key16, Key16)>,
}

impl core::fmt::Debug for IssuedSingleUseKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuedSingleUseKeys")
            .field("atc", &self.atc)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for IssuedSingleUseKeys {}

impl IssuedSingleUseKeys {
    /// The contactless keys issued for `atc` (UMD unmasked).
    #[must_use]
    pub fn contactless(atc: Atc, sk_cl_umd: SingleUseKey, sk_cl_md: SingleUseKey) -> Self {
        IssuedSingleUseKeys {
            atc,
            cl_umd: sk_cl_umd.0.duplicate(),
            cl_md: sk_cl_md.0.duplicate(),
            rp: None,
        }
    }

    /// Adds the remote-payment pair (UMD unmasked).
    #[must_use]
    pub fn with_remote(mut self, sk_rp_umd: SingleUseKey, sk_rp_md: SingleUseKey) -> Self {
        self.rp = Some((sk_rp_umd.0.duplicate(), sk_rp_md.0.duplicate()));
        self
    }

    /// The ATC these keys belong to.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// Token service: the device's credential, with each UMD key masked by
    /// the cardholder's mobile PIN (`SUK = SK ⊕ (P ‖ P)`; the XOR that
    /// unmasks also masks, \[S\]).
    #[must_use]
    pub fn masked_for_device(&self, pin: &MobilePin) -> SingleUseKeys {
        let mask = |k: &Key16| MaskedUmdKey(unmask(k, pin).0.duplicate());
        SingleUseKeys {
            atc: self.atc,
            cl_md: SingleUseKey(self.cl_md.duplicate()),
            cl_umd: mask(&self.cl_umd),
            rp: self
                .rp
                .as_ref()
                .map(|(umd, md)| (SingleUseKey(md.duplicate()), mask(umd))),
        }
    }

    /// A copy, for a key source that keeps its own (crate only: a key store
    /// hands out what it holds; callers cannot multiply keys).
    fn duplicate(&self) -> Self {
        IssuedSingleUseKeys {
            atc: self.atc,
            cl_umd: self.cl_umd.duplicate(),
            cl_md: self.cl_md.duplicate(),
            rp: self
                .rp
                .as_ref()
                .map(|(a, b)| (a.duplicate(), b.duplicate())),
        }
    }

    /// **\[U\] INFERRED — not found in public code.** The issuer-side
    /// derivation of the single-use keys as we guess it:
    /// `SK = EMV CSK(ICC MK, ATC)` (R = ATC ‖ 00*6, as CVN `14`'s "EMV
    /// common session key" suggests) with **distinct** ICC master keys for MD
    /// and UMD, contactless and remote. No public value confirms it; behind
    /// the cargo feature `mcbp-inferred-skd`, off by default. Use the keys
    /// your token service actually issued ([`contactless`](Self::contactless))
    /// unless you have confirmed this derivation against your scheme's HSM.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] unless every master key is two-key TDES.
    #[cfg(feature = "mcbp-inferred-skd")]
    pub fn derive_inferred(
        atc: Atc,
        mk_cl_umd: &crate::CardMasterKey,
        mk_cl_md: &crate::CardMasterKey,
        remote: Option<(&crate::CardMasterKey, &crate::CardMasterKey)>,
    ) -> Result<Self, Error> {
        let sk = |mk: &crate::CardMasterKey| -> Result<Key16, Error> {
            if mk.algorithm() != crate::Algorithm::Tdes2 {
                return Err(Error::KeyAlgorithm {
                    operation: "the inferred MCBP key derivation",
                    needs: "two-key TDES",
                });
            }
            let s = crate::emv::derive::session_key_ac(mk, atc)?;
            let mut k = Key16([0u8; 16]);
            crate::ct::copy(&mut k.0, s.expose_secret());
            Ok(k)
        };
        let rp = match remote {
            Some((u, m)) => Some((sk(u)?, sk(m)?)),
            None => None,
        };
        Ok(IssuedSingleUseKeys {
            atc,
            cl_umd: sk(mk_cl_umd)?,
            cl_md: sk(mk_cl_md)?,
            rp,
        })
    }
}

/// Where the backend gets the single-use keys it issued (usually the token
/// service's store). Pluggable: a database, an HSM front end, or the
/// fixed-size [`IssuedKeyBatch`].
///
/// Contract: [`fetch`](Self::fetch) returns the keys of `atc` only while they
/// are unspent; [`spend`](Self::spend) — callable only with a proof of a
/// verified tap — marks them spent for good, so a single-use key is never
/// accepted twice. A failed verification spends nothing.
///
/// # Spending is the commit
///
/// `fetch` then `spend` is a read then a write: a store shared by several
/// verifiers (two service instances, two threads over one database) could
/// let two requests fetch the same unspent keys. `spend` therefore must be
/// a **compare-and-swap** — mark the credential spent *only if it is still
/// unspent*, atomically (e.g. `UPDATE … SET spent = true WHERE atc = ? AND
/// NOT spent` and check the row count) — and say [`AlreadySpent`] when it
/// lost. The verify functions return a verdict only after `spend`
/// succeeded, so one credential yields at most one verdict however many
/// verifiers race for it.
pub trait SingleUseKeySource {
    /// The keys issued for `atc`, if issued and not yet spent.
    fn fetch(&self, atc: Atc) -> Option<IssuedSingleUseKeys>;
    /// Marks the keys of a verified tap spent, if and only if they are
    /// still unspent (atomically: see the trait's documentation).
    ///
    /// # Errors
    /// [`AlreadySpent`]: another verification spent them first; the tap
    /// then fails verification.
    fn spend(&mut self, verified: &McbpVerdict) -> Result<(), AlreadySpent>;
}

/// [`SingleUseKeySource::spend`] lost the race: the credential was spent by
/// another verification between `fetch` and `spend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadySpent;

/// A fixed-capacity in-memory [`SingleUseKeySource`]: the batch the token
/// service issued to one token. Spent keys are wiped.
pub struct IssuedKeyBatch<const N: usize> {
    slots: [Option<IssuedSingleUseKeys>; N],
}

impl<const N: usize> core::fmt::Debug for IssuedKeyBatch<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuedKeyBatch")
            .field("unspent", &self.slots.iter().flatten().count())
            .finish_non_exhaustive()
    }
}

impl<const N: usize> Default for IssuedKeyBatch<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> IssuedKeyBatch<N> {
    /// An empty batch.
    #[must_use]
    pub fn new() -> Self {
        IssuedKeyBatch {
            slots: core::array::from_fn(|_| None),
        }
    }

    /// Records issued keys.
    ///
    /// # Errors
    /// [`Error::Exhausted`] if the batch is full; [`Error::Parameter`] if
    /// keys for that ATC are already held (an ATC gets one credential).
    pub fn insert(&mut self, keys: IssuedSingleUseKeys) -> Result<(), Error> {
        if self.slots.iter().flatten().any(|k| k.atc == keys.atc) {
            return Err(Error::Parameter {
                what: "single-use keys for this ATC were already issued",
            });
        }
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(Error::Exhausted {
                what: "issued single-use key batch",
            })?;
        *slot = Some(keys);
        Ok(())
    }

    /// Number of unspent credentials.
    #[must_use]
    pub fn unspent(&self) -> usize {
        self.slots.iter().flatten().count()
    }
}

impl<const N: usize> SingleUseKeySource for IssuedKeyBatch<N> {
    fn fetch(&self, atc: Atc) -> Option<IssuedSingleUseKeys> {
        self.slots
            .iter()
            .flatten()
            .find(|k| k.atc == atc)
            .map(IssuedSingleUseKeys::duplicate)
    }

    fn spend(&mut self, verified: &McbpVerdict) -> Result<(), AlreadySpent> {
        let atc = verified.atc();
        let mut found = false;
        for s in &mut self.slots {
            if s.as_ref().is_some_and(|k| k.atc == atc) {
                *s = None;
                found = true;
            }
        }
        if found { Ok(()) } else { Err(AlreadySpent) }
    }
}

/// An MCBP IAD parsed against the caller's pinned profile. Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct McbpIad([u8; IAD_LEN]);

impl McbpIad {
    /// Parses an IAD: 18 bytes whose KDI and CVN are the profile's.
    ///
    /// # Errors
    /// [`Error::Length`] unless 18 bytes; [`Error::CvnMismatch`] if the
    /// CVN byte is not the profile's; [`Error::Malformed`] if the KDI is not.
    pub fn parse(iad: &[u8], profile: &McbpProfile) -> Result<Self, Error> {
        let b: [u8; IAD_LEN] = iad.try_into().map_err(|_| Error::Length {
            field: "IAD (MCBP)",
            expected: "18",
            got: iad.len(),
        })?;
        if b[1] != profile.cvn() {
            return Err(Error::CvnMismatch {
                pinned: profile.cvn(),
                declared: b[1],
            });
        }
        if b[0] != profile.kdi() {
            return Err(Error::Malformed {
                what: "MCBP IAD: key derivation index is not the profile's",
            });
        }
        Ok(McbpIad(b))
    }

    /// The CVR (IAD\[2..8\]).
    #[must_use]
    pub fn cvr(&self) -> [u8; 6] {
        let mut c = [0u8; 6];
        c.copy_from_slice(&self.0[2..8]);
        c
    }

    /// The MD cryptogram part (IAD\[11..16\]).
    #[must_use]
    pub fn md_part(&self) -> [u8; 5] {
        let mut c = [0u8; 5];
        c.copy_from_slice(&self.0[11..16]);
        c
    }

    /// The bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; IAD_LEN] {
        self.0
    }
}

/// Proof that both MCBP cryptograms verified: the device is genuine **and**
/// the mobile PIN was right. Only this crate makes one.
#[derive(Debug)]
pub struct PinVerified {
    atc: Atc,
    // Some for the AC paths (the MACs cover 9F02/5F2A), None for dual CVC3.
    covered: Option<crate::emv::CoveredAmount>,
}

/// Proof that the MD cryptogram verified but the UMD one did not: a genuine
/// device, wrong or absent mobile PIN (count it as a failed PIN try). Only
/// this crate makes one; it is **not** a [`PinVerified`].
#[derive(Debug)]
pub struct DeviceOnly {
    atc: Atc,
    covered: Option<crate::emv::CoveredAmount>,
}

impl PinVerified {
    /// The ATC of the verified tap.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }
}

impl DeviceOnly {
    /// The ATC of the verified tap.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }
}

/// The outcome of an MCBP verification that did not fail outright.
#[derive(Debug)]
pub enum McbpVerdict {
    /// Both cryptograms matched.
    PinVerified(PinVerified),
    /// Only the MD cryptogram matched.
    DeviceOnly(DeviceOnly),
}

impl McbpVerdict {
    /// The ATC of the tap.
    #[must_use]
    pub fn atc(&self) -> Atc {
        match self {
            McbpVerdict::PinVerified(p) => p.atc,
            McbpVerdict::DeviceOnly(p) => p.atc,
        }
    }

    /// The PIN-verified proof, or [`VerifyError`] for a device-only result
    /// (an MD-only cryptogram is never accepted where the PIN is required).
    ///
    /// # Errors
    /// [`VerifyError`] unless both cryptograms matched.
    pub fn require_pin(self) -> Result<PinVerified, VerifyError> {
        match self {
            McbpVerdict::PinVerified(p) => Ok(p),
            McbpVerdict::DeviceOnly(_) => Err(VerifyError),
        }
    }
}

impl crate::emv::sealed::SealedProof for PinVerified {}
impl crate::emv::VerifiedAtc for PinVerified {
    fn atc(&self) -> Atc {
        self.atc
    }
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        self.covered
    }
}
impl crate::emv::sealed::SealedProof for DeviceOnly {}
impl crate::emv::VerifiedAtc for DeviceOnly {
    fn atc(&self) -> Atc {
        self.atc
    }
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        self.covered
    }
}
impl crate::emv::sealed::SealedProof for McbpVerdict {}
impl crate::emv::VerifiedAtc for McbpVerdict {
    fn atc(&self) -> Atc {
        McbpVerdict::atc(self)
    }
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        match self {
            McbpVerdict::PinVerified(p) => p.covered,
            McbpVerdict::DeviceOnly(p) => p.covered,
        }
    }
}

/// Two comparison results → a verdict. Both bits are public by design (the
/// outcome), declassified only through `ct::public_verdict`.
fn verdict(
    md_ok: Choice,
    umd_ok: Choice,
    atc: Atc,
    covered: Option<crate::emv::CoveredAmount>,
) -> Result<McbpVerdict, VerifyError> {
    let md = crate::ct::public_verdict(md_ok);
    let umd = crate::ct::public_verdict(umd_ok);
    match (md, umd) {
        (true, true) => Ok(McbpVerdict::PinVerified(PinVerified { atc, covered })),
        (true, false) => Ok(McbpVerdict::DeviceOnly(DeviceOnly { atc, covered })),
        _ => Err(VerifyError),
    }
}

fn finish<S: SingleUseKeySource + ?Sized>(
    source: &mut S,
    r: Result<McbpVerdict, VerifyError>,
) -> Result<McbpVerdict, VerifyError> {
    // The verdict leaves only once its credential is spent by this call:
    // a verifier that lost the spend to another gets no verdict.
    let v = r?;
    source.spend(&v).map_err(|AlreadySpent| VerifyError)?;
    Ok(v)
}

enum Channel {
    Contactless,
    Remote,
}

fn verify_ac<S: SingleUseKeySource + ?Sized>(
    source: &mut S,
    channel: Channel,
    txn: &TransactionData,
    iad: &McbpIad,
    ac: &Cryptogram,
) -> Result<McbpVerdict, VerifyError> {
    let keys = source.fetch(txn.atc).ok_or(VerifyError)?;
    if keys.atc != txn.atc {
        return Err(VerifyError);
    }
    let (umd, md) = match channel {
        Channel::Contactless => (&keys.cl_umd, &keys.cl_md),
        Channel::Remote => {
            let (u, m) = keys.rp.as_ref().ok_or(VerifyError)?;
            (u, m)
        }
    };
    let cvr = iad.cvr();
    let (mut want_umd, mut want_md) = ac_pair(umd, md, txn, &cvr).map_err(|_| VerifyError)?;
    let umd_ok = want_umd.ct_eq(&ac.0);
    let md_ok = want_md[..5].ct_eq(&iad.md_part());
    want_umd.zeroize();
    want_md.zeroize();
    drop(keys);
    let covered = Some(crate::emv::CoveredAmount::of(txn));
    finish(source, verdict(md_ok, umd_ok, txn.atc, covered))
}

/// Backend: verifies a contactless MCBP tap: both MACs over the rebuilt
/// 39-byte input (CVR from the IAD), AC_UMD against 9F26 (8 bytes),
/// AC_MD\[0..5\] against IAD\[11..16\] (5 bytes), both always computed,
/// constant time. On success the credential is spent in `source`.
///
/// # Errors
/// [`VerifyError`] if no unspent keys exist for the ATC, or the MD part
/// does not match.
pub fn verify_contactless<S: SingleUseKeySource + ?Sized>(
    source: &mut S,
    txn: &TransactionData,
    iad: &McbpIad,
    ac: &Cryptogram,
) -> Result<McbpVerdict, VerifyError> {
    verify_ac(source, Channel::Contactless, txn, iad, ac)
}

/// Backend: verifies a DSRP (remote) cryptogram with the RP keys; as
/// [`verify_contactless`].
///
/// # Errors
/// As [`verify_contactless`]; also when the credential has no RP keys.
pub fn verify_remote<S: SingleUseKeySource + ?Sized>(
    source: &mut S,
    txn: &TransactionData,
    iad: &McbpIad,
    ac: &Cryptogram,
) -> Result<McbpVerdict, VerifyError> {
    verify_ac(source, Channel::Remote, txn, iad, ac)
}

/// Backend: verifies a dual CVC3 for the credential of `atc` (the full ATC,
/// known from the issued batch): CryptoATC carries the MD part `a`, CVC3 the
/// UMD part `b`. On success the credential is spent.
///
/// # Errors
/// [`VerifyError`] if no unspent keys exist for `atc`, or the MD part does
/// not match.
pub fn verify_cvc3<S: SingleUseKeySource + ?Sized>(
    source: &mut S,
    profile: &McbpProfile,
    un: UnpredictableNumber,
    atc: Atc,
    received: &DualCvc3,
) -> Result<McbpVerdict, VerifyError> {
    let keys = source.fetch(atc).ok_or(VerifyError)?;
    if keys.atc != atc {
        return Err(VerifyError);
    }
    let (mut du, mut dm) = cvc3_blocks(&keys.cl_umd, &keys.cl_md, profile, un, atc);
    let want = cvc3_from_blocks(&du, &dm, atc);
    du.zeroize();
    dm.zeroize();
    drop(keys);
    let md_ok = want.crypto_atc.ct_eq(&received.crypto_atc);
    let umd_ok = want.cvc3.ct_eq(&received.cvc3);
    // A dual CVC3 covers no amount (magstripe mode).
    finish(source, verdict(md_ok, umd_ok, atc, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_mask_matches_spec_example() {
        let pin = MobilePin::parse("1234").unwrap();
        let m = pin.mask();
        assert_eq!(
            m,
            [
                0x62, 0x64, 0x66, 0x68, 0, 0, 0, 0, 0x62, 0x64, 0x66, 0x68, 0, 0, 0, 0
            ]
        );
        assert!(MobilePin::parse("123").is_err());
        assert!(MobilePin::parse("123456789").is_err());
        assert!(MobilePin::parse("12a4").is_err());
    }
}
