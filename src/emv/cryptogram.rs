//! Application cryptograms (ARQC / TC / AAC) and the CVN catalogue.
//!
//! A CVN is *data*, not code: [`Cvn`] says which master-key option, which
//! session key, which card data follows the 33-byte minimum set, which padding,
//! and which ARPC method and key. One code path serves every scheme, so a
//! fix or a constant-time property holds for all of them at once.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::arpc::{self, Arpc, ArpcMethod, ArpcResponse};
use super::derive::{self, MkDerivation};
use super::types::{Atc, Cryptogram, TransactionData, UnpredictableNumber};
use crate::cipher::BlockKey;
use crate::keys::KeyMaterial;
use crate::mac::{EmvMac, Padding};
use crate::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn, SessionKey, VerifyError};

#[cfg(feature = "aes")]
mod engine_tap;

/// Cipher family of a CVN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CipherFamily {
    /// Two-key TDES, retail MAC.
    Tdes,
    /// AES, CMAC.
    Aes,
}

/// Which key computes the AC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AcKeyMethod {
    /// The ICC master key itself, no session key (Visa CVN 10).
    CardKey,
    /// EMV common session key with R = ATC ‖ 00…00.
    CommonSessionKey,
    /// Mastercard proprietary SKD, R = ATC ‖ 0000 ‖ UN.
    MastercardSkd,
}

/// Which key computes the ARPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArpcKeySource {
    /// The ICC master key (Visa CVN 10, Mastercard CVN 16/17).
    CardKey,
    /// The AC session key.
    SessionKey,
}

/// The card data that follows the 33-byte minimum set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CardDataSpec {
    /// What it is, for error messages (e.g. `"CVR (Visa CVN 10)"`).
    pub field: &'static str,
    /// Allowed lengths as text, for error messages.
    pub expected: &'static str,
    /// Smallest allowed length.
    pub min: usize,
    /// Largest allowed length.
    pub max: usize,
    /// If set, the only lengths allowed between `min` and `max`, besides
    /// the issuer-discretionary-data forms that `visa_idd` allows.
    pub only: Option<[usize; 2]>,
    /// Visa IAD formats 0/1/3 with issuer discretionary data: 8 to 23
    /// bytes, the 7-byte form followed by an IDD length byte `n` (0–15) and
    /// `n` bytes, so IAD\[7\] = length − 8. Seen in public IAD decoders and
    /// published card traces (e.g. `06 01 12 03 A0 00 00 0F …`, 23 bytes,
    /// CVN 18); pyemv MACs the whole 9F10 whatever its length. Visa's VIS
    /// specification, which defines the format, is not public: this is the
    /// layout those public sources agree on, and the length byte is checked.
    pub visa_idd: bool,
}

impl CardDataSpec {
    const fn exact(field: &'static str, expected: &'static str, n: usize) -> Self {
        CardDataSpec {
            field,
            expected,
            min: n,
            max: n,
            only: None,
            visa_idd: false,
        }
    }

    fn allows(&self, bytes: &[u8]) -> bool {
        let n = bytes.len();
        let idd = self.visa_idd
            && (8..=23).contains(&n)
            && bytes.get(7).is_some_and(|&l| usize::from(l) == n - 8);
        idd || ((self.min..=self.max).contains(&n)
            && self.only.is_none_or(|[a, b]| n == a || n == b))
    }
}

/// A cryptogram version: everything that differs between schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cvn {
    /// Human name, e.g. `"Visa CVN 10"`.
    pub name: &'static str,
    /// The CVN byte as it appears in the IAD.
    pub id: u8,
    /// TDES or AES.
    pub cipher: CipherFamily,
    /// How the ICC master key is derived from the IMK.
    pub mk_derivation: MkDerivation,
    /// Which key computes the AC.
    pub ac_key: AcKeyMethod,
    /// The card data after the minimum set.
    pub card_data: CardDataSpec,
    /// ISO 9797-1 padding (TDES only; CMAC pads internally).
    pub padding: Padding,
    /// ARPC method.
    pub arpc: ArpcMethod,
    /// ARPC key.
    pub arpc_key: ArpcKeySource,
    /// Issuer script (secure messaging) rules.
    pub script: ScriptProfile,
    /// Where the card declares this CVN inside its IAD (9F10), so that a
    /// message can be checked against the CVN the issuer pinned.
    pub iad_layout: IadLayout,
}

/// Where a scheme's IAD (9F10) declares the CVN.
///
/// The issuer pins the CVN from its own card record; the IAD's CVN byte is
/// then only *checked* against it, never used to choose the algorithm (an
/// attacker can relabel any unauthenticated byte of an authorisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IadLayout {
    /// Visa Integrated Circuit Card Specification: byte 2 for IAD formats
    /// 0/1/3 (`06 01 0A …`), byte 1 for format 2 (`1F 22 …`).
    Visa,
    /// M/Chip: byte 1, after the key-derivation index.
    Mastercard,
    /// Interac: byte 2.
    Interac,
    /// The IAD carries no CVN this crate can read (EMV common core, the
    /// DPAN-bound profile): the pinned CVN is the only source.
    Undeclared,
}

impl IadLayout {
    /// The CVN byte `iad` declares under this layout, or `None` for
    /// [`IadLayout::Undeclared`].
    ///
    /// # Errors
    /// [`Error::Length`] if the IAD is too short to hold its CVN byte.
    pub fn declared_cvn(self, iad: &[u8]) -> Result<Option<u8>, Error> {
        let at = match self {
            IadLayout::Visa if iad.first() == Some(&0x1F) => 1,
            IadLayout::Visa | IadLayout::Interac => 2,
            IadLayout::Mastercard => 1,
            IadLayout::Undeclared => return Ok(None),
        };
        iad.get(at).copied().map(Some).ok_or(Error::Length {
            field: "IAD (9F10)",
            expected: "long enough for its CVN byte",
            got: iad.len(),
        })
    }
}

// A table constructor: one argument per column of the CVN table.
#[allow(clippy::too_many_arguments)]
const fn tdes(
    name: &'static str,
    id: u8,
    mk: MkDerivation,
    ac_key: AcKeyMethod,
    card_data: CardDataSpec,
    padding: Padding,
    arpc: ArpcMethod,
    arpc_key: ArpcKeySource,
    script: ScriptProfile,
    iad_layout: IadLayout,
) -> Cvn {
    Cvn {
        name,
        id,
        cipher: CipherFamily::Tdes,
        mk_derivation: mk,
        ac_key,
        card_data,
        padding,
        arpc,
        arpc_key,
        script,
        iad_layout,
    }
}

use super::script::{PinBlockFormat, ScriptEncryption, ScriptKeyMethod as SK, ScriptProfile};
use AcKeyMethod as K;
use ArpcKeySource as AK;
use ArpcMethod as AM;
use MkDerivation as MK;

const VISA_SCRIPTS: ScriptProfile = ScriptProfile {
    keys: SK::VisaXor,
    encryption: ScriptEncryption::Visa,
    pin_block: PinBlockFormat::Vis,
    mac_includes_atc_arqc: true,
    increment_arqc_per_command: false,
};
const VISA_22_SCRIPTS: ScriptProfile = ScriptProfile {
    keys: SK::CommonSessionKeyArqc,
    encryption: ScriptEncryption::Visa,
    pin_block: PinBlockFormat::Iso2NewVisWithCurrent,
    mac_includes_atc_arqc: true,
    increment_arqc_per_command: false,
};
const MASTERCARD_SCRIPTS: ScriptProfile = ScriptProfile {
    keys: SK::CommonSessionKeyArqc,
    encryption: ScriptEncryption::Mastercard,
    pin_block: PinBlockFormat::Iso9564Format2,
    mac_includes_atc_arqc: true,
    increment_arqc_per_command: true,
};
const INTERAC_SCRIPTS: ScriptProfile = ScriptProfile {
    mac_includes_atc_arqc: false,
    ..MASTERCARD_SCRIPTS
};
const EMV_SCRIPTS: ScriptProfile = ScriptProfile {
    keys: SK::CommonSessionKeyArqc,
    encryption: ScriptEncryption::Emv,
    pin_block: PinBlockFormat::Iso9564Format2,
    mac_includes_atc_arqc: true,
    increment_arqc_per_command: false,
};

/// Visa CVN 10 (`0A`): ICC MK-AC directly; card data = CVR (4 bytes, IAD[3..7]); padding 1; ARPC 1 with the card key.
#[cfg(feature = "tdes")]
pub const VISA_CVN_10: Cvn = tdes(
    "Visa CVN 10",
    0x0A,
    MK::OptionA,
    K::CardKey,
    CardDataSpec::exact("CVR (Visa CVN 10, IAD[3..7])", "4", 4),
    Padding::Method1,
    AM::Method1,
    AK::CardKey,
    VISA_SCRIPTS,
    IadLayout::Visa,
);
/// Visa CVN 18 (`12`): CSK(ATC); card data = whole IAD (7 bytes, 8–23 with
/// issuer discretionary data, or 32 for format 2); ARPC 2.
#[cfg(feature = "tdes")]
pub const VISA_CVN_18: Cvn = tdes(
    "Visa CVN 18",
    0x12,
    MK::OptionB,
    K::CommonSessionKey,
    CardDataSpec {
        field: "IAD (Visa CVN 18)",
        expected: "7, 8 to 23 (with issuer discretionary data and its length byte) or 32",
        min: 7,
        max: 32,
        only: Some([7, 32]),
        visa_idd: true,
    },
    Padding::Method2,
    AM::Method2,
    AK::SessionKey,
    VISA_SCRIPTS,
    IadLayout::Visa,
);
/// Visa CVN '22' (`22`): as CVN 18, but script keys are CSK(ARQC).
#[cfg(feature = "tdes")]
pub const VISA_CVN_22: Cvn = tdes(
    "Visa CVN '22'",
    0x22,
    MK::OptionB,
    K::CommonSessionKey,
    CardDataSpec {
        field: "IAD (Visa CVN '22')",
        expected: "7, 8 to 23 (with issuer discretionary data and its length byte) or 32",
        min: 7,
        max: 32,
        only: Some([7, 32]),
        visa_idd: true,
    },
    Padding::Method2,
    AM::Method2,
    AK::SessionKey,
    VISA_22_SCRIPTS,
    IadLayout::Visa,
);
/// Mastercard CVN 16 (`10`): MC SKD; card data = CVR (6 bytes); ARPC 1 with the card key.
#[cfg(feature = "tdes")]
pub const MASTERCARD_CVN_16: Cvn = tdes(
    "Mastercard CVN 16",
    0x10,
    MK::OptionA,
    K::MastercardSkd,
    CardDataSpec::exact("CVR (Mastercard CVN 16)", "6", 6),
    Padding::Method2,
    AM::Method1,
    AK::CardKey,
    MASTERCARD_SCRIPTS,
    IadLayout::Mastercard,
);
/// Mastercard CVN 17 (`11`): MC SKD; card data = CVR ‖ counters (14 bytes); ARPC 1 with the card key.
#[cfg(feature = "tdes")]
pub const MASTERCARD_CVN_17: Cvn = tdes(
    "Mastercard CVN 17",
    0x11,
    MK::OptionA,
    K::MastercardSkd,
    CardDataSpec::exact("CVR and counters (Mastercard CVN 17)", "14", 14),
    Padding::Method2,
    AM::Method1,
    AK::CardKey,
    MASTERCARD_SCRIPTS,
    IadLayout::Mastercard,
);
/// Mastercard CVN 20 (`14`): CSK(ATC); card data = CVR (6 bytes); ARPC 1 with the session key.
#[cfg(feature = "tdes")]
pub const MASTERCARD_CVN_20: Cvn = tdes(
    "Mastercard CVN 20",
    0x14,
    MK::OptionA,
    K::CommonSessionKey,
    CardDataSpec::exact("CVR (Mastercard CVN 20)", "6", 6),
    Padding::Method2,
    AM::Method1,
    AK::SessionKey,
    MASTERCARD_SCRIPTS,
    IadLayout::Mastercard,
);
/// Mastercard CVN 21 (`15`): CSK(ATC); card data = CVR ‖ counters (14 bytes); ARPC 1 with the session key.
#[cfg(feature = "tdes")]
pub const MASTERCARD_CVN_21: Cvn = tdes(
    "Mastercard CVN 21",
    0x15,
    MK::OptionA,
    K::CommonSessionKey,
    CardDataSpec::exact("CVR and counters (Mastercard CVN 21)", "14", 14),
    Padding::Method2,
    AM::Method1,
    AK::SessionKey,
    MASTERCARD_SCRIPTS,
    IadLayout::Mastercard,
);
/// Interac CVN 133 (`85`): MC SKD; card data = whole IAD; ARPC 1 with the session key.
#[cfg(feature = "tdes")]
pub const INTERAC_CVN_133: Cvn = tdes(
    "Interac CVN 133",
    0x85,
    MK::OptionA,
    K::MastercardSkd,
    CardDataSpec {
        field: "IAD (Interac CVN 133)",
        expected: "1 to 32",
        min: 1,
        max: 32,
        only: None,
        visa_idd: false,
    },
    Padding::Method2,
    AM::Method1,
    AK::SessionKey,
    INTERAC_SCRIPTS,
    IadLayout::Interac,
);
/// EMV common core, TDES: Option A, CSK(ATC), card data = IAD, ARPC 2.
#[cfg(feature = "tdes")]
pub const EMV_COMMON_TDES: Cvn = tdes(
    "EMV common TDES",
    0x01,
    MK::OptionA,
    K::CommonSessionKey,
    CardDataSpec {
        field: "IAD (EMV common TDES)",
        expected: "1 to 32",
        min: 1,
        max: 32,
        only: None,
        visa_idd: false,
    },
    Padding::Method2,
    AM::Method2,
    AK::SessionKey,
    EMV_SCRIPTS,
    IadLayout::Undeclared,
);
/// EMV common core, AES: Option C, AES CSK(ATC), CMAC; card data = IAD, ARPC 2.
#[cfg(feature = "aes")]
pub const EMV_COMMON_AES: Cvn = Cvn {
    name: "EMV common AES",
    id: 0x02,
    cipher: CipherFamily::Aes,
    mk_derivation: MK::OptionC,
    ac_key: K::CommonSessionKey,
    card_data: CardDataSpec {
        field: "IAD (EMV common AES)",
        expected: "1 to 32",
        min: 1,
        max: 32,
        only: None,
        visa_idd: false,
    },
    padding: Padding::Method2,
    arpc: AM::Method2,
    arpc_key: AK::SessionKey,
    script: EMV_SCRIPTS,
    iad_layout: IadLayout::Undeclared,
};

/// tapcrypt's one-time-DPAN token profile (AES), version 2 (CVN byte `D2`):
/// as EMV common AES, but the card data binds the DPAN used in this tap.
/// A DPAN lifted from one transaction and swapped into another changes the
/// MAC'd data, so the cryptogram no longer verifies.
///
/// Card data (after the 33-byte minimum set), built only by
/// [`Cvn::card_data_bound`] ([`Cvn::card_data`] refuses this CVN):
///
/// ```text
/// offset  length     field
/// 0       1          n = number of DPAN digits, binary, 0x0D..=0x13 (13..=19)
/// 1       ceil(n/2)  BCD(DPAN): two digits per byte, first digit in the high
///                    nibble; for odd n the last low nibble is F
/// 1+⌈n/2⌉ 1..=32     IAD, as the card sends it
/// ```
///
/// 9 to 43 bytes. The length prefix makes the encoding injective: `D1`
/// (tapcrypt's first version, `BCD(DPAN) ‖ IAD` without the prefix, no
/// longer shipped) gave a 16-digit DPAN ‖ IAD the same bytes as its first 14
/// digits ‖ (its last two digits ‖ IAD), so one ARQC verified for two DPANs.
/// CVN byte `D2` is in no scheme's range; it names this profile inside
/// tapcrypt only.
#[cfg(feature = "aes")]
pub const TAPCRYPT_DPAN_AES: Cvn = Cvn {
    name: "tapcrypt DPAN-bound AES v2",
    id: 0xD2,
    cipher: CipherFamily::Aes,
    mk_derivation: MK::OptionC,
    ac_key: K::CommonSessionKey,
    card_data: CardDataSpec {
        field: "digit count, BCD(DPAN) and IAD (tapcrypt DPAN-bound AES v2)",
        expected: "1 byte of DPAN digit count, 7 to 10 bytes of DPAN, then 1 to 32 of IAD",
        min: 1 + 7 + 1,
        max: BOUND_CARD_DATA_MAX,
        only: None,
        visa_idd: false,
    },
    padding: Padding::Method2,
    arpc: AM::Method2,
    arpc_key: AK::SessionKey,
    script: EMV_SCRIPTS,
    iad_layout: IadLayout::Undeclared,
};

/// Size of the buffer [`Cvn::card_data_bound`] writes into: the largest
/// DPAN-bound card data (1 + 10 + 32 bytes).
pub const BOUND_CARD_DATA_MAX: usize = 43;

/// Every CVN this crate ships, for lookups by IAD byte (those of the ciphers
/// compiled in: features `tdes` and `aes`).
#[cfg(all(feature = "tdes", feature = "aes"))]
pub const ALL_CVNS: [&Cvn; 11] = [
    &VISA_CVN_10,
    &VISA_CVN_18,
    &VISA_CVN_22,
    &MASTERCARD_CVN_16,
    &MASTERCARD_CVN_17,
    &MASTERCARD_CVN_20,
    &MASTERCARD_CVN_21,
    &INTERAC_CVN_133,
    &EMV_COMMON_TDES,
    &EMV_COMMON_AES,
    &TAPCRYPT_DPAN_AES,
];
/// Every CVN this crate ships, for lookups by IAD byte (TDES only: the
/// `aes` feature is off).
#[cfg(all(feature = "tdes", not(feature = "aes")))]
pub const ALL_CVNS: [&Cvn; 9] = [
    &VISA_CVN_10,
    &VISA_CVN_18,
    &VISA_CVN_22,
    &MASTERCARD_CVN_16,
    &MASTERCARD_CVN_17,
    &MASTERCARD_CVN_20,
    &MASTERCARD_CVN_21,
    &INTERAC_CVN_133,
    &EMV_COMMON_TDES,
];
/// Every CVN this crate ships, for lookups by IAD byte (AES only: the
/// `tdes` feature is off).
#[cfg(all(feature = "aes", not(feature = "tdes")))]
pub const ALL_CVNS: [&Cvn; 2] = [&EMV_COMMON_AES, &TAPCRYPT_DPAN_AES];

/// Card data validated against one CVN's layout.
///
/// A borrowed view (hence `Copy`). For DPAN-bound CVNs the bytes hold the
/// DPAN, so `Debug` shows only the CVN and the length, and there is no `==`
/// (it would be an early-exit compare over the digits).
#[derive(Clone, Copy)]
pub struct CardData<'a> {
    bytes: &'a [u8],
    cvn: u8,
}

impl core::fmt::Debug for CardData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardData")
            .field("cvn", &self.cvn)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl CardData<'_> {
    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
    }

    /// The id of the CVN these bytes were validated for.
    pub(crate) fn cvn_id(&self) -> u8 {
        self.cvn
    }
}

impl Cvn {
    /// Validates the card data that follows the minimum set.
    ///
    /// Not for a CVN that binds the DPAN ([`binds_dpan`](Self::binds_dpan)):
    /// its card data holds the DPAN of the tap, and
    /// [`card_data_bound`](Self::card_data_bound) is the only way to build it.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a DPAN-binding CVN; [`Error::Length`] naming
    /// the field and the allowed lengths.
    pub fn card_data<'a>(&self, bytes: &'a [u8]) -> Result<CardData<'a>, Error> {
        if self.binds_dpan() {
            return Err(Error::Parameter {
                what: "this CVN binds the DPAN; build its card data with card_data_bound()",
            });
        }
        self.card_data_checked(bytes)
    }

    /// The length check behind [`card_data`](Self::card_data) and
    /// [`card_data_bound`](Self::card_data_bound).
    pub(crate) fn card_data_checked<'a>(&self, bytes: &'a [u8]) -> Result<CardData<'a>, Error> {
        if !self.card_data.allows(bytes) {
            return Err(Error::Length {
                field: self.card_data.field,
                expected: self.card_data.expected,
                got: bytes.len(),
            });
        }
        Ok(CardData {
            bytes,
            cvn: self.id,
        })
    }

    /// Whether this CVN MACs the DPAN of the tap (build its card data with
    /// [`card_data_bound`](Self::card_data_bound)).
    #[must_use]
    pub fn binds_dpan(&self) -> bool {
        #[cfg(feature = "aes")]
        {
            self.id == TAPCRYPT_DPAN_AES.id
        }
        #[cfg(not(feature = "aes"))]
        false
    }

    /// Card data for a DPAN-binding CVN: `n ‖ BCD(dpan) ‖ iad` with n the
    /// DPAN's digit count (layout: [`TAPCRYPT_DPAN_AES`]), written into
    /// `buf`. Both the device (with the DPAN it is about to send) and the
    /// backend (with the DPAN from the authorisation message) build it the
    /// same way.
    ///
    /// # Errors
    /// [`Error::Parameter`] if this CVN does not bind a DPAN;
    /// [`Error::DigitCount`] for a DPAN outside 13–19 digits;
    /// [`Error::Length`] for an IAD that is empty or over 32 bytes.
    pub fn card_data_bound<'a>(
        &self,
        dpan: &Pan,
        iad: &[u8],
        buf: &'a mut [u8; BOUND_CARD_DATA_MAX],
    ) -> Result<CardData<'a>, Error> {
        if !self.binds_dpan() {
            return Err(Error::Parameter {
                what: "this CVN does not bind the DPAN; use card_data()",
            });
        }
        let digits = dpan.digit_values();
        // The digit count is public (lengths are).
        let n = digits.len();
        if !(13..=19).contains(&n) {
            return Err(Error::DigitCount {
                field: "DPAN",
                min: 13,
                max: 19,
                got: n,
            });
        }
        if iad.is_empty() || iad.len() > 32 {
            return Err(Error::Length {
                field: "IAD (tapcrypt DPAN-bound AES v2)",
                expected: "1 to 32",
                got: iad.len(),
            });
        }
        let nb = n.div_ceil(2);
        let mut padded = [0x0Fu8; 20];
        if let Some(dst) = padded.get_mut(..n) {
            dst.copy_from_slice(digits);
        }
        buf.fill(0);
        buf[0] = n as u8;
        crate::digits::pack_bcd(&padded, buf.get_mut(1..1 + nb).unwrap_or(&mut []));
        zeroize::Zeroize::zeroize(&mut padded);
        if let Some(dst) = buf.get_mut(1 + nb..1 + nb + iad.len()) {
            dst.copy_from_slice(iad);
        }
        self.card_data_checked(buf.get(..1 + nb + iad.len()).unwrap_or(&[]))
    }

    pub(crate) fn check_key(&self, k: &KeyMaterial, role: &'static str) -> Result<(), Error> {
        let ok = match self.cipher {
            #[cfg(feature = "tdes")]
            CipherFamily::Tdes => k.algorithm() == crate::Algorithm::Tdes2,
            #[cfg(not(feature = "tdes"))]
            CipherFamily::Tdes => false,
            #[cfg(feature = "aes")]
            CipherFamily::Aes => !k.algorithm().is_tdes(),
            #[cfg(not(feature = "aes"))]
            CipherFamily::Aes => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::KeyAlgorithm {
                operation: role,
                needs: match self.cipher {
                    CipherFamily::Tdes => "two-key TDES",
                    CipherFamily::Aes => "AES",
                },
            })
        }
    }

    /// Issuer side: derives the ICC master key for this CVN's option.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] if the IMK does not fit the CVN's cipher.
    pub fn derive_card_key(
        &self,
        imk: &IssuerMasterKey,
        pan: &Pan,
        psn: Psn,
    ) -> Result<CardMasterKey, Error> {
        self.check_key(&imk.0, "this CVN's issuer master key")?;
        derive::derive_card_key(self.mk_derivation, imk, pan, psn)
    }

    /// Derives the keys of one transaction (the AC key; the card key is
    /// borrowed for the ARPC where the CVN uses it).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] if the card key does not fit the CVN's cipher.
    pub fn transaction_keys<'k>(
        &'k self,
        card_key: &'k CardMasterKey,
        atc: Atc,
        un: UnpredictableNumber,
    ) -> Result<TransactionKeys<'k>, Error> {
        self.check_key(&card_key.0, "this CVN's card master key")?;
        self.build(card_key, None, atc, un)
    }

    /// As [`transaction_keys`](Self::transaction_keys), with the card key's
    /// schedule expanded once in a [`CardKeySchedule`] (the device path: it
    /// saves one key expansion per tap).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] if the card key does not fit the CVN's cipher.
    pub fn transaction_keys_with<'k>(
        &'k self,
        card: &'k CardKeySchedule,
        atc: Atc,
        un: UnpredictableNumber,
    ) -> Result<TransactionKeys<'k>, Error> {
        self.check_key(&card.key.0, "this CVN's card master key")?;
        self.build(&card.key, Some(&card.schedule), atc, un)
    }

    /// Device side, **ahead of the tap**: the keys for the next transaction,
    /// whose ATC the band knows but whose unpredictable number it does not.
    /// The band derives and expands them while idle after a tap, and the
    /// next tap then costs only the MAC over the transaction data (about
    /// half an AES tap on Cortex-M4: BENCHMARKS.md, `aes_tap_prepared`).
    ///
    /// The keys are bound to `atc`: generating or verifying an AC for a
    /// transaction with another ATC is an error, not a wrong cryptogram.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a CVN whose session key depends on the
    /// unpredictable number (Mastercard SKD: Mastercard CVN 16 and 17,
    /// Interac CVN 133);
    /// otherwise as [`transaction_keys_with`](Self::transaction_keys_with).
    pub fn transaction_keys_ahead<'k>(
        &'k self,
        card: &'k CardKeySchedule,
        atc: Atc,
    ) -> Result<TransactionKeys<'k>, Error> {
        if matches!(self.ac_key, AcKeyMethod::MastercardSkd) {
            return Err(Error::Parameter {
                what: "this CVN's session key depends on the unpredictable number",
            });
        }
        self.transaction_keys_with(card, atc, UnpredictableNumber::default())
    }

    /// As [`transaction_keys_with`](Self::transaction_keys_with), building
    /// the keys in the caller's `slot` (overwriting what it held) and
    /// returning them borrowed: the device path for the smallest stack.
    /// The session key is expanded straight into the slot, so no expanded
    /// schedule is moved or copied, and it is the only one alive beside the
    /// card's. On error the slot is left empty.
    ///
    /// ```
    /// # use tapcrypt::emv::{Atc, CardKeySchedule, UnpredictableNumber, EMV_COMMON_AES};
    /// # use tapcrypt::{Algorithm, CardMasterKey};
    /// # let card = CardKeySchedule::new(CardMasterKey::new(Algorithm::Aes128, &[7; 16])?);
    /// let mut slot = None; // e.g. in the tap handler's frame, reused tap after tap
    /// let keys = EMV_COMMON_AES.transaction_keys_in(&card, Atc::from_u16(1), UnpredictableNumber([0; 4]), &mut slot)?;
    /// # let _ = keys;
    /// # Ok::<(), tapcrypt::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`transaction_keys_with`](Self::transaction_keys_with).
    pub fn transaction_keys_in<'k, 's>(
        &'k self,
        card: &'k CardKeySchedule,
        atc: Atc,
        un: UnpredictableNumber,
        slot: &'s mut Option<TransactionKeys<'k>>,
    ) -> Result<&'s TransactionKeys<'k>, Error> {
        if let Err(e) = self.check_key(&card.key.0, "this CVN's card master key") {
            *slot = None;
            return Err(e);
        }
        self.build_in(&card.key, Some(&card.schedule), atc, un, slot)
    }

    /// As [`transaction_keys_ahead`](Self::transaction_keys_ahead), building
    /// the keys in the caller's `slot` (see
    /// [`transaction_keys_in`](Self::transaction_keys_in)).
    ///
    /// # Errors
    /// As [`transaction_keys_ahead`](Self::transaction_keys_ahead).
    pub fn transaction_keys_ahead_in<'k, 's>(
        &'k self,
        card: &'k CardKeySchedule,
        atc: Atc,
        slot: &'s mut Option<TransactionKeys<'k>>,
    ) -> Result<&'s TransactionKeys<'k>, Error> {
        if matches!(self.ac_key, AcKeyMethod::MastercardSkd) {
            *slot = None;
            return Err(Error::Parameter {
                what: "this CVN's session key depends on the unpredictable number",
            });
        }
        self.transaction_keys_in(card, atc, UnpredictableNumber::default(), slot)
    }

    /// [`build_in`](Self::build_in) into a fresh slot, returned by value
    /// (one move of the keys).
    fn build<'k>(
        &'k self,
        card_key: &'k CardMasterKey,
        card: Option<&'k BlockKey>,
        atc: Atc,
        un: UnpredictableNumber,
    ) -> Result<TransactionKeys<'k>, Error> {
        let mut slot = None;
        self.build_in(card_key, card, atc, un, &mut slot)?;
        slot.ok_or(Error::Parameter {
            what: "transaction keys",
        })
    }

    /// Builds the keys in `slot`. `card`: the card key's schedule when the
    /// caller keeps it expanded. Without it the card schedule is expanded
    /// here, used for the session key and dropped before the session key is
    /// expanded, so at most one expanded key is alive at a time and
    /// [`TransactionKeys`] holds one. On error the slot is left empty.
    fn build_in<'k, 's>(
        &'k self,
        card_key: &'k CardMasterKey,
        card: Option<&'k BlockKey>,
        atc: Atc,
        un: UnpredictableNumber,
        slot: &'s mut Option<TransactionKeys<'k>>,
    ) -> Result<&'s TransactionKeys<'k>, Error> {
        let alg = card_key.algorithm();
        // The session key first (the slot's previous keys are still there
        // to be re-keyed in place), then the slot's fields.
        let sk = match (&self.ac_key, card) {
            (AcKeyMethod::CardKey, _) => None,
            (_, Some(c)) => Some(self.session_key_with(c, alg, atc, un)),
            (_, None) => Some(self.session_key_expanding(card_key, atc, un)),
        };
        let sk = match sk.transpose() {
            Ok(sk) => sk,
            Err(e) => {
                *slot = None;
                return Err(e);
            }
        };
        // Every field is set in place: the slot's AC schedule (if any) is
        // the storage the new AC key is expanded into.
        if slot.is_none() {
            *slot = Some(TransactionKeys {
                cvn: self,
                card_key,
                card,
                session_key: None,
                ac: None,
                atc,
                un: None,
            });
        }
        let Some(keys) = slot.as_mut() else {
            return Err(Error::Parameter {
                what: "transaction keys",
            });
        };
        keys.cvn = self;
        keys.card_key = card_key;
        keys.card = card;
        keys.atc = atc;
        keys.un = matches!(self.ac_key, AcKeyMethod::MastercardSkd).then_some(un);
        match &sk {
            Some(sk) => BlockKey::expand_into(&mut keys.ac, alg, sk.0.bytes()),
            None if card.is_none() => {
                BlockKey::expand_into(&mut keys.ac, alg, card_key.0.bytes());
            }
            None => keys.ac = None,
        }
        keys.session_key = sk;
        Ok(keys)
    }

    /// The AC session key from the card key's schedule (CVNs with one).
    fn session_key_with(
        &self,
        card: &BlockKey,
        alg: Algorithm,
        atc: Atc,
        un: UnpredictableNumber,
    ) -> Result<SessionKey, Error> {
        match self.ac_key {
            #[cfg(feature = "tdes")]
            AcKeyMethod::MastercardSkd => derive::mastercard_skd_with(card, alg, atc, un),
            #[cfg(not(feature = "tdes"))]
            AcKeyMethod::MastercardSkd => {
                let _ = (card, alg, atc, un);
                Err(Error::KeyAlgorithm {
                    operation: "the Mastercard SKD",
                    needs: "two-key TDES (tapcrypt's `tdes` feature is off)",
                })
            }
            _ => derive::session_key_ac_with(card, alg, atc),
        }
    }

    /// [`session_key_with`](Self::session_key_with) from a card key not kept
    /// expanded: the schedule lives only in this call. Out of line, so it
    /// is not in the frame of the device path (card schedule borrowed).
    #[inline(never)]
    fn session_key_expanding(
        &self,
        card_key: &CardMasterKey,
        atc: Atc,
        un: UnpredictableNumber,
    ) -> Result<SessionKey, Error> {
        self.session_key_with(&card_key.0.block_key(), card_key.algorithm(), atc, un)
    }

    /// Looks a shipped CVN up by its IAD byte.
    #[must_use]
    pub fn by_id(id: u8) -> Option<&'static Cvn> {
        ALL_CVNS.iter().copied().find(|c| c.id == id)
    }
}

/// A card master key with its block-cipher key schedule expanded once.
///
/// A device computes a cryptogram at every tap with the same card key;
/// expanding the key schedule once (at boot or provisioning) instead of at
/// every tap saves an AES key expansion — about a fifth of an AES tap on
/// Cortex-M4. Zeroized on drop (the `aes` schedules and our TDES schedule
/// wipe themselves); `Debug` prints nothing secret.
pub struct CardKeySchedule {
    key: CardMasterKey,
    schedule: BlockKey,
}

impl CardKeySchedule {
    /// Expands `key`'s schedule.
    #[must_use]
    pub fn new(key: CardMasterKey) -> Self {
        let schedule = key.0.block_key();
        CardKeySchedule { key, schedule }
    }

    /// The card key.
    #[must_use]
    pub fn card_key(&self) -> &CardMasterKey {
        &self.key
    }
}

impl core::fmt::Debug for CardKeySchedule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardKeySchedule")
            .field("algorithm", &self.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for CardKeySchedule {}

/// The keys of one transaction under one CVN, with their schedules expanded.
///
/// The card computes its cryptogram with them; the issuer derives the same
/// keys and verifies, and answers only from the proof of that verification.
/// (Values: pyemv's Visa CVN 18 test case.)
///
/// ```
/// use tapcrypt::emv::{ArpcResponse, Atc, Csu, TransactionData, UnpredictableNumber, VISA_CVN_18};
/// use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210")?;
/// let card_key = VISA_CVN_18.derive_card_key(&imk, &Pan::parse("1234567890123456")?, Psn::ABSENT)?;
/// let txn = TransactionData {
///     amount_authorised: [0, 0, 0, 0, 0x40, 0x00],
///     terminal_country: [0x01, 0x24],
///     tvr: [0x80, 0x00, 0x04, 0x80, 0x00],
///     currency: [0x01, 0x24],
///     date: [0x19, 0x11, 0x05],
///     transaction_type: 0x01,
///     un: UnpredictableNumber([0x52, 0xBF, 0x45, 0x85]),
///     aip: [0x18, 0x00],
///     atc: Atc::from_u16(0x001C),
///     ..TransactionData::default()
/// };
/// let card_data = VISA_CVN_18.card_data(&[0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00])?;
/// let keys = VISA_CVN_18.transaction_keys(&card_key, txn.atc, txn.un)?;
/// let arqc = keys.generate_ac(&txn, &card_data)?;
/// assert_eq!(arqc.0, [0x7A, 0x78, 0x8E, 0xA6, 0xB8, 0xA3, 0xE7, 0x33]);
///
/// let verified = keys.verify_arqc(&txn, &card_data, &arqc)?;
/// let response = ArpcResponse::Method2 { csu: Csu([0; 4]), proprietary: &[] };
/// let arpc = verified.arpc(&response)?;
/// assert_eq!(arpc.as_bytes(), [0x9A, 0xF5, 0x14, 0xC1]);
/// assert!(keys.verify_arpc(&arqc, &response, &arpc).is_ok());
/// # Ok(())
/// # }
/// ```
pub struct TransactionKeys<'k> {
    cvn: &'k Cvn,
    card_key: &'k CardMasterKey,
    /// The card key's schedule, borrowed from a [`CardKeySchedule`]; `None`
    /// for [`Cvn::transaction_keys`], which expands it only when needed.
    card: Option<&'k BlockKey>,
    /// `None` when the CVN computes the AC with the card key itself.
    session_key: Option<SessionKey>,
    /// The AC key's schedule: the session key's, or the card key's when
    /// the CVN MACs with the card key and `card` is `None`. The only
    /// expanded key these keys own (stack: one schedule, 352 bytes for
    /// AES-128 with our core, not two).
    ac: Option<BlockKey>,
    /// The ATC the keys were derived for (public).
    atc: Atc,
    /// The UN the session key was derived with, for UN-dependent CVNs.
    un: Option<UnpredictableNumber>,
}

impl core::fmt::Debug for TransactionKeys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TransactionKeys")
            .field("cvn", &self.cvn.name)
            .finish_non_exhaustive()
    }
}

impl TransactionKeys<'_> {
    /// The AC key's schedule (`build` always sets one of the two; `None`
    /// is unreachable and reported as an error by the callers, not a panic).
    fn ac_key(&self) -> Option<&BlockKey> {
        self.ac.as_ref().or(self.card)
    }

    /// Runs `f` with the ARPC key's schedule. The card key is expanded here
    /// only for a CVN that MACs the AC with a session key and answers with
    /// the card key (Mastercard CVN 16/17) on keys from
    /// [`Cvn::transaction_keys`]: the one case where holding both schedules
    /// would be needed.
    fn with_arpc_key<R>(&self, f: impl FnOnce(&BlockKey) -> R) -> Option<R> {
        match self.cvn.arpc_key {
            ArpcKeySource::SessionKey => self.ac_key().map(f),
            ArpcKeySource::CardKey => match (self.card, &self.session_key) {
                (Some(c), _) => Some(f(c)),
                (None, None) => self.ac.as_ref().map(f),
                (None, Some(_)) => Some(f(&self.card_key.0.block_key())),
            },
        }
    }

    /// The card key these keys were derived from.
    #[must_use]
    pub fn card_key(&self) -> &CardMasterKey {
        self.card_key
    }

    /// The AC session key, if the CVN uses one.
    #[must_use]
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session_key.as_ref()
    }

    fn compute(&self, txn: &TransactionData, card_data: &CardData<'_>) -> Result<[u8; 8], Error> {
        if card_data.cvn != self.cvn.id {
            return Err(Error::Parameter {
                what: "card data was validated for a different CVN",
            });
        }
        // ATC and UN are public; a mismatch is a caller's mix-up (keys
        // prepared for another tap), reported rather than MACed.
        if txn.atc != self.atc || self.un.is_some_and(|un| un != txn.un) {
            return Err(Error::Parameter {
                what: "transaction ATC or UN differs from the one the keys were derived for",
            });
        }
        let key = self.ac_key().ok_or(Error::Parameter {
            what: "no AC key schedule",
        })?;
        let mut min = txn.to_bytes();
        let mut m = EmvMac::new(key, self.cvn.padding);
        m.update(&min);
        m.update(card_data.bytes);
        min.zeroize();
        Ok(m.finalize8())
    }

    /// Generates the AC (ARQC, TC or AAC: the computation is the same).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `card_data` was validated for another CVN.
    pub fn generate_ac(
        &self,
        txn: &TransactionData,
        card_data: &CardData<'_>,
    ) -> Result<Cryptogram, Error> {
        self.compute(txn, card_data).map(Cryptogram)
    }

    fn verify_mac(
        &self,
        txn: &TransactionData,
        card_data: &CardData<'_>,
        ac: &Cryptogram,
    ) -> Result<(), VerifyError> {
        let ok = match self.compute(txn, card_data) {
            Ok(mut want) => {
                let c = want.ct_eq(&ac.0);
                want.zeroize();
                c
            }
            Err(_) => subtle::Choice::from(0),
        };
        if crate::ct::public_verdict(ok) {
            Ok(())
        } else {
            Err(VerifyError)
        }
    }

    /// Issuer side: verifies an **ARQC** — recomputes it and compares all 8
    /// bytes in constant time — and returns the proof the ARPC is computed
    /// from ([`VerifiedArqc::arpc`]). There is no other safe way to obtain an
    /// ARPC: an ARPC for an unverified value is a chosen-plaintext oracle
    /// under the ARPC key (for Visa CVN 10 and Mastercard CVN 16/17 that is
    /// the card key itself), so it lives only in `hazmat`.
    ///
    /// Stateless: a recorded ARQC verifies again. Enforce the ATC (accept
    /// each once) with the proof's [`atc`](VerifiedArqc::atc), e.g. through
    /// [`crate::lifecycle`]'s replay window where it is built.
    ///
    /// Call this only for a cryptogram whose CID (9F27) says ARQC; a TC or
    /// AAC is checked with [`verify_tc_or_aac`](Self::verify_tc_or_aac).
    ///
    /// # Errors
    /// [`VerifyError`] on any mismatch (including card data validated for
    /// another CVN, or keys derived for another ATC/UN), with no detail.
    pub fn verify_arqc(
        &self,
        txn: &TransactionData,
        card_data: &CardData<'_>,
        arqc: &Cryptogram,
    ) -> Result<VerifiedArqc<'_>, VerifyError> {
        self.verify_mac(txn, card_data, arqc)?;
        Ok(VerifiedArqc {
            keys: self,
            arqc: *arqc,
            covered: super::CoveredAmount::of(txn),
        })
    }

    /// Issuer / clearing side: verifies a **TC or AAC** (the card's offline
    /// approval or decline) in constant time. The proof it returns answers
    /// no ARPC: a TC or AAC asks for none.
    ///
    /// # Errors
    /// [`VerifyError`] on any mismatch, with no detail.
    pub fn verify_tc_or_aac(
        &self,
        txn: &TransactionData,
        card_data: &CardData<'_>,
        ac: &Cryptogram,
    ) -> Result<VerifiedOfflineAc, VerifyError> {
        self.verify_mac(txn, card_data, ac)?;
        Ok(VerifiedOfflineAc {
            atc: self.atc,
            ac: *ac,
        })
    }

    /// The ARPC for any 8 bytes, with no proof that they verified: the
    /// `hazmat` oracle. Crate-private; exposed only by `hazmat`.
    #[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
    pub(crate) fn arpc_unverified(
        &self,
        arqc: &Cryptogram,
        response: &ArpcResponse<'_>,
    ) -> Result<Arpc, Error> {
        self.check_method(response)?;
        self.with_arpc_key(|k| arpc::generate_with(k, arqc, response))
            .unwrap_or(Err(Error::Parameter {
                what: "no ARPC key schedule",
            }))
    }

    /// Device side: checks the issuer's ARPC in constant time.
    ///
    /// # Errors
    /// [`VerifyError`] on any mismatch.
    pub fn verify_arpc(
        &self,
        arqc: &Cryptogram,
        response: &ArpcResponse<'_>,
        arpc: &Arpc,
    ) -> Result<(), VerifyError> {
        self.check_method(response).map_err(|_| VerifyError)?;
        self.with_arpc_key(|k| arpc::verify_with(k, arqc, response, arpc))
            .unwrap_or(Err(VerifyError))
    }

    fn check_method(&self, response: &ArpcResponse<'_>) -> Result<(), Error> {
        self.cvn.check_method(response)
    }
}

impl Cvn {
    /// The response's ARPC method must be this CVN's.
    pub(crate) fn check_method(&self, response: &ArpcResponse<'_>) -> Result<(), Error> {
        let m = match response {
            ArpcResponse::Method1 { .. } => ArpcMethod::Method1,
            ArpcResponse::Method2 { .. } => ArpcMethod::Method2,
        };
        if m == self.arpc {
            Ok(())
        } else {
            Err(Error::Parameter {
                what: "ARPC response method does not match the CVN",
            })
        }
    }
}

/// Proof that an ARQC verified under the keys of the pinned CVN.
///
/// Only [`TransactionKeys::verify_arqc`] (and the message-level
/// [`AuthorisationRequest::verify`](super::tlv::AuthorisationRequest::verify))
/// build one; it is neither `Clone` nor `Copy`, so what must follow a
/// successful verification — the ARPC, consuming the ATC — takes it.
/// Borrows the transaction keys: it cannot outlive them, and holds no key
/// bytes of its own.
///
/// The transaction keys answer no ARPC themselves (issue 13: an ARPC for
/// an unverified ARQC recovers session keys):
///
/// ```compile_fail
/// # use tapcrypt::emv::{ArpcResponse, ResponseCode, Cryptogram, VISA_CVN_10, Atc, UnpredictableNumber};
/// # let mk = tapcrypt::CardMasterKey::new(tapcrypt::Algorithm::Tdes2, &[1; 16]).unwrap();
/// let keys = VISA_CVN_10.transaction_keys(&mk, Atc::from_u16(1), UnpredictableNumber([0; 4])).unwrap();
/// let _ = keys.arpc(&Cryptogram([0; 8]), &ArpcResponse::Method1 { arc: ResponseCode(*b"05") });
/// ```
///
/// and no one outside the crate can build the proof:
///
/// ```compile_fail
/// # use tapcrypt::emv::{Cryptogram, VerifiedArqc};
/// let forged = VerifiedArqc { keys: todo!(), arqc: Cryptogram([0; 8]) };
/// ```
pub struct VerifiedArqc<'k> {
    keys: &'k TransactionKeys<'k>,
    arqc: Cryptogram,
    // 9F02 and 5F2A as the verified MAC covered them: what a usage limit counts.
    covered: super::CoveredAmount,
}

impl core::fmt::Debug for VerifiedArqc<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedArqc")
            .field("cvn", &self.keys.cvn.name)
            .field("atc", &self.keys.atc)
            .finish_non_exhaustive()
    }
}

impl VerifiedArqc<'_> {
    /// The ATC of the verified transaction (public).
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.keys.atc
    }

    /// The verified ARQC (public once verified: it travelled in the message).
    #[must_use]
    pub fn arqc(&self) -> &Cryptogram {
        &self.arqc
    }

    /// The CVN it verified under.
    #[must_use]
    pub fn cvn(&self) -> &Cvn {
        self.keys.cvn
    }

    /// The ARPC for this ARQC with the CVN's method and key: an approval or
    /// a decline ARC/CSU alike, since the ARQC is genuine.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the response's method is not the CVN's;
    /// [`Error::Length`] for proprietary data over 8 bytes.
    pub fn arpc(&self, response: &ArpcResponse<'_>) -> Result<Arpc, Error> {
        self.keys.arpc_unverified(&self.arqc, response)
    }

    /// The ARPC and its Issuer Authentication Data (tag 91) in one call:
    /// writes tag 91's value into `out` and returns it with the ARPC.
    ///
    /// # Errors
    /// As [`arpc`](Self::arpc).
    pub fn respond<'o>(
        &self,
        response: &ArpcResponse<'_>,
        out: &'o mut [u8; 16],
    ) -> Result<(Arpc, &'o [u8]), Error> {
        let arpc = self.arpc(response)?;
        let iad = arpc.issuer_authentication_data(response, out)?;
        Ok((arpc, iad))
    }
}

impl super::sealed::SealedProof for VerifiedArqc<'_> {}
impl super::VerifiedAtc for VerifiedArqc<'_> {
    fn atc(&self) -> Atc {
        self.keys.atc
    }
    fn covered_amount(&self) -> Option<super::CoveredAmount> {
        Some(self.covered)
    }
}

/// Proof that a TC or AAC verified (see [`TransactionKeys::verify_tc_or_aac`]).
/// It answers no ARPC.
#[derive(Debug)]
pub struct VerifiedOfflineAc {
    atc: Atc,
    ac: Cryptogram,
}

impl VerifiedOfflineAc {
    /// The ATC of the verified transaction.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// The verified TC or AAC.
    #[must_use]
    pub fn cryptogram(&self) -> &Cryptogram {
        &self.ac
    }
}
