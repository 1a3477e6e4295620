//! Runner for TR-31 / X9.143 key blocks (`tr31.json`).

use tapcrypt::Algorithm;
use tapcrypt::provision::tr31::{self, KeyBlockProtectionKey};

use crate::{Group, Vector, VectorError, Verdict, api, check_hex};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[Group {
    name: "tr31",
    outputs: &["key", "key_block"],
    run: tr31_group,
}];

fn tr31_group(v: &Vector<'_>) -> R {
    let kb = v.hex("kbpk")?;
    let block = v.str("key_block")?;
    // Version B takes a TDES KBPK, version D an AES one.
    let alg = if block.starts_with('B') {
        Algorithm::tdes_for_len(kb.len())
    } else {
        Algorithm::aes_for_len(kb.len())
    }
    .unwrap_or(Algorithm::Aes256);
    let kbpk = api!(KeyBlockProtectionKey::new(alg, &kb));
    let u = api!(tr31::unwrap(&kbpk, block.as_bytes()));
    check_hex(v, "key", u.key.expose_secret())
}
