//! Runners for the cloud-based payment groups of `cloud.json` (Visa VCPS,
//! Mastercard MCBP), through tapcrypt's public API: every vector is run
//! device side (derive / unlock / compute) and, where the file holds what a
//! backend holds, backend side (verify, which must give the right verdict).
//!
//! Keys that are *inputs* of a vector (a `udk` with no `mdk`, a `luk` with no
//! `udk`, `sk_md`) are not outputs: flipping their lowest bit flips a DES
//! parity bit, which changes nothing. [`is_output`] says, per vector, which
//! listed fields are outputs; the one-bit-flip test flips only those.

use serde_json::{Map, Value};
use tapcrypt::emv::cloud::mcbp::{
    self, DualCvc3, IssuedKeyBatch, IssuedSingleUseKeys, MaskedUmdKey, McbpIad, McbpProfile,
    McbpTap, McbpVerdict, MobilePin, SingleUseKey, SingleUseKeys,
};
use tapcrypt::emv::cloud::vcps::{self, KeyIndex, Luk, LukBytes, VcpsIad, VcpsVerifier};
use tapcrypt::emv::{Atc, Cryptogram, TransactionData, UnpredictableNumber};
use tapcrypt::mac::{MacKey, Padding, retail_mac};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

use crate::{Group, Vector, VectorError, Verdict, all, api, check_hex, check_str};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[
    Group {
        name: "vcps_luk",
        outputs: &["udk", "luk", "luk_block_left", "luk_block_right", "luk_kcv"],
        run: vcps_luk,
    },
    Group {
        name: "vcps_qvsdc_ac",
        outputs: &["udk", "luk", "ac_input_data", "tag_9f26"],
        run: vcps_qvsdc_ac,
    },
    Group {
        name: "vcps_msd",
        outputs: &[
            "udk",
            "luk",
            "msd_block",
            "msd_block_enc",
            "msd_verification_value",
        ],
        run: vcps_msd,
    },
    Group {
        name: "mcbp_sessionkeys",
        outputs: &["mobile_pin_ascii", "pin_mask", "session_key"],
        run: mcbp_sessionkeys,
    },
    Group {
        name: "mcbp_ac",
        outputs: &[
            "sk_umd",
            "ac_input_data",
            "ac_umd",
            "tag_9f26",
            "ac_md",
            "iad_md_part",
            "dac_idn",
            "tag_9f10",
        ],
        run: mcbp_ac,
    },
    Group {
        name: "mcbp_cvc3",
        outputs: &[
            "sk_umd",
            "ccc_input",
            "des_umd",
            "des_md",
            "cvc3",
            "cvc3_decimal",
            "crypto_atc",
            "crypto_atc_decimal",
        ],
        run: mcbp_cvc3,
    },
];

/// Whether `field` is an output of this vector (see the module docs).
pub(crate) fn is_output(group: &str, fields: &Map<String, Value>, field: &str) -> bool {
    let has = |f: &str| fields.contains_key(f);
    match (group, field) {
        (g, "udk") if g.starts_with("vcps_") => has("mdk"),
        (g, "luk") if g.starts_with("vcps_") => has("mdk") || has("udk"),
        (g, "sk_umd") if g.starts_with("mcbp_") => has("suk_umd") && has("mobile_pin"),
        _ => true,
    }
}

fn key16(v: &Vector<'_>, field: &str) -> Result<[u8; 16], VectorError> {
    v.hex_n::<16>(field)
}

/// The key index of a vector: `key_index`, which must equal year ‖ hours ‖
/// counter.
fn key_index(v: &Vector<'_>) -> Result<Result<KeyIndex, tapcrypt::Error>, VectorError> {
    let s = v.str("key_index")?;
    let joined = format!("{}{}{}", v.str("year")?, v.str("hours")?, v.str("counter")?);
    if joined != s {
        return Err(format!(
            "key_index {s} is not year||hours||counter {joined}"
        ));
    }
    Ok(KeyIndex::parse(s))
}

/// The UDK (derived from `mdk`/`pan`/`psn` when present, checked against
/// `udk`) and the LUK (derived from the UDK when there is one, checked
/// against `luk`; else the file's `luk` taken as provisioned).
struct Chain {
    udk: Option<tapcrypt::CardMasterKey>,
    luk: Luk,
    checks: Vec<Result<Verdict, VectorError>>,
}

fn chain(v: &Vector<'_>, index: KeyIndex) -> Result<Result<Chain, tapcrypt::Error>, VectorError> {
    let mut checks = Vec::new();
    let udk = if v.has("mdk") {
        let imk = match IssuerMasterKey::new(Algorithm::Tdes2, &v.hex("mdk")?) {
            Ok(k) => k,
            Err(e) => return Ok(Err(e)),
        };
        let pan = match Pan::parse(v.str("pan")?) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let psn = match Psn::parse(v.str("psn")?) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let udk = match vcps::derive_udk(&imk, &pan, psn) {
            Ok(k) => k,
            Err(e) => return Ok(Err(e)),
        };
        checks.push(check_hex(v, "udk", udk.expose_secret()));
        Some(udk)
    } else if v.has("udk") {
        match tapcrypt::CardMasterKey::new(Algorithm::Tdes2, &v.hex("udk")?) {
            Ok(k) => Some(k),
            Err(e) => return Ok(Err(e)),
        }
    } else {
        None
    };
    let luk = match &udk {
        Some(u) => match Luk::derive(u, index) {
            Ok(l) => {
                checks.push(check_hex(v, "luk", l.expose_secret()));
                l
            }
            Err(e) => return Ok(Err(e)),
        },
        None => Luk::new(LukBytes::from_bytes(&key16(v, "luk")?), index),
    };
    Ok(Ok(Chain { udk, luk, checks }))
}

fn vcps_luk(v: &Vector<'_>) -> R {
    let index = api!(key_index(v)?);
    let c = api!(chain(v, index)?);
    let [l, r] = index.luk_blocks();
    let mut checks = c.checks;
    checks.push(check_hex(v, "luk_block_left", &l));
    checks.push(check_hex(v, "luk_block_right", &r));
    checks.push(check_hex(v, "luk_kcv", &c.luk.kcv().0));
    all(checks)
}

fn txn_of(v: &Vector<'_>, atc_field: &str) -> Result<TransactionData, VectorError> {
    Ok(TransactionData {
        amount_authorised: v.hex_n("tag_9f02")?,
        amount_other: v.hex_n("tag_9f03")?,
        terminal_country: v.hex_n("tag_9f1a")?,
        tvr: v.hex_n("tag_95")?,
        currency: v.hex_n("tag_5f2a")?,
        date: v.hex_n("tag_9a")?,
        transaction_type: v.hex_n::<1>("tag_9c")?[0],
        un: UnpredictableNumber(v.hex_n("tag_9f37")?),
        aip: v.hex_n("tag_82")?,
        atc: Atc(v.hex_n(atc_field)?),
    })
}

fn verdict_ok(field: &str, ok: bool, what: &str) -> Result<Verdict, VectorError> {
    if ok {
        Ok(Verdict::Match)
    } else {
        Ok(Verdict::Mismatch {
            field: field.into(),
            expected: what.into(),
            got: "the backend's verdict differed".into(),
        })
    }
}

/// A placeholder index for vectors that carry none (the qVSDC AC does not
/// cover the key index; the LUK is taken as given).
fn placeholder_index() -> KeyIndex {
    KeyIndex::new(0, 1, 0).unwrap_or_else(|_| unreachable!())
}

fn vcps_qvsdc_ac(v: &Vector<'_>) -> R {
    let txn = txn_of(v, "tag_9f36")?;
    let cvr: [u8; 4] = v.hex_n("cvr")?;
    if v.str("padding")? != "2" {
        return Ok(Verdict::NotApplicable(
            "CVN '43' uses padding method 2".into(),
        ));
    }
    let (index, iad) = if v.has("tag_9f10") {
        let iad = api!(VcpsIad::parse(&v.hex("tag_9f10")?));
        if iad.cvr() != cvr {
            return Err("cvr is not IAD[3..7]".into());
        }
        let index = api!(key_index(v)?);
        if iad.key_index() != index {
            return Ok(Verdict::Mismatch {
                field: "tag_9f10".into(),
                expected: v.str("key_index")?.into(),
                got: format!("{:?}", iad.key_index()),
            });
        }
        (index, iad)
    } else {
        let index = placeholder_index();
        (index, api!(VcpsIad::new(1, cvr, [0; 6], index)))
    };
    let c = api!(chain(v, index)?);
    let mut checks = c.checks;
    let mut input = txn.to_bytes().to_vec();
    input.extend_from_slice(&cvr);
    checks.push(check_hex(v, "ac_input_data", &input));
    let ac = api!(c.luk.qvsdc_ac(&txn, &iad));
    checks.push(check_hex(v, "tag_9f26", &ac.0));
    // Backend: the file's cryptogram must verify under the issued key index
    // and fail under an index that was never issued.
    if let Some(udk) = &c.udk {
        let file_ac = Cryptogram(v.hex_n("tag_9f26")?);
        let issued = [index];
        let ok = VcpsVerifier::new(udk, &issued[..])
            .verify_qvsdc(&txn, &iad, &file_ac)
            .is_ok();
        checks.push(verdict_ok("tag_9f26", ok, "to verify at the backend"));
        let none: [KeyIndex; 0] = [];
        let refused = VcpsVerifier::new(udk, &none[..])
            .verify_qvsdc(&txn, &iad, &file_ac)
            .is_err();
        checks.push(verdict_ok(
            "key_index",
            refused,
            "to be refused when never issued",
        ));
    }
    all(checks)
}

fn vcps_msd(v: &Vector<'_>) -> R {
    let index = if v.has("key_index") {
        api!(key_index(v)?)
    } else {
        placeholder_index()
    };
    let c = api!(chain(v, index)?);
    let atc = Atc(v.hex_n("atc")?);
    let dt: [u8; 8] = v.hex_n("device_type")?;
    let mut block = dt;
    block[..2].copy_from_slice(&atc.0);
    let mut checks = c.checks;
    checks.push(check_hex(v, "msd_block", &block));
    let mut enc = block;
    api!(tapcrypt::__internal::tdes_encrypt_block(
        c.luk.expose_secret(),
        &mut enc
    ));
    checks.push(check_hex(v, "msd_block_enc", &enc));
    let value = c.luk.msd_value(atc, &dt).to_ascii();
    checks.push(check_str(
        v,
        "msd_verification_value",
        std::str::from_utf8(&value).unwrap_or("?"),
    ));
    if let Some(udk) = &c.udk {
        let issued = [index];
        let ok = VcpsVerifier::new(udk, &issued[..])
            .verify_msd(index, atc, &dt, v.str("msd_verification_value")?)
            .is_ok();
        checks.push(verdict_ok(
            "msd_verification_value",
            ok,
            "to verify at the backend",
        ));
    }
    all(checks)
}

fn mcbp_sessionkeys(v: &Vector<'_>) -> R {
    let pin_s = v.str("mobile_pin")?;
    let ascii: Vec<u8> = pin_s.bytes().collect();
    let mut checks = vec![check_hex(v, "mobile_pin_ascii", &ascii)];
    // The mask: unlock an all-zero SUK.
    let pin = api!(MobilePin::parse(pin_s));
    let mask = MaskedUmdKey::from_bytes(&[0; 16]).unlock(pin);
    checks.push(check_hex(v, "pin_mask", mask.expose_secret()));
    let pin = api!(MobilePin::parse(pin_s));
    let sk = MaskedUmdKey::from_bytes(&key16(v, "suk")?).unlock(pin);
    checks.push(check_hex(v, "session_key", sk.expose_secret()));
    all(checks)
}

/// The unmasked UMD key bytes, and the masked key when the file has one.
type UmdKey = ([u8; 16], Option<MaskedUmdKey>);

/// The UMD key of a vector: `suk_umd` unlocked with `mobile_pin` (checked
/// against `sk_umd`) when both are present, else `sk_umd` as given.
fn umd_key(
    v: &Vector<'_>,
    checks: &mut Vec<Result<Verdict, VectorError>>,
) -> Result<Result<UmdKey, tapcrypt::Error>, VectorError> {
    if v.has("suk_umd") && v.has("mobile_pin") {
        let pin = match MobilePin::parse(v.str("mobile_pin")?) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let suk = key16(v, "suk_umd")?;
        let sk = MaskedUmdKey::from_bytes(&suk).unlock(pin);
        checks.push(check_hex(v, "sk_umd", sk.expose_secret()));
        Ok(Ok((
            *sk.expose_secret(),
            Some(MaskedUmdKey::from_bytes(&suk)),
        )))
    } else {
        Ok(Ok((key16(v, "sk_umd")?, None)))
    }
}

fn mcbp_ac(v: &Vector<'_>) -> R {
    let remote = match v.str("kind")? {
        "contactless" => false,
        "dsrp" => true,
        k => return Ok(Verdict::NotApplicable(format!("unknown MCBP AC kind {k}"))),
    };
    let txn = txn_of(v, "tag_9f36")?;
    let cvr: [u8; 6] = v.hex_n("cvr")?;
    let mut checks = Vec::new();
    let (umd, suk) = api!(umd_key(v, &mut checks)?);
    let md = key16(v, "sk_md")?;
    let mut input = txn.to_bytes().to_vec();
    input.extend_from_slice(&cvr);
    checks.push(check_hex(v, "ac_input_data", &input));
    // Full AC_MD with the generic retail MAC (the API only ever emits its
    // first 5 bytes, in the IAD).
    let ac_md = api!(retail_mac(
        &api!(MacKey::new(Algorithm::Tdes2, &md)),
        &input,
        Padding::Method2
    ));
    checks.push(check_hex(v, "ac_md", &ac_md));
    let has_iad = v.has("iad_template");
    let template: [u8; 18] = if has_iad {
        v.hex_n("iad_template")?
    } else {
        let mut t = [0u8; 18];
        t[0] = 0x01;
        t[1] = 0x14;
        t
    };
    let profile = McbpProfile {
        iad_template: template,
        pin_iv_cvc3_track2: [0; 2],
    };
    let tap = McbpTap {
        txn,
        cvr,
        dac: if v.has("tag_9f45") {
            v.hex_n("tag_9f45")?
        } else {
            [0; 2]
        },
        icc_dynamic_number: if v.has("tag_9f4c") {
            v.hex_n("tag_9f4c")?
        } else {
            [0; 8]
        },
    };
    // Device: the unlocked credential computes the dual AC (when the file
    // holds the masked key and the PIN; else from the unmasked key with an
    // all-zero mask, i.e. the key as given).
    let atc = txn.atc;
    let creds = match suk {
        Some(suk) => {
            let pin = api!(MobilePin::parse(v.str("mobile_pin")?));
            (
                SingleUseKeys::contactless(atc, SingleUseKey::from_bytes(&md), suk).with_remote(
                    SingleUseKey::from_bytes(&md),
                    MaskedUmdKey::from_bytes(&key16(v, "suk_umd")?),
                ),
                pin,
            )
        }
        None => return Err("mcbp_ac vectors need suk_umd and mobile_pin".into()),
    };
    let unlocked = creds.0.unlock(creds.1);
    let dual = if remote {
        api!(unlocked.remote_ac(&profile, &tap))
    } else {
        api!(unlocked.contactless_ac(&profile, &tap))
    };
    checks.push(check_hex(v, "ac_umd", &dual.ac.0));
    checks.push(check_hex(v, "tag_9f26", &dual.ac.0));
    checks.push(check_hex(v, "iad_md_part", &dual.iad[11..16]));
    if v.has("dac_idn") {
        checks.push(check_hex(v, "dac_idn", &dual.iad[8..10]));
    }
    if v.has("tag_9f10") {
        checks.push(check_hex(v, "tag_9f10", &dual.iad));
    }
    // Backend: the file's cryptograms verify as PIN-verified with the
    // issued (unmasked) keys, and the credential is then spent.
    let mut iad_bytes = dual.iad;
    if v.has("tag_9f10") {
        iad_bytes = v.hex_n("tag_9f10")?;
    }
    iad_bytes[11..16].copy_from_slice(&v.hex_n::<5>("iad_md_part")?);
    let iad = api!(McbpIad::parse(&iad_bytes, &profile));
    let mut batch = IssuedKeyBatch::<1>::new();
    let issued = IssuedSingleUseKeys::contactless(
        atc,
        SingleUseKey::from_bytes(&umd),
        SingleUseKey::from_bytes(&md),
    )
    .with_remote(
        SingleUseKey::from_bytes(&umd),
        SingleUseKey::from_bytes(&md),
    );
    api!(batch.insert(issued));
    let file_ac = Cryptogram(v.hex_n("tag_9f26")?);
    let r = if remote {
        mcbp::verify_remote(&mut batch, &txn, &iad, &file_ac)
    } else {
        mcbp::verify_contactless(&mut batch, &txn, &iad, &file_ac)
    };
    checks.push(verdict_ok(
        "tag_9f26",
        matches!(r, Ok(McbpVerdict::PinVerified(_))) && batch.unspent() == 0,
        "to verify as PIN-verified at the backend and spend the keys",
    ));
    all(checks)
}

fn dec_u16(v: &Vector<'_>, field: &str) -> Result<u16, VectorError> {
    let n = v.uint(field)?;
    u16::try_from(n).map_err(|_| format!("field `{field}`: {n} is not a 16-bit value"))
}

fn mcbp_cvc3(v: &Vector<'_>) -> R {
    let mut checks = Vec::new();
    let (umd, suk) = api!(umd_key(v, &mut checks)?);
    let md = key16(v, "sk_md")?;
    let iv: [u8; 2] = v.hex_n("pin_ivcvc3_track2")?;
    let un = UnpredictableNumber(v.hex_n("un")?);
    let atc = Atc(v.hex_n("atc")?);
    let mut x = [0u8; 8];
    x[..2].copy_from_slice(&iv);
    x[2..6].copy_from_slice(&un.0);
    x[6..].copy_from_slice(&atc.0);
    checks.push(check_hex(v, "ccc_input", &x));
    // The DES step with our TDES (the intermediates the SDK test asserts).
    let mut du = x;
    api!(tapcrypt::__internal::tdes_encrypt_block(&umd, &mut du));
    checks.push(check_hex(v, "des_umd", &du));
    let mut dm = x;
    api!(tapcrypt::__internal::tdes_encrypt_block(&md, &mut dm));
    checks.push(check_hex(v, "des_md", &dm));
    let profile = McbpProfile {
        iad_template: [0; 18],
        pin_iv_cvc3_track2: iv,
    };
    // Device: the credential, unlocked (or the UMD key as given, under an
    // empty-mask PIN is not possible: the PIN has 4+ digits, so a vector
    // without suk_umd re-masks the UMD key with a fixed PIN first).
    let (masked, pin) = match suk {
        Some(s) => (s, api!(MobilePin::parse(v.str("mobile_pin")?))),
        None => {
            let pin = api!(MobilePin::parse("0000"));
            let issued = IssuedSingleUseKeys::contactless(
                atc,
                SingleUseKey::from_bytes(&umd),
                SingleUseKey::from_bytes(&md),
            );
            let creds = issued.masked_for_device(&pin);
            let out = creds.unlock(pin).cvc3(&profile, un);
            return finish_cvc3(v, checks, out, umd, md, &profile, un, atc);
        }
    };
    let creds = SingleUseKeys::contactless(atc, SingleUseKey::from_bytes(&md), masked);
    let out = creds.unlock(pin).cvc3(&profile, un);
    finish_cvc3(v, checks, out, umd, md, &profile, un, atc)
}

#[allow(clippy::too_many_arguments)]
fn finish_cvc3(
    v: &Vector<'_>,
    mut checks: Vec<Result<Verdict, VectorError>>,
    out: DualCvc3,
    umd: [u8; 16],
    md: [u8; 16],
    profile: &McbpProfile,
    un: UnpredictableNumber,
    atc: Atc,
) -> R {
    checks.push(check_hex(v, "cvc3", &out.cvc3));
    checks.push(check_hex(v, "crypto_atc", &out.crypto_atc));
    checks.push(check_str(
        v,
        "cvc3_decimal",
        &u16::from_be_bytes(out.cvc3).to_string(),
    ));
    checks.push(check_str(
        v,
        "crypto_atc_decimal",
        &u16::from_be_bytes(out.crypto_atc).to_string(),
    ));
    // Backend with the file's values.
    let received = DualCvc3 {
        cvc3: v.hex_n("cvc3")?,
        crypto_atc: v.hex_n("crypto_atc")?,
    };
    let consistent = u16::from_be_bytes(received.cvc3) == dec_u16(v, "cvc3_decimal")?
        && u16::from_be_bytes(received.crypto_atc) == dec_u16(v, "crypto_atc_decimal")?;
    checks.push(verdict_ok(
        "cvc3_decimal",
        consistent,
        "the decimal fields to equal the hex ones",
    ));
    let mut batch = IssuedKeyBatch::<1>::new();
    api!(batch.insert(IssuedSingleUseKeys::contactless(
        atc,
        SingleUseKey::from_bytes(&umd),
        SingleUseKey::from_bytes(&md),
    )));
    let r = mcbp::verify_cvc3(&mut batch, profile, un, atc, &received);
    checks.push(verdict_ok(
        "cvc3",
        matches!(r, Ok(McbpVerdict::PinVerified(_))),
        "to verify as PIN-verified at the backend",
    ));
    all(checks)
}
