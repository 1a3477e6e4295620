//! Runners for the offline-code vectors: HOTP/TOTP (`otp`), the 18-digit
//! payment code (`payment_code`).

use tapcrypt::code::otp::{self, OtpHash, OtpParams, OtpSecret, TotpClock};

use crate::{Group, Vector, VectorError, Verdict, all, api, check_str};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[
    Group {
        name: "otp",
        outputs: &["otp"],
        run: otp_group,
    },
    Group {
        name: "payment_code",
        outputs: &["alias", "code"],
        run: payment_code,
    },
];

fn hash(name: &str) -> Option<OtpHash> {
    match name {
        "sha1" => Some(OtpHash::Sha1),
        "sha256" => Some(OtpHash::Sha256),
        "sha512" => Some(OtpHash::Sha512),
        _ => None,
    }
}

fn otp_group(v: &Vector<'_>) -> R {
    let alg = v.str("algorithm")?;
    let Some(h) = hash(alg) else {
        return Ok(Verdict::Rejected(format!("unsupported OTP hash {alg:?}")));
    };
    let digits = u8::try_from(v.uint("digits")?).map_err(|_| "digits too large".to_string())?;
    let params = api!(OtpParams::new(h, digits));
    let secret = api!(OtpSecret::new(&v.hex("secret")?));
    let want = v.str("otp")?;
    let (value, verified) = if v.has("counter") {
        let c = v.uint("counter")?;
        let value = api!(otp::hotp(&secret, params, c));
        (value, otp::verify_hotp(&secret, params, c, want.as_bytes()))
    } else {
        let period =
            u32::try_from(v.uint("period")?).map_err(|_| "period too large".to_string())?;
        let clock = api!(TotpClock::new(period));
        let time = v.uint("time")?;
        let value = api!(otp::totp(&secret, params, clock, time));
        (
            value,
            otp::verify_totp(&secret, params, clock, time, want.as_bytes()),
        )
    };
    let mut buf = [0u8; 10];
    let got = String::from_utf8_lossy(value.write_ascii(&mut buf)).into_owned();
    // Generation must give the file's value, and verification must accept it.
    let verify_check = Ok(match verified {
        Ok(()) => Verdict::Match,
        Err(_) => Verdict::Mismatch {
            field: "otp".into(),
            expected: format!("verify to accept {want}"),
            got: "refused".into(),
        },
    });
    all([check_str(v, "otp", &got), verify_check])
}

fn payment_code(v: &Vector<'_>) -> R {
    use tapcrypt::Algorithm;
    use tapcrypt::code::backend::{CodeAccountState, CodeVerifier, GuessPolicy, SkewWindow};
    use tapcrypt::code::payment::{
        AccountRef, CodeAliasKey, CodeIssuer, FORMAT_V1, ParsedCode, PaymentCodeCredential,
        RoutingPrefix,
    };
    if v.uint("version")? != 1 {
        return Ok(Verdict::NotApplicable("only format 1 exists".into()));
    }
    let kb = v.hex("alias_key")?;
    let key = api!(CodeAliasKey::new(
        Algorithm::aes_for_len(kb.len()).unwrap_or(Algorithm::Tdes2),
        &kb
    ));
    let prefix = api!(RoutingPrefix::new(
        u8::try_from(v.uint("prefix")?).unwrap_or(0)
    ));
    let issuer = api!(CodeIssuer::new(&key, prefix, &FORMAT_V1));
    let account = api!(AccountRef::new(
        u32::try_from(v.uint("account_ref")?).unwrap_or(u32::MAX)
    ));
    let alias = api!(issuer.alias_for(account));
    let got_alias = String::from_utf8_lossy(&alias.to_ascii()).into_owned();
    let secret = api!(OtpSecret::new(&v.hex("secret")?));
    let cred = PaymentCodeCredential::new(secret, prefix, alias, &FORMAT_V1);
    let time = v.uint("time")?;
    let counter = u8::try_from(v.uint("counter")?).unwrap_or(u8::MAX);
    let code = api!(cred.code(time, counter));
    let got_code = String::from_utf8_lossy(&code.to_ascii()).into_owned();
    // The backend side, on the file's code: resolve to the file's account and
    // accept it once at the band's time.
    let file_code = v.str("code")?;
    let backend = (|| -> Result<(), String> {
        let parsed = ParsedCode::parse(file_code.as_bytes()).map_err(|e| e.to_string())?;
        let resolved = issuer.resolve(&parsed).map_err(|e| e.to_string())?;
        if resolved != account {
            return Err(format!("resolved to account {}", resolved.value()));
        }
        let verifier = CodeVerifier::new(&issuer, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
        let secret = OtpSecret::new(&v.hex("secret")?).map_err(|e| e.to_string())?;
        let out = verifier
            .verify(&parsed, account, &secret, CodeAccountState::new(), time)
            .map_err(|e| e.to_string())?;
        out.verdict.map(|_| ()).map_err(|e| e.to_string())
    })();
    let backend_check = Ok(match backend {
        Ok(()) => Verdict::Match,
        Err(e) => Verdict::Mismatch {
            field: "code".into(),
            expected: "the backend to resolve and accept it".into(),
            got: e,
        },
    });
    all([
        check_str(v, "alias", &got_alias),
        check_str(v, "code", &got_code),
        backend_check,
    ])
}
