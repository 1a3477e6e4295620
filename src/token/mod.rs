//! One-time DPANs: radix-10 FF1, Luhn, token BIN ranges, device wallets.
//!
//! A one-time DPAN is `token BIN ‖ FF1(range key, tweak, sequence number) ‖
//! Luhn`. FF1 is a permutation, so distinct sequence numbers never give the
//! same DPAN, and the token service detokenizes by FF1 decryption. The
//! device never holds the range key: it receives DPANs in provisioning
//! batches and spends one per tap ([`wallet`]).
//!
//! * [`ff1`]: NIST SP 800-38G FF1 over digits, constant time.
//! * [`luhn`]: check digits, constant time.
//! * [`DpanRange`]: the token-service side: issue, batch, detokenize.
//! * [`wallet`]: the device side: a fixed-capacity store of one-time DPANs.

pub mod ff1;
pub mod luhn;
pub mod wallet;

use zeroize::Zeroize;

use crate::Error;
use crate::keys::secret_key;

secret_key!(
    /// The FF1 key of a DPAN range (AES-128/192/256). Stays in the token
    /// service: devices never hold it.
    DpanRangeKey
);

/// A token BIN: 6 or 8 digits. Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bin {
    digits: [u8; 8],
    len: usize,
}

impl Bin {
    /// Parses a 6- or 8-digit BIN.
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        let len = s.len();
        if len != 6 && len != 8 {
            return Err(Error::DigitCount {
                field: "BIN",
                min: 6,
                max: 8,
                got: len,
            });
        }
        let mut digits = [0u8; 8];
        crate::digits::parse_digits(
            s.as_bytes(),
            digits.get_mut(..len).unwrap_or(&mut []),
            "BIN",
        )?;
        Ok(Bin { digits, len })
    }

    /// Number of digits (6 or 8).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn values(&self) -> &[u8] {
        self.digits.get(..self.len).unwrap_or(&[])
    }
}

/// A DPAN: 13 to 19 digits (16 for the ranges here), Luhn check digit last.
///
/// Cardholder data for PCI purposes: zeroized on drop, `Debug` shows only the
/// length, not `Copy`. Parsing checks the characters and length; whether the
/// check digit is right is asked separately ([`Dpan::luhn_ok`]) so a
/// detokenizer can tell a typo from a forgery.
pub struct Dpan(crate::Pan);

impl Dpan {
    /// Fewest digits accepted.
    pub const MIN_DIGITS: usize = 13;
    /// Most digits accepted.
    pub const MAX_DIGITS: usize = 19;

    /// Parses 13 to 19 ASCII digits.
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::from_ascii(s.as_bytes())
    }

    /// Parses 13 to 19 ASCII digits given as bytes (as they arrive in a
    /// provisioning envelope or from flash).
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn from_ascii(s: &[u8]) -> Result<Self, Error> {
        crate::Pan::parse_range(s, "DPAN", Self::MIN_DIGITS, Self::MAX_DIGITS).map(Dpan)
    }

    pub(crate) fn from_values(v: &[u8]) -> Self {
        Dpan(crate::Pan::from_values_truncated(v))
    }

    /// From digit *values* (0–9, one per byte) read back from storage: 13–19
    /// of them, every one checked without an early exit (the digits are
    /// secret; only the verdict is public).
    pub(crate) fn from_stored_values(v: &[u8], what: &'static str) -> Result<Self, Error> {
        let mut over = 0u32;
        for d in v {
            over |= crate::ct::lt_u32(9, u32::from(*d));
        }
        let digits_ok = subtle::ConstantTimeEq::ct_eq(&over, &0);
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&v.len())
            || !crate::ct::public_verdict(digits_ok)
        {
            return Err(Error::Malformed { what });
        }
        Ok(Self::from_values(v))
    }

    /// Number of digits.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn values(&self) -> &[u8] {
        self.0.digit_values()
    }

    /// Whether the Luhn check digit is right.
    #[must_use]
    pub fn luhn_ok(&self) -> bool {
        crate::ct::public_verdict(luhn::valid_values(self.values()))
    }

    /// The ASCII digits, written into `out`. (Bytes, not `&str`: UTF-8
    /// validation would branch on the secret digits.)
    ///
    /// # Security warning
    /// A DPAN is cardholder data: don't log it in production.
    pub fn write_ascii<'a>(&self, out: &'a mut [u8; 19]) -> &'a [u8] {
        self.0.write_ascii(out)
    }

    /// The DPAN as a [`Pan`](crate::Pan), e.g. to derive its card keys or
    /// bind it into a cryptogram ([`Cvn::card_data_bound`](crate::emv::Cvn::card_data_bound)).
    #[must_use]
    pub fn as_pan(&self) -> &crate::Pan {
        &self.0
    }

    /// A copy of the DPAN as a [`Pan`](crate::Pan).
    ///
    /// # Errors
    /// Never for a parsed DPAN (13–19 digits are valid PAN lengths).
    pub fn to_pan(&self) -> Result<crate::Pan, Error> {
        crate::Pan::from_digit_values(self.values())
    }
}

/// Cloning is deliberate: the wallet copies batches into its slots. Every
/// copy zeroizes itself on drop.
impl Clone for Dpan {
    fn clone(&self) -> Self {
        Self::from_values(self.values())
    }
}

impl zeroize::ZeroizeOnDrop for Dpan {}

impl core::fmt::Debug for Dpan {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dpan")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Dpan {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && crate::ct::public_verdict(subtle::ConstantTimeEq::ct_eq(
                self.values(),
                other.values(),
            ))
    }
}

/// The token service's view of one DPAN range: a token BIN, an FF1 key and
/// version, and a domain label, issuing 16-digit one-time DPANs
/// `BIN ‖ FF1(seq) ‖ Luhn` (9 FF1 digits with a 6-digit BIN, 7 with an 8-digit
/// one — both at least FF1's 10^6 domain).
///
/// **Tweak**: `BIN ‖ "|v" ‖ version` in ASCII (e.g. `411111|v1`), followed by
/// `"|" ‖ domain` when a domain label is set. One tweak per (BIN, key
/// version, domain) makes each range a single permutation, so sequence
/// numbers — global per range, never per device — cannot collide. (With an
/// empty domain this is the layout of the illustrative DPAN examples in the
/// project's FF1 notes, which three FF1 implementations agree on.)
///
/// **Never reuse a sequence number under one key version**: [`issue_next`]
/// hands them out in order and fails with [`Error::Exhausted`] at the end of
/// the space; persist [`next_sequence`] before sending DPANs out.
///
/// [`issue_next`]: DpanRange::issue_next
/// [`next_sequence`]: DpanRange::next_sequence
#[derive(Debug)]
pub struct DpanRange {
    bin: Bin,
    ff1: ff1::Ff1,
    // FF1's constants for the range's digit count and tweak, built once:
    // every DPAN and every detokenisation saves one AES block (`P`).
    setup: ff1::Setup,
    next_seq: u64,
}

/// Total length of the DPANs a range issues.
pub const DPAN_LEN: usize = 16;

impl DpanRange {
    /// A range. `domain` is an ASCII label of up to 32 bytes (may be empty);
    /// `next_seq` is the first unused sequence number (0 for a new range).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] for a non-AES key; [`Error::Length`] for a
    /// domain over 32 bytes; [`Error::Exhausted`] if `next_seq` is past the
    /// range.
    pub fn new(
        bin: Bin,
        key: &DpanRangeKey,
        key_version: u16,
        domain: &str,
        next_seq: u64,
    ) -> Result<Self, Error> {
        if domain.len() > 32 {
            return Err(Error::Length {
                field: "DPAN range domain label",
                expected: "at most 32",
                got: domain.len(),
            });
        }
        let mut tweak = [0u8; 64];
        let mut n = 0usize;
        let mut push = |b: &[u8]| {
            if let Some(dst) = tweak.get_mut(n..n + b.len()) {
                crate::ct::copy(dst, b);
            }
            n += b.len();
        };
        let mut bin_ascii = [0u8; 8];
        for (o, d) in bin_ascii.iter_mut().zip(bin.values()) {
            *o = d | 0x30;
        }
        push(bin_ascii.get(..bin.len).unwrap_or(&[]));
        push(b"|v");
        let mut ver = [0u8; 5];
        let vs = decimal_u16(key_version, &mut ver);
        push(vs);
        if !domain.is_empty() {
            push(b"|");
            push(domain.as_bytes());
        }
        let ff1 = ff1::Ff1::new(key)?;
        let k = DPAN_LEN - 1 - bin.len;
        let setup = ff1.prepare(k, tweak.get(..n).unwrap_or(&[]))?;
        let range = DpanRange {
            bin,
            ff1,
            setup,
            next_seq,
        };
        if next_seq > range.capacity() {
            return Err(Error::Exhausted {
                what: "DPAN range sequence numbers",
            });
        }
        Ok(range)
    }

    fn account_digits(&self) -> usize {
        DPAN_LEN - 1 - self.bin.len
    }

    /// How many DPANs the range can ever issue (10^7 or 10^9).
    #[must_use]
    pub fn capacity(&self) -> u64 {
        10u64.pow(self.account_digits() as u32)
    }

    /// The next unused sequence number (persist it).
    #[must_use]
    pub fn next_sequence(&self) -> u64 {
        self.next_seq
    }

    /// The DPAN for sequence number `seq` (does not advance the counter; use
    /// [`issue_next`](Self::issue_next) to hand out fresh ones).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `seq` is outside the range.
    pub fn dpan_for(&self, seq: u64) -> Result<Dpan, Error> {
        // The sequence number is a vault index (secret); whether it is in
        // range is a public verdict.
        let in_range = subtle::ConstantTimeLess::ct_lt(&seq, &self.capacity());
        if !crate::ct::public_verdict(in_range) {
            return Err(Error::Parameter {
                what: "sequence number outside the DPAN range",
            });
        }
        let k = self.account_digits();
        let mut plain = [0u8; 9];
        let mut ct = [0u8; 9];
        let p = plain.get_mut(..k).unwrap_or(&mut []);
        crate::digits::decimal_digits(seq, p);
        let c = ct.get_mut(..k).unwrap_or(&mut []);
        let r = self.ff1.crypt_prepared(&self.setup, p, c, true);
        plain.zeroize();
        r?;
        let mut d = [0u8; 19];
        let bl = self.bin.len;
        if let Some(dst) = d.get_mut(..bl) {
            crate::ct::copy(dst, self.bin.values());
        }
        if let Some(dst) = d.get_mut(bl..bl + k) {
            crate::ct::copy(dst, &ct);
        }
        ct.zeroize();
        let check = luhn::check_digit_values(d.get(..DPAN_LEN - 1).unwrap_or(&[]));
        if let Some(c) = d.get_mut(DPAN_LEN - 1) {
            *c = check;
        }
        let out = Dpan::from_values(d.get(..DPAN_LEN).unwrap_or(&[]));
        d.zeroize();
        Ok(out)
    }

    /// Issues the next fresh DPAN and advances the counter.
    ///
    /// # Errors
    /// [`Error::Exhausted`] once every sequence number has been used.
    pub fn issue_next(&mut self) -> Result<Dpan, Error> {
        if self.next_seq >= self.capacity() {
            return Err(Error::Exhausted {
                what: "DPAN range sequence numbers",
            });
        }
        let d = self.dpan_for(self.next_seq)?;
        self.next_seq += 1;
        Ok(d)
    }

    /// Issues `out.len()` fresh DPANs (a provisioning batch) and advances the
    /// counter; all or nothing.
    ///
    /// # Errors
    /// [`Error::Exhausted`] if the range cannot supply the whole batch.
    pub fn issue_batch(&mut self, out: &mut [Dpan]) -> Result<u64, Error> {
        let first = self.next_seq;
        let n = out.len() as u64;
        if self.capacity() - first < n {
            return Err(Error::Exhausted {
                what: "DPAN range sequence numbers",
            });
        }
        for (i, slot) in (0u64..).zip(out.iter_mut()) {
            *slot = self.dpan_for(first + i)?;
        }
        self.next_seq = first + n;
        Ok(first)
    }

    /// Detokenizes: the sequence number a DPAN of this range was issued for.
    ///
    /// FF1 is a permutation, so *every* 16-digit number with this BIN and a
    /// right Luhn digit decrypts to some sequence number, including ones
    /// never issued (at or past [`next_sequence`](Self::next_sequence), or already
    /// spent). The result is a lookup key, not an authorisation: the vault
    /// must check that the number was issued to a live token and not used
    /// before, and the cryptogram decides the rest.
    ///
    /// # Errors
    /// [`Error::DigitCount`] for a DPAN that is not 16 digits;
    /// [`Error::Malformed`] for a wrong Luhn digit or a BIN of another range.
    pub fn detokenize(&self, dpan: &Dpan) -> Result<u64, Error> {
        if dpan.len() != DPAN_LEN {
            return Err(Error::DigitCount {
                field: "DPAN",
                min: DPAN_LEN,
                max: DPAN_LEN,
                got: dpan.len(),
            });
        }
        let v = dpan.values();
        let bl = self.bin.len;
        let bin_ok = subtle::ConstantTimeEq::ct_eq(v.get(..bl).unwrap_or(&[]), self.bin.values());
        if !crate::ct::public_verdict(bin_ok) {
            return Err(Error::Malformed {
                what: "DPAN is not in this range's BIN",
            });
        }
        if !dpan.luhn_ok() {
            return Err(Error::Malformed {
                what: "DPAN Luhn check digit is wrong",
            });
        }
        let k = self.account_digits();
        let mut p = [0u8; 9];
        let dst = p.get_mut(..k).unwrap_or(&mut []);
        let r = self
            .ff1
            .crypt_prepared(&self.setup, v.get(bl..bl + k).unwrap_or(&[]), dst, false);
        if let Err(e) = r {
            p.zeroize();
            return Err(e);
        }
        let seq = p
            .iter()
            .take(k)
            .fold(0u64, |a, d| a.wrapping_mul(10).wrapping_add(u64::from(*d)));
        p.zeroize();
        Ok(seq)
    }
}

/// A public u16 in decimal ASCII without leading zeros. Built with
/// `digits::decimal_digits` (masked subtraction), so no division helper is
/// linked on Cortex-M0+.
fn decimal_u16(v: u16, buf: &mut [u8; 5]) -> &[u8] {
    crate::digits::decimal_digits(u64::from(v), buf);
    let first = buf.iter().position(|d| *d != 0).unwrap_or(4);
    for b in buf.iter_mut() {
        *b |= 0x30;
    }
    buf.get(first..).unwrap_or(&[])
}
