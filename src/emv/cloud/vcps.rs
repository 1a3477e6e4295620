//! Visa Cloud-Based Payments (VCPS), CVN '43' (as public implementations and their published test values show it).
//!
//! The token service holds the token's card key (the UDK, EMV Option A from
//! the issuer master key, \[S\]) and sends the device **limited-use keys**:
//!
//! ```text
//! KI        = Y || HHHH || CC                      key index, 7 decimal digits  [C]
//! block(p)  = nibbles p || KI || 8 || 0 ... 0       (8 bytes; p = '1' or '2')
//! LUK       = TDES_UDK(block('1')) || TDES_UDK(block('2'))   no parity adjust  [S]
//! AC (9F26) = MAC3_LUK(9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 || 82 || 9F36 || CVR(4)),
//!             ISO 9797-1 padding method 2                                       [S]
//! MSD value = first 3 digits of decimalise(TDES_LUK(ATC || DT[2..8]))           [S]
//! ```
//!
//! * [`KeyIndex`] (public): `Y` the last digit of the year, `HHHH` the hours
//!   since 1 January 00:00 (`0001`–`8784`), `CC` the LUKs generated in that
//!   hour (`00`–`99`) \[C\]. Parsing rejects anything else.
//! * [`Luk`]: the limited-use key, bound to its key index: the cryptogram
//!   refuses an IAD that names another index.
//! * [`VcpsIad`]: the 32-byte CVN '43' IAD (format 2): `1F 43 DKI CVR(4)
//!   wallet(6) KI(4) 00*15`. CVR and key index are \[C\]; bytes 7–12 (wallet /
//!   issuer defined) and 17–31 are \[U\] and carried as given.
//! * MSD: the 3-digit value is \[S\]; what the tool's 8-byte "device type"
//!   (`DT`) is in VCPS, and how the 6 digits in track 2 relate to the value,
//!   are \[U\]: tapcrypt takes `DT` as given and assembles no track 2.
//! * Backend: [`VcpsVerifier`] derives the LUK from the UDK and the key index
//!   in the IAD, **only for a key index the token service issued**
//!   ([`IssuedLuks`]), and returns a [`VerifiedQvsdc`] / [`VerifiedMsd`]
//!   proof. Limited-use policy (count/time/amount per key index) is the
//!   caller's, public inputs.
//! * The ARPC for CVN '43' and a separate MSD LUK are \[U\]: not shipped.
//!
//! Constant time: the UDK, the LUK, the MAC state and the MSD digits are
//! secret; the key index, the transaction data, the ATC and the verdict are
//! public.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{Key16, cloud_key, mac3};
use crate::cipher::BlockKey;
use crate::cipher::Tdes;
use crate::emv::types::{Atc, Cryptogram, TransactionData};
use crate::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn, VerifyError};

/// The CVN byte of Visa cloud-based payments.
pub const CVN_43: u8 = 0x43;

/// Length of the CVN '43' IAD (format 2).
pub const IAD_LEN: usize = 32;

/// Largest `HHHH`: hours in a leap year (366 · 24).
pub const MAX_HOURS: u16 = 8784;

/// A VCPS key index (Account Parameters Index) `Y HHHH CC`. Public.
///
/// Seven digits in VCPS. The BP-Tools calculator's worked example feeds a
/// two-digit year (`YY HHHH CC`, 8 digits); [`KeyIndex::parse`] accepts that
/// form too so the published example can be reproduced, but an IAD only ever
/// carries the 7-digit form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyIndex {
    /// Digit values 0–9; `len` of them are used.
    digits: [u8; 8],
    /// 7 (VCPS) or 8 (two-digit year).
    len: u8,
}

impl core::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut buf = [0u8; 8];
        let s = self.write_ascii(&mut buf);
        f.debug_tuple("KeyIndex")
            .field(&core::str::from_utf8(s).unwrap_or("?"))
            .finish()
    }
}

fn digits_value(d: &[u8]) -> u16 {
    d.iter().fold(0u16, |acc, &x| {
        acc.wrapping_mul(10).wrapping_add(u16::from(x))
    })
}

impl KeyIndex {
    /// Parses `YHHHHCC` (7 digits) or the calculator's `YYHHHHCC` (8 digits).
    ///
    /// # Errors
    /// [`Error::DigitCount`] for another length, [`Error::NotDigits`] for a
    /// non-digit, [`Error::Parameter`] for hours outside `0001`–`8784`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let b = s.as_bytes();
        if b.len() != 7 && b.len() != 8 {
            return Err(Error::DigitCount {
                field: "VCPS key index (YHHHHCC)",
                min: 7,
                max: 8,
                got: b.len(),
            });
        }
        let mut digits = [0u8; 8];
        for (d, &c) in digits.iter_mut().zip(b) {
            if !c.is_ascii_digit() {
                return Err(Error::NotDigits {
                    field: "VCPS key index (YHHHHCC)",
                });
            }
            *d = c - b'0';
        }
        Self::check(digits, b.len() as u8)
    }

    /// From its parts: `year_digit` 0–9, `hours` 1–8784, `counter` 0–99.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the part out of range.
    pub fn new(year_digit: u8, hours: u16, counter: u8) -> Result<Self, Error> {
        if year_digit > 9 {
            return Err(Error::Parameter {
                what: "VCPS key index: year digit must be 0-9",
            });
        }
        if counter > 99 {
            return Err(Error::Parameter {
                what: "VCPS key index: counter must be 00-99",
            });
        }
        if hours == 0 || hours > MAX_HOURS {
            return Err(Error::Parameter {
                what: "VCPS key index: hours must be 0001-8784",
            });
        }
        let digits = [
            year_digit,
            (hours / 1000) as u8,
            (hours / 100 % 10) as u8,
            (hours / 10 % 10) as u8,
            (hours % 10) as u8,
            counter / 10,
            counter % 10,
            0,
        ];
        Self::check(digits, 7)
    }

    fn check(digits: [u8; 8], len: u8) -> Result<Self, Error> {
        let y = usize::from(len) - 6;
        let hours = digits_value(digits.get(y..y + 4).unwrap_or(&[]));
        if hours == 0 || hours > MAX_HOURS {
            return Err(Error::Parameter {
                what: "VCPS key index: hours must be 0001-8784",
            });
        }
        Ok(KeyIndex { digits, len })
    }

    /// Reads the key index from the IAD's derivation data: 4 bytes of BCD
    /// `0 ‖ YHHHHCC` (IAD\[13..17\]).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the first nibble is not `0`;
    /// [`Error::NotDigits`] for a nibble above 9; [`Error::Parameter`] for
    /// hours out of range.
    pub fn from_iad_field(b: [u8; 4]) -> Result<Self, Error> {
        let mut digits = [0u8; 8];
        let nibbles = b.iter().flat_map(|x| [x >> 4, x & 0x0F]);
        for (d, n) in digits.iter_mut().zip(nibbles) {
            if n > 9 {
                return Err(Error::NotDigits {
                    field: "VCPS key index in the IAD (bytes 13..17)",
                });
            }
            *d = n;
        }
        if digits[0] != 0 {
            return Err(Error::Malformed {
                what: "VCPS IAD derivation data must be BCD 0 || YHHHHCC",
            });
        }
        digits.rotate_left(1);
        digits[7] = 0;
        Self::check(digits, 7)
    }

    /// The IAD derivation data, BCD `0 ‖ YHHHHCC`.
    ///
    /// # Errors
    /// [`Error::Parameter`] for the 8-digit (two-digit year) form, which no
    /// IAD carries.
    pub fn to_iad_field(&self) -> Result<[u8; 4], Error> {
        if self.len != 7 {
            return Err(Error::Parameter {
                what: "only a 7-digit VCPS key index fits the IAD",
            });
        }
        let d = self.digits;
        Ok([
            d[0],
            (d[1] << 4) | d[2],
            (d[3] << 4) | d[4],
            (d[5] << 4) | d[6],
        ])
    }

    /// The digits as ASCII (7 or 8 of them).
    pub fn write_ascii<'a>(&self, out: &'a mut [u8; 8]) -> &'a [u8] {
        for (o, d) in out.iter_mut().zip(self.digits) {
            *o = d | 0x30;
        }
        out.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// `HHHH`: hours since 1 January 00:00 (1–8784).
    #[must_use]
    pub fn hours(&self) -> u16 {
        let y = usize::from(self.len) - 6;
        digits_value(self.digits.get(y..y + 4).unwrap_or(&[]))
    }

    /// `CC`: the LUK's number within its hour (0–99).
    #[must_use]
    pub fn counter(&self) -> u8 {
        let y = usize::from(self.len) - 6;
        digits_value(self.digits.get(y + 4..y + 6).unwrap_or(&[])) as u8
    }

    /// `Y` (or `YY` for the 8-digit form).
    #[must_use]
    pub fn year(&self) -> u8 {
        let y = usize::from(self.len) - 6;
        digits_value(self.digits.get(..y).unwrap_or(&[])) as u8
    }

    /// The LUK derivation block `p ‖ KI ‖ 8 ‖ 0…` (p = 1 or 2), 8 bytes.
    fn block(&self, p: u8) -> [u8; 8] {
        let mut nibbles = [0u8; 16];
        nibbles[0] = p;
        let n = usize::from(self.len);
        if let Some(dst) = nibbles.get_mut(1..1 + n) {
            dst.copy_from_slice(self.digits.get(..n).unwrap_or(&[]));
        }
        if let Some(b) = nibbles.get_mut(1 + n) {
            *b = 8;
        }
        let mut out = [0u8; 8];
        crate::digits::pack_bcd(&nibbles, &mut out);
        out
    }

    /// The two LUK derivation blocks (public: the key index is public).
    #[must_use]
    pub fn luk_blocks(&self) -> [[u8; 8]; 2] {
        [self.block(1), self.block(2)]
    }
}

cloud_key!(
    /// The raw 16 bytes of a VCPS limited-use key, as the token service
    /// delivers them (e.g. unwrapped from a TR-31 key block). Bind it to its
    /// key index with [`Luk::new`].
    LukBytes
);

/// A VCPS limited-use key, bound to its [`KeyIndex`].
///
/// Zeroized on drop; `Debug` shows only the key index; not `Clone`/`Copy`.
/// Its cryptograms refuse an IAD that names another key index, so a LUK can
/// only ever be presented under its own index.
pub struct Luk {
    key: Key16,
    /// The LUK's TDES key schedule, expanded once when the LUK is installed
    /// (the band's prepared-ahead work: every tap under this LUK then costs
    /// only its MAC). Wipes itself on drop.
    schedule: Tdes,
    index: KeyIndex,
}

impl core::fmt::Debug for Luk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Luk")
            .field("key_index", &self.index)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for Luk {}

/// Token service / issuer: the token's UDK, EMV Option A from the issuer
/// master key (\[S\]).
///
/// Option A for **every** PAN length, i.e. the rightmost 16 digits of
/// PAN ‖ PSN also for PANs over 16 digits: the EFTlab example behind
/// `vcps_luk-002` (17-digit PAN 43219876543210987, PSN 00 → UDK
/// `C8B5…D30B`) and two seeded 19-digit vectors give Option A's value,
/// not Option B's SHA-1 path.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the IMK is two-key TDES.
pub fn derive_udk(imk: &IssuerMasterKey, pan: &Pan, psn: Psn) -> Result<CardMasterKey, Error> {
    crate::emv::derive::option_a(imk, pan, psn)
}

impl Luk {
    /// Token service: derives the LUK for `index` from the token's UDK
    /// (\[S\]).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] unless the UDK is two-key TDES.
    pub fn derive(udk: &CardMasterKey, index: KeyIndex) -> Result<Luk, Error> {
        if udk.algorithm() != Algorithm::Tdes2 {
            return Err(Error::KeyAlgorithm {
                operation: "the VCPS LUK derivation",
                needs: "two-key TDES",
            });
        }
        let BlockKey::Tdes(t) = udk.0.block_key() else {
            return Err(Error::KeyAlgorithm {
                operation: "the VCPS LUK derivation",
                needs: "two-key TDES",
            });
        };
        let [mut l, mut r] = index.luk_blocks();
        t.encrypt_block(&mut l);
        t.encrypt_block(&mut r);
        let mut key = Key16([0u8; 16]);
        crate::ct::copy(key.0.get_mut(..8).unwrap_or(&mut []), &l);
        crate::ct::copy(key.0.get_mut(8..).unwrap_or(&mut []), &r);
        l.zeroize();
        r.zeroize();
        let schedule = key.tdes();
        Ok(Luk {
            key,
            schedule,
            index,
        })
    }

    /// Device: a LUK received from the token service, with its key index.
    #[must_use]
    pub fn new(key: LukBytes, index: KeyIndex) -> Luk {
        let key = key.0.duplicate();
        let schedule = key.tdes();
        Luk {
            key,
            schedule,
            index,
        }
    }

    /// The key index this LUK belongs to.
    #[must_use]
    pub fn key_index(&self) -> KeyIndex {
        self.index
    }

    /// The raw key bytes.
    ///
    /// # Security warning
    /// The returned array is the secret itself: only for wrapping it into a
    /// key block for the device, never for logs.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 16] {
        &self.key.0
    }

    /// TDES key check value of the LUK (E(00*8), leftmost 3 bytes).
    #[must_use]
    pub fn kcv(&self) -> crate::keys::Kcv {
        self.key.kcv()
    }

    fn mac(&self, txn: &TransactionData, cvr: &[u8; 4]) -> Result<[u8; 8], Error> {
        let mut min = txn.to_bytes();
        let out = mac3(&self.schedule, &[&min, cvr]);
        min.zeroize();
        out
    }

    /// The qVSDC application cryptogram (9F26) for CVN '43', over the 33
    /// bytes of `txn` (29 terminal bytes, AIP, ATC) and the CVR in `iad`.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `iad` names another key index than this LUK's.
    pub fn qvsdc_ac(&self, txn: &TransactionData, iad: &VcpsIad) -> Result<Cryptogram, Error> {
        if iad.key_index() != self.index {
            return Err(Error::Parameter {
                what: "the IAD's key index is not this LUK's",
            });
        }
        self.mac(txn, &iad.cvr()).map(Cryptogram)
    }

    /// The MSD verification value: first 3 digits of the decimalised
    /// `TDES_LUK(ATC ‖ DT[2..8])` (\[S\]; what `DT` is in VCPS is \[U\]).
    #[must_use]
    pub fn msd_value(&self, atc: Atc, device_type: &[u8; 8]) -> MsdValue {
        let mut b = *device_type;
        b[..2].copy_from_slice(&atc.0);
        self.schedule.encrypt_block(&mut b);
        let mut out = MsdValue { d: [0u8; 3] };
        crate::ct::decimalise(&b, &mut out.d);
        b.zeroize();
        out
    }
}

/// A 3-digit MSD verification value (zeroized on drop; `Debug` shows nothing).
pub struct MsdValue {
    d: [u8; 3],
}

impl MsdValue {
    /// The digits as ASCII.
    #[must_use]
    pub fn to_ascii(&self) -> [u8; 3] {
        self.d.map(|x| x | 0x30)
    }

    /// Compares with 3 ASCII digits in constant time.
    fn ct_eq_ascii(&self, s: &str) -> subtle::Choice {
        let b = s.as_bytes();
        if b.len() != 3 {
            return subtle::Choice::from(0);
        }
        let mut ours = self.to_ascii();
        let c = ours.ct_eq(b);
        ours.zeroize();
        c
    }
}

impl Drop for MsdValue {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for MsdValue {}

impl core::fmt::Debug for MsdValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MsdValue(..)")
    }
}

/// The 32-byte Issuer Application Data of CVN '43' (format 2). Public.
///
/// | off | len | content | |
/// |---|---|---|---|
/// | 0 | 1 | `1F` | \[C\] |
/// | 1 | 1 | CVN `43` | \[C\] |
/// | 2 | 1 | DKI | \[C\] |
/// | 3 | 4 | CVR (the bytes the AC covers) | \[C\] |
/// | 7 | 6 | wallet / issuer defined (`0000` ‖ 4 bytes in samples) | \[U\] |
/// | 13 | 4 | BCD `0 ‖ YHHHHCC` | \[C\] |
/// | 17 | 15 | `00` | \[U\] |
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VcpsIad {
    bytes: [u8; IAD_LEN],
    index: KeyIndex,
}

impl core::fmt::Debug for VcpsIad {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VcpsIad")
            .field("key_index", &self.index)
            .field("cvr", &self.cvr())
            .finish_non_exhaustive()
    }
}

impl VcpsIad {
    /// Device: assembles the IAD.
    ///
    /// # Errors
    /// [`Error::Parameter`] for an 8-digit key index.
    pub fn new(
        dki: u8,
        cvr: [u8; 4],
        wallet_data: [u8; 6],
        index: KeyIndex,
    ) -> Result<Self, Error> {
        let mut bytes = [0u8; IAD_LEN];
        bytes[0] = 0x1F;
        bytes[1] = CVN_43;
        bytes[2] = dki;
        bytes[3..7].copy_from_slice(&cvr);
        bytes[7..13].copy_from_slice(&wallet_data);
        bytes[13..17].copy_from_slice(&index.to_iad_field()?);
        Ok(VcpsIad { bytes, index })
    }

    /// Backend: parses a CVN '43' IAD. The profile is pinned: an IAD whose
    /// CVN byte is not `43` is refused (the message does not choose it).
    ///
    /// # Errors
    /// [`Error::Length`] unless 32 bytes; [`Error::Malformed`] if byte 0 is
    /// not `1F`; [`Error::CvnMismatch`] if byte 1 is not `43`; the key
    /// index errors of [`KeyIndex::from_iad_field`].
    pub fn parse(iad: &[u8]) -> Result<Self, Error> {
        let bytes: [u8; IAD_LEN] = iad.try_into().map_err(|_| Error::Length {
            field: "IAD (Visa CVN '43')",
            expected: "32",
            got: iad.len(),
        })?;
        if bytes[0] != 0x1F {
            return Err(Error::Malformed {
                what: "VCPS IAD byte 0 must be 1F (format 2 length)",
            });
        }
        if bytes[1] != CVN_43 {
            return Err(Error::CvnMismatch {
                pinned: CVN_43,
                declared: bytes[1],
            });
        }
        let index = KeyIndex::from_iad_field([bytes[13], bytes[14], bytes[15], bytes[16]])?;
        Ok(VcpsIad { bytes, index })
    }

    /// The key index (IAD\[13..17\]).
    #[must_use]
    pub fn key_index(&self) -> KeyIndex {
        self.index
    }

    /// The 4 CVR bytes the cryptogram covers (IAD\[3..7\]).
    #[must_use]
    pub fn cvr(&self) -> [u8; 4] {
        [self.bytes[3], self.bytes[4], self.bytes[5], self.bytes[6]]
    }

    /// The 32 bytes (tag 9F10).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; IAD_LEN] {
        self.bytes
    }

    /// The 32 bytes (tag 9F10), borrowed.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; IAD_LEN] {
        &self.bytes
    }
}

/// The key indexes the token service issued to one token (and has not
/// retired). The verifier derives a LUK only for an index this says was
/// issued: nothing verifies under a key that was never sent to the device.
pub trait IssuedLuks {
    /// Whether `index` was issued to this token and is still live.
    fn is_issued(&self, index: &KeyIndex) -> bool;
}

impl IssuedLuks for [KeyIndex] {
    fn is_issued(&self, index: &KeyIndex) -> bool {
        self.contains(index)
    }
}

impl<const N: usize> IssuedLuks for [KeyIndex; N] {
    fn is_issued(&self, index: &KeyIndex) -> bool {
        self.contains(index)
    }
}

/// Proof that a qVSDC cryptogram verified under the LUK of an issued key
/// index. Only [`VcpsVerifier::verify_qvsdc`] makes one.
#[derive(Debug)]
pub struct VerifiedQvsdc {
    atc: Atc,
    index: KeyIndex,
    ac: Cryptogram,
    covered: crate::emv::CoveredAmount,
}

impl VerifiedQvsdc {
    /// The ATC of the verified tap.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// The key index whose LUK computed the cryptogram (for the caller's
    /// count/time/amount limits).
    #[must_use]
    pub fn key_index(&self) -> KeyIndex {
        self.index
    }

    /// The verified cryptogram.
    #[must_use]
    pub fn cryptogram(&self) -> &Cryptogram {
        &self.ac
    }
}

/// Proof that an MSD verification value verified under the LUK of an issued
/// key index. Only [`VcpsVerifier::verify_msd`] makes one.
#[derive(Debug)]
pub struct VerifiedMsd {
    atc: Atc,
    index: KeyIndex,
}

impl VerifiedMsd {
    /// The ATC of the verified tap.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// The key index whose LUK computed the value.
    #[must_use]
    pub fn key_index(&self) -> KeyIndex {
        self.index
    }
}

/// Backend (token service / issuer) verifier for one VCPS token.
pub struct VcpsVerifier<'a, I: IssuedLuks + ?Sized> {
    udk: &'a CardMasterKey,
    issued: &'a I,
}

impl<I: IssuedLuks + ?Sized> core::fmt::Debug for VcpsVerifier<'_, I> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VcpsVerifier").finish_non_exhaustive()
    }
}

impl<'a, I: IssuedLuks + ?Sized> VcpsVerifier<'a, I> {
    /// A verifier for the token whose UDK is `udk` (see [`derive_udk`]) and
    /// whose issued key indexes are `issued`.
    pub fn new(udk: &'a CardMasterKey, issued: &'a I) -> Self {
        VcpsVerifier { udk, issued }
    }

    fn luk(&self, index: KeyIndex) -> Option<Luk> {
        if !self.issued.is_issued(&index) {
            return None;
        }
        Luk::derive(self.udk, index).ok()
    }

    /// Verifies a qVSDC cryptogram: the key index comes from the (parsed,
    /// CVN-pinned) IAD, must have been issued, and the AC is recomputed under
    /// its LUK and compared over all 8 bytes in constant time.
    ///
    /// # Errors
    /// [`VerifyError`] for a key index never issued, or any mismatch.
    pub fn verify_qvsdc(
        &self,
        txn: &TransactionData,
        iad: &VcpsIad,
        ac: &Cryptogram,
    ) -> Result<VerifiedQvsdc, VerifyError> {
        let luk = self.luk(iad.key_index()).ok_or(VerifyError)?;
        let mut want = luk.mac(txn, &iad.cvr()).map_err(|_| VerifyError)?;
        let ok = want.ct_eq(&ac.0);
        want.zeroize();
        if crate::ct::public_verdict(ok) {
            Ok(VerifiedQvsdc {
                atc: txn.atc,
                index: iad.key_index(),
                ac: *ac,
                covered: crate::emv::CoveredAmount::of(txn),
            })
        } else {
            Err(VerifyError)
        }
    }

    /// Verifies an MSD verification value (3 ASCII digits) for the tap's key
    /// index (read from track 2 by the caller) and ATC.
    ///
    /// # Errors
    /// [`VerifyError`] for a key index never issued, a value that is not 3
    /// digits, or a mismatch.
    pub fn verify_msd(
        &self,
        index: KeyIndex,
        atc: Atc,
        device_type: &[u8; 8],
        value: &str,
    ) -> Result<VerifiedMsd, VerifyError> {
        let luk = self.luk(index).ok_or(VerifyError)?;
        let ok = luk.msd_value(atc, device_type).ct_eq_ascii(value);
        if crate::ct::public_verdict(ok) {
            Ok(VerifiedMsd { atc, index })
        } else {
            Err(VerifyError)
        }
    }
}

impl crate::emv::sealed::SealedProof for VerifiedQvsdc {}
impl crate::emv::VerifiedAtc for VerifiedQvsdc {
    fn atc(&self) -> Atc {
        self.atc
    }
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        Some(self.covered)
    }
}
impl crate::emv::sealed::SealedProof for VerifiedMsd {}
impl crate::emv::VerifiedAtc for VerifiedMsd {
    fn atc(&self) -> Atc {
        self.atc
    }
    /// An MSD value covers no amount.
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_validation() {
        assert!(KeyIndex::parse("0570201").is_ok());
        assert!(KeyIndex::parse("26643101").is_ok());
        assert!(KeyIndex::parse("0000001").is_err()); // hour 0000
        assert!(KeyIndex::parse("0878500").is_err()); // hour 8785
        assert!(KeyIndex::parse("0878499").is_ok());
        assert!(KeyIndex::parse("057020").is_err());
        assert!(KeyIndex::parse("05702O1").is_err());
        let k = KeyIndex::new(4, 345, 1).unwrap();
        assert_eq!(k.to_iad_field().unwrap(), [0x04, 0x03, 0x45, 0x01]);
        assert_eq!(
            KeyIndex::from_iad_field([0x04, 0x03, 0x45, 0x01]).unwrap(),
            k
        );
        assert!(KeyIndex::from_iad_field([0x14, 0x03, 0x45, 0x01]).is_err());
        assert!(KeyIndex::from_iad_field([0x04, 0x03, 0x4A, 0x01]).is_err());
        assert_eq!((k.year(), k.hours(), k.counter()), (4, 345, 1));
    }
}
