//! HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA-1, HMAC-SHA-256 and
//! HMAC-SHA-512, constant time in the secret, no heap, no division.
//!
//! # What is secret and what is public
//! The shared secret, the HMAC output, the dynamic-truncation offset (it is
//! the low nibble of the last MAC byte), the truncated value and the one-time
//! value are secret until the band shows the code. The hash, the number of
//! digits, the counter, the time, the period and the length of a candidate
//! are public.
//!
//! # How it stays constant time
//! * **Dynamic truncation** (RFC 4226 §5.3) reads 4 bytes at an offset taken
//!   from the MAC. A load at that offset would be a secret-indexed memory
//!   access, so every one of the 16 possible 4-byte windows is read and the
//!   right one is kept with a mask: the same 64 loads whatever the offset.
//! * **`Snum mod 10^Digit`** is done by conditional subtraction of
//!   `10^Digit · 2^j` for j from high to low (a binary long division with a
//!   constant divisor), and the decimal digits are taken by conditional
//!   subtraction of 8·10^k, 4·10^k, 2·10^k and 10^k — the way `emv::cvv`
//!   formats CVC3. No `/` or `%` touches the value: Cortex-M3/M4 `UDIV` is
//!   early-terminating, and a 64-bit `%` on a 32-bit target is a
//!   variable-time library loop.
//! * **TOTP's `T = ⌊(time − T0) / X⌋`** is on public values; it is still done
//!   by a fixed 64-step shift-and-subtract loop so that the firmware image
//!   carries no division routine at all.
//! * **Verification** recomputes the value and compares every digit with
//!   `subtle`; only the verdict is declassified, through `ct::public_verdict`.
//!
//! # Parameters
//! Secrets of 16 to 64 bytes (RFC 4226 R6 asks for at least 128 bits; RFC
//! 6238's reference secrets are 20, 32 and 64 bytes), 6 to 10 digits (the
//! truncated value is below 2^31, so 10 digits is every bit of it), any
//! counter, TOTP periods of 1 second to 2^31 − 1 seconds.

use core::hint::black_box;

use hmac::{KeyInit, Mac};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

use crate::{Error, VerifyError};

/// The HMAC hash of an OTP. Public: pinned by the issuer's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtpHash {
    /// HMAC-SHA-1 (RFC 4226's only hash; RFC 6238's default).
    Sha1,
    /// HMAC-SHA-256 (RFC 6238).
    Sha256,
    /// HMAC-SHA-512 (RFC 6238).
    Sha512,
}

impl OtpHash {
    /// The name used in the vector files (`sha1`, `sha256`, `sha512`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            OtpHash::Sha1 => "sha1",
            OtpHash::Sha256 => "sha256",
            OtpHash::Sha512 => "sha512",
        }
    }

    /// MAC length in bytes.
    const fn mac_len(self) -> usize {
        match self {
            OtpHash::Sha1 => 20,
            OtpHash::Sha256 => 32,
            OtpHash::Sha512 => 64,
        }
    }
}

/// Hash and number of digits of a one-time value. Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OtpParams {
    hash: OtpHash,
    digits: u8,
}

impl OtpParams {
    /// Fewest digits (RFC 4226 §5.3: "a 6-digit code at a minimum").
    pub const MIN_DIGITS: u8 = 6;
    /// Most digits: the truncated value is below 2^31 < 10^10.
    pub const MAX_DIGITS: u8 = 10;

    /// Checked parameters.
    ///
    /// # Errors
    /// [`Error::Parameter`] for fewer than 6 or more than 10 digits.
    pub const fn new(hash: OtpHash, digits: u8) -> Result<Self, Error> {
        if digits < Self::MIN_DIGITS || digits > Self::MAX_DIGITS {
            return Err(Error::Parameter {
                what: "OTP digits must be 6..=10",
            });
        }
        Ok(OtpParams { hash, digits })
    }

    /// The hash.
    #[must_use]
    pub const fn hash(&self) -> OtpHash {
        self.hash
    }

    /// The number of digits.
    #[must_use]
    pub const fn digits(&self) -> u8 {
        self.digits
    }
}

/// A shared OTP secret (the HMAC key): 16 to 64 bytes.
///
/// Zeroized on drop; `Debug` shows only the length; not `Clone` or `Copy`.
pub struct OtpSecret {
    bytes: [u8; 64],
    len: usize,
}

impl OtpSecret {
    /// Shortest secret accepted (RFC 4226 R6: at least 128 bits).
    pub const MIN_LEN: usize = 16;
    /// Longest secret accepted (RFC 6238's SHA-512 secret).
    pub const MAX_LEN: usize = 64;

    /// A secret from its bytes (copied; the caller wipes its own copy).
    ///
    /// # Errors
    /// [`Error::Length`] outside 16–64 bytes.
    pub fn new(secret: &[u8]) -> Result<Self, Error> {
        let len = secret.len();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Error::Length {
                field: "OTP secret",
                expected: "16 to 64",
                got: len,
            });
        }
        let mut bytes = [0u8; 64];
        if let Some(dst) = bytes.get_mut(..len) {
            crate::ct::copy(dst, secret);
        }
        Ok(OtpSecret { bytes, len })
    }

    /// A secret from hex (decoded in constant time; the length is public).
    ///
    /// # Errors
    /// [`Error::OddHex`], [`Error::NotHex`], or [`Error::Length`] outside
    /// 16–64 bytes.
    pub fn from_hex(hex: &str) -> Result<Self, Error> {
        let len = hex.len() / 2;
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Error::Length {
                field: "OTP secret",
                expected: "16 to 64",
                got: len,
            });
        }
        let mut bytes = [0u8; 64];
        let r = match bytes.get_mut(..len) {
            Some(dst) => crate::ct::hex_decode(hex.as_bytes(), dst),
            None => Err(Error::Parameter {
                what: "OTP secret length",
            }),
        };
        match r {
            Ok(()) => Ok(OtpSecret { bytes, len }),
            Err(e) => {
                bytes.zeroize();
                Err(e)
            }
        }
    }

    /// Length in bytes (public).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false (at least 16 bytes).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The secret bytes.
    ///
    /// # Security warning
    /// This is the secret itself: hand it only to secure storage.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl Drop for OtpSecret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for OtpSecret {}

impl core::fmt::Debug for OtpSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OtpSecret")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// A one-time value: 6 to 10 decimal digits.
///
/// Secret until shown: zeroized on drop, `Debug` shows only the length, not
/// `Clone` or `Copy`.
pub struct Otp {
    /// Digit values 0–9, most significant first; `len` of them are used.
    d: [u8; 10],
    len: usize,
}

impl Otp {
    /// Number of digits (public).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes the ASCII digits into `out` and returns them. (Bytes, not
    /// `&str`: UTF-8 validation would branch on the digits.)
    ///
    /// # Security warning
    /// This is the one-time value: show it, don't log it.
    pub fn write_ascii<'a>(&self, out: &'a mut [u8; 10]) -> &'a [u8] {
        for (o, d) in out.iter_mut().zip(self.digit_values()) {
            *o = d | 0x30;
        }
        out.get(..self.len).unwrap_or(&[])
    }

    pub(crate) fn digit_values(&self) -> &[u8] {
        self.d.get(..self.len).unwrap_or(&[])
    }

    /// Constant-time comparison with ASCII digits of the same length (the
    /// length is public). Non-digits never match.
    pub(crate) fn ct_eq_ascii(&self, candidate: &[u8]) -> Choice {
        if candidate.len() != self.len {
            return Choice::from(0);
        }
        let mut diff = 0u8;
        for (d, c) in self.digit_values().iter().zip(candidate) {
            // c ^ 0x30 equals d exactly when c is the ASCII digit d.
            diff |= (c ^ 0x30) ^ d;
        }
        diff.ct_eq(&0)
    }
}

impl Drop for Otp {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Otp {}

impl core::fmt::Debug for Otp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Otp")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// HMAC(secret, msg) into `out` (64 bytes; the first `hash.mac_len()` used).
fn hmac_into(hash: OtpHash, secret: &OtpSecret, msg: &[u8], out: &mut [u8; 64]) {
    let key = secret.expose_secret();
    fn run<M: Mac + KeyInit>(key: &[u8], msg: &[u8], out: &mut [u8]) {
        if let Ok(mut m) = <M as KeyInit>::new_from_slice(key) {
            m.update(msg);
            let mut tag = m.finalize().into_bytes();
            crate::ct::copy(out, &tag);
            tag.as_mut_slice().zeroize();
        }
    }
    match hash {
        OtpHash::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, msg, out),
        OtpHash::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, msg, out),
        OtpHash::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, msg, out),
    }
}

/// All-ones if `a == b`, else zero (both may be secret; values < 2^31).
#[inline]
fn eq_mask_u32(a: u32, b: u32) -> u32 {
    let x = black_box(a ^ b);
    // (x | -x) has its top bit set exactly when x != 0.
    let nz = black_box((x | x.wrapping_neg()) >> 31);
    (nz ^ 1).wrapping_neg()
}

/// RFC 4226 §5.3 dynamic truncation of `mac` (`len` bytes, public), with no
/// load at the secret offset: every window is read, the right one is kept.
fn dynamic_truncate(mac: &[u8; 64], len: usize) -> u32 {
    let last = mac.get(len.wrapping_sub(1)).copied().unwrap_or(0);
    let offset = u32::from(last & 0x0F);
    let mut acc = 0u32;
    for o in 0..16u32 {
        let i = o as usize;
        let w = match mac.get(i..i + 4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        };
        acc |= w & eq_mask_u32(o, offset);
    }
    acc & 0x7FFF_FFFF
}

/// `r - p` if `r >= p`, else `r`, and 1 if it subtracted (values < 2^63;
/// both may be secret).
#[inline]
fn sub_if_ge(r: u64, p: u64) -> (u64, u64) {
    // The comparison goes through ct::lt_u64, which hides the operands
    // from the optimiser *before* the subtraction (issue 20's pattern: a
    // barrier on the result only let LLVM turn the sign test into a branch
    // on Cortex-M0+).
    let take = 1 ^ crate::ct::lt_u64(r, p);
    let m = black_box(take.wrapping_neg());
    let d = r.wrapping_sub(p);
    ((d & m) | (r & !m), take)
}

const POW10: [u64; 11] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
];

/// Writes the `digits` low decimal digits of `v` (< 2^31, secret) as digit
/// values, most significant first, without division.
pub(crate) fn decimal_digits(v: u32, digits: usize, out: &mut [u8]) {
    let m = POW10.get(digits).copied().unwrap_or(POW10[10]);
    // v mod 10^digits: binary long division by the constant m. The shift
    // range is public; only shifts where m·2^j could still be ≤ v < 2^31 run.
    let mut r = u64::from(v);
    for j in (0..32u32).rev() {
        // m·2^j < 2^32 exactly when bits(m) + j ≤ 32 (checked before the
        // shift so nothing overflows).
        if j + 32 <= m.leading_zeros() {
            r = sub_if_ge(r, m << j).0;
        }
    }
    // Now r < 10^digits: take each digit by subtracting 8, 4, 2, 1 × 10^k.
    for (k, o) in (0..digits).rev().zip(out.iter_mut()) {
        let pk = POW10.get(k).copied().unwrap_or(1);
        let mut d = 0u64;
        for b in [8u64, 4, 2, 1] {
            let (nr, t) = sub_if_ge(r, b * pk);
            r = nr;
            d |= t * b;
        }
        *o = d as u8;
    }
}

/// The HOTP value for `counter` (RFC 4226 §5.3). Public for the payment code.
pub(crate) fn hotp_raw(secret: &OtpSecret, params: OtpParams, counter: u64) -> Otp {
    let mut mac = [0u8; 64];
    hmac_into(params.hash, secret, &counter.to_be_bytes(), &mut mac);
    let snum = dynamic_truncate(&mac, params.hash.mac_len());
    mac.zeroize();
    let mut otp = Otp {
        d: [0u8; 10],
        len: usize::from(params.digits),
    };
    decimal_digits(snum, otp.len, &mut otp.d);
    otp
}

/// HOTP (RFC 4226): the one-time value for `counter`.
///
/// # Errors
/// [`Error::Parameter`] if the parameters were not built with
/// [`OtpParams::new`] limits (cannot happen: kept for API stability).
pub fn hotp(secret: &OtpSecret, params: OtpParams, counter: u64) -> Result<Otp, Error> {
    Ok(hotp_raw(secret, params, counter))
}

/// Proof that a one-time value verified for one moving factor (the HOTP
/// counter, or the TOTP time step). Made only by [`verify_hotp`] /
/// [`verify_totp`]; not `Clone` or `Copy`, so whatever consumes it (the
/// caller's counter resynchronisation or used-value record) sees each
/// verification once. It says nothing about replay: that is the consumer's
/// (the payment-code backend's is
/// [`CodeAccountState::accept`](super::backend::CodeAccountState::accept)).
#[derive(Debug)]
pub struct VerifiedOtp {
    moving_factor: u64,
}

impl VerifiedOtp {
    /// The counter (HOTP) or time step (TOTP) the value verified for.
    #[must_use]
    pub fn moving_factor(&self) -> u64 {
        self.moving_factor
    }
}

/// Verifies an HOTP value (ASCII digits) for exactly `counter`, in constant
/// time in the secret and the candidate's digits.
///
/// # Errors
/// [`VerifyError`] on mismatch, a wrong length, or a non-digit.
pub fn verify_hotp(
    secret: &OtpSecret,
    params: OtpParams,
    counter: u64,
    candidate: &[u8],
) -> Result<VerifiedOtp, VerifyError> {
    let ours = hotp_raw(secret, params, counter);
    if crate::ct::public_verdict(ours.ct_eq_ascii(candidate)) {
        Ok(VerifiedOtp {
            moving_factor: counter,
        })
    } else {
        Err(VerifyError)
    }
}

/// `n / d` and `n % d` for public values by a fixed 64-step shift-and-subtract
/// loop (no division instruction or library routine). `d` must be non-zero.
pub(crate) fn divmod_public(n: u64, d: u64) -> (u64, u64) {
    let mut q = 0u64;
    let mut r = 0u128;
    let d = u128::from(d);
    for i in (0..64).rev() {
        r = (r << 1) | u128::from((n >> i) & 1);
        let ge = u64::from(r >= d);
        r -= d * u128::from(ge);
        q |= ge << i;
    }
    (q, r as u64)
}

/// A TOTP time-step configuration (RFC 6238 §4): `T0` and the period `X`.
/// Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TotpClock {
    t0: u64,
    period: u32,
}

impl TotpClock {
    /// `T0` = 0 (the Unix epoch) and a period of `period` seconds.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a period of 0 or at least 2^31.
    pub const fn new(period: u32) -> Result<Self, Error> {
        Self::with_t0(0, period)
    }

    /// Explicit `T0` and period.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a period of 0 or at least 2^31.
    pub const fn with_t0(t0: u64, period: u32) -> Result<Self, Error> {
        if period == 0 || period >= 1 << 31 {
            return Err(Error::Parameter {
                what: "TOTP period must be 1..2^31 seconds",
            });
        }
        Ok(TotpClock { t0, period })
    }

    /// The period in seconds.
    #[must_use]
    pub const fn period(&self) -> u32 {
        self.period
    }

    /// `T = ⌊(time − T0) / X⌋`.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a time before `T0`.
    pub fn step(&self, time: u64) -> Result<u64, Error> {
        let since = time.checked_sub(self.t0).ok_or(Error::Parameter {
            what: "time before the TOTP epoch T0",
        })?;
        Ok(divmod_public(since, u64::from(self.period)).0)
    }
}

/// TOTP (RFC 6238): HOTP with the counter `T` of `time` (Unix seconds).
///
/// # Errors
/// [`Error::Parameter`] for a time before `T0`.
pub fn totp(
    secret: &OtpSecret,
    params: OtpParams,
    clock: TotpClock,
    time: u64,
) -> Result<Otp, Error> {
    Ok(hotp_raw(secret, params, clock.step(time)?))
}

/// Verifies a TOTP value for the time step of `time` exactly (no skew
/// window; the payment-code backend has the windowed, replay-safe check).
///
/// # Errors
/// [`VerifyError`] on mismatch, a malformed candidate, or a time before `T0`.
pub fn verify_totp(
    secret: &OtpSecret,
    params: OtpParams,
    clock: TotpClock,
    time: u64,
    candidate: &[u8],
) -> Result<VerifiedOtp, VerifyError> {
    let step = clock.step(time).map_err(|_| VerifyError)?;
    verify_hotp(secret, params, step, candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_selects_every_offset() {
        // A MAC whose bytes are their own index: the window at offset o is
        // o, o+1, o+2, o+3 (independent of the code under test: from_be_bytes).
        for o in 0..16u8 {
            let mut mac = [0u8; 64];
            for (i, b) in mac.iter_mut().enumerate() {
                *b = i as u8 + 0x80;
            }
            mac[19] = 0xF0 | o;
            let w = [
                mac[o as usize],
                mac[o as usize + 1],
                mac[o as usize + 2],
                mac[o as usize + 3],
            ];
            let want = u32::from_be_bytes(w) & 0x7FFF_FFFF;
            assert_eq!(dynamic_truncate(&mac, 20), want, "offset {o}");
        }
    }

    #[test]
    fn decimal_digits_match_division() {
        for v in [
            0u32,
            1,
            9,
            10,
            999_999,
            1_000_000,
            1_284_755_224,
            0x7FFF_FFFF,
            123_456_789,
        ] {
            for n in 6..=10usize {
                let mut out = [0u8; 10];
                decimal_digits(v, n, &mut out);
                let want =
                    std::format!("{:0width$}", u64::from(v) % 10u64.pow(n as u32), width = n);
                let got: std::string::String =
                    out[..n].iter().map(|d| char::from(b'0' + d)).collect();
                assert_eq!(got, want, "v={v} n={n}");
            }
        }
    }

    #[test]
    fn divmod_matches() {
        for (n, d) in [
            (59u64, 30u64),
            (1_111_111_109, 30),
            (20_000_000_000, 60),
            (0, 7),
            (u64::MAX, 1),
        ] {
            assert_eq!(divmod_public(n, d), (n / d, n % d));
        }
    }

    #[test]
    fn bad_parameters_are_typed() {
        assert!(OtpParams::new(OtpHash::Sha1, 5).is_err());
        assert!(OtpParams::new(OtpHash::Sha1, 11).is_err());
        assert!(OtpSecret::new(&[0u8; 15]).is_err());
        assert!(OtpSecret::new(&[0u8; 65]).is_err());
        assert!(OtpSecret::from_hex("zz".repeat(20).as_str()).is_err());
        assert!(TotpClock::new(0).is_err());
        assert!(TotpClock::with_t0(100, 30).unwrap().step(99).is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let s = OtpSecret::new(b"12345678901234567890").unwrap();
        let dbg = std::format!("{s:?}");
        assert!(!dbg.contains("3132"), "{dbg}");
        let p = OtpParams::new(OtpHash::Sha1, 6).unwrap();
        let o = hotp(&s, p, 0).unwrap();
        assert!(!std::format!("{o:?}").contains("755224"));
    }

    #[test]
    fn candidate_shape_is_checked() {
        // RFC 4226 Appendix D, count 0: 755224.
        let s = OtpSecret::new(b"12345678901234567890").unwrap();
        let p = OtpParams::new(OtpHash::Sha1, 6).unwrap();
        assert!(verify_hotp(&s, p, 0, b"755224").is_ok());
        assert!(verify_hotp(&s, p, 0, b"0755224").is_err());
        assert!(verify_hotp(&s, p, 0, b"75522").is_err());
        // ':' is '0' + 10 and 'D' ^ 0x30 is 0x74: neither passes as a digit.
        assert!(verify_hotp(&s, p, 0, b"75522:").is_err());
        assert!(verify_hotp(&s, p, 0, b"75522D").is_err());
    }
}
