//! Card verification values: the static CVV/CVC algorithm, Visa dCVV, and
//! Mastercard CVC3 (contactless magnetic-stripe mode).
//!
//! Everything here runs on secret data (keys, PAN digits, the encrypted
//! block before decimalisation): decimalisation and digit formatting are
//! fixed-length loops with masks, and no value is ever divided — the 5-digit
//! CVC3 is formatted by conditional subtraction of 8·10^k, 4·10^k, 2·10^k,
//! 10^k, so Cortex-M0+ (no hardware divider) never calls `__aeabi_uidiv`.
//! Verification compares every digit in constant time.
//!
//! * CVV (the Visa CVV / Mastercard CVC method as HSM manuals document it): S = PAN ‖ expiry ‖ service code, right-padded
//!   with 0 to 32 digits; T = TDES_K(DES_KL(S[0..16]) ⊕ S[16..32]);
//!   decimalise T's nibbles; first 3 digits.
//! * dCVV (§10.2, the jPOS reading, marked \[X\] upstream): the CVV algorithm
//!   with the card's dCVV key ([`DcvvKey`]; for Visa the ICC MK-AC) as key
//!   and PAN' = hex(ATC) ‖ PAN without its first 4 digits.
//! * CVC3 (§10.1): IVCVC3 = rightmost 2 bytes of the retail MAC of the track
//!   template; CVC3 = rightmost 2 bytes of TDES_MK(IVCVC3 ‖ UN ‖ ATC) as a
//!   5-digit decimal number.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::types::{Atc, UnpredictableNumber};
use crate::cipher::BlockKey;
use crate::digits::pack_bcd;
use crate::keys::{KeyMaterial, secret_key};
use crate::mac::{Padding, RetailMac};
use crate::{Algorithm, Cvc3Key, DcvvKey, Error, Pan, VerifyError};

secret_key!(
    /// A card verification key (CVK) for static CVV/CVC values.
    CardVerificationKey
);

/// Up to 5 decimal digits computed from secret data (zeroized on drop; not
/// `Copy`; `Debug` shows only the length).
pub struct Digits<const N: usize> {
    d: [u8; N],
}

impl<const N: usize> Digits<N> {
    /// The digits as ASCII.
    ///
    /// # Security warning
    /// A CVV is cardholder data under PCI DSS: don't log it.
    #[must_use]
    pub fn to_ascii(&self) -> [u8; N] {
        let mut out = [0u8; N];
        for (o, d) in out.iter_mut().zip(self.d.iter()) {
            *o = d | 0x30;
        }
        out
    }

    /// Compares the rightmost `k` digits with `digits` (ASCII), in constant
    /// time over the digit values. `k` is the count the verifier expects (a
    /// public parameter of the card profile, never the received value's
    /// length): a value of any other length is refused before any compare.
    fn verify_rightmost(&self, k: usize, digits: &str) -> Result<(), VerifyError> {
        if k == 0 || k > N || digits.len() != k {
            return Err(VerifyError);
        }
        let mut given = [0u8; N];
        let parsed = crate::digits::parse_digits(
            digits.as_bytes(),
            given.get_mut(..k).ok_or(VerifyError)?,
            "digits",
        );
        let ours = self.d.get(N - k..).ok_or(VerifyError)?;
        let ok = ours.ct_eq(given.get(..k).ok_or(VerifyError)?);
        given.zeroize();
        if parsed.is_ok() && crate::ct::public_verdict(ok) {
            Ok(())
        } else {
            Err(VerifyError)
        }
    }
}

impl<const N: usize> Drop for Digits<N> {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl<const N: usize> zeroize::ZeroizeOnDrop for Digits<N> {}

impl<const N: usize> core::fmt::Debug for Digits<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Digits<{N}>(..)")
    }
}

/// A service code: three digits.
fn check_digits(s: &str, n: usize, field: &'static str) -> Result<(), Error> {
    if s.len() != n {
        return Err(Error::DigitCount {
            field,
            min: n,
            max: n,
            got: s.len(),
        });
    }
    let mut tmp = [0u8; 4];
    crate::digits::parse_digits(s.as_bytes(), tmp.get_mut(..n).unwrap_or(&mut []), field)
}

/// The CVV algorithm over digit values `s` (≤ 32 nibbles; right-padded with
/// zeros) with a two-key TDES key.
fn cvv_core(key: &KeyMaterial, s: &[u8]) -> Result<Digits<3>, Error> {
    if key.algorithm() != Algorithm::Tdes2 {
        return Err(Error::KeyAlgorithm {
            operation: "the CVV algorithm",
            needs: "two-key TDES",
        });
    }
    let mut digits = [0u8; 32];
    for (d, v) in digits.iter_mut().zip(s) {
        *d = *v;
    }
    let mut b = [0u8; 16];
    pack_bcd(&digits, &mut b);
    digits.zeroize();
    let BlockKey::Tdes(t) = key.block_key() else {
        return Err(Error::KeyAlgorithm {
            operation: "the CVV algorithm",
            needs: "two-key TDES",
        });
    };
    let mut x = [0u8; 8];
    x.copy_from_slice(b.get(..8).unwrap_or(&[0; 8]));
    t.k1().encrypt_block(&mut x);
    for (xi, bi) in x.iter_mut().zip(b.get(8..).unwrap_or(&[])) {
        *xi ^= *bi;
    }
    t.encrypt_block(&mut x);
    b.zeroize();
    let mut out = Digits { d: [0u8; 3] };
    crate::ct::decimalise(&x, &mut out.d);
    x.zeroize();
    Ok(out)
}

/// Static CVV / CVC (also CVV2/iCVV with the matching service code).
///
/// # Errors
/// [`Error::DigitCount`]/[`Error::NotDigits`] for an expiry that is not 4
/// digits or a service code that is not 3; [`Error::KeyAlgorithm`] unless
/// the CVK is two-key TDES.
pub fn cvv(
    cvk: &CardVerificationKey,
    pan: &Pan,
    expiry: &str,
    service_code: &str,
) -> Result<Digits<3>, Error> {
    let mut s = [0u8; 32];
    let n = fill_cvv_input(&mut s, pan.digit_values(), expiry, service_code)?;
    let r = cvv_core(&cvk.0, s.get(..n).unwrap_or(&[]));
    s.zeroize();
    r
}

/// Verifies a static CVV in constant time.
///
/// # Errors
/// [`VerifyError`] on mismatch or malformed input.
pub fn verify_cvv(
    cvk: &CardVerificationKey,
    pan: &Pan,
    expiry: &str,
    service_code: &str,
    value: &str,
) -> Result<(), VerifyError> {
    cvv(cvk, pan, expiry, service_code)
        .map_err(|_| VerifyError)?
        .verify_rightmost(3, value)
}

/// PAN digits ‖ expiry ‖ service code into `s`; returns the digit count.
fn fill_cvv_input(
    s: &mut [u8; 32],
    pan: &[u8],
    expiry: &str,
    service_code: &str,
) -> Result<usize, Error> {
    check_digits(expiry, 4, "expiry (YYMM)")?;
    check_digits(service_code, 3, "service code")?;
    let mut n = 0;
    let tail = expiry.bytes().chain(service_code.bytes()).map(|c| c & 0x0F);
    for (d, v) in s.iter_mut().zip(pan.iter().copied().chain(tail)) {
        *d = v;
        n += 1;
    }
    Ok(n)
}

/// Visa dCVV for one transaction (jPOS reading; see the module docs).
///
/// `mk_dcvv` is the card's dCVV key: for Visa the ICC MK-AC derived with
/// PSN 00 (per the Thales dCVV manual), typed as a [`DcvvKey`] — derive it
/// with [`derive_card_key`](crate::emv::derive::derive_card_key) from an
/// [`IssuerDcvvKey`](crate::IssuerDcvvKey) and `Psn::ABSENT`. PAN' = the 4
/// hex digits of the ATC followed by the PAN without its first 4 digits.
///
/// # Errors
/// As [`cvv`].
pub fn dcvv(
    mk_dcvv: &DcvvKey,
    pan: &Pan,
    expiry: &str,
    service_code: &str,
    atc: Atc,
) -> Result<Digits<3>, Error> {
    let mut p = [0u8; 21];
    let [a, b] = atc.0;
    let atc_nibbles = [a >> 4, a & 0x0F, b >> 4, b & 0x0F];
    let rest = pan.digit_values().get(4..).unwrap_or(&[]);
    let mut n = 0;
    for (d, v) in p.iter_mut().zip(atc_nibbles.iter().chain(rest)) {
        *d = *v;
        n += 1;
    }
    let mut s = [0u8; 32];
    let len = fill_cvv_input(&mut s, p.get(..n).unwrap_or(&[]), expiry, service_code);
    p.zeroize();
    let r = len.and_then(|len| cvv_core(&mk_dcvv.0, s.get(..len).unwrap_or(&[])));
    s.zeroize();
    r
}

/// Verifies a dCVV in constant time.
///
/// # Errors
/// [`VerifyError`] on mismatch or malformed input.
pub fn verify_dcvv(
    mk_dcvv: &DcvvKey,
    pan: &Pan,
    expiry: &str,
    service_code: &str,
    atc: Atc,
    value: &str,
) -> Result<(), VerifyError> {
    dcvv(mk_dcvv, pan, expiry, service_code, atc)
        .map_err(|_| VerifyError)?
        .verify_rightmost(3, value)
}

/// IVCVC3: rightmost 2 bytes of the retail MAC (padding 2) of the track
/// template under the ICC MK-CVC3 (a [`Cvc3Key`]: an MK-AC does not fit,
/// see [`cvc3`]). `track` is the track 2 template packed
/// two nibbles per byte (`PAN D YYMM SVC discretionary`, F-padded) or the
/// track 1 template as ASCII bytes.
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the key is two-key TDES.
pub fn ivcvc3(mk_cvc3: &Cvc3Key, track: &[u8]) -> Result<[u8; 2], Error> {
    let BlockKey::Tdes(t) = mk_cvc3.0.block_key() else {
        return Err(Error::KeyAlgorithm {
            operation: "IVCVC3",
            needs: "two-key TDES",
        });
    };
    let mut m = RetailMac::new(&t, Padding::Method2, "IVCVC3")?;
    m.update(track);
    let mut mac = m.finalize();
    let out = [mac[6], mac[7]];
    mac.zeroize();
    Ok(out)
}

/// CVC3 for one transaction: 5 digits (00000–65535). The card puts only its
/// rightmost few digits into the track; compare those with [`verify_cvc3`]
/// and the card profile's [`Cvc3Digits`].
///
/// The key is the ICC MK-CVC3, its own role type: an MK-AC
/// ([`CardMasterKey`](crate::CardMasterKey)) is refused by the compiler.
///
/// ```compile_fail
/// # use tapcrypt::emv::{cvv, Atc, UnpredictableNumber};
/// let mk_ac = tapcrypt::CardMasterKey::tdes2(&[1; 16]);
/// cvv::cvc3(&mk_ac, [0, 0], UnpredictableNumber([0; 4]), Atc::from_u16(1));
/// ```
///
/// ```
/// # use tapcrypt::emv::{cvv, Atc, UnpredictableNumber};
/// let mk_cvc3 = tapcrypt::Cvc3Key::tdes2(&[1; 16]);
/// cvv::cvc3(&mk_cvc3, [0, 0], UnpredictableNumber([0; 4]), Atc::from_u16(1)).unwrap();
/// ```
///
/// # Errors
/// [`Error::KeyAlgorithm`] unless the key is two-key TDES.
pub fn cvc3(
    mk_cvc3: &Cvc3Key,
    ivcvc3: [u8; 2],
    un: UnpredictableNumber,
    atc: Atc,
) -> Result<Digits<5>, Error> {
    let BlockKey::Tdes(t) = mk_cvc3.0.block_key() else {
        return Err(Error::KeyAlgorithm {
            operation: "CVC3",
            needs: "two-key TDES",
        });
    };
    if t.is_three_key() {
        return Err(Error::KeyAlgorithm {
            operation: "CVC3",
            needs: "two-key TDES",
        });
    }
    let mut b = [0u8; 8];
    b[..2].copy_from_slice(&ivcvc3);
    b[2..6].copy_from_slice(&un.0);
    b[6..].copy_from_slice(&atc.0);
    t.encrypt_block(&mut b);
    let v = u32::from(u16::from_be_bytes([b[6], b[7]]));
    b.zeroize();
    Ok(Digits { d: to_5_digits(v) })
}

/// How many CVC3 digits a card puts into its track data: a parameter of the
/// **card profile**, pinned by the issuer from its own records (the card's
/// personalisation: the number of CVC3 positions in its track 1/track 2
/// templates), never read from the value received.
///
/// [`Cvc3Digits::new`] accepts 3 to 5 digits. Fewer digits are guessed once
/// in 100 (2 digits) or 10 (1 digit); a profile with so few positions must
/// say so with [`Cvc3Digits::new_short_less_safe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cvc3Digits(u8);

impl Cvc3Digits {
    /// Three digits, the common track 2 layout.
    pub const THREE: Cvc3Digits = Cvc3Digits(3);
    /// All five digits.
    pub const FIVE: Cvc3Digits = Cvc3Digits(5);

    /// A profile with `n` CVC3 digits, 3 ≤ `n` ≤ 5.
    ///
    /// # Errors
    /// [`Error::DigitCount`] for any other `n`.
    pub const fn new(n: usize) -> Result<Self, Error> {
        if n >= 3 && n <= 5 {
            Ok(Cvc3Digits(n as u8))
        } else {
            Err(Error::DigitCount {
                field: "CVC3 digits in the card profile",
                min: 3,
                max: 5,
                got: n,
            })
        }
    }

    /// A profile with `n` CVC3 digits, 1 ≤ `n` ≤ 5: the explicit opt-in for
    /// cards personalised with 1 or 2 CVC3 positions.
    ///
    /// # Security warning
    /// A random 1-digit value verifies one time in 10, a 2-digit value one
    /// time in 100. Use only for cards whose profile really has so few
    /// positions, and limit the attempts per card.
    ///
    /// # Errors
    /// [`Error::DigitCount`] for `n` = 0 or `n` > 5.
    pub const fn new_short_less_safe(n: usize) -> Result<Self, Error> {
        if n >= 1 && n <= 5 {
            Ok(Cvc3Digits(n as u8))
        } else {
            Err(Error::DigitCount {
                field: "CVC3 digits in the card profile",
                min: 1,
                max: 5,
                got: n,
            })
        }
    }

    /// The number of digits (public).
    #[must_use]
    pub const fn get(self) -> usize {
        self.0 as usize
    }
}

/// Verifies the rightmost `expected.get()` digits of the CVC3. A value with
/// any other number of characters is refused (the count comes from the card
/// profile, never from the value received).
///
/// # Errors
/// [`VerifyError`] on mismatch, a value of the wrong length, or malformed
/// input.
pub fn verify_cvc3(
    mk_cvc3: &Cvc3Key,
    ivcvc3: [u8; 2],
    un: UnpredictableNumber,
    atc: Atc,
    expected: Cvc3Digits,
    value: &str,
) -> Result<(), VerifyError> {
    cvc3(mk_cvc3, ivcvc3, un, atc)
        .map_err(|_| VerifyError)?
        .verify_rightmost(expected.get(), value)
}

/// `v` < 65536 (secret) as 5 decimal digits, without division: each digit is
/// built from 4 masked conditional subtractions of 8, 4, 2, 1 times 10^k.
fn to_5_digits(mut v: u32) -> [u8; 5] {
    let mut out = [0u8; 5];
    for (o, p) in out.iter_mut().zip([10_000u32, 1_000, 100, 10, 1]) {
        let mut d = 0u32;
        for bit in [3u32, 2, 1, 0] {
            let t = p << bit;
            // take = 1 iff v >= t (both < 2^31).
            let take = 1 ^ crate::ct::lt_u32(v, t);
            v = v.wrapping_sub(t & take.wrapping_neg());
            d |= take << bit;
        }
        *o = d as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_digits_without_division() {
        for v in (0u32..65536)
            .step_by(7)
            .chain([9, 10, 99, 100, 65535, 59999, 60000])
        {
            let d = to_5_digits(v);
            let want = [v / 10000, v / 1000 % 10, v / 100 % 10, v / 10 % 10, v % 10];
            assert_eq!(d.map(u32::from), want, "{v}");
        }
    }
}
