//! Runners for the offline-code vectors: HOTP/TOTP (`otp`).

use tapcrypt::code::otp::{self, OtpHash, OtpParams, OtpSecret, TotpClock};

use crate::{Group, Vector, VectorError, Verdict, all, api, check_str};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[Group {
    name: "otp",
    outputs: &["otp"],
    run: otp_group,
}];

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
