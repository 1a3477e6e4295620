//! Runners for the offline-code vectors: HOTP/TOTP (`otp`), the 18-digit
//! payment code (`payment_code`), EMV consumer-presented QR (`cpm`),
//! its QR matrix (`qr`) and NDEF record (`ndef`).

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
    Group {
        name: "cpm",
        outputs: &["cryptogram", "tlv", "payload"],
        run: cpm_group,
    },
    Group {
        name: "qr",
        outputs: &["modules"],
        run: qr_group,
    },
    Group {
        name: "ndef",
        outputs: &["record"],
        run: ndef_group,
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
    // The moving factor the proof must name: the counter, or RFC 6238's
    // T = floor(time / period) (T0 = 0), computed here.
    let (value, verified, moving_factor) = if v.has("counter") {
        let c = v.uint("counter")?;
        let value = api!(otp::hotp(&secret, params, c));
        (
            value,
            otp::verify_hotp(&secret, params, c, want.as_bytes()),
            c,
        )
    } else {
        let period =
            u32::try_from(v.uint("period")?).map_err(|_| "period too large".to_string())?;
        let clock = api!(TotpClock::new(period));
        let time = v.uint("time")?;
        let value = api!(otp::totp(&secret, params, clock, time));
        (
            value,
            otp::verify_totp(&secret, params, clock, time, want.as_bytes()),
            time / u64::from(period),
        )
    };
    let mut buf = [0u8; 10];
    let got = String::from_utf8_lossy(value.write_ascii(&mut buf)).into_owned();
    // Generation must give the file's value, and verification must accept it.
    let verify_check = Ok(match verified {
        Ok(proof) if proof.moving_factor() == moving_factor => Verdict::Match,
        Ok(proof) => Verdict::Mismatch {
            field: "otp".into(),
            expected: format!("a proof for moving factor {moving_factor}"),
            got: format!("{}", proof.moving_factor()),
        },
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
            .verify_and_accept(&parsed, account, &secret, CodeAccountState::new(), time)
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

/// The profile the issuer's records pin for the vector's token.
enum CpmProfile {
    /// An EMV CVN (EMV common AES, the DPAN-bound profile).
    Emv(&'static tapcrypt::emv::Cvn),
    /// Visa VCPS, CVN '43'.
    Vcps,
    /// Mastercard MCBP, contactless.
    Mcbp,
}

fn cpm_profile(v: &Vector<'_>) -> Result<CpmProfile, VectorError> {
    match v.str("profile")? {
        "tapcrypt_dpan_aes" => Ok(CpmProfile::Emv(&tapcrypt::emv::TAPCRYPT_DPAN_AES)),
        "emv_common_aes" => Ok(CpmProfile::Emv(&tapcrypt::emv::EMV_COMMON_AES)),
        "visa_vcps" => Ok(CpmProfile::Vcps),
        "mastercard_mcbp" => Ok(CpmProfile::Mcbp),
        p => Err(format!("unknown CPM profile {p:?}")),
    }
}

fn mcbp_profile(v: &Vector<'_>) -> Result<tapcrypt::emv::cloud::mcbp::McbpProfile, VectorError> {
    Ok(tapcrypt::emv::cloud::mcbp::McbpProfile {
        iad_template: v.hex_n("iad_template")?,
        pin_iv_cvc3_track2: [0, 0],
    })
}

fn mcbp_issued(
    v: &Vector<'_>,
) -> Result<Result<tapcrypt::emv::cloud::mcbp::IssuedSingleUseKeys, String>, VectorError> {
    use tapcrypt::emv::Atc;
    use tapcrypt::emv::cloud::mcbp::{IssuedSingleUseKeys, SingleUseKey};
    let umd = match SingleUseKey::from_hex(v.str("sk_umd")?) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let md = match SingleUseKey::from_hex(v.str("sk_md")?) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(Ok(IssuedSingleUseKeys::contactless(
        Atc(v.hex_n("atc")?),
        umd,
        md,
    )))
}

/// Decodes, parses and verifies a payload text through the public backend
/// path; `Ok` only if the cryptogram verified under the pinned profile.
fn cpm_backend(v: &Vector<'_>, text: &str) -> Result<Result<(), String>, VectorError> {
    use tapcrypt::code::cpm::{self, CpmPayload};
    use tapcrypt::emv::cloud::{mcbp, vcps};
    use tapcrypt::token::Dpan;
    use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};
    let profile = cpm_profile(v)?;
    let mut buf = [0u8; cpm::MAX_PAYLOAD];
    let tlv = match cpm::decode_base64(text.as_bytes(), &mut buf) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let payload = match CpmPayload::parse(tlv) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let cvn = match profile {
        CpmProfile::Emv(cvn) => cvn,
        CpmProfile::Vcps => {
            // The token the issuer resolved (its records), not the payload's.
            let token = Dpan::parse(v.str("dpan")?).map_err(|e| e.to_string())?;
            let tap = match payload.vcps(&token) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e.to_string())),
            };
            let udk = tapcrypt::CardMasterKey::new(Algorithm::Tdes2, &v.hex("udk")?)
                .map_err(|e| e.to_string())?;
            let issued = [vcps::KeyIndex::parse(v.str("key_index")?).map_err(|e| e.to_string())?];
            let verifier = vcps::VcpsVerifier::new(&udk, &issued);
            return Ok(tap
                .verify(&verifier)
                .map(|_| ())
                .map_err(|e| format!("cryptogram: {e}")));
        }
        CpmProfile::Mcbp => {
            let token = Dpan::parse(v.str("dpan")?).map_err(|e| e.to_string())?;
            let tap = match payload.mcbp(&mcbp_profile(v)?, &token) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e.to_string())),
            };
            let mut batch = mcbp::IssuedKeyBatch::<1>::new();
            batch.insert(mcbp_issued(v)??).map_err(|e| e.to_string())?;
            let verdict = match tap.verify(&mut batch) {
                Ok(verdict) => verdict,
                Err(e) => return Ok(Err(format!("cryptogram: {e}"))),
            };
            // Both cryptograms (PIN verified), and the keys are spent.
            return Ok(match (verdict.require_pin(), batch.unspent()) {
                (Ok(_), 0) => Ok(()),
                (Ok(_), n) => Err(format!("{n} credentials left unspent")),
                (Err(_), _) => Err("device-only verdict: AC_UMD did not verify".into()),
            });
        }
    };
    // The DPAN the issuer resolved for this token (the vector's), never the
    // payload's own.
    let token = Dpan::parse(v.str("dpan")?).map_err(|e| e.to_string())?;
    let req = match payload.authorisation(cvn, &token) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if !v.has("imk") {
        return Ok(Ok(()));
    }
    let kb = v.hex("imk")?;
    let imk = IssuerMasterKey::new(
        Algorithm::aes_for_len(kb.len()).unwrap_or(Algorithm::Tdes2),
        &kb,
    )
    .map_err(|e| e.to_string())?;
    let pan = Pan::parse(v.str("pan")?).map_err(|e| e.to_string())?;
    let psn = Psn::parse(v.str("psn")?).map_err(|e| e.to_string())?;
    let card_key = cvn
        .derive_card_key(&imk, &pan, psn)
        .map_err(|e| e.to_string())?;
    let keys = req.transaction_keys(&card_key).map_err(|e| e.to_string())?;
    Ok(req
        .verify(&keys)
        .map(|_| ())
        .map_err(|e| format!("cryptogram: {e}")))
}

/// The band's side for a cloud profile: the cryptogram (and IAD) computed by
/// tapcrypt from the vector's keys, and the payload contents around them.
fn cpm_cloud_device(
    v: &Vector<'_>,
    profile: &CpmProfile,
    t: &tapcrypt::emv::TransactionData,
) -> Result<Result<(tapcrypt::emv::Cryptogram, Vec<u8>), tapcrypt::Error>, VectorError> {
    use tapcrypt::emv::cloud::{mcbp, vcps};
    let r = match profile {
        CpmProfile::Vcps => (|| {
            let udk = tapcrypt::CardMasterKey::new(tapcrypt::Algorithm::Tdes2, &v.hex("udk")?)
                .map_err(|e| e.to_string())?;
            let index = vcps::KeyIndex::parse(v.str("key_index")?).map_err(|e| e.to_string())?;
            let luk = vcps::Luk::derive(&udk, index).map_err(|e| e.to_string())?;
            // The band assembles the IAD from its parts (DKI, CVR, wallet data).
            let file = v.hex("iad")?;
            let part = |a: usize, b: usize| file.get(a..b).unwrap_or(&[]).to_vec();
            let iad = vcps::VcpsIad::new(
                file.get(2).copied().unwrap_or(0),
                part(3, 7)
                    .try_into()
                    .map_err(|_| "iad too short".to_string())?,
                part(7, 13)
                    .try_into()
                    .map_err(|_| "iad too short".to_string())?,
                index,
            )
            .map_err(|e| e.to_string())?;
            let ac = luk.qvsdc_ac(t, &iad).map_err(|e| e.to_string())?;
            Ok::<_, VectorError>((ac, iad.to_bytes().to_vec()))
        })(),
        CpmProfile::Mcbp => (|| {
            let pin = || mcbp::MobilePin::parse(v.str("mobile_pin")?).map_err(|e| e.to_string());
            let issued = mcbp_issued(v)??;
            let device = issued.masked_for_device(&pin()?);
            let tap = mcbp::McbpTap {
                txn: *t,
                cvr: v.hex_n("cvr")?,
                dac: v.hex_n("dac")?,
                icc_dynamic_number: v.hex_n("idn")?,
            };
            let dual = device
                .unlock(pin()?)
                .contactless_ac(&mcbp_profile(v)?, &tap)
                .map_err(|e| e.to_string())?;
            Ok((dual.ac, dual.iad.to_vec()))
        })(),
        CpmProfile::Emv(_) => return Err("not a cloud profile".into()),
    };
    Ok(Ok(r?))
}

fn cpm_group(v: &Vector<'_>) -> R {
    use tapcrypt::code::cpm::{self, CpmContents};
    use tapcrypt::emv::{Atc, Cryptogram, TransactionData, UnpredictableNumber};
    use tapcrypt::token::Dpan;
    use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};
    if v.expects_invalid() {
        return Ok(match cpm_backend(v, v.str("payload")?)? {
            Ok(()) => Verdict::Match,
            Err(e) => Verdict::Rejected(e),
        });
    }
    let profile = cpm_profile(v)?;
    let t = TransactionData {
        amount_authorised: v.hex_n("amount_authorised")?,
        amount_other: v.hex_n("amount_other")?,
        terminal_country: v.hex_n("terminal_country")?,
        tvr: v.hex_n("tvr")?,
        currency: v.hex_n("currency")?,
        date: v.hex_n("date")?,
        transaction_type: v.hex_n::<1>("transaction_type")?[0],
        un: UnpredictableNumber(v.hex_n("un")?),
        aip: v.hex_n("aip")?,
        atc: Atc(v.hex_n("atc")?),
    };
    let dpan = api!(Dpan::parse(v.str("dpan")?));
    let file_iad = v.hex("iad")?;
    let (ac, iad, file_ac) = match &profile {
        CpmProfile::Emv(cvn) => {
            // The band's cryptogram, computed by tapcrypt from the same inputs.
            let kb = v.hex("imk")?;
            let imk = api!(IssuerMasterKey::new(
                Algorithm::aes_for_len(kb.len()).unwrap_or(Algorithm::Tdes2),
                &kb
            ));
            let pan = api!(Pan::parse(v.str("pan")?));
            let card_key = api!(cvn.derive_card_key(&imk, &pan, api!(Psn::parse(v.str("psn")?))));
            let keys = api!(cvn.transaction_keys(&card_key, t.atc, t.un));
            let dpan_pan = api!(dpan.to_pan());
            let mut cd = [0u8; 43];
            let card_data = if cvn.binds_dpan() {
                api!(cvn.card_data_bound(&dpan_pan, &file_iad, &mut cd))
            } else {
                api!(cvn.card_data(&file_iad))
            };
            let ac = api!(keys.generate_ac(&t, &card_data));
            // The payload is built around the file's cryptogram, so the
            // `tlv` check does not depend on the `cryptogram` one.
            (ac, file_iad.clone(), Cryptogram(v.hex_n("cryptogram")?))
        }
        cloud => {
            // The band computes the cloud cryptogram (and its IAD) and the
            // payload carries what it computed.
            let (ac, iad) = api!(cpm_cloud_device(v, cloud, &t)?);
            (ac, iad, ac)
        }
    };
    let contents = CpmContents {
        aid: &v.hex("aid")?,
        dpan: &dpan,
        transaction: &t,
        iad: &iad,
        cid: 0x80,
        ac: &file_ac,
    };
    let mut tlv = [0u8; cpm::MAX_PAYLOAD];
    let got_tlv = crate::hex::encode(api!(cpm::build(&contents, &mut tlv))).to_uppercase();
    let mut text = [0u8; cpm::MAX_TEXT];
    let got_text =
        String::from_utf8_lossy(api!(cpm::build_base64(&contents, &mut text))).into_owned();
    let backend = Ok(match cpm_backend(v, v.str("payload")?)? {
        Ok(()) => Verdict::Match,
        Err(e) => Verdict::Mismatch {
            field: "payload".into(),
            expected: "to parse and verify under the pinned profile".into(),
            got: e,
        },
    });
    all([
        crate::check_hex(v, "cryptogram", &ac.0),
        crate::check_hex(v, "iad", &iad),
        check_str(v, "tlv", &got_tlv),
        // base64 is case-sensitive: compare exactly.
        Ok(if v.str("payload")? == got_text {
            Verdict::Match
        } else {
            Verdict::Mismatch {
                field: "payload".into(),
                expected: v.str("payload")?.to_string(),
                got: got_text,
            }
        }),
        backend,
    ])
}

fn qr_group(v: &Vector<'_>) -> R {
    use tapcrypt::code::render::{QrBuffers, qr_matrix};
    let mut bufs = Box::new(QrBuffers::new());
    let mask = u8::try_from(v.uint("mask")?).map_err(|_| "mask too large".to_string())?;
    let m = api!(qr_matrix(v.str("text")?.as_bytes(), Some(mask), &mut bufs));
    let n = m.size();
    let mut bits = Vec::with_capacity(usize::from(n) * usize::from(n));
    for y in 0..n {
        for x in 0..n {
            bits.push(m.module(x, y));
        }
    }
    let packed: Vec<u8> = bits
        .chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |a, (i, &b)| a | (u8::from(b) << (7 - i)))
        })
        .collect();
    let version_check =
        if u64::from(m.version()) == v.uint("version")? && u64::from(n) == v.uint("size")? {
            Verdict::Match
        } else {
            Verdict::Mismatch {
                field: "modules".into(),
                expected: format!("version {} size {}", v.uint("version")?, v.uint("size")?),
                got: format!("version {} size {n}", m.version()),
            }
        };
    all([crate::check_hex(v, "modules", &packed), Ok(version_check)])
}

fn ndef_group(v: &Vector<'_>) -> R {
    use tapcrypt::code::render::{ndef_len, ndef_record};
    let ty = v.str("type")?.as_bytes();
    let payload = v.str("payload")?.as_bytes();
    let mut out = vec![0u8; ndef_len(ty.len(), payload.len())];
    let rec = api!(ndef_record(ty, payload, &mut out));
    crate::check_hex(v, "record", rec)
}
