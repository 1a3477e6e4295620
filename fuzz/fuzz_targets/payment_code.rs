//! The 18-digit payment code: any bytes parse to a code or a typed error;
//! a parsed code resolves or is refused with a typed error; verification
//! never panics, never accepts what the band did not make, and a refusal for
//! bad input leaves no state to store.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tapcrypt::Algorithm;
use tapcrypt::code::backend::{
    CodeAccountState, CodeRefusal, CodeVerifier, GuessPolicy, SkewWindow,
};
use tapcrypt::code::otp::OtpSecret;
use tapcrypt::code::payment::{
    AccountRef, CodeAliasKey, CodeIssuer, FORMAT_V1, ParsedCode, PaymentCodeCredential,
    RoutingPrefix,
};

fuzz_target!(|data: &[u8]| {
    let Ok(key) = CodeAliasKey::new(Algorithm::Aes128, &[0x42; 16]) else {
        return;
    };
    let Ok(prefix) = RoutingPrefix::new(28) else {
        return;
    };
    let Ok(issuer) = CodeIssuer::new(&key, prefix, &FORMAT_V1) else {
        return;
    };
    // First 8 bytes: backend time and a state seed; the rest: the code.
    let (head, code) = data.split_at(data.len().min(8));
    let mut t = [0u8; 8];
    t[..head.len()].copy_from_slice(head);
    let now = u64::from_le_bytes(t) >> 28; // up to ~2^36 s
    let Ok(parsed) = ParsedCode::parse(code) else {
        return;
    };
    assert_eq!(code.len(), 18);
    assert!(code.iter().all(u8::is_ascii_digit));
    let Ok(account) = issuer.resolve(&parsed) else {
        assert!(parsed.prefix() != prefix || parsed.version() != 1);
        return;
    };
    assert!(account.value() < 100_000_000);
    // The alias of the resolved account is the code's alias (FF1 is a permutation).
    assert_eq!(issuer.alias_for(account).ok(), Some(parsed.alias()));
    let Ok(secret) = OtpSecret::new(&[0x5A; 32]) else {
        return;
    };
    let v = CodeVerifier::new(&issuer, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
    let state = CodeAccountState::new();
    match v.verify_and_accept(&parsed, account, &secret, state, now) {
        Err(_) => {}
        Ok(out) => match out.verdict {
            Ok(accepted) => {
                // Only what the band makes verifies: recompute it.
                let Ok(secret2) = OtpSecret::new(&[0x5A; 32]) else {
                    return;
                };
                let cred = PaymentCodeCredential::new(secret2, prefix, parsed.alias(), &FORMAT_V1);
                let m = accepted.moving_factor();
                let step_time = (m / 10) * 30;
                let made = cred.code(step_time, parsed.counter()).map(|c| c.to_ascii());
                assert_eq!(made.ok().as_ref().map(|c| &c[..]), Some(code));
                // Accepted once: the same code again is a replay.
                let again = v.verify_and_accept(&parsed, account, &secret, out.state, now);
                assert!(matches!(
                    again.map(|o| o.verdict),
                    Ok(Err(CodeRefusal::Replayed))
                ));
            }
            Err(CodeRefusal::NotVerified(_)) => assert_eq!(out.state.failures(), 1),
            Err(e) => panic!("fresh state refused with {e}"),
        },
    }
    let _ = AccountRef::new(account.value());
});
