//! The Luhn check digit (ISO/IEC 7812-1 Annex B), in constant time.
//!
//! From the rightmost payload digit leftwards, every second digit is doubled
//! (9 subtracted when the double exceeds 9) and everything is summed; the
//! check digit is `(10 − sum mod 10) mod 10`. Which positions double depends
//! only on the (public) length; the digits are secret, so the "subtract 9"
//! and the `mod 10` are masks and a multiply by a reciprocal, never a branch
//! or a division.

use crate::Error;

/// `x mod 10` for x < 1029, by the reciprocal 205/2048 (exact on that range).
#[inline]
fn mod10(x: u32) -> u32 {
    x - 10 * ((x * 205) >> 11)
}

/// Sum of the Luhn-weighted digit values, doubling from the rightmost when
/// `double_last` (payload without check digit), else from the second-rightmost.
fn weighted_sum(digits: &[u8], double_last: bool) -> u32 {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let d = u32::from(*d);
        // Position parity is public.
        let doubled = (i % 2 == 0) == double_last;
        if doubled {
            let t = 2 * d;
            // t > 9 ⇔ 9 < t: subtract 9 under a mask.
            sum += t - (9 & crate::ct::lt_u32(9, t).wrapping_neg());
        } else {
            sum += d;
        }
    }
    sum
}

/// The check digit (0–9) for payload digit values `payload` (at most 100).
#[must_use]
pub(crate) fn check_digit_values(payload: &[u8]) -> u8 {
    let r = mod10(weighted_sum(payload, true));
    // (10 − r) mod 10 without a branch: 10 − r, minus 10 when it is 10.
    let c = 10 - r;
    (c - (10 & (1 ^ crate::ct::lt_u32(c, 10)).wrapping_neg())) as u8
}

/// Whether digit values `number` (check digit last) pass Luhn, as a
/// constant-time choice.
pub(crate) fn valid_values(number: &[u8]) -> subtle::Choice {
    let r = mod10(weighted_sum(number, false));
    subtle::ConstantTimeEq::ct_eq(&r, &0)
}

fn parse<'a>(s: &str, buf: &'a mut [u8; 40]) -> Result<&'a [u8], Error> {
    let n = s.len();
    if n == 0 || n > 39 {
        return Err(Error::DigitCount {
            field: "Luhn input",
            min: 1,
            max: 39,
            got: n,
        });
    }
    let d = buf.get_mut(..n).unwrap_or(&mut []);
    crate::digits::parse_digits(s.as_bytes(), d, "Luhn input")?;
    Ok(d)
}

/// The Luhn check digit ('0'–'9') to append to an ASCII digit payload.
///
/// # Errors
/// [`Error::DigitCount`] for an empty payload or one over 39 digits,
/// [`Error::NotDigits`] for a non-digit.
pub fn check_digit(payload: &str) -> Result<char, Error> {
    // The digit values of a PAN are secret: wiped on every path.
    let mut buf = zeroize::Zeroizing::new([0u8; 40]);
    let d = parse(payload, &mut buf)?;
    Ok(char::from(b'0' + check_digit_values(d)))
}

/// Whether an ASCII digit string (check digit last) passes Luhn.
///
/// # Errors
/// As [`check_digit`] (a string of length 1 is a check digit alone: valid
/// only if it is `0`).
pub fn is_valid(number: &str) -> Result<bool, Error> {
    let mut buf = zeroize::Zeroizing::new([0u8; 40]);
    let d = parse(number, &mut buf)?;
    Ok(crate::ct::public_verdict(valid_values(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reciprocal_is_exact() {
        for x in 0..1029 {
            assert_eq!(mod10(x), x % 10, "{x}");
        }
    }

    #[test]
    fn worked_example() {
        // ISO/IEC 7812-1 Annex B / the classic 7992739871 → 3.
        assert_eq!(check_digit("7992739871").unwrap(), '3');
        assert!(is_valid("79927398713").unwrap());
        assert!(!is_valid("79927398710").unwrap());
    }
}
