//! Review M4 (issue 18): the code verifiers return proofs, and accept-once
//! consumes them. The proofs have no public constructor (the `compile_fail`
//! examples in `code::backend`'s docs), are neither `Copy` nor `Clone`
//! (checked here at compile time), and the used-code set changes only
//! through `CodeAccountState::accept(proof)`.
#![cfg(feature = "code")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tapcrypt::Algorithm;
use tapcrypt::code::backend::{
    AcceptedCode, CodeAccountState, CodeRefusal, CodeVerifier, GuessPolicy, SkewWindow,
    VerifiedCode,
};
use tapcrypt::code::otp::{self, OtpHash, OtpParams, OtpSecret, TotpClock, VerifiedOtp};
use tapcrypt::code::payment::{
    AccountRef, CodeAliasKey, CodeIssuer, FORMAT_V1, ParsedCode, PaymentCodeCredential,
    RoutingPrefix,
};

// The trick of tests/secrets_audit.rs: `<T as AmbiguousIf…<_>>::some_item`
// resolves only if exactly one impl applies; a `Copy`/`Clone` proof makes it
// ambiguous and this file stops compiling.
trait AmbiguousIfCopy<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfCopy<()> for T {}
impl<T: Copy> AmbiguousIfCopy<u8> for T {}
trait AmbiguousIfClone<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfClone<()> for T {}
impl<T: Clone> AmbiguousIfClone<u8> for T {}

#[test]
fn proofs_are_neither_copy_nor_clone() {
    let _ = <VerifiedCode as AmbiguousIfCopy<_>>::some_item;
    let _ = <VerifiedCode as AmbiguousIfClone<_>>::some_item;
    let _ = <AcceptedCode as AmbiguousIfCopy<_>>::some_item;
    let _ = <AcceptedCode as AmbiguousIfClone<_>>::some_item;
    let _ = <VerifiedOtp as AmbiguousIfCopy<_>>::some_item;
    let _ = <VerifiedOtp as AmbiguousIfClone<_>>::some_item;
}

const T: u64 = 1_700_000_000;

fn setup() -> (CodeIssuer, PaymentCodeCredential, AccountRef) {
    let k = CodeAliasKey::new(Algorithm::Aes128, &[7u8; 16]).unwrap();
    let iss = CodeIssuer::new(&k, RoutingPrefix::new(27).unwrap(), &FORMAT_V1).unwrap();
    let acct = AccountRef::new(12_345_678).unwrap();
    let alias = iss.alias_for(acct).unwrap();
    let cred = PaymentCodeCredential::new(secret(), iss.prefix(), alias, &FORMAT_V1);
    (iss, cred, acct)
}

fn secret() -> OtpSecret {
    OtpSecret::new(&[0x3Cu8; 32]).unwrap()
}

/// Verification alone marks nothing used; the proof is what `accept`
/// consumes; two separate verifications of one code give two proofs, and
/// only the first is accepted.
#[test]
fn verify_then_accept_once() {
    let (iss, cred, acct) = setup();
    let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
    let code = ParsedCode::parse(&cred.code(T, 4).unwrap().to_ascii()).unwrap();
    let st = CodeAccountState::new();

    let first = v.verify(&code, acct, &secret(), st, T).unwrap();
    assert_eq!(
        first.state.used(),
        st.used(),
        "verification alone changes no used-code state"
    );
    let p1 = first.verdict.unwrap();
    assert_eq!(p1.account(), acct);
    let second = v.verify(&code, acct, &secret(), st, T + 5).unwrap();
    let p2 = second.verdict.unwrap();

    let (st1, ok) = first.state.accept(p1);
    let ok = ok.unwrap();
    assert_eq!(ok.account(), acct);
    // Format 1: 30-second steps, moving factor 10·step + C.
    assert_eq!(ok.moving_factor(), (T / 30) * 10 + 4);
    assert_eq!(ok.skew_steps(), 0);
    assert_ne!(st1.used(), st.used());
    assert!(st1.used().is_used_or_too_old(ok.moving_factor()));

    let (st2, again) = st1.accept(p2);
    assert_eq!(again.unwrap_err(), CodeRefusal::Replayed);
    assert_eq!(st2, st1, "a refused acceptance changes nothing");

    // The one-call path gives the same answers.
    let r = v.verify_and_accept(&code, acct, &secret(), st1, T).unwrap();
    assert_eq!(r.verdict.unwrap_err(), CodeRefusal::Replayed);
    let fresh = CodeAccountState::new();
    let r = v
        .verify_and_accept(&code, acct, &secret(), fresh, T)
        .unwrap();
    assert_eq!(r.state, st1);
    assert!(r.verdict.is_ok());
}

/// A wrong code yields no proof at all: only a refusal, with the failure
/// counted, and no used-code change.
#[test]
fn no_proof_without_verification() {
    let (iss, cred, acct) = setup();
    let v = CodeVerifier::new(&iss, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
    let mut text = cred.code(T, 0).unwrap().to_ascii();
    text[17] = b'0' + (text[17] - b'0' + 1) % 10;
    let bad = ParsedCode::parse(&text).unwrap();
    let r = v
        .verify(&bad, acct, &secret(), CodeAccountState::new(), T)
        .unwrap();
    assert!(matches!(r.verdict, Err(CodeRefusal::NotVerified(_))));
    assert_eq!(r.state.failures(), 1);
    assert_eq!(r.state.used(), CodeAccountState::new().used());
}

/// The OTP verifiers return a proof naming the moving factor they verified
/// (RFC 4226 Appendix D, counter 5; RFC 6238 Appendix B, SHA-1, time 59).
#[test]
fn otp_proofs_name_their_moving_factor() {
    let s = OtpSecret::new(b"12345678901234567890").unwrap();
    let p6 = OtpParams::new(OtpHash::Sha1, 6).unwrap();
    let proof = otp::verify_hotp(&s, p6, 5, b"254676").unwrap();
    assert_eq!(proof.moving_factor(), 5);
    assert!(otp::verify_hotp(&s, p6, 6, b"254676").is_err());
    let p8 = OtpParams::new(OtpHash::Sha1, 8).unwrap();
    let clock = TotpClock::new(30).unwrap();
    let proof = otp::verify_totp(&s, p8, clock, 59, b"94287082").unwrap();
    assert_eq!(proof.moving_factor(), 1);
}
