//! Key-use limits of one limited-use credential: a cloud profile's LUK or
//! SUK, or a batch of one-time DPANs.
//!
//! A limited-use credential is safe because stealing it buys little: it
//! serves at most [`max_uses`](UseLimits::max_uses) taps, only between
//! [`not_before`](UseLimits::not_before) and
//! [`not_after`](UseLimits::not_after), and at most
//! [`max_amount`](UseLimits::max_amount) in its one currency. Both sides
//! keep a copy of the same counts:
//!
//! * the **device** ([`DeviceUsage`]) refuses to tap past a limit and says
//!   which ([`LimitError`]); it spends *before* the tap and persists the new
//!   state before it computes the cryptogram (the reserve → persist → use
//!   contract of [`wallet`](crate::token::wallet));
//! * the **backend** ([`BackendUsage`]) checks the same limits when it
//!   authorises, because a device can be tampered with.
//!
//! The two are different types (and carry different side bytes when
//! stored) so that a backend's record has no proof-less update: its only
//! public update takes the proof of a verified cryptogram, and a stored
//! device state does not load as a backend one. (A backend that builds a
//! `DeviceUsage` on purpose can still spend it; the types prevent the
//! mistake, not the intent.)
//!
//! # Rules
//!
//! A tap at time `now` (Unix seconds, from the caller's clock) for `amount`
//! minor units in currency `c` is refused with the first that applies:
//!
//! 1. [`LimitError::NotYetValid`]: `now < not_before`;
//! 2. [`LimitError::Expired`]: `now > not_after` (both bounds inclusive);
//! 3. [`LimitError::UsesExhausted`]: `used = max_uses`;
//! 4. [`LimitError::WrongCurrency`]: `c` is not the credential's currency;
//! 5. [`LimitError::AmountExceeded`]: `spent + amount > max_amount`
//!    (computed without overflow).
//!
//! Otherwise `used` grows by one and `spent` by `amount`. A refused tap
//! changes nothing.
//!
//! # Replenishment
//!
//! [`LowWater`] marks say when to ask for the next credential: when at most
//! `uses` taps, `seconds` of validity, or `amount` minor units remain (or
//! the credential is already unusable). The device reports
//! [`DeviceUsage::replenish`] to the token service; the backend honours a
//! request when its own record agrees ([`BackendUsage::replenish`]), so a
//! device cannot obtain fresh keys at will.
//!
//! # Byte layout (version 1, 66 bytes, both sides)
//!
//! All integers big-endian.
//!
//! | offset | bytes | field | rule |
//! |---|---|---|---|
//! | 0 | 2 | magic `"KU"` (`4B 55`) | exact |
//! | 2 | 1 | layout version, `01` | exact |
//! | 3 | 1 | side: `44` (`'D'`) device, `42` (`'B'`) backend | the type's own |
//! | 4 | 4 | `max_uses` | ≥ 1 |
//! | 8 | 4 | `used` | ≤ `max_uses` |
//! | 12 | 8 | `not_before`, Unix seconds | ≤ `not_after` |
//! | 20 | 8 | `not_after`, Unix seconds | |
//! | 28 | 8 | `max_amount`, minor units | |
//! | 36 | 8 | `spent`, minor units | ≤ `max_amount`; 0 if `used` = 0 |
//! | 44 | 2 | currency, ISO 4217 numeric as in tag 5F2A (`09 78` = EUR) | BCD, first nibble 0 |
//! | 46 | 4 | low-water `uses` | |
//! | 50 | 8 | low-water `seconds` | |
//! | 58 | 8 | low-water `amount` | |
//!
//! `from_bytes` refuses anything else (length, magic, version, side, and a
//! field breaking its rule), so every accepted byte string is exactly what
//! `to_bytes` writes for some reachable state.

use core::fmt;

use crate::Error;
use crate::emv::VerifiedAtc;

const MAGIC: [u8; 2] = *b"KU";
const VERSION: u8 = 1;
const SIDE_DEVICE: u8 = b'D';
const SIDE_BACKEND: u8 = b'B';
const BYTES: usize = 66;

/// A currency code as in tag 5F2A: ISO 4217 numeric, 3 BCD digits in two
/// bytes (`[0x09, 0x78]` is EUR 978).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency([u8; 2]);

impl Currency {
    /// From the two bytes of tag 5F2A.
    ///
    /// # Errors
    /// [`Error::NotDigits`] unless they are three BCD digits (first nibble 0).
    pub fn from_bcd(b: [u8; 2]) -> Result<Self, Error> {
        let [x, y] = b;
        if x >> 4 != 0 || x & 0xF > 9 || y >> 4 > 9 || y & 0xF > 9 {
            return Err(Error::NotDigits {
                field: "currency code (5F2A)",
            });
        }
        Ok(Currency(b))
    }

    /// From the numeric code, 0 to 999.
    ///
    /// # Errors
    /// [`Error::Parameter`] above 999.
    pub fn from_numeric(code: u16) -> Result<Self, Error> {
        if code > 999 {
            return Err(Error::Parameter {
                what: "currency code must be 0 to 999",
            });
        }
        // Digits by subtraction: no division in a device build (a
        // constant division can become a library call on Cortex-M0+).
        let mut rest = code;
        let mut digit = |unit: u16| {
            let mut d = 0u8;
            while rest >= unit {
                rest -= unit;
                d += 1;
            }
            d
        };
        let (h, t, u) = (digit(100), digit(10), digit(1));
        Ok(Currency([h, t << 4 | u]))
    }

    /// The two bytes of tag 5F2A.
    #[must_use]
    pub const fn to_bcd(self) -> [u8; 2] {
        self.0
    }

    /// The numeric code.
    #[must_use]
    pub fn numeric(self) -> u16 {
        let [x, y] = self.0;
        u16::from(x & 0xF) * 100 + u16::from(y >> 4) * 10 + u16::from(y & 0xF)
    }
}

/// An amount in minor units from tag 9F02 (Amount, Authorised: n12, six
/// bytes of BCD).
///
/// # Errors
/// [`Error::NotDigits`] if a nibble is not a decimal digit.
pub fn amount_from_bcd(bcd: &[u8; 6]) -> Result<u64, Error> {
    let mut v = 0u64;
    for b in bcd {
        let (hi, lo) = (b >> 4, b & 0xF);
        if hi > 9 || lo > 9 {
            return Err(Error::NotDigits {
                field: "amount (9F02)",
            });
        }
        // 12 digits < 10^12: no overflow in u64.
        v = v * 100 + u64::from(hi) * 10 + u64::from(lo);
    }
    Ok(v)
}

/// When to ask for the next credential: the thresholds on what remains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct LowWater {
    /// Replenish when at most this many taps remain.
    pub uses: u32,
    /// Replenish when at most this many seconds of validity remain.
    pub seconds: u64,
    /// Replenish when at most this many minor units remain.
    pub amount: u64,
}

/// The limits of one credential. Plain public data, checked when a
/// [`DeviceUsage`] or [`BackendUsage`] is made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UseLimits {
    /// Taps the credential may serve (at least 1).
    pub max_uses: u32,
    /// First second of validity (Unix time, inclusive).
    pub not_before: u64,
    /// Last second of validity (Unix time, inclusive).
    pub not_after: u64,
    /// Cumulative amount, in minor units of `currency`.
    pub max_amount: u64,
    /// The one currency the credential pays in.
    pub currency: Currency,
    /// When to ask for the next credential.
    pub low_water: LowWater,
}

impl UseLimits {
    fn check(&self) -> Result<(), Error> {
        if self.max_uses == 0 {
            return Err(Error::Parameter {
                what: "max_uses must be at least 1",
            });
        }
        if self.not_before > self.not_after {
            return Err(Error::Parameter {
                what: "not_before is after not_after",
            });
        }
        Ok(())
    }
}

/// Why a tap is refused: which limit. Public facts, for the device's user
/// interface and the backend's decline reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitError {
    /// Before `not_before`.
    NotYetValid,
    /// After `not_after`.
    Expired,
    /// All `max_uses` taps are spent.
    UsesExhausted,
    /// The tap's currency is not the credential's.
    WrongCurrency,
    /// The tap would take the cumulative amount past `max_amount`.
    AmountExceeded,
    /// [`BackendUsage::record`] on a magstripe-mode proof: the card signed
    /// no amount, so the backend must say which it charges
    /// ([`BackendUsage::record_magstripe`]).
    AmountNotSigned,
    /// [`BackendUsage::record_magstripe`] on a proof whose cryptogram covered
    /// an amount: charge the signed one with [`BackendUsage::record`].
    AmountSigned,
    /// The signed 9F02 or 5F2A is not valid BCD (the cryptogram covers
    /// whatever bytes the terminal sent).
    MalformedAmount,
}

impl LimitError {
    /// A stable lower-case code (`not_yet_valid`, `expired`,
    /// `uses_exhausted`, `wrong_currency`, `amount_exceeded`,
    /// `amount_not_signed`, `amount_signed`, `malformed_amount`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            LimitError::NotYetValid => "not_yet_valid",
            LimitError::Expired => "expired",
            LimitError::UsesExhausted => "uses_exhausted",
            LimitError::WrongCurrency => "wrong_currency",
            LimitError::AmountExceeded => "amount_exceeded",
            LimitError::AmountNotSigned => "amount_not_signed",
            LimitError::AmountSigned => "amount_signed",
            LimitError::MalformedAmount => "malformed_amount",
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitError::NotYetValid => "credential not yet valid",
            LimitError::Expired => "credential expired",
            LimitError::UsesExhausted => "credential has no uses left",
            LimitError::WrongCurrency => "currency is not the credential's",
            LimitError::AmountExceeded => "amount would exceed the credential's limit",
            LimitError::AmountNotSigned => "the verified value covers no amount",
            LimitError::AmountSigned => "the verified cryptogram covers the amount: charge that",
            LimitError::MalformedAmount => "the signed amount or currency is not BCD",
        })
    }
}

impl core::error::Error for LimitError {}

/// Which low-water marks are reached (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[must_use]
pub struct Replenish {
    /// At most `low_water.uses` taps remain.
    pub uses: bool,
    /// At most `low_water.seconds` of validity remain (or it has expired).
    pub time: bool,
    /// At most `low_water.amount` minor units remain.
    pub amount: bool,
}

impl Replenish {
    /// True if any mark is reached: time to ask for the next credential.
    #[must_use]
    pub const fn any(self) -> bool {
        self.uses || self.time || self.amount
    }
}

/// The counts both sides keep; the side-specific types wrap it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Usage {
    limits: UseLimits,
    used: u32,
    spent: u64,
}

impl Usage {
    fn new(limits: UseLimits) -> Result<Self, Error> {
        limits.check()?;
        Ok(Usage {
            limits,
            used: 0,
            spent: 0,
        })
    }

    fn check(&self, now: u64, amount: u64, currency: Currency) -> Result<(), LimitError> {
        let l = &self.limits;
        if now < l.not_before {
            return Err(LimitError::NotYetValid);
        }
        if now > l.not_after {
            return Err(LimitError::Expired);
        }
        if self.used >= l.max_uses {
            return Err(LimitError::UsesExhausted);
        }
        if currency != l.currency {
            return Err(LimitError::WrongCurrency);
        }
        match self.spent.checked_add(amount) {
            Some(total) if total <= l.max_amount => Ok(()),
            _ => Err(LimitError::AmountExceeded),
        }
    }

    fn spend(self, now: u64, amount: u64, currency: Currency) -> Result<Self, LimitError> {
        self.check(now, amount, currency)?;
        // check() proved used < max_uses and spent + amount ≤ max_amount.
        Ok(Usage {
            used: self.used.saturating_add(1),
            spent: self.spent.saturating_add(amount),
            ..self
        })
    }

    fn remaining_uses(&self) -> u32 {
        self.limits.max_uses.saturating_sub(self.used)
    }

    fn remaining_amount(&self) -> u64 {
        self.limits.max_amount.saturating_sub(self.spent)
    }

    fn remaining_seconds(&self, now: u64) -> u64 {
        if now < self.limits.not_before {
            // Not valid yet: the whole validity period is still ahead.
            return self.limits.not_after.saturating_sub(self.limits.not_before);
        }
        self.limits.not_after.saturating_sub(now)
    }

    fn replenish(&self, now: u64) -> Replenish {
        let lw = &self.limits.low_water;
        Replenish {
            uses: self.remaining_uses() <= lw.uses,
            time: now > self.limits.not_after || self.remaining_seconds(now) <= lw.seconds,
            amount: self.remaining_amount() <= lw.amount,
        }
    }

    fn to_bytes(self, side: u8) -> [u8; BYTES] {
        let l = &self.limits;
        let mut out = [0u8; BYTES];
        let parts: [&[u8]; 12] = [
            &MAGIC,
            &[VERSION, side],
            &l.max_uses.to_be_bytes(),
            &self.used.to_be_bytes(),
            &l.not_before.to_be_bytes(),
            &l.not_after.to_be_bytes(),
            &l.max_amount.to_be_bytes(),
            &self.spent.to_be_bytes(),
            &l.currency.0,
            &l.low_water.uses.to_be_bytes(),
            &l.low_water.seconds.to_be_bytes(),
            &l.low_water.amount.to_be_bytes(),
        ];
        let mut at = 0;
        for p in parts {
            if let Some(dst) = out.get_mut(at..at + p.len()) {
                dst.copy_from_slice(p);
            }
            at += p.len();
        }
        out
    }

    fn from_bytes(bytes: &[u8], side: u8) -> Result<Self, Error> {
        let b: &[u8; BYTES] = bytes.try_into().map_err(|_| Error::Length {
            field: "key-use state",
            expected: "66",
            got: bytes.len(),
        })?;
        let mut r = Reader { b, at: 0 };
        let bad = |what| Err(Error::Malformed { what });
        if r.take::<2>() != MAGIC {
            return bad("key-use state: magic is not \"KU\"");
        }
        if r.take::<1>() != [VERSION] {
            return bad("key-use state: unknown layout version");
        }
        if r.take::<1>() != [side] {
            return bad("key-use state: stored for the other side (device/backend)");
        }
        let max_uses = u32::from_be_bytes(r.take());
        let used = u32::from_be_bytes(r.take());
        let not_before = u64::from_be_bytes(r.take());
        let not_after = u64::from_be_bytes(r.take());
        let max_amount = u64::from_be_bytes(r.take());
        let spent = u64::from_be_bytes(r.take());
        let currency = Currency::from_bcd(r.take()).map_err(|_| Error::Malformed {
            what: "key-use state: currency is not 3 BCD digits",
        })?;
        let low_water = LowWater {
            uses: u32::from_be_bytes(r.take()),
            seconds: u64::from_be_bytes(r.take()),
            amount: u64::from_be_bytes(r.take()),
        };
        let limits = UseLimits {
            max_uses,
            not_before,
            not_after,
            max_amount,
            currency,
            low_water,
        };
        if limits.check().is_err() {
            return bad("key-use state: max_uses is 0 or not_before > not_after");
        }
        if used > max_uses {
            return bad("key-use state: used > max_uses");
        }
        if spent > max_amount {
            return bad("key-use state: spent > max_amount");
        }
        if used == 0 && spent != 0 {
            return bad("key-use state: an amount spent without a use");
        }
        Ok(Usage {
            limits,
            used,
            spent,
        })
    }
}

/// Reads fixed-size fields in order from a buffer whose length was checked.
struct Reader<'a> {
    b: &'a [u8; BYTES],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.b.get(self.at..self.at + N) {
            out.copy_from_slice(src);
        }
        self.at += N;
        out
    }
}

macro_rules! usage_accessors {
    () => {
        /// Length of the stored form.
        pub const BYTES: usize = BYTES;

        /// The credential's limits.
        #[must_use]
        pub fn limits(&self) -> &UseLimits {
            &self.0.limits
        }

        /// Taps spent so far.
        #[must_use]
        pub fn used(&self) -> u32 {
            self.0.used
        }

        /// Minor units spent so far.
        #[must_use]
        pub fn spent(&self) -> u64 {
            self.0.spent
        }

        /// Taps left.
        #[must_use]
        pub fn remaining_uses(&self) -> u32 {
            self.0.remaining_uses()
        }

        /// Minor units left.
        #[must_use]
        pub fn remaining_amount(&self) -> u64 {
            self.0.remaining_amount()
        }

        /// Seconds of validity left at `now` (0 once expired; the whole
        /// period before `not_before`).
        #[must_use]
        pub fn remaining_seconds(&self, now: u64) -> u64 {
            self.0.remaining_seconds(now)
        }

        /// Whether a tap at `now` for `amount` in `currency` is within the
        /// limits, without spending anything.
        ///
        /// # Errors
        /// The [`LimitError`] that refuses it (rules in the module docs).
        pub fn check(&self, now: u64, amount: u64, currency: Currency) -> Result<(), LimitError> {
            self.0.check(now, amount, currency)
        }

        /// Which low-water marks are reached at `now`.
        pub fn replenish(&self, now: u64) -> Replenish {
            self.0.replenish(now)
        }
    };
}

/// The device's copy of a credential's usage. Spend before each tap,
/// persist, then compute the cryptogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceUsage(Usage);

impl DeviceUsage {
    usage_accessors!();

    /// A credential nothing has been spent from.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `max_uses` is 0 or `not_before > not_after`.
    pub fn new(limits: UseLimits) -> Result<Self, Error> {
        Usage::new(limits).map(DeviceUsage)
    }

    /// Spends one tap of `amount` minor units in `currency` at `now`: the
    /// pure update, returning the new state. Persist it (durably) before
    /// computing the cryptogram: after a power loss the restored state has
    /// the tap counted, so a credential can lose a tap but never serve one
    /// more than its limit.
    ///
    /// # Errors
    /// The [`LimitError`] that refuses the tap; nothing is spent.
    pub fn spend(self, now: u64, amount: u64, currency: Currency) -> Result<Self, LimitError> {
        self.0.spend(now, amount, currency).map(DeviceUsage)
    }

    /// The stored form (layout in the [module docs](self), side `'D'`).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; BYTES] {
        self.0.to_bytes(SIDE_DEVICE)
    }

    /// Parses the stored form; canonical.
    ///
    /// # Errors
    /// [`Error::Length`] or [`Error::Malformed`] naming the rule.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Usage::from_bytes(bytes, SIDE_DEVICE).map(DeviceUsage)
    }
}

/// The backend's record of a credential's usage. Counting a use takes the
/// proof of a verified cryptogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackendUsage(Usage);

impl BackendUsage {
    usage_accessors!();

    /// A credential nothing has been spent from.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `max_uses` is 0 or `not_before > not_after`.
    pub fn new(limits: UseLimits) -> Result<Self, Error> {
        Usage::new(limits).map(BackendUsage)
    }

    /// Counts the tap of a verified cryptogram at `now`, charging the amount
    /// and currency **the cryptogram covered** (9F02, 5F2A, read from the
    /// proof, never from the caller), so a backend cannot count a figure the
    /// card did not sign. The pure update, returning the new state; store it
    /// (with compare-and-swap, in the same transaction as the card's
    /// [`AtcWindow`](super::AtcWindow)) before approving. The caller applies
    /// the proof to the record of the credential whose key verified it.
    ///
    /// # Errors
    /// The [`LimitError`] that refuses the tap; nothing is counted.
    /// [`LimitError::AmountNotSigned`] for a magstripe-mode proof (use
    /// [`record_magstripe`](Self::record_magstripe)),
    /// [`LimitError::MalformedAmount`] if the signed 9F02/5F2A are not BCD.
    pub fn record<P: VerifiedAtc + ?Sized>(self, proof: &P, now: u64) -> Result<Self, LimitError> {
        let covered = proof.covered_amount().ok_or(LimitError::AmountNotSigned)?;
        let amount =
            amount_from_bcd(&covered.amount_authorised).map_err(|_| LimitError::MalformedAmount)?;
        let currency =
            Currency::from_bcd(covered.currency).map_err(|_| LimitError::MalformedAmount)?;
        self.record_unverified(now, amount, currency)
    }

    /// Counts a verified **magstripe-mode** tap (a CVC3 or a VCPS MSD value:
    /// nothing the card computed covers an amount), charging the `amount`
    /// and `currency` of the authorisation message. Only for proofs whose
    /// [`covered_amount`](VerifiedAtc::covered_amount) is `None`.
    ///
    /// # Errors
    /// [`LimitError::AmountSigned`] for a proof that covers an amount (use
    /// [`record`](Self::record), which charges the signed one); otherwise
    /// the [`LimitError`] that refuses the tap. Nothing is counted.
    pub fn record_magstripe<P: VerifiedAtc + ?Sized>(
        self,
        proof: &P,
        now: u64,
        amount: u64,
        currency: Currency,
    ) -> Result<Self, LimitError> {
        if proof.covered_amount().is_some() {
            return Err(LimitError::AmountSigned);
        }
        self.record_unverified(now, amount, currency)
    }

    /// The update on a raw tap, without a proof. Crate-private: the public
    /// paths are [`record`](Self::record) and the `hazmat` variant.
    pub(crate) fn record_unverified(
        self,
        now: u64,
        amount: u64,
        currency: Currency,
    ) -> Result<Self, LimitError> {
        self.0.spend(now, amount, currency).map(BackendUsage)
    }

    /// The stored form (layout in the [module docs](self), side `'B'`).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; BYTES] {
        self.0.to_bytes(SIDE_BACKEND)
    }

    /// Parses the stored form; canonical.
    ///
    /// # Errors
    /// [`Error::Length`] or [`Error::Malformed`] naming the rule.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Usage::from_bytes(bytes, SIDE_BACKEND).map(BackendUsage)
    }
}
