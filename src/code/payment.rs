//! The 18-digit offline payment code: what a band with no network shows (or
//! taps) to pay, and what the issuer resolves and verifies.
//!
//! # Layout, format version 1 (digit by digit)
//!
//! ```text
//!  position  0 1 | 2 | 3 4 5 6 7 8 9 10 | 11 | 12 13 14 15 16 17
//!            P P | V | A A A A A A A A  | C  | O  O  O  O  O  O
//! ```
//!
//! | digits | field | public? | how it is made |
//! |---|---|---|---|
//! | 0–1 | routing prefix `PP` | yes | the issuer's two-digit code range, 10–99 (Alipay's codes use 25–30); tells the acquirer where to route and the issuer which key and format to use |
//! | 2 | format version `V` | yes | `1` for [`FORMAT_V1`]; the backend refuses any version other than the one it pinned for the prefix |
//! | 3–10 | alias `A` | yes (pseudonymous) | `FF1(K_alias, T, R)`: the token's 8-digit account reference `R` (its index in the issuer's vault, 0 ≤ R < 10^8) encrypted with NIST SP 800-38G FF1 (radix 10, 8 digits, domain 10^8 ≥ 10^6) under the issuer's alias key, tweak `T` = ASCII `tapcrypt/payment-code` ‖ byte(prefix) ‖ byte(version) (23 bytes). Computed by the token service at provisioning; the band stores it and never holds `K_alias`. |
//! | 11 | counter `C` | yes | which code of the current time step this is, 0–9 (up to 10 codes per period) |
//! | 12–17 | one-time value `O` | secret until shown | HOTP (RFC 4226 dynamic truncation) with HMAC-SHA-256 under the token's secret, 6 digits, over the moving factor `M = 10·⌊time / 30⌋ + C` (8 bytes, big-endian) |
//!
//! The moving factor makes the value TOTP-style (RFC 6238 time step `X` = 30
//! s, `T0` = 0) while letting the band make several codes in one period:
//! `(step, C)` ↦ `M` is one-to-one, so no two codes of a token share a
//! moving factor.
//!
//! # Security margin
//! * **Guessing the one-time value.** A guess is one 18-digit code; the
//!   backend checks its `O` against the `W = back + forward + 1` time steps of
//!   its skew window ([`SkewWindow`](super::backend::SkewWindow), default 1 back, 1 forward: `W` = 3), so
//!   one guess succeeds with probability at most `W / 10^6` = 3·10⁻⁶.
//! * **Rate limit.** The backend counts failed codes per account
//!   ([`GuessPolicy`](super::backend::GuessPolicy), default 5 failures per 24 h; then every code of the
//!   account is refused, verified or not, until the window ends). A
//!   persistent attacker who knows a victim's alias gets 5 guesses a day:
//!   1.5·10⁻⁵ per day, about 0.5 % per year — the same order as a 4-digit
//!   PIN with 3 tries per card lifetime over ~2 years. Tighter policies
//!   (fewer failures, longer windows, or lock-until-online-reset) lower it
//!   proportionally; the backend also needs a global limit per prefix and per
//!   merchant, because a random code decrypts to a random account: the chance
//!   that a random code is accepted is (active accounts / 10^8) · W / 10^6.
//! * **Replay.** Each accepted moving factor is recorded per account and a
//!   code is accepted once ([`backend::UsedCodes`](super::backend::UsedCodes)).
//! * **The alias** hides the account reference from anyone without
//!   `K_alias` (FF1 is a PRP over 10^8 values), but it is the same in every
//!   code of one token: two codes of one band are linkable by a merchant.
//!   Re-provisioning with a new reference gives a new alias. (Codes whose
//!   alias changes at every payment would need the band to hold the issuer's
//!   key or a batch of pre-computed aliases: not done here.)
//! * **The counter and prefix** are in clear and not authenticated on their
//!   own: changing `C` changes the moving factor, so the value no longer
//!   verifies; changing the prefix or version routes the code to another
//!   key, where the alias decrypts to an unrelated account.
//!
//! # Constant time
//! The one-time value is computed by [`otp`] (no secret index,
//! no division). The digits of `M` and of the account reference are public.
//! The candidate one-time value in a received code is compared in constant
//! time. FF1 is the crate's constant-time FF1.

use subtle::Choice;
use zeroize::Zeroize;

use super::otp::{self, Otp, OtpHash, OtpParams, OtpSecret, TotpClock};
use crate::Error;
use crate::keys::secret_key;
use crate::token::ff1::Ff1;

/// Number of digits in a payment code.
pub const CODE_DIGITS: usize = 18;
/// Number of digits of the alias (the encrypted account reference).
pub const ALIAS_DIGITS: usize = 8;
/// Number of one-time-value digits in format 1.
const OTP_DIGITS_V1: u8 = 6;
/// Exclusive upper bound of an account reference (10^8).
pub const ACCOUNT_REF_LIMIT: u32 = 100_000_000;

/// FF1 tweak prefix of the alias.
const ALIAS_TWEAK: &[u8; 21] = b"tapcrypt/payment-code";

/// The parameters of one payment-code format version. Public, pinned by the
/// issuer per prefix; the code's version digit must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeFormat {
    version: u8,
    hash: OtpHash,
    period: u32,
    otp_digits: u8,
}

/// Format 1: HMAC-SHA-256, 30-second time step, 6-digit one-time value,
/// 8-digit alias, one counter digit (see the module docs for the layout).
pub const FORMAT_V1: CodeFormat = CodeFormat {
    version: 1,
    hash: OtpHash::Sha256,
    period: 30,
    otp_digits: OTP_DIGITS_V1,
};

impl CodeFormat {
    /// The version digit.
    #[must_use]
    pub const fn version(&self) -> u8 {
        self.version
    }
    /// The HMAC hash of the one-time value.
    #[must_use]
    pub const fn hash(&self) -> OtpHash {
        self.hash
    }
    /// The time step in seconds.
    #[must_use]
    pub const fn period(&self) -> u32 {
        self.period
    }
    /// Digits of the one-time value.
    #[must_use]
    pub const fn otp_digits(&self) -> u8 {
        self.otp_digits
    }

    pub(crate) fn otp_params(&self) -> Result<OtpParams, Error> {
        OtpParams::new(self.hash, self.otp_digits)
    }

    pub(crate) fn clock(&self) -> Result<TotpClock, Error> {
        TotpClock::new(self.period)
    }

    /// The moving factor `10·step + counter` for `time`.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a counter over 9 or a time so large that the
    /// moving factor overflows.
    pub fn moving_factor(&self, time: u64, counter: u8) -> Result<u64, Error> {
        let step = self.clock()?.step(time)?;
        moving_factor(step, counter)
    }
}

pub(crate) fn moving_factor(step: u64, counter: u8) -> Result<u64, Error> {
    if counter > 9 {
        return Err(Error::Parameter {
            what: "payment-code counter must be 0..=9",
        });
    }
    step.checked_mul(10)
        .and_then(|m| m.checked_add(u64::from(counter)))
        .ok_or(Error::Parameter {
            what: "time too large for a payment code",
        })
}

/// The issuer's two-digit routing prefix (10–99). Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RoutingPrefix(u8);

impl RoutingPrefix {
    /// A prefix from its value.
    ///
    /// # Errors
    /// [`Error::Parameter`] outside 10–99 (a leading zero would make the code
    /// look shorter than 18 digits).
    pub const fn new(p: u8) -> Result<Self, Error> {
        if p < 10 || p > 99 {
            return Err(Error::Parameter {
                what: "routing prefix must be 10..=99",
            });
        }
        Ok(RoutingPrefix(p))
    }

    /// The value.
    #[must_use]
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// A token's account reference in the issuer's vault: 0 ≤ R < 10^8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountRef(u32);

impl AccountRef {
    /// A reference from its value.
    ///
    /// # Errors
    /// [`Error::Parameter`] at 10^8 or above.
    pub const fn new(r: u32) -> Result<Self, Error> {
        if r >= ACCOUNT_REF_LIMIT {
            return Err(Error::Parameter {
                what: "account reference must be below 10^8",
            });
        }
        Ok(AccountRef(r))
    }

    /// The value.
    #[must_use]
    pub const fn value(self) -> u32 {
        self.0
    }
}

/// The alias of a token: its account reference under FF1 (8 digit values).
/// Public (it is shown in every code); not the account reference.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alias([u8; ALIAS_DIGITS]);

impl Alias {
    /// An alias from its 8 ASCII digits (as provisioned).
    ///
    /// # Errors
    /// [`Error::DigitCount`] or [`Error::NotDigits`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.len() != ALIAS_DIGITS {
            return Err(Error::DigitCount {
                field: "payment-code alias",
                min: ALIAS_DIGITS,
                max: ALIAS_DIGITS,
                got: s.len(),
            });
        }
        let mut d = [0u8; ALIAS_DIGITS];
        crate::digits::parse_digits(s.as_bytes(), &mut d, "payment-code alias")?;
        Ok(Alias(d))
    }

    /// The ASCII digits.
    #[must_use]
    pub fn to_ascii(&self) -> [u8; ALIAS_DIGITS] {
        let mut o = [0u8; ALIAS_DIGITS];
        for (o, d) in o.iter_mut().zip(self.0) {
            *o = d | 0x30;
        }
        o
    }
}

impl core::fmt::Debug for Alias {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = self.to_ascii();
        f.write_str("Alias(")?;
        for c in a {
            core::fmt::Write::write_char(f, char::from(c))?;
        }
        f.write_str(")")
    }
}

secret_key!(
    /// The issuer's alias key (AES-128/192/256) for one routing prefix: FF1
    /// key of the account reference. Stays in the token service and the
    /// backend; bands never hold it.
    CodeAliasKey
);

fn alias_tweak(prefix: RoutingPrefix, format: &CodeFormat) -> [u8; 23] {
    let mut t = [0u8; 23];
    for (o, i) in t.iter_mut().zip(ALIAS_TWEAK.iter()) {
        *o = *i;
    }
    t[21] = prefix.0;
    t[22] = format.version;
    t
}

/// The issuer side of one routing prefix: alias key, prefix and pinned
/// format. Makes aliases at provisioning and resolves codes.
pub struct CodeIssuer {
    ff1: Ff1,
    prefix: RoutingPrefix,
    format: &'static CodeFormat,
}

impl core::fmt::Debug for CodeIssuer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CodeIssuer")
            .field("prefix", &self.prefix)
            .field("format", &self.format.version)
            .finish_non_exhaustive()
    }
}

impl CodeIssuer {
    /// An issuer for `prefix` with the pinned `format`.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] unless the key is AES.
    pub fn new(
        key: &CodeAliasKey,
        prefix: RoutingPrefix,
        format: &'static CodeFormat,
    ) -> Result<Self, Error> {
        Ok(CodeIssuer {
            ff1: Ff1::from_material(&key.0)?,
            prefix,
            format,
        })
    }

    /// The prefix.
    #[must_use]
    pub fn prefix(&self) -> RoutingPrefix {
        self.prefix
    }

    /// The pinned format.
    #[must_use]
    pub fn format(&self) -> &'static CodeFormat {
        self.format
    }

    /// The alias of an account reference (token service, at provisioning).
    ///
    /// # Errors
    /// Only FF1 parameter errors, which cannot happen for 8 digits.
    pub fn alias_for(&self, account: AccountRef) -> Result<Alias, Error> {
        let mut r = [0u8; ALIAS_DIGITS];
        otp::decimal_digits(account.0, ALIAS_DIGITS, &mut r);
        let mut a = [0u8; ALIAS_DIGITS];
        let t = alias_tweak(self.prefix, self.format);
        self.ff1.encrypt_digits(&t, &r, &mut a)?;
        Ok(Alias(a))
    }

    /// The account reference behind a parsed code's alias (backend). Checks
    /// that the code's prefix and version are this issuer's.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the prefix or version digit is not the one
    /// pinned here.
    pub fn resolve(&self, code: &ParsedCode) -> Result<AccountRef, Error> {
        self.check_routing(code)?;
        let mut r = [0u8; ALIAS_DIGITS];
        let t = alias_tweak(self.prefix, self.format);
        self.ff1.decrypt_digits(&t, &code.alias.0, &mut r)?;
        let mut v = 0u32;
        for d in r {
            v = v * 10 + u32::from(d);
        }
        // The account reference is computed under the alias key but is public
        // by design: the backend looks the token record up with it.
        Ok(AccountRef(crate::ct::public_u32(v)))
    }

    pub(crate) fn check_routing(&self, code: &ParsedCode) -> Result<(), Error> {
        if code.prefix != self.prefix {
            return Err(Error::Parameter {
                what: "payment code: routing prefix is not this issuer's",
            });
        }
        if code.version != self.format.version {
            return Err(Error::Parameter {
                what: "payment code: format version is not the one pinned for this prefix",
            });
        }
        Ok(())
    }
}

/// What a band holds to make payment codes: the token's one-time-value
/// secret, its alias, the issuer's prefix and the pinned format.
#[derive(Debug)]
pub struct PaymentCodeCredential {
    secret: OtpSecret,
    prefix: RoutingPrefix,
    alias: Alias,
    format: &'static CodeFormat,
}

impl PaymentCodeCredential {
    /// A credential from provisioned values.
    #[must_use]
    pub fn new(
        secret: OtpSecret,
        prefix: RoutingPrefix,
        alias: Alias,
        format: &'static CodeFormat,
    ) -> Self {
        PaymentCodeCredential {
            secret,
            prefix,
            alias,
            format,
        }
    }

    /// The code for `time` (Unix seconds, the band's clock) and the `counter`
    /// (0–9) of this time step. Making the same `(step, counter)` twice gives
    /// the same code, which the backend accepts once: use a
    /// [`CodeSequencer`] to hand out counters.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a counter over 9 or a time out of range.
    pub fn code(&self, time: u64, counter: u8) -> Result<PaymentCode, Error> {
        let m = self.format.moving_factor(time, counter)?;
        let value = otp::hotp_raw(&self.secret, self.format.otp_params()?, m);
        Ok(PaymentCode::assemble(
            self.prefix,
            self.format.version,
            &self.alias,
            counter,
            &value,
        ))
    }

    /// The pinned format.
    #[must_use]
    pub fn format(&self) -> &'static CodeFormat {
        self.format
    }
}

/// The band's counter discipline: at most 10 codes per time step, never the
/// same `(step, counter)` twice while the clock moves forward. Public state
/// (persist it with the credential: [`to_bytes`](Self::to_bytes)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeSequencer {
    /// The next moving factor that may be used (0 = nothing used yet).
    next: u64,
}

impl CodeSequencer {
    /// A band that has made no code.
    #[must_use]
    pub const fn new() -> Self {
        CodeSequencer { next: 0 }
    }

    /// The counter to use at `time`, recorded as used.
    ///
    /// # Errors
    /// [`Error::Exhausted`] when this step's 10 codes are spent or the clock
    /// is behind a code already made (wait for the next step);
    /// [`Error::Parameter`] for a time out of range.
    pub fn next_counter(&mut self, format: &CodeFormat, time: u64) -> Result<u8, Error> {
        let first = format.moving_factor(time, 0)?;
        let m = first.max(self.next);
        let c = m - first;
        if c > 9 {
            return Err(Error::Exhausted {
                what: "payment codes for this time step",
            });
        }
        self.next = m + 1;
        Ok(c as u8)
    }

    /// Canonical 8-byte layout: the next moving factor, big-endian.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 8] {
        self.next.to_be_bytes()
    }

    /// From [`to_bytes`](Self::to_bytes).
    #[must_use]
    pub fn from_bytes(b: [u8; 8]) -> Self {
        CodeSequencer {
            next: u64::from_be_bytes(b),
        }
    }
}

/// An 18-digit payment code as made by the band (digit values). Its last 6
/// digits are the one-time value: zeroized on drop, `Debug` shows only the
/// public part, not `Clone` or `Copy`.
pub struct PaymentCode {
    d: [u8; CODE_DIGITS],
}

impl PaymentCode {
    fn assemble(
        prefix: RoutingPrefix,
        version: u8,
        alias: &Alias,
        counter: u8,
        value: &Otp,
    ) -> Self {
        let mut d = [0u8; CODE_DIGITS];
        d[0] = prefix.0 / 10;
        d[1] = prefix.0 % 10;
        d[2] = version;
        for (o, a) in d[3..11].iter_mut().zip(alias.0) {
            *o = a;
        }
        d[11] = counter;
        for (o, v) in d[12..].iter_mut().zip(value.digit_values()) {
            *o = *v;
        }
        PaymentCode { d }
    }

    /// The 18 ASCII digits (bytes, not `&str`: UTF-8 validation would branch
    /// on the one-time value).
    ///
    /// # Security warning
    /// Contains the one-time value: show it or send it, don't log it.
    #[must_use]
    pub fn to_ascii(&self) -> [u8; CODE_DIGITS] {
        let mut o = [0u8; CODE_DIGITS];
        for (o, d) in o.iter_mut().zip(self.d) {
            *o = d | 0x30;
        }
        o
    }
}

impl Drop for PaymentCode {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for PaymentCode {}

impl core::fmt::Debug for PaymentCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PaymentCode(")?;
        for d in self.d.iter().take(12) {
            core::fmt::Write::write_char(f, char::from(d | 0x30))?;
        }
        f.write_str("••••••)")
    }
}

/// A received code, parsed strictly: exactly 18 ASCII digits. The layout
/// fields are public; the one-time value is a candidate under verification
/// (read and later compared in constant time).
pub struct ParsedCode {
    pub(crate) prefix: RoutingPrefix,
    pub(crate) version: u8,
    pub(crate) alias: Alias,
    pub(crate) counter: u8,
    /// ASCII digits of the candidate one-time value.
    pub(crate) value: [u8; OTP_DIGITS_V1 as usize],
}

impl ParsedCode {
    /// Parses a code as scanned or received.
    ///
    /// # Errors
    /// [`Error::DigitCount`] unless exactly 18 characters,
    /// [`Error::NotDigits`] for any other character, [`Error::Parameter`] for
    /// a prefix below 10.
    pub fn parse(s: &[u8]) -> Result<Self, Error> {
        let [p0, p1, v, rest @ ..] = s else {
            return Err(digit_count(s.len()));
        };
        let [a @ .., c, o0, o1, o2, o3, o4, o5] = rest else {
            return Err(digit_count(s.len()));
        };
        if s.len() != CODE_DIGITS {
            return Err(digit_count(s.len()));
        }
        // Every character is checked (the one-time value's without a branch
        // per character); validity is decided once.
        let mut all = [0u8; CODE_DIGITS];
        crate::digits::parse_digits(s, &mut all, "payment code")?;
        all.zeroize();
        let prefix = RoutingPrefix::new((p0 & 0x0F) * 10 + (p1 & 0x0F))?;
        let mut alias = [0u8; ALIAS_DIGITS];
        for (o, x) in alias.iter_mut().zip(a) {
            *o = x & 0x0F;
        }
        Ok(ParsedCode {
            prefix,
            version: v & 0x0F,
            alias: Alias(alias),
            counter: c & 0x0F,
            value: [*o0, *o1, *o2, *o3, *o4, *o5],
        })
    }

    /// The routing prefix.
    #[must_use]
    pub fn prefix(&self) -> RoutingPrefix {
        self.prefix
    }
    /// The version digit.
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }
    /// The alias.
    #[must_use]
    pub fn alias(&self) -> Alias {
        self.alias
    }
    /// The counter digit.
    #[must_use]
    pub fn counter(&self) -> u8 {
        self.counter
    }

    /// Constant-time comparison of the candidate value with `ours`.
    pub(crate) fn value_matches(&self, ours: &Otp) -> Choice {
        ours.ct_eq_ascii(&self.value)
    }
}

impl Drop for ParsedCode {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl core::fmt::Debug for ParsedCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ParsedCode")
            .field("prefix", &self.prefix)
            .field("version", &self.version)
            .field("alias", &self.alias)
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

fn digit_count(got: usize) -> Error {
    Error::DigitCount {
        field: "payment code",
        min: CODE_DIGITS,
        max: CODE_DIGITS,
        got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    fn issuer() -> CodeIssuer {
        let k = CodeAliasKey::new(Algorithm::Aes256, &[7u8; 32]).unwrap();
        CodeIssuer::new(&k, RoutingPrefix::new(28).unwrap(), &FORMAT_V1).unwrap()
    }

    #[test]
    fn alias_round_trips_and_hides_the_reference() {
        let iss = issuer();
        for r in [0u32, 1, 12_345_678, 99_999_999] {
            let a = iss.alias_for(AccountRef::new(r).unwrap()).unwrap();
            assert_ne!(a.0, {
                let mut d = [0u8; 8];
                otp::decimal_digits(r, 8, &mut d);
                d
            });
            let mut code = *b"281000000000000000";
            code[3..11].copy_from_slice(&a.to_ascii());
            let p = ParsedCode::parse(&code).unwrap();
            assert_eq!(iss.resolve(&p).unwrap().value(), r);
        }
    }

    #[test]
    fn parse_is_strict() {
        assert!(matches!(
            ParsedCode::parse(b"28100000000000000"),
            Err(Error::DigitCount { got: 17, .. })
        ));
        assert!(matches!(
            ParsedCode::parse(b"2810000000000000000"),
            Err(Error::DigitCount { got: 19, .. })
        ));
        assert!(matches!(
            ParsedCode::parse(b"28100000000000000a"),
            Err(Error::NotDigits { .. })
        ));
        assert!(matches!(
            ParsedCode::parse(b"28100000000 000000"),
            Err(Error::NotDigits { .. })
        ));
        assert!(ParsedCode::parse(b"081000000000000000").is_err());
        assert!(ParsedCode::parse(b"").is_err());
        // Wrong version / prefix for this issuer: typed errors.
        let iss = issuer();
        let p = ParsedCode::parse(b"282000000000000000").unwrap();
        assert!(matches!(iss.resolve(&p), Err(Error::Parameter { .. })));
        let p = ParsedCode::parse(b"271000000000000000").unwrap();
        assert!(matches!(iss.resolve(&p), Err(Error::Parameter { .. })));
    }

    #[test]
    fn sequencer_hands_out_each_factor_once() {
        let mut s = CodeSequencer::new();
        let f = &FORMAT_V1;
        let t = 1_700_000_000u64; // step 56_666_666, 20 s into it
        for want in 0..10u8 {
            assert_eq!(s.next_counter(f, t).unwrap(), want);
        }
        assert!(matches!(
            s.next_counter(f, t + 5),
            Err(Error::Exhausted { .. })
        ));
        assert_eq!(s.next_counter(f, t + 10).unwrap(), 0);
        // Clock stepped back into a spent step: refused.
        assert!(s.next_counter(f, t).is_err());
        let back = CodeSequencer::from_bytes(s.to_bytes());
        assert_eq!(back, s);
    }

    #[test]
    fn debug_hides_the_value() {
        let sec = OtpSecret::new(&[1u8; 32]).unwrap();
        let iss = issuer();
        let alias = iss.alias_for(AccountRef::new(42).unwrap()).unwrap();
        let cred = PaymentCodeCredential::new(sec, iss.prefix(), alias, &FORMAT_V1);
        let code = cred.code(1_700_000_000, 3).unwrap();
        let ascii = code.to_ascii();
        let dbg = std::format!("{code:?}");
        let public = core::str::from_utf8(&ascii[..12]).unwrap();
        assert_eq!(dbg, std::format!("PaymentCode({public}••••••)"));
        assert_eq!(&ascii[..3], b"281");
        assert_eq!(ascii[11], b'3');
    }
}
