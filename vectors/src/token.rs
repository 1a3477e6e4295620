//! Runners for FF1, Luhn and DPAN-range vectors.

use tapcrypt::Algorithm;
use tapcrypt::token::ff1::Ff1;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey, luhn};

use crate::{Group, Vector, VectorError, Verdict, all, api, check_str};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[
    Group {
        name: "ff1",
        outputs: &["ciphertext", "plaintext"],
        run: ff1,
    },
    Group {
        name: "luhn",
        outputs: &["check_digit"],
        run: luhn_group,
    },
    Group {
        name: "dpan_range",
        outputs: &["dpan"],
        run: dpan_range,
    },
];

fn ff1(v: &Vector<'_>) -> R {
    if v.uint("radix")? != 10 {
        // The API has no radix parameter, so nothing of tapcrypt's runs here.
        return Ok(Verdict::NotApplicable(
            "tapcrypt's FF1 is radix 10 only (no radix parameter)".into(),
        ));
    }
    let kb = v.hex("key")?;
    let key = api!(DpanRangeKey::new(
        Algorithm::aes_for_len(kb.len()).unwrap_or(Algorithm::Tdes2),
        &kb
    ));
    let f = api!(Ff1::new(&key));
    let tweak = v.hex("tweak")?;
    let (pt, ct) = (v.str("plaintext")?, v.str("ciphertext")?);
    let mut buf = [0u8; 64];
    let got_ct = api!(f.encrypt_str(&tweak, pt, &mut buf)).to_string();
    let got_pt = api!(f.decrypt_str(&tweak, ct, &mut buf)).to_string();
    all([
        check_str(v, "ciphertext", &got_ct),
        check_str(v, "plaintext", &got_pt),
    ])
}

fn luhn_group(v: &Vector<'_>) -> R {
    let pan = v.str("pan")?;
    if !api!(luhn::is_valid(pan)) {
        return Ok(Verdict::Rejected("Luhn check failed".into()));
    }
    let c = api!(luhn::check_digit(v.str("payload")?));
    check_str(v, "check_digit", &c.to_string())
}

fn dpan_range(v: &Vector<'_>) -> R {
    let key = api!(DpanRangeKey::new(Algorithm::Aes256, &v.hex("key")?));
    let bin = api!(Bin::parse(v.str("token_bin")?));
    let version =
        u16::try_from(v.uint("key_version")?).map_err(|_| "key_version too large".to_string())?;
    let range = api!(DpanRange::new(bin, &key, version, v.str("domain")?, 0));
    let seq = v.uint("sequence_number")?;
    let d = api!(range.dpan_for(seq));
    let mut s = [0u8; 19];
    let got = String::from_utf8_lossy(d.write_ascii(&mut s)).into_owned();
    let mut checks = vec![check_str(v, "dpan", &got)];
    // Detokenizing the file's DPAN must give the file's sequence number.
    let file = api!(Dpan::parse(v.str("dpan")?));
    match range.detokenize(&file) {
        Ok(s) if s == seq => {}
        Ok(s) => checks.push(Ok(Verdict::Mismatch {
            field: "dpan".into(),
            expected: format!("to detokenize to {seq}"),
            got: s.to_string(),
        })),
        Err(e) => checks.push(Ok(Verdict::Mismatch {
            field: "dpan".into(),
            expected: format!("to detokenize to {seq}"),
            got: format!("rejected: {e}"),
        })),
    }
    all(checks)
}
