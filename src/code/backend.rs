//! The issuer side of payment codes: resolve a code to its token, verify the
//! one-time value inside a clock-skew window, accept each code once, and
//! limit guesses per account.
//!
//! # The flow
//! 1. [`ParsedCode::parse`] — malformed input is a typed [`Error`].
//! 2. [`CodeIssuer::resolve`] — the prefix and version must be the ones
//!    pinned for this issuer (else [`Error`]); the alias decrypts to the
//!    [`AccountRef`]; the caller loads the token's secret and its
//!    [`CodeAccountState`].
//! 3. [`CodeVerifier::verify_and_accept`] — a pure update: takes the stored
//!    state by value, returns the new state and the verdict. Store it back
//!    with a compare-and-swap (or under `SELECT … FOR UPDATE`). Bad input
//!    returns an [`Error`] and no state at all, so nothing can be written.
//!
//! It is two steps, and only the first can make the second's input:
//! [`CodeVerifier::verify`] checks the one-time value (and counts a failure)
//! and returns a [`VerifiedCode`], a proof only this crate can build (no
//! public constructor, not `Clone` or `Copy`); [`CodeAccountState::accept`]
//! consumes that proof, refuses a replay and marks the code used, returning
//! the [`AcceptedCode`] the caller answers "approved" from. Nothing marks a
//! code used, and nothing says "approved", without a verification:
//!
//! ```compile_fail
//! # use tapcrypt::code::backend::{CodeAccountState, VerifiedCode};
//! // A proof cannot be made outside the crate…
//! let forged = VerifiedCode { account: todo!(), first: 0, matches: 1, counter: 0, now_step: 0 };
//! let _ = CodeAccountState::new().accept(forged);
//! ```
//!
//! ```compile_fail
//! # use tapcrypt::code::backend::{CodeAccountState, VerifiedCode};
//! // …nor copied to be spent twice.
//! fn twice(state: CodeAccountState, p: VerifiedCode) {
//!     let (state, _) = state.accept(p);
//!     let _ = state.accept(p);
//! }
//! ```
//!
//! # Why not `lifecycle::AtcWindow`
//! The lifecycle window tracks 16-bit ATCs and consumes them through the proof
//! of a verified EMV cryptogram. A payment code's moving factor is a 64-bit
//! `10·step + counter` and its proof is a verified one-time value, so this
//! module keeps its own used-code set, [`UsedCodes`], built the same way
//! (highest accepted value plus a bitmap, RFC 4303 §3.4.3 / RFC 6479) over
//! 128 moving factors.
//!
//! # The verdict
//! Every candidate moving factor of the window is computed and compared in
//! constant time; the bitmask of matches is the verification verdict and is
//! declassified as a whole (all zero on failure). Then, in this order:
//! * the account is over its guess budget → [`CodeRefusal::RateLimited`]
//!   (checked *before* any verification, so a locked account is not an
//!   oracle);
//! * no candidate matched → [`CodeRefusal::NotVerified`], one failure counted;
//! * (from here on in [`CodeAccountState::accept`], with the proof) a
//!   matching moving factor was accepted before, or is too old to tell →
//!   [`CodeRefusal::Replayed`];
//! * otherwise every matching moving factor is marked used (a code string that
//!   matched two steps by chance cannot come back later under the other) and
//!   the code is [accepted](AcceptedCode).

use super::otp::{self, OtpSecret};
use super::payment::{AccountRef, CodeIssuer, ParsedCode, moving_factor};
use crate::{Error, VerifyError};

/// How far the band's clock may be from the backend's, in time steps.
/// `back + forward + 1 ≤ 12`, so that every candidate fits the 128-bit
/// used-code map. Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SkewWindow {
    back: u8,
    forward: u8,
}

impl SkewWindow {
    /// The default: one step back, one forward (±30 s to ±60 s at format 1's
    /// 30-second period); 3 candidates.
    pub const DEFAULT: SkewWindow = SkewWindow {
        back: 1,
        forward: 1,
    };

    /// A window of `back` steps behind and `forward` steps ahead of the
    /// backend's clock.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `back + forward + 1 > 12`.
    pub const fn new(back: u8, forward: u8) -> Result<Self, Error> {
        if back as u16 + forward as u16 + 1 > 12 {
            return Err(Error::Parameter {
                what: "skew window: back + forward + 1 must be at most 12 steps",
            });
        }
        Ok(SkewWindow { back, forward })
    }

    /// Number of time steps checked.
    #[must_use]
    pub const fn steps(&self) -> u32 {
        self.back as u32 + self.forward as u32 + 1
    }
}

/// The per-account guess limit: at most `max_failures` failed codes per
/// fixed window of `window_secs` seconds; when reached, every code of the
/// account is refused without verification until the window ends. A success
/// does not reset the count (an attacker's guesses and the holder's codes
/// share one budget). Public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuessPolicy {
    max_failures: u8,
    window_secs: u32,
}

impl GuessPolicy {
    /// The default: 5 failures per 24 hours (see the margin in
    /// [`payment`](super::payment)).
    pub const DEFAULT: GuessPolicy = GuessPolicy {
        max_failures: 5,
        window_secs: 86_400,
    };

    /// A policy.
    ///
    /// # Errors
    /// [`Error::Parameter`] for zero failures or a zero-length window.
    pub const fn new(max_failures: u8, window_secs: u32) -> Result<Self, Error> {
        if max_failures == 0 || window_secs == 0 {
            return Err(Error::Parameter {
                what: "guess policy: failures and window must be non-zero",
            });
        }
        Ok(GuessPolicy {
            max_failures,
            window_secs,
        })
    }
}

/// The moving factors accepted for one account: the highest one and a map of
/// the 128 ending at it (bit `i` ⇔ `highest − i` accepted). Public data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsedCodes {
    highest: u64,
    seen: u128,
}

impl UsedCodes {
    /// Width of the map.
    pub const WIDTH: u64 = 128;

    /// True if `m` was accepted or is too old to tell.
    #[must_use]
    pub fn is_used_or_too_old(&self, m: u64) -> bool {
        if self.seen == 0 || m > self.highest {
            return false;
        }
        let back = self.highest - m;
        back >= Self::WIDTH || (self.seen >> back) & 1 == 1
    }

    /// Marks `m` accepted (callers checked [`is_used_or_too_old`] first).
    fn mark(&mut self, m: u64) {
        if self.seen == 0 {
            self.highest = m;
            self.seen = 1;
        } else if m > self.highest {
            let shift = m - self.highest;
            self.seen = if shift >= Self::WIDTH {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.highest = m;
        } else {
            let back = self.highest - m;
            if back < Self::WIDTH {
                self.seen |= 1u128 << back;
            }
        }
    }
}

/// One account's code state: used moving factors and the guess counter.
/// Fixed size; canonical 34-byte layout ([`to_bytes`](Self::to_bytes)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeAccountState {
    used: UsedCodes,
    window_start: u64,
    failures: u8,
}

impl CodeAccountState {
    /// Layout version byte.
    pub const LAYOUT_VERSION: u8 = 1;
    /// Length of [`to_bytes`](Self::to_bytes).
    pub const LEN: usize = 34;

    /// An account that has accepted no code and failed none.
    #[must_use]
    pub const fn new() -> Self {
        CodeAccountState {
            used: UsedCodes {
                highest: 0,
                seen: 0,
            },
            window_start: 0,
            failures: 0,
        }
    }

    /// The used-code set.
    #[must_use]
    pub fn used(&self) -> &UsedCodes {
        &self.used
    }

    /// Failed codes in the current guess window.
    #[must_use]
    pub fn failures(&self) -> u8 {
        self.failures
    }

    /// `01` ‖ highest (8, BE) ‖ map (16, BE) ‖ window start (8, BE) ‖ failures (1).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0] = Self::LAYOUT_VERSION;
        b[1..9].copy_from_slice(&self.used.highest.to_be_bytes());
        b[9..25].copy_from_slice(&self.used.seen.to_be_bytes());
        b[25..33].copy_from_slice(&self.window_start.to_be_bytes());
        b[33] = self.failures;
        b
    }

    /// From [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    /// [`Error::Malformed`] for another layout version, or a map whose bit 0
    /// is clear while it is non-empty (not a state `verify` can produce).
    pub fn from_bytes(b: &[u8; Self::LEN]) -> Result<Self, Error> {
        let [ver, rest @ ..] = b;
        if *ver != Self::LAYOUT_VERSION {
            return Err(Error::Malformed {
                what: "payment-code account state: layout version",
            });
        }
        let (h, rest) = rest.split_at(8);
        let (m, rest) = rest.split_at(16);
        let (w, f) = rest.split_at(8);
        let highest = u64::from_be_bytes(h.try_into().unwrap_or([0; 8]));
        let seen = u128::from_be_bytes(m.try_into().unwrap_or([0; 16]));
        let window_start = u64::from_be_bytes(w.try_into().unwrap_or([0; 8]));
        let failures = f.first().copied().unwrap_or(0);
        if (seen != 0 && seen & 1 == 0) || (seen == 0 && highest != 0) {
            return Err(Error::Malformed {
                what: "payment-code account state: used-code map",
            });
        }
        Ok(CodeAccountState {
            used: UsedCodes { highest, seen },
            window_start,
            failures,
        })
    }
}

/// Why a well-formed code was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRefusal {
    /// The account is over its guess budget; nothing was verified.
    RateLimited,
    /// The one-time value did not verify in the window (opaque).
    NotVerified(VerifyError),
    /// The code was accepted before (or is too old to tell).
    Replayed,
}

impl core::fmt::Display for CodeRefusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CodeRefusal::RateLimited => f.write_str("too many failed codes for this account"),
            CodeRefusal::NotVerified(e) => write!(f, "{e}"),
            CodeRefusal::Replayed => f.write_str("code already used"),
        }
    }
}

impl core::error::Error for CodeRefusal {}

/// Proof that a code's one-time value verified for an account, inside the
/// skew window, made only by [`CodeVerifier::verify`]. It is **not** an
/// approval: take it to [`CodeAccountState::accept`] (which consumes it) for
/// the replay check. Not `Clone` or `Copy`: one proof, one acceptance.
///
/// The proof says a code verified for [`account`](Self::account); the caller
/// applies it to that account's stored state.
#[derive(Debug)]
pub struct VerifiedCode {
    account: AccountRef,
    /// The first candidate step of the window (public).
    first: u64,
    /// Bit `i` ⇔ step `first + i` matched (public once declassified; non-zero).
    matches: u16,
    /// The code's counter `C` (public).
    counter: u8,
    /// The backend's time step when verified (public).
    now_step: u64,
}

impl VerifiedCode {
    /// The account the code verified for.
    #[must_use]
    pub fn account(&self) -> AccountRef {
        self.account
    }

    /// The matching moving factors, lowest first (at most 12).
    fn factors(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0u64..16)
            .filter(|i| (self.matches >> i) & 1 == 1)
            .filter_map(|i| {
                let step = self.first.checked_add(i)?;
                Some((step, moving_factor(step, self.counter).ok()?))
            })
    }
}

/// Proof that a code verified **and** was consumed (accepted once): what the
/// backend answers "approved" from. Made only by
/// [`CodeAccountState::accept`], from a [`VerifiedCode`].
#[derive(Debug)]
pub struct AcceptedCode {
    account: AccountRef,
    moving_factor: u64,
    skew: i8,
}

impl AcceptedCode {
    /// The account the code paid from.
    #[must_use]
    pub fn account(&self) -> AccountRef {
        self.account
    }
    /// The moving factor consumed (the lowest, if several matched).
    #[must_use]
    pub fn moving_factor(&self) -> u64 {
        self.moving_factor
    }
    /// The band's clock offset in time steps (negative: behind).
    #[must_use]
    pub fn skew_steps(&self) -> i8 {
        self.skew
    }
}

impl CodeAccountState {
    /// Accept-once: consumes the proof of a verified code and, unless one of
    /// its matching moving factors was accepted before (or is too old to
    /// tell), marks every one of them used (a code string that matched two
    /// steps by chance cannot come back later under the other). Returns the
    /// new state (unchanged on a refusal) and the verdict.
    ///
    /// # Errors
    /// [`CodeRefusal::Replayed`] in the verdict for a code accepted before.
    pub fn accept(self, proof: VerifiedCode) -> (Self, Result<AcceptedCode, CodeRefusal>) {
        let mut lowest = None;
        for (step, m) in proof.factors() {
            if self.used.is_used_or_too_old(m) {
                return (self, Err(CodeRefusal::Replayed));
            }
            lowest = lowest.or(Some((step, m)));
        }
        let Some((step, m)) = lowest else {
            // A proof always holds a match (verify never makes one without).
            return (self, Err(CodeRefusal::NotVerified(VerifyError)));
        };
        let mut next = self;
        for (_, m) in proof.factors() {
            next.used.mark(m);
        }
        let now_step = proof.now_step;
        let skew = if step >= now_step {
            i8::try_from(step - now_step).unwrap_or(i8::MAX)
        } else {
            i8::try_from(now_step - step).map_or(i8::MIN, |d| -d)
        };
        (
            next,
            Ok(AcceptedCode {
                account: proof.account,
                moving_factor: m,
                skew,
            }),
        )
    }
}

/// The new state and the verification verdict of [`CodeVerifier::verify`]:
/// a [`VerifiedCode`] to take to [`CodeAccountState::accept`], or a refusal.
#[derive(Debug)]
pub struct CodeVerification {
    /// The state after the guess accounting (a failure counted, the guess
    /// window moved); accept the proof against this state.
    pub state: CodeAccountState,
    /// The verdict: [`CodeRefusal::RateLimited`] or
    /// [`CodeRefusal::NotVerified`], never `Replayed` (that is
    /// [`accept`](CodeAccountState::accept)'s).
    pub verdict: Result<VerifiedCode, CodeRefusal>,
}

/// The new state and the verdict of [`CodeVerifier::verify_and_accept`].
#[derive(Debug)]
pub struct CodeOutcome {
    /// Store this back (unchanged on [`CodeRefusal::RateLimited`] and
    /// [`CodeRefusal::Replayed`]).
    pub state: CodeAccountState,
    /// The verdict.
    pub verdict: Result<AcceptedCode, CodeRefusal>,
}

/// Verifies codes for one issuer prefix with a skew window and guess policy.
#[derive(Debug)]
pub struct CodeVerifier<'a> {
    issuer: &'a CodeIssuer,
    window: SkewWindow,
    policy: GuessPolicy,
}

impl<'a> CodeVerifier<'a> {
    /// A verifier.
    #[must_use]
    pub fn new(issuer: &'a CodeIssuer, window: SkewWindow, policy: GuessPolicy) -> Self {
        CodeVerifier {
            issuer,
            window,
            policy,
        }
    }

    /// Verifies `code` for the account it resolved to (`account`, from
    /// [`CodeIssuer::resolve`]) with that token's `secret`, at the backend's
    /// time `now`, against the account's stored `state`, and accepts it once:
    /// [`verify`](Self::verify) then [`CodeAccountState::accept`].
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_and_accept(
        &self,
        code: &ParsedCode,
        account: AccountRef,
        secret: &OtpSecret,
        state: CodeAccountState,
        now: u64,
    ) -> Result<CodeOutcome, Error> {
        let v = self.verify(code, account, secret, state, now)?;
        Ok(match v.verdict {
            Ok(proof) => {
                let (state, verdict) = v.state.accept(proof);
                CodeOutcome { state, verdict }
            }
            Err(refusal) => CodeOutcome {
                state: v.state,
                verdict: Err(refusal),
            },
        })
    }

    /// Verifies `code`'s one-time value for `account` (from
    /// [`CodeIssuer::resolve`]) with that token's `secret`, at the backend's
    /// time `now`, with the guess accounting on `state`. Does **not** accept
    /// the code: take the [`VerifiedCode`] to [`CodeAccountState::accept`]
    /// (or call [`verify_and_accept`](Self::verify_and_accept)).
    ///
    /// # Errors
    /// [`Error`] for a code of another prefix/version, an `account` that is
    /// not the one the code resolves to, or a time out of range: no state is
    /// returned, so nothing changes.
    pub fn verify(
        &self,
        code: &ParsedCode,
        account: AccountRef,
        secret: &OtpSecret,
        state: CodeAccountState,
        now: u64,
    ) -> Result<CodeVerification, Error> {
        if self.issuer.resolve(code)? != account {
            return Err(Error::Parameter {
                what: "payment code: account is not the one the alias resolves to",
            });
        }
        let format = self.issuer.format();
        let params = format.otp_params()?;
        let now_step = format.clock()?.step(now)?;
        // The candidate steps (public): now − back ..= now + forward, those ≥ 0.
        let first = now_step.saturating_sub(u64::from(self.window.back));
        let last =
            now_step
                .checked_add(u64::from(self.window.forward))
                .ok_or(Error::Parameter {
                    what: "time too large for a payment code",
                })?;
        // Every candidate's factor is computed before anything changes, so a
        // bad time fails here with no state change.
        moving_factor(last, code.counter())?;

        let mut state = state;
        if now
            >= state
                .window_start
                .saturating_add(u64::from(self.policy.window_secs))
        {
            state.window_start = now;
            state.failures = 0;
        }
        if state.failures >= self.policy.max_failures {
            return Ok(CodeVerification {
                state,
                verdict: Err(CodeRefusal::RateLimited),
            });
        }

        // Constant time over the secret: every candidate is computed and
        // compared; the match bits are collected without branching.
        let mut matches = 0u16;
        for (i, step) in (first..=last).enumerate() {
            let m = moving_factor(step, code.counter())?;
            let ours = otp::hotp_raw(secret, params, m);
            let hit = u16::from(code.value_matches(&ours).unwrap_u8());
            matches |= hit << (i & 15);
        }
        // The verdict: declassified as a whole (zero on failure).
        let matches = crate::ct::public_u16(matches);
        if matches == 0 {
            state.failures = state.failures.saturating_add(1);
            return Ok(CodeVerification {
                state,
                verdict: Err(CodeRefusal::NotVerified(VerifyError)),
            });
        }
        Ok(CodeVerification {
            state,
            verdict: Ok(VerifiedCode {
                account,
                first,
                matches,
                counter: code.counter(),
                now_step,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;
    use crate::code::payment::{CodeAliasKey, FORMAT_V1, PaymentCodeCredential, RoutingPrefix};

    const T: u64 = 1_700_000_000;

    fn setup() -> (CodeIssuer, PaymentCodeCredential, AccountRef) {
        let k = CodeAliasKey::new(Algorithm::Aes128, &[9u8; 16]).unwrap();
        let iss = CodeIssuer::new(&k, RoutingPrefix::new(26).unwrap(), &FORMAT_V1).unwrap();
        let acct = AccountRef::new(31_415_926).unwrap();
        let alias = iss.alias_for(acct).unwrap();
        let cred = PaymentCodeCredential::new(
            OtpSecret::new(&[0x5Au8; 32]).unwrap(),
            iss.prefix(),
            alias,
            &FORMAT_V1,
        );
        (iss, cred, acct)
    }

    fn secret() -> OtpSecret {
        OtpSecret::new(&[0x5Au8; 32]).unwrap()
    }

    #[test]
    fn accept_once_then_replay_refused() {
        let (iss, cred, acct) = setup();
        let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
        let code = ParsedCode::parse(&cred.code(T, 0).unwrap().to_ascii()).unwrap();
        assert_eq!(iss.resolve(&code).unwrap(), acct);
        let out = v
            .verify_and_accept(&code, acct, &secret(), CodeAccountState::new(), T)
            .unwrap();
        let ok = out.verdict.unwrap();
        assert_eq!(ok.skew_steps(), 0);
        let st = out.state;
        let again = v
            .verify_and_accept(&code, acct, &secret(), st, T + 1)
            .unwrap();
        assert_eq!(again.verdict.unwrap_err(), CodeRefusal::Replayed);
        assert_eq!(again.state, st);
        // Next counter in the same step is a different code: accepted.
        let c1 = ParsedCode::parse(&cred.code(T, 1).unwrap().to_ascii()).unwrap();
        assert!(
            v.verify_and_accept(&c1, acct, &secret(), st, T)
                .unwrap()
                .verdict
                .is_ok()
        );
        // The first code, replayed one step later (its step still in the window).
        let later = v
            .verify_and_accept(&code, acct, &secret(), st, T + 30)
            .unwrap();
        assert_eq!(later.verdict.unwrap_err(), CodeRefusal::Replayed);
    }

    #[test]
    fn skew_window_edges() {
        let (iss, cred, acct) = setup();
        let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
        let code = ParsedCode::parse(&cred.code(T, 2).unwrap().to_ascii()).unwrap();
        let st = CodeAccountState::new();
        // Band 1 step behind / ahead: accepted with the skew reported.
        let r = v
            .verify_and_accept(&code, acct, &secret(), st, T + 30)
            .unwrap();
        assert_eq!(r.verdict.unwrap().skew_steps(), -1);
        let r = v
            .verify_and_accept(&code, acct, &secret(), st, T - 30)
            .unwrap();
        assert_eq!(r.verdict.unwrap().skew_steps(), 1);
        // Two steps off: outside, counted as a failure.
        let r = v
            .verify_and_accept(&code, acct, &secret(), st, T + 60)
            .unwrap();
        assert!(matches!(r.verdict, Err(CodeRefusal::NotVerified(_))));
        assert_eq!(r.state.failures(), 1);
        let r = v
            .verify_and_accept(&code, acct, &secret(), st, T - 60)
            .unwrap();
        assert!(matches!(r.verdict, Err(CodeRefusal::NotVerified(_))));
    }

    #[test]
    fn rate_limit_locks_then_expires() {
        let (iss, cred, acct) = setup();
        let policy = GuessPolicy::new(3, 600).unwrap();
        let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, policy);
        let good = cred.code(T, 0).unwrap().to_ascii();
        let mut bad = good;
        bad[17] = b'0' + ((bad[17] - b'0' + 1) % 10);
        let bad = ParsedCode::parse(&bad).unwrap();
        let mut st = CodeAccountState::new();
        for n in 1..=3u8 {
            let r = v.verify_and_accept(&bad, acct, &secret(), st, T).unwrap();
            assert!(matches!(r.verdict, Err(CodeRefusal::NotVerified(_))));
            st = r.state;
            assert_eq!(st.failures(), n);
        }
        let good = ParsedCode::parse(&good).unwrap();
        let r = v
            .verify_and_accept(&good, acct, &secret(), st, T + 1)
            .unwrap();
        assert_eq!(r.verdict.unwrap_err(), CodeRefusal::RateLimited);
        assert_eq!(r.state, st);
        // After the window the budget is back: a fresh code is accepted.
        let fresh = ParsedCode::parse(&cred.code(T + 600, 0).unwrap().to_ascii()).unwrap();
        let r = v
            .verify_and_accept(&fresh, acct, &secret(), st, T + 600)
            .unwrap();
        assert!(r.verdict.is_ok());
        assert_eq!(r.state.failures(), 0);
        let st2 = CodeAccountState::from_bytes(&st.to_bytes()).unwrap();
        assert_eq!(st2, st);
    }

    #[test]
    fn bad_input_changes_nothing() {
        let (iss, cred, acct) = setup();
        let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
        let code = ParsedCode::parse(&cred.code(T, 0).unwrap().to_ascii()).unwrap();
        let other = AccountRef::new(1).unwrap();
        assert!(
            v.verify_and_accept(&code, other, &secret(), CodeAccountState::new(), T)
                .is_err()
        );
        let mut wrong_version = cred.code(T, 0).unwrap().to_ascii();
        wrong_version[2] = b'2';
        let p = ParsedCode::parse(&wrong_version).unwrap();
        assert!(
            v.verify_and_accept(&p, acct, &secret(), CodeAccountState::new(), T)
                .is_err()
        );
        assert!(SkewWindow::new(6, 6).is_err());
        assert!(GuessPolicy::new(0, 1).is_err());
        let mut b = CodeAccountState::new().to_bytes();
        b[0] = 2;
        assert!(CodeAccountState::from_bytes(&b).is_err());
    }

    #[test]
    fn used_codes_map() {
        let mut u = UsedCodes::default();
        assert!(!u.is_used_or_too_old(0));
        u.mark(1000);
        assert!(u.is_used_or_too_old(1000));
        assert!(!u.is_used_or_too_old(999));
        assert!(u.is_used_or_too_old(1000 - 128));
        u.mark(1005);
        assert!(u.is_used_or_too_old(1000));
        assert!(!u.is_used_or_too_old(1001));
        u.mark(2000);
        assert!(!u.is_used_or_too_old(1999));
        assert!(u.is_used_or_too_old(1005));
    }
}
