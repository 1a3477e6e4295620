//! Digit strings: PANs and PSNs, parsed once into validated types, and BCD packing.
//!
//! A PAN is PCI-sensitive: its digits are treated as secret. Parsing checks
//! every character with masks and decides validity once at the end; the
//! *length* is public.

use zeroize::Zeroize;

use crate::Error;

/// Checks that every byte of `s` is an ASCII digit, in constant time with
/// respect to the contents; writes the digit values to `out`.
pub(crate) fn parse_digits(s: &[u8], out: &mut [u8], field: &'static str) -> Result<(), Error> {
    let mut bad = 0u32;
    for (o, &c) in out.iter_mut().zip(s) {
        let c = u32::from(c);
        let v = c.wrapping_sub(0x30);
        // v > 9 (including wrap-around for c < '0') marks a bad character.
        bad |= crate::ct::lt_u32(9, v & 0xFF) | (v >> 8 & 1);
        *o = v as u8;
    }
    if crate::ct::public_verdict(subtle::ConstantTimeEq::ct_eq(&bad, &0)) {
        Ok(())
    } else {
        Err(Error::NotDigits { field })
    }
}

/// A primary account number: 12 to 19 decimal digits (EMV and ISO/IEC 7812).
///
/// Zeroized on drop, `Debug` shows only the length, not `Copy`.
pub struct Pan {
    digits: [u8; 19],
    len: usize,
}

impl Pan {
    /// Fewest digits accepted.
    pub const MIN_DIGITS: usize = 12;
    /// Most digits accepted.
    pub const MAX_DIGITS: usize = 19;

    /// Parses a PAN from its decimal string.
    ///
    /// # Errors
    /// [`Error::DigitCount`] outside 12–19 digits, [`Error::NotDigits`] for any
    /// other character.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_range(s.as_bytes(), "PAN", Self::MIN_DIGITS, Self::MAX_DIGITS)
    }

    pub(crate) fn parse_range(
        s: &[u8],
        field: &'static str,
        min: usize,
        max: usize,
    ) -> Result<Self, Error> {
        let len = s.len();
        let count_err = Error::DigitCount {
            field,
            min,
            max,
            got: len,
        };
        if !(min..=max).contains(&len) {
            return Err(count_err);
        }
        let mut digits = [0u8; 19];
        let dst = digits.get_mut(..len).ok_or(count_err)?;
        if let Err(e) = parse_digits(s, dst, field) {
            digits.zeroize();
            return Err(e);
        }
        Ok(Pan { digits, len })
    }

    /// Reads the PAN from its EMV encoding as tag 5A (Application PAN):
    /// format `cn`, two digits per byte, first digit in the high nibble,
    /// padded on the right with `F` nibbles (EMV Book 3 Annex A, "cn"). The
    /// value is the tag's value field only (no tag or length bytes).
    ///
    /// ```
    /// # use tapcrypt::Pan;
    /// // 5A 08 47 61 73 90 01 01 01 19
    /// let pan = Pan::from_bcd(&[0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19])?;
    /// assert_eq!(pan.len(), 16);
    /// # Ok::<(), tapcrypt::Error>(())
    /// ```
    ///
    /// The digits are handled as secrets (masks, one verdict at the end); the
    /// number of digits, i.e. where the `F` padding starts, is public.
    ///
    /// # Errors
    /// [`Error::Length`] for a value over 10 bytes; [`Error::NotDigits`] for
    /// a nibble `A`–`E`, or a digit after the `F` padding;
    /// [`Error::DigitCount`] outside 12–19 digits.
    pub fn from_bcd(value: &[u8]) -> Result<Self, Error> {
        if value.len() > 10 {
            return Err(Error::Length {
                field: "PAN (tag 5A)",
                expected: "at most 10",
                got: value.len(),
            });
        }
        Self::from_nibbles(value, 0xF, true, "PAN (tag 5A)")
    }

    /// Reads the PAN from Track 2 Equivalent Data (tag 57): the PAN's
    /// digits up to the field separator `D`, which must come within the
    /// first 20 nibbles (EMV Book 3 Annex A; ISO/IEC 7813 track 2 layout:
    /// PAN ‖ `D` ‖ expiry YYMM ‖ service code ‖ discretionary data ‖ `F`
    /// padding). What follows the separator is not read.
    ///
    /// ```
    /// # use tapcrypt::Pan;
    /// // 57 13 47 61 73 90 01 01 01 19 D2 21 22 01 17 58 92 89 1F
    /// let t2 = [0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19, 0xD2, 0x21,
    ///           0x22, 0x01, 0x17, 0x58, 0x92, 0x89, 0x1F];
    /// assert_eq!(Pan::from_track2(&t2)?.len(), 16);
    /// # Ok::<(), tapcrypt::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] for a value over 19 bytes; [`Error::Malformed`] if
    /// there is no separator; [`Error::NotDigits`] for a nibble other than
    /// `0`–`9` before it; [`Error::DigitCount`] outside 12–19 digits.
    pub fn from_track2(value: &[u8]) -> Result<Self, Error> {
        if value.len() > 19 {
            return Err(Error::Length {
                field: "track 2 equivalent data (tag 57)",
                expected: "at most 19",
                got: value.len(),
            });
        }
        Self::from_nibbles(value, 0xD, false, "PAN in track 2 equivalent data (tag 57)")
    }

    /// The digits of `value`'s nibbles up to the first `term` nibble. With
    /// `pad_after`, every nibble from there on must be `term` too.
    fn from_nibbles(
        value: &[u8],
        term: u8,
        pad_after: bool,
        field: &'static str,
    ) -> Result<Self, Error> {
        let nibbles = value.len() * 2;
        let nibble = |i: usize| {
            let b = value.get(i / 2).copied().unwrap_or(0);
            if i.is_multiple_of(2) {
                b >> 4
            } else {
                b & 0x0F
            }
        };
        // Masks only: `still` is 1 until the first terminator nibble; the
        // count of digits before it (the PAN's length) is public by design.
        let mut still = 1u32;
        let mut count = 0u32;
        let mut bad = 0u32;
        for i in 0..nibbles {
            let v = nibble(i);
            let is_term = 1 ^ u32::from(crate::ct::mask_nonzero_u8(v ^ term) & 1);
            still &= 1 ^ is_term;
            count += still;
            bad |= still & crate::ct::lt_u32(9, u32::from(v));
            if pad_after {
                bad |= (1 ^ still) & u32::from(crate::ct::mask_nonzero_u8(v ^ term) & 1);
            }
        }
        let len = usize::from(crate::ct::public_u16(count as u16));
        let ok = crate::ct::public_verdict(subtle::ConstantTimeEq::ct_eq(&bad, &0));
        if !pad_after && len == nibbles {
            return Err(Error::Malformed {
                what: "track 2 equivalent data (tag 57) has no field separator D",
            });
        }
        if !ok {
            return Err(Error::NotDigits { field });
        }
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&len) {
            return Err(Error::DigitCount {
                field,
                min: Self::MIN_DIGITS,
                max: Self::MAX_DIGITS,
                got: len,
            });
        }
        let mut digits = [0u8; 19];
        for (i, d) in digits.iter_mut().enumerate().take(len) {
            *d = nibble(i);
        }
        Ok(Pan { digits, len })
    }

    /// Number of digits (public).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a PAN has at least 12 digits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digit values (0–9), one per byte.
    pub(crate) fn digit_values(&self) -> &[u8] {
        self.digits.get(..self.len).unwrap_or(&[])
    }

    /// The whole fixed-size digit buffer and the (public) length: the digits
    /// are `buf[..len]`; what follows them is unspecified (a caller must keep it out of its result).
    /// For code that wants a loop of fixed length, which the compiler can
    /// unroll into independent steps.
    #[cfg(feature = "aes")]
    pub(crate) fn digit_buffer(&self) -> (&[u8; 19], usize) {
        (&self.digits, self.len)
    }

    /// Writes the ASCII digits into `out` and returns them. (Bytes, not
    /// `&str`: UTF-8 validation would branch on the secret digits.)
    ///
    /// # Security warning
    /// The PAN is cardholder data; do not log the result.
    pub fn write_ascii<'a>(&self, out: &'a mut [u8; 19]) -> &'a [u8] {
        for (o, d) in out.iter_mut().zip(self.digit_values()) {
            *o = d | 0x30;
        }
        out.get(..self.len).unwrap_or(&[])
    }

    /// From digit values 0–9 the caller has already validated (12–19 of them).
    pub(crate) fn from_digit_values(d: &[u8]) -> Result<Self, Error> {
        let len = d.len();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&len) {
            return Err(Error::DigitCount {
                field: "PAN",
                min: Self::MIN_DIGITS,
                max: Self::MAX_DIGITS,
                got: len,
            });
        }
        Ok(Self::from_values_truncated(d))
    }

    /// From validated digit values; more than 19 are cut to 19 (callers pass
    /// lengths they control).
    pub(crate) fn from_values_truncated(v: &[u8]) -> Self {
        let mut digits = [0u8; 19];
        let len = v.len().min(19);
        if let Some(dst) = digits.get_mut(..len) {
            crate::ct::copy(dst, v);
        }
        Pan { digits, len }
    }
}

impl Drop for Pan {
    fn drop(&mut self) {
        self.digits.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Pan {}

impl core::fmt::Debug for Pan {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pan")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// PAN sequence number (tag 5F34): two digits. A card with no PSN uses `00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Psn([u8; 2]);

impl Psn {
    /// The value used when the card has no PSN.
    pub const ABSENT: Psn = Psn([0, 0]);

    /// Parses exactly two decimal digits.
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.len() != 2 {
            return Err(Error::DigitCount {
                field: "PSN",
                min: 2,
                max: 2,
                got: s.len(),
            });
        }
        let mut d = [0u8; 2];
        parse_digits(s.as_bytes(), &mut d, "PSN")?;
        Ok(Psn(d))
    }

    /// From a number 0–99.
    ///
    /// # Errors
    /// [`Error::Parameter`] above 99.
    pub fn from_number(n: u8) -> Result<Self, Error> {
        if n > 99 {
            return Err(Error::Parameter {
                what: "PSN must be 0..=99",
            });
        }
        Ok(Psn([n / 10, n % 10]))
    }

    pub(crate) fn digit_values(&self) -> [u8; 2] {
        self.0
    }
}

/// The decimal digit values of `c < 10^m` into `out` (m = `out.len()` ≤ 19),
/// most significant first — FF1's STR^m_10, a DPAN's account digits, a
/// public number's digits. Masked conditional subtraction of 8·10^j,
/// 4·10^j, 2·10^j and 10^j for each digit: no division (none is linked on
/// Cortex-M0+), no branch or index on `c`, which may be secret.
///
/// Up to nine digits run in 32-bit arithmetic (c < 10^9 < 2^32 and
/// 8·10^8 < 2^32): half the instructions of the 64-bit path on 32-bit cores
/// (issue 17, the FF1 DPAN row). The choice depends on the length alone.
pub(crate) fn decimal_digits(c: u64, out: &mut [u8]) {
    // Compile-time only: an index out of range would be a compile error.
    #[allow(clippy::indexing_slicing)]
    const POW10: [u64; 19] = {
        let mut t = [1u64; 19];
        let mut k = 1;
        while k < 19 {
            t[k] = t[k - 1] * 10;
            k += 1;
        }
        t
    };
    let m = out.len();
    if m <= 9 {
        // The precondition c < 10^m ≤ 10^9 makes the truncation exact.
        let mut c = c as u32;
        for (k, o) in out.iter_mut().enumerate() {
            let p = POW10.get(m - 1 - k).copied().unwrap_or(1) as u32;
            let mut d = 0u32;
            for bit in (0..4).rev() {
                let t = p << bit;
                // ct::lt_u32 hides the operands too: a barrier on the result
                // alone let LLVM compare (and branch) first on Cortex-M0+.
                let take = 1 ^ crate::ct::lt_u32(c, t);
                c = c.wrapping_sub(t & take.wrapping_neg());
                d |= take << bit;
            }
            *o = d as u8;
        }
        return;
    }
    let mut c = c;
    for (k, o) in out.iter_mut().enumerate() {
        let p = POW10.get(m - 1 - k).copied().unwrap_or(1);
        let mut d = 0u64;
        for bit in (0..4).rev() {
            // 8·10^18 < 2^63: the shift cannot overflow.
            let t = p << bit;
            let take = 1 ^ crate::ct::lt_u64(c, t);
            c = c.wrapping_sub(t & take.wrapping_neg());
            d |= take << bit;
        }
        *o = d as u8;
    }
}

/// Packs digit values (0–15 each) two per byte, first digit in the high
/// nibble. `digits.len()` must be `2 * out.len()`; extra digits are ignored.
pub(crate) fn pack_bcd(digits: &[u8], out: &mut [u8]) {
    for (o, pair) in out.iter_mut().zip(digits.chunks(2)) {
        let hi = pair.first().copied().unwrap_or(0);
        let lo = pair.get(1).copied().unwrap_or(0);
        *o = (hi << 4) | (lo & 0x0F);
    }
}

/// PAN ‖ PSN as digit values, right-aligned in a buffer of `N` digits: left
/// padded with zeros when shorter, keeping the rightmost `N` when longer
/// (EMV Option A keeps the rightmost 16; Option C pads to 32).
pub(crate) fn pan_psn_right<const N: usize>(pan: &Pan, psn: Psn) -> [u8; N] {
    let mut all = [0u8; 21];
    let p = pan.digit_values();
    let n = p.len() + 2;
    if let Some(dst) = all.get_mut(..p.len()) {
        dst.copy_from_slice(p);
    }
    if let Some(dst) = all.get_mut(p.len()..n) {
        dst.copy_from_slice(&psn.digit_values());
    }
    let mut out = [0u8; N];
    let src = all.get(..n).unwrap_or(&[]);
    if n >= N {
        if let Some(s) = src.get(n - N..) {
            out.copy_from_slice(s);
        }
    } else if let Some(dst) = out.get_mut(N - n..) {
        dst.copy_from_slice(src);
    }
    all.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn pan_bad_inputs_are_typed_errors() {
        assert!(matches!(
            Pan::parse("12345678901"),
            Err(Error::DigitCount { got: 11, .. })
        ));
        assert!(matches!(
            Pan::parse("12345678901234567890"),
            Err(Error::DigitCount { got: 20, .. })
        ));
        assert!(matches!(
            Pan::parse("1234567890I2"),
            Err(Error::NotDigits { .. })
        ));
        assert!(matches!(
            Pan::parse("123456789012/"),
            Err(Error::NotDigits { .. })
        ));
        assert!(matches!(
            Pan::parse("123456789012:"),
            Err(Error::NotDigits { .. })
        ));
        assert!(Pan::parse("12345678901é").is_err());
        assert_eq!(Pan::parse("123456789012").unwrap().len(), 12);
        assert_eq!(Pan::parse("1234567890123456789").unwrap().len(), 19);
    }

    #[test]
    fn psn_bad_inputs() {
        assert!(matches!(Psn::parse("1"), Err(Error::DigitCount { .. })));
        assert!(matches!(Psn::parse("001"), Err(Error::DigitCount { .. })));
        assert!(matches!(Psn::parse("0A"), Err(Error::NotDigits { .. })));
        assert_eq!(Psn::parse("45").unwrap(), Psn([4, 5]));
        assert!(Psn::from_number(100).is_err());
    }

    #[test]
    fn option_a_truncation_and_padding() {
        let pan = Pan::parse("5656781234567891").unwrap();
        let d = pan_psn_right::<16>(&pan, Psn::parse("01").unwrap());
        let mut y = [0u8; 8];
        pack_bcd(&d, &mut y);
        assert_eq!(y, [0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x91, 0x01]);
        let pan = Pan::parse("123456789012").unwrap();
        let d = pan_psn_right::<16>(&pan, Psn::ABSENT);
        pack_bcd(&d, &mut y);
        assert_eq!(y, [0x00, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x00]);
    }

    #[test]
    fn debug_hides_digits() {
        let pan = Pan::parse("4111111111111111").unwrap();
        let s = format!("{pan:?}");
        assert!(!s.contains("4111"), "{s}");
    }
}
