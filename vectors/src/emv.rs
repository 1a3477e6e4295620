//! Runners for the EMV groups of `emv.json`, through tapcrypt's public API.

use tapcrypt::emv::derive::{self, MkDerivation, TreeParams};
use tapcrypt::emv::script;
use tapcrypt::emv::{
    ArpcResponse, Atc, CardKeySchedule, Cryptogram, Csu, Cvn, ResponseCode, TransactionData,
    UnpredictableNumber, arpc,
};
use tapcrypt::hazmat::{arpc_method1, arpc_method2, mac_cryptogram, verify_mac_cryptogram};
use tapcrypt::mac::{self, MacKey, Padding};
use tapcrypt::{
    Algorithm, CardMacKey, CardMasterKey, IssuerEncKey, IssuerMacKey, IssuerMasterKey, Pan, Psn,
    SessionKey,
};

use crate::{Group, Vector, VectorError, Verdict, all, api, check_hex, check_str};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[
    Group {
        name: "des_odd_parity",
        outputs: &["key_out"],
        run: des_odd_parity,
    },
    Group {
        name: "aes_kcv",
        outputs: &["kcv_cmac", "kcv_ecb_zero"],
        run: aes_kcv,
    },
    Group {
        name: "tdes_kcv",
        outputs: &["kcv"],
        run: tdes_kcv,
    },
    Group {
        name: "iso9797_1_padding",
        outputs: &["method1", "method2"],
        run: padding,
    },
    Group {
        name: "iso9797_1_mac_alg3_des",
        outputs: &["mac"],
        run: retail_mac,
    },
    Group {
        name: "aes_cmac",
        outputs: &["cmac"],
        run: aes_cmac,
    },
    Group {
        name: "icc_mk_option_a",
        outputs: &["icc_mk", "icc_mk_kcv"],
        run: icc_mk_a,
    },
    Group {
        name: "icc_mk_option_b",
        outputs: &["icc_mk", "icc_mk_kcv"],
        run: icc_mk_b,
    },
    Group {
        name: "icc_mk_option_c_aes",
        outputs: &["icc_mk"],
        run: icc_mk_c,
    },
    Group {
        name: "csk_tdes",
        outputs: &["session_key", "session_key_kcv"],
        run: csk,
    },
    Group {
        name: "csk_aes",
        outputs: &["session_key"],
        run: csk,
    },
    Group {
        name: "mastercard_skd",
        outputs: &["session_key", "session_key_kcv"],
        run: mc_skd,
    },
    Group {
        name: "visa_sm_xor_sk",
        outputs: &["session_key", "session_key_kcv"],
        run: visa_xor,
    },
    Group {
        name: "emv2000_tree_sk",
        outputs: &["session_key"],
        run: tree,
    },
    Group {
        name: "ac_tdes_retail_mac",
        outputs: &["cryptogram", "data"],
        run: ac_mac,
    },
    Group {
        name: "ac_aes_cmac",
        outputs: &["cryptogram", "data"],
        run: ac_mac,
    },
    Group {
        name: "arpc_method1_tdes",
        outputs: &["arpc", "issuer_auth_data_91"],
        run: arpc1,
    },
    Group {
        name: "arpc_method1_aes",
        outputs: &["arpc"],
        run: arpc1,
    },
    Group {
        name: "arpc_method2_tdes",
        outputs: &["arpc", "issuer_auth_data_91"],
        run: arpc2,
    },
    Group {
        name: "arpc_method2_aes",
        outputs: &["arpc"],
        run: arpc2,
    },
    Group {
        name: "chain_emv_csk_tdes",
        outputs: &[
            "icc_mk",
            "session_key",
            "arqc",
            "arpc_method1",
            "arpc_method2",
        ],
        run: chain,
    },
    Group {
        name: "chain_emv_csk_aes",
        outputs: &[
            "icc_mk",
            "session_key",
            "arqc",
            "arpc_method1",
            "arpc_method2",
        ],
        run: chain,
    },
    Group {
        name: "ac_dpan_bound",
        outputs: &["card_data", "session_key", "arqc"],
        run: dpan_bound,
    },
    Group {
        name: "cvn_visa_10",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_visa_18",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_visa_22",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_mc_16",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_mc_17",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_mc_20",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_mc_21",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
    Group {
        name: "cvn_interac_133",
        outputs: CVN_OUTPUTS,
        run: cvn,
    },
];

const CVN_OUTPUTS: &[&str] = &[
    "icc_mk_ac",
    "icc_mk_smi",
    "icc_mk_smc",
    "ac_input_data",
    "arqc",
    "arpc",
    "command_mac",
    "pin_change",
    "pin_change_with_current",
];

fn pan_psn(v: &Vector<'_>) -> Result<Result<(Pan, Psn), tapcrypt::Error>, VectorError> {
    let pan = v.str("pan")?;
    let psn = v.opt_str("psn")?;
    Ok((|| {
        Ok((
            Pan::parse(pan)?,
            psn.map(Psn::parse).transpose()?.unwrap_or(Psn::ABSENT),
        ))
    })())
}

fn tdes_or_aes(len: usize) -> Algorithm {
    Algorithm::tdes_for_len(len).unwrap_or(Algorithm::Aes256)
}

fn des_odd_parity(v: &Vector<'_>) -> R {
    let mut k = v.hex("key_in")?;
    tapcrypt::keys::odd_parity_adjust(&mut k);
    check_hex(v, "key_out", &k)
}

fn tdes_kcv(v: &Vector<'_>) -> R {
    let k = v.hex("key")?;
    let key = api!(MacKey::new(tdes_or_aes(k.len()), &k));
    check_hex(v, "kcv", &key.kcv().0)
}

fn aes_kcv(v: &Vector<'_>) -> R {
    let k = v.hex("key")?;
    let alg = Algorithm::aes_for_len(k.len()).unwrap_or(Algorithm::Tdes3);
    let key = api!(MacKey::new(alg, &k));
    all([
        check_hex(v, "kcv_cmac", &key.kcv().0),
        check_hex(v, "kcv_ecb_zero", &key.kcv_ecb_zero().0),
    ])
}

fn padding(v: &Vector<'_>) -> R {
    let data = v.hex("data")?;
    let block = v.uint("block")? as usize;
    let mut buf = vec![0u8; data.len() + 2 * block + 1];
    let mut out = Vec::new();
    for (field, m) in [("method1", Padding::Method1), ("method2", Padding::Method2)] {
        let n = api!(mac::pad(&data, m, block, &mut buf));
        out.push(check_hex(v, field, &buf[..n]));
    }
    all(out)
}

fn retail_mac(v: &Vector<'_>) -> R {
    let key = api!(MacKey::new(Algorithm::Tdes2, &v.hex("key")?));
    let p = api!(Padding::from_number(v.uint("padding_method")?));
    let m = api!(mac::retail_mac(&key, &v.hex("data")?, p));
    let want = v.hex("mac")?;
    // Vectors may carry a truncated MAC (4..8 bytes): compare the leftmost bytes.
    check_hex(v, "mac", &m[..want.len().min(8)])
}

fn aes_cmac(v: &Vector<'_>) -> R {
    let k = v.hex("key")?;
    let key = api!(MacKey::new(
        Algorithm::aes_for_len(k.len()).unwrap_or(Algorithm::Tdes2),
        &k
    ));
    let t = api!(mac::aes_cmac(&key, &v.hex("data")?));
    check_hex(v, "cmac", &t)
}

fn icc_mk(v: &Vector<'_>, m: MkDerivation) -> R {
    let imk_bytes = v.hex("imk")?;
    let alg = if m == MkDerivation::OptionC {
        Algorithm::aes_for_len(imk_bytes.len()).unwrap_or(Algorithm::Tdes2)
    } else {
        Algorithm::Tdes2
    };
    let imk = api!(IssuerMasterKey::new(alg, &imk_bytes));
    let (pan, psn) = api!(pan_psn(v)?);
    let mk = if m == MkDerivation::OptionC {
        let k = if v.has("icc_mk_len") {
            v.uint("icc_mk_len")? as usize
        } else {
            imk_bytes.len()
        };
        api!(derive::option_c(&imk, &pan, psn, k))
    } else {
        api!(derive::derive_card_key(m, &imk, &pan, psn))
    };
    let mut checks = vec![check_hex(v, "icc_mk", mk.expose_secret())];
    if v.has("icc_mk_kcv") {
        checks.push(check_hex(v, "icc_mk_kcv", &mk.kcv().0));
    }
    all(checks)
}

fn icc_mk_a(v: &Vector<'_>) -> R {
    icc_mk(v, MkDerivation::OptionA)
}
fn icc_mk_b(v: &Vector<'_>) -> R {
    icc_mk(v, MkDerivation::OptionB)
}
fn icc_mk_c(v: &Vector<'_>) -> R {
    icc_mk(v, MkDerivation::OptionC)
}

fn card_key(
    v: &Vector<'_>,
    field: &str,
    aes: bool,
) -> Result<Result<CardMasterKey, tapcrypt::Error>, VectorError> {
    let b = v.hex(field)?;
    let alg = if aes {
        Algorithm::aes_for_len(b.len()).unwrap_or(Algorithm::Tdes2)
    } else {
        Algorithm::Tdes2
    };
    Ok(CardMasterKey::new(alg, &b))
}

fn check_sk(v: &Vector<'_>, sk: &SessionKey) -> R {
    let mut checks = vec![check_hex(v, "session_key", sk.expose_secret())];
    if v.has("session_key_kcv") {
        checks.push(check_hex(v, "session_key_kcv", &sk.kcv().0));
    }
    all(checks)
}

fn csk(v: &Vector<'_>) -> R {
    let aes = v.group.ends_with("aes");
    let mk = api!(card_key(v, "icc_mk", aes)?);
    let sk = api!(derive::common_session_key(&mk, &v.hex("r")?));
    check_sk(v, &sk)
}

fn mc_skd(v: &Vector<'_>) -> R {
    let mk = api!(card_key(v, "icc_mk", false)?);
    let atc = api!(Atc::from_slice(&v.hex("atc")?));
    let un = api!(UnpredictableNumber::from_slice(&v.hex("un")?));
    let sk = api!(derive::mastercard_skd(&mk, atc, un));
    check_sk(v, &sk)
}

fn visa_xor(v: &Vector<'_>) -> R {
    // The XOR method is the Visa script-key derivation: MK-SMI → SK-SMI.
    let mk = api!(CardMacKey::new(Algorithm::Tdes2, &v.hex("icc_mk")?));
    let atc = api!(Atc::from_slice(&v.hex("atc")?));
    let sk = api!(derive::visa_xor_session_key(&mk, atc));
    let mut checks = vec![check_hex(v, "session_key", sk.expose_secret())];
    if v.has("session_key_kcv") {
        checks.push(check_hex(v, "session_key_kcv", &sk.kcv().0));
    }
    all(checks)
}

fn tree(v: &Vector<'_>) -> R {
    let mk = api!(card_key(v, "icc_mk", false)?);
    let atc = api!(Atc::from_slice(&v.hex("atc")?));
    let p = TreeParams {
        height: u8::try_from(v.uint("height")?)
            .map_err(|_| "field `height`: too large".to_string())?,
        branch_factor: u8::try_from(v.uint("branch_factor")?)
            .map_err(|_| "field `branch_factor`: too large".to_string())?,
        iv: v.hex_n::<16>("iv")?,
    };
    let sk = api!(derive::emv2000_tree_session_key(&mk, atc, p));
    check_sk(v, &sk)
}

fn session_key(
    v: &Vector<'_>,
    field: &str,
) -> Result<Result<SessionKey, tapcrypt::Error>, VectorError> {
    let b = v.hex(field)?;
    let alg = if v.group.contains("aes") {
        Algorithm::aes_for_len(b.len()).unwrap_or(Algorithm::Tdes2)
    } else {
        Algorithm::Tdes2
    };
    Ok(SessionKey::new(alg, &b))
}

fn ac_mac(v: &Vector<'_>) -> R {
    let sk = api!(session_key(v, "session_key")?);
    let p = if v.has("padding_method") {
        api!(Padding::from_number(v.uint("padding_method")?))
    } else {
        Padding::Method2
    };
    let data = v.hex("data")?;
    let ac = api!(mac_cryptogram(&sk, &data, p));
    let mut checks = vec![check_hex(v, "cryptogram", &ac.0)];
    // Verification must accept the file's cryptogram over the file's data;
    // when `data` is flipped this reports a mismatch on `data`.
    let want = Cryptogram(v.hex_n::<8>("cryptogram")?);
    if verify_mac_cryptogram(&sk, &data, p, &want).is_err() {
        checks.push(Ok(Verdict::Mismatch {
            field: "data".into(),
            expected: "the file's cryptogram to verify".into(),
            got: "verification failed".into(),
        }));
    }
    if v.has("cmac_full") {
        let key = api!(MacKey::new(sk.algorithm(), sk.expose_secret()));
        checks.push(check_hex(v, "cmac_full", &api!(mac::aes_cmac(&key, &data))));
    }
    all(checks)
}

fn arpc_key(v: &Vector<'_>) -> Result<Result<SessionKey, tapcrypt::Error>, VectorError> {
    session_key(v, if v.has("key") { "key" } else { "session_key" })
}

fn arpc1(v: &Vector<'_>) -> R {
    let k = api!(arpc_key(v)?);
    let arqc = Cryptogram(v.hex_n("arqc")?);
    let arc = api!(ResponseCode::from_slice(&v.hex("arc")?));
    let a = arpc_method1(&k, &arqc, arc);
    let mut checks = vec![check_hex(v, "arpc", &a)];
    if v.has("issuer_auth_data_91") {
        let mut buf = [0u8; 16];
        let resp = ArpcResponse::Method1 { arc };
        let iad = api!(arpc::Arpc::Method1(a).issuer_authentication_data(&resp, &mut buf));
        checks.push(check_hex(v, "issuer_auth_data_91", iad));
    }
    all(checks)
}

fn arpc2(v: &Vector<'_>) -> R {
    let k = api!(arpc_key(v)?);
    let arqc = Cryptogram(v.hex_n("arqc")?);
    let csu = api!(Csu::from_slice(&v.hex("csu")?));
    let prop = v.hex("prop_auth_data")?;
    let a = api!(arpc_method2(&k, &arqc, csu, &prop));
    let mut checks = vec![check_hex(v, "arpc", &a)];
    if v.has("issuer_auth_data_91") {
        let mut buf = [0u8; 16];
        let resp = ArpcResponse::Method2 {
            csu,
            proprietary: &prop,
        };
        let iad = api!(arpc::Arpc::Method2(a).issuer_authentication_data(&resp, &mut buf));
        checks.push(check_hex(v, "issuer_auth_data_91", iad));
    }
    all(checks)
}

fn mk_method(v: &Vector<'_>) -> Result<MkDerivation, VectorError> {
    match v.str("mk_derivation")? {
        "A" => Ok(MkDerivation::OptionA),
        "B" => Ok(MkDerivation::OptionB),
        "C" => Ok(MkDerivation::OptionC),
        other => Err(format!("field `mk_derivation`: unknown option {other:?}")),
    }
}

fn chain(v: &Vector<'_>) -> R {
    let m = mk_method(v)?;
    let imk_b = v.hex("imk")?;
    let alg = if m == MkDerivation::OptionC {
        Algorithm::aes_for_len(imk_b.len()).unwrap_or(Algorithm::Tdes2)
    } else {
        Algorithm::Tdes2
    };
    let imk = api!(IssuerMasterKey::new(alg, &imk_b));
    let (pan, psn) = api!(pan_psn(v)?);
    let mk = api!(derive::derive_card_key(m, &imk, &pan, psn));
    let atc = api!(Atc::from_slice(&v.hex("atc")?));
    let sk = api!(derive::session_key_ac(&mk, atc));
    let p = if v.has("padding_method") {
        api!(Padding::from_number(v.uint("padding_method")?))
    } else {
        Padding::Method2
    };
    let ac = api!(mac_cryptogram(&sk, &v.hex("cdol_data")?, p));
    let arc = api!(ResponseCode::from_slice(&v.hex("arc")?));
    let csu = api!(Csu::from_slice(&v.hex("csu")?));
    let a1 = arpc_method1(&sk, &ac, arc);
    let a2 = api!(arpc_method2(&sk, &ac, csu, &[]));
    all([
        check_hex(v, "icc_mk", mk.expose_secret()),
        check_hex(v, "session_key", sk.expose_secret()),
        check_hex(v, "arqc", &ac.0),
        check_hex(v, "arpc_method1", &a1),
        check_hex(v, "arpc_method2", &a2),
    ])
}

fn cvn_profile(group: &str) -> Result<&'static Cvn, VectorError> {
    use tapcrypt::emv::*;
    Ok(match group {
        "cvn_visa_10" => &VISA_CVN_10,
        "cvn_visa_18" => &VISA_CVN_18,
        "cvn_visa_22" => &VISA_CVN_22,
        "cvn_mc_16" => &MASTERCARD_CVN_16,
        "cvn_mc_17" => &MASTERCARD_CVN_17,
        "cvn_mc_20" => &MASTERCARD_CVN_20,
        "cvn_mc_21" => &MASTERCARD_CVN_21,
        "cvn_interac_133" => &INTERAC_CVN_133,
        other => return Err(format!("no CVN profile for group {other}")),
    })
}

/// The minimum cryptogram data from the vector's `tag_*` fields.
pub(crate) fn transaction(
    v: &Vector<'_>,
) -> Result<Result<TransactionData, tapcrypt::Error>, VectorError> {
    let mut b = Vec::with_capacity(33);
    for t in [
        "9f02", "9f03", "9f1a", "95", "5f2a", "9a", "9c", "9f37", "82", "9f36",
    ] {
        b.extend(v.hex(&format!("tag_{t}"))?);
    }
    Ok(TransactionData::from_slice(&b))
}

/// The card data after the minimum set, as the vector gives it.
pub(crate) fn cvn_card_data(v: &Vector<'_>) -> Result<Vec<u8>, VectorError> {
    if v.has("tag_9f10") {
        return v.hex("tag_9f10");
    }
    let mut d = v.hex("cvr")?;
    if v.has("counters") {
        d.extend(v.hex("counters")?);
    }
    Ok(d)
}

fn cvn(v: &Vector<'_>) -> R {
    let cvn = cvn_profile(v.group)?;
    let (pan, psn) = api!(pan_psn(v)?);
    let imk_ac = api!(IssuerMasterKey::new(Algorithm::Tdes2, &v.hex("iss_mk_ac")?));
    let imk_smi = api!(IssuerMacKey::new(Algorithm::Tdes2, &v.hex("iss_mk_smi")?));
    let imk_smc = api!(IssuerEncKey::new(Algorithm::Tdes2, &v.hex("iss_mk_smc")?));
    let mk_ac = api!(cvn.derive_card_key(&imk_ac, &pan, psn));
    // Each family from its own IMK, typed by role (MK-SMI, MK-SMC).
    let mk_smi = api!(derive::derive_card_key(
        cvn.mk_derivation,
        &imk_smi,
        &pan,
        psn
    ));
    let mk_smc = api!(derive::derive_card_key(
        cvn.mk_derivation,
        &imk_smc,
        &pan,
        psn
    ));
    let txn = api!(transaction(v)?);
    let card_data_bytes = cvn_card_data(v)?;
    let card_data = api!(cvn.card_data(&card_data_bytes));
    let mut input = txn.to_bytes().to_vec();
    input.extend_from_slice(card_data.as_bytes());
    // Issuer side: keys from the card key as derived. Device side: the same
    // card key held as an expanded schedule, as firmware would.
    let tk = api!(cvn.transaction_keys(&mk_ac, txn.atc, txn.un));
    let device_card = CardKeySchedule::new(api!(cvn.derive_card_key(&imk_ac, &pan, psn)));
    let dk = api!(cvn.transaction_keys_with(&device_card, txn.atc, txn.un));
    let ac = api!(dk.generate_ac(&txn, &card_data));
    let mut checks = vec![
        check_hex(v, "icc_mk_ac", mk_ac.expose_secret()),
        check_hex(v, "icc_mk_smi", mk_smi.expose_secret()),
        check_hex(v, "icc_mk_smc", mk_smc.expose_secret()),
        check_hex(v, "ac_input_data", &input),
        check_hex(v, "arqc", &ac.0),
    ];
    let prop;
    let resp = if v.has("arc") {
        ArpcResponse::Method1 {
            arc: api!(ResponseCode::from_slice(&v.hex("arc")?)),
        }
    } else {
        prop = v.hex("prop_auth_data")?;
        ArpcResponse::Method2 {
            csu: api!(Csu::from_slice(&v.hex("csu")?)),
            proprietary: &prop,
        }
    };
    // The issuer must accept the file's ARQC (a flipped ARQC must fail
    // here), and the ARPC comes only from that verification.
    let file_arqc = Cryptogram(v.hex_n("arqc")?);
    let verified = match tk.verify_arqc(&txn, &card_data, &file_arqc) {
        Ok(verified) => verified,
        Err(_) => {
            return all([Ok(Verdict::Mismatch {
                field: "arqc".into(),
                expected: v.str("arqc")?.into(),
                got: "rejected by verify_arqc".into(),
            })]
            .into_iter()
            .chain(checks));
        }
    };
    let arpc = api!(verified.arpc(&resp));
    checks.push(check_hex(v, "arpc", arpc.as_bytes()));
    // And the device must accept the file's ARPC.
    let file_arpc = match arpc {
        arpc::Arpc::Method1(_) => arpc::Arpc::Method1(v.hex_n("arpc")?),
        arpc::Arpc::Method2(_) => arpc::Arpc::Method2(v.hex_n("arpc")?),
    };
    if dk.verify_arpc(&file_arqc, &resp, &file_arpc).is_err() {
        checks.push(Ok(Verdict::Mismatch {
            field: "arpc".into(),
            expected: v.str("arpc")?.into(),
            got: "rejected by verify_arpc".into(),
        }));
    }
    // Issuer scripts answer the verified ARQC: script session keys from
    // MK-SMI/MK-SMC, a command MAC over the vector's header, and whole
    // PIN-change commands, all from the proof (the pinned CVN's profile).
    let sk_smi = api!(verified.script_session_key(&mk_smi, 0));
    let sk_smc = api!(verified.script_session_key(&mk_smc, 0));
    let header = v.hex_n::<5>("script_command_header")?;
    let mac = api!(verified.script_command_mac(&sk_smi, &header, &[]));
    checks.push(check_hex(v, "command_mac", &mac));
    let pin = api!(script::Pin::parse(v.str("pin")?));
    let mut buf = [0u8; 64];
    let n = api!(verified.pin_change_command(&mk_ac, &sk_smi, &sk_smc, &pin, None, &mut buf));
    checks.push(check_hex(v, "pin_change", &buf[..n]));
    if let Some(cur) = v.opt_str("current_pin")? {
        let cur = api!(script::Pin::parse(cur));
        let n =
            api!(verified.pin_change_command(&mk_ac, &sk_smi, &sk_smc, &pin, Some(&cur), &mut buf));
        checks.push(check_hex(v, "pin_change_with_current", &buf[..n]));
    }
    let _ = check_str;
    all(checks)
}

fn dpan_bound(v: &Vector<'_>) -> R {
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    let imk_b = v.hex("imk")?;
    let imk = api!(IssuerMasterKey::new(
        Algorithm::aes_for_len(imk_b.len()).unwrap_or(Algorithm::Tdes2),
        &imk_b
    ));
    let dpan = api!(Pan::parse(v.str("dpan")?));
    // The card key comes from the token account when the vector names one,
    // else from the DPAN itself.
    let account = match v.opt_str("pan")? {
        Some(p) => api!(Pan::parse(p)),
        None => api!(Pan::parse(v.str("dpan")?)),
    };
    let psn = api!(Psn::parse(v.str("psn")?));
    let txn = api!(TransactionData::from_slice(&v.hex("min_data")?));
    let iad = v.hex("iad")?;
    let mk = api!(cvn.derive_card_key(&imk, &account, psn));
    let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let cd = api!(cvn.card_data_bound(&dpan, &iad, &mut buf));
    let keys = api!(cvn.transaction_keys(&mk, txn.atc, txn.un));
    let ac = api!(keys.generate_ac(&txn, &cd));
    let sk = keys
        .session_key()
        .map(|k| k.expose_secret().to_vec())
        .unwrap_or_default();
    let mut checks = vec![
        check_hex(v, "card_data", cd.as_bytes()),
        check_hex(v, "session_key", &sk),
        check_hex(v, "arqc", &ac.0),
    ];
    // The file's ARQC must verify with the file's DPAN, and must not with
    // any other DPAN (last digit changed) under the same keys.
    let file_arqc = Cryptogram(v.hex_n("arqc")?);
    if keys.verify_arqc(&txn, &cd, &file_arqc).is_err() {
        checks.push(Ok(Verdict::Mismatch {
            field: "arqc".into(),
            expected: v.str("arqc")?.into(),
            got: "rejected by verify_arqc".into(),
        }));
    }
    let mut other = v.str("dpan")?.to_string();
    let last = other.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
    other.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
    let other = api!(Pan::parse(&other));
    let mut buf2 = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let cd2 = api!(cvn.card_data_bound(&other, &iad, &mut buf2));
    if keys.verify_arqc(&txn, &cd2, &file_arqc).is_ok() {
        checks.push(Ok(Verdict::Mismatch {
            field: "dpan".into(),
            expected: "a swapped DPAN to fail verification".into(),
            got: "it verified".into(),
        }));
    }
    all(checks)
}

/// A vector's ARQC and its 64 one-bit flips, as batched by `--batch`:
/// `(0, genuine)` first, then `(bit, flipped)` for bits 1..=64.
fn arqc_and_flips(arqc: [u8; 8]) -> impl Iterator<Item = (usize, [u8; 8])> {
    (0..=64usize).map(move |bit| {
        let mut a = arqc;
        if bit > 0 {
            a[(bit - 1) / 8] ^= 0x80 >> ((bit - 1) % 8);
        }
        (bit, a)
    })
}

/// Runs `items` through `verify_batch` in one call and judges each vector:
/// `whose[i]` is item `i`'s (vector index, flipped bit); a vector passes if
/// its genuine item verified and `genuine` accepts its proof (`None`), and
/// each flip was rejected. Appends (vector id, first error) to `failed` and
/// returns it with the note saying what was batched.
fn run_batch_and_judge(
    group: &str,
    items: &[tapcrypt::batch::Authorisation<'_>],
    whose: &[(usize, usize)],
    ids: &[&str],
    genuine: impl Fn(usize, &tapcrypt::batch::VerifiedItem) -> Option<String>,
    mut failed: Vec<(String, String)>,
) -> Option<(Vec<(String, String)>, String)> {
    use tapcrypt::batch::{Outcome, verify_batch};
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
    if let Err(e) = verify_batch(items, &mut out) {
        return Some((
            vec![(group.to_string(), format!("batch: {e}"))],
            String::new(),
        ));
    }
    let mut bad: Vec<Option<String>> = vec![None; ids.len()];
    for (&(k, bit), o) in whose.iter().zip(&out) {
        let why = match (bit, o) {
            (0, Outcome::Verified(v)) => genuine(k, v),
            (0, o) => Some(format!("batch: genuine ARQC not verified: {o:?}")),
            (_, Outcome::Rejected(_)) => None,
            (b, o) => Some(format!(
                "batch: ARQC with bit {b} flipped not rejected: {o:?}"
            )),
        };
        if let (Some(w), Some(slot @ None)) = (why, bad.get_mut(k)) {
            *slot = Some(w);
        }
    }
    for (id, b) in ids.iter().zip(bad) {
        if let Some(w) = b {
            failed.push(((*id).to_string(), w));
        }
    }
    let note = format!(
        "batch: {} genuine + {} one-bit flips in one verify_batch call",
        ids.len(),
        64 * ids.len()
    );
    Some((failed, note))
}

/// `--batch`: one cryptogram-verification group (`cvn_*`) through
/// `tapcrypt::batch::verify_batch` in a single call — every vector's genuine
/// ARQC together with its 64 one-bit flips. A vector passes if its genuine
/// item verifies with the file's ARPC and each of its flips is rejected
/// (fails only its own item). `None` for a group the batch path does not
/// take. Returns (vector id, error) for each vector that failed, and a note
/// saying what was batched.
pub(crate) fn cvn_group_batch(
    group: &str,
    list: &[serde_json::Value],
) -> Option<(Vec<(String, String)>, String)> {
    use tapcrypt::batch::{Authorisation, BatchKey};
    let cvn = cvn_profile(group).ok()?;
    struct Owned {
        id: String,
        imk: IssuerMasterKey,
        pan: Pan,
        psn: Psn,
        txn: TransactionData,
        card_data: Vec<u8>,
        arqc: [u8; 8],
        arc: Option<ResponseCode>,
        csu: Csu,
        prop: Vec<u8>,
        arpc: Vec<u8>,
    }
    let mut failed = Vec::new();
    let mut owned = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Some(fields) = item.as_object() else {
            failed.push((format!("#{i}"), "vector is not a JSON object".into()));
            continue;
        };
        let v = Vector { group, fields };
        let parsed = (|| -> Result<Owned, String> {
            let (pan, psn) = pan_psn(&v)?.map_err(|e| e.to_string())?;
            let arc = if v.has("arc") {
                Some(ResponseCode::from_slice(&v.hex("arc")?).map_err(|e| e.to_string())?)
            } else {
                None
            };
            Ok(Owned {
                id: v.id().to_string(),
                imk: IssuerMasterKey::new(Algorithm::Tdes2, &v.hex("iss_mk_ac")?)
                    .map_err(|e| e.to_string())?,
                pan,
                psn,
                txn: transaction(&v)?.map_err(|e| e.to_string())?,
                card_data: cvn_card_data(&v)?,
                arqc: v.hex_n("arqc")?,
                arc,
                csu: if v.has("csu") {
                    Csu::from_slice(&v.hex("csu")?).map_err(|e| e.to_string())?
                } else {
                    Csu::default()
                },
                prop: if v.has("prop_auth_data") {
                    v.hex("prop_auth_data")?
                } else {
                    Vec::new()
                },
                arpc: v.hex("arpc")?,
            })
        })();
        match parsed {
            Ok(o) => owned.push(o),
            Err(e) => failed.push((v.id().to_string(), format!("batch: {e}"))),
        }
    }
    // Items: per vector, the genuine ARQC then its 64 flips.
    let mut items = Vec::new();
    let mut whose = Vec::new();
    for (k, o) in owned.iter().enumerate() {
        let Ok(card_data) = cvn.card_data(&o.card_data) else {
            failed.push((o.id.clone(), "batch: card data refused".into()));
            continue;
        };
        let response = match o.arc {
            Some(arc) => ArpcResponse::Method1 { arc },
            None => ArpcResponse::Method2 {
                csu: o.csu,
                proprietary: &o.prop,
            },
        };
        for (bit, arqc) in arqc_and_flips(o.arqc) {
            items.push(Authorisation {
                cvn,
                key: BatchKey::Issuer {
                    imk: &o.imk,
                    pan: &o.pan,
                    psn: o.psn,
                },
                txn: o.txn,
                card_data,
                cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
                arqc: Cryptogram(arqc),
                response,
            });
            whose.push((k, bit));
        }
    }
    let ids: Vec<&str> = owned.iter().map(|o| o.id.as_str()).collect();
    run_batch_and_judge(
        group,
        &items,
        &whose,
        &ids,
        |k, v| match owned.get(k) {
            Some(o) if v.arpc().as_bytes() == o.arpc.as_slice() => None,
            o => Some(format!(
                "batch: ARPC {} (file {})",
                crate::hex::encode(v.arpc().as_bytes()),
                o.map(|o| crate::hex::encode(&o.arpc)).unwrap_or_default()
            )),
        },
        failed,
    )
}

/// `ac_dpan_bound` (tapcrypt's DPAN-bound AES profile, `D2`) through
/// `tapcrypt::batch::verify_batch`: each vector's ARQC with its 64 one-bit
/// flips, the whole group in one call (the AES-128 vectors through the
/// multi-key AES lanes, the others on the single-item path). The genuine
/// item must verify and its ARPC (Method 2, CSU `00000000`, no proprietary
/// data; the file has none) must equal the single-item path's; each flip
/// must fail, and only its own item. `None` for any other group.
pub(crate) fn dpan_bound_group_batch(
    group: &str,
    list: &[serde_json::Value],
) -> Option<(Vec<(String, String)>, String)> {
    use tapcrypt::batch::{Authorisation, BatchKey};
    use tapcrypt::emv::tlv::CryptogramType;
    if group != "ac_dpan_bound" {
        return None;
    }
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    struct Owned {
        id: String,
        imk: IssuerMasterKey,
        dpan: Pan,
        account: Pan,
        psn: Psn,
        txn: TransactionData,
        iad: Vec<u8>,
        arqc: [u8; 8],
    }
    let mut failed = Vec::new();
    let mut owned = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Some(fields) = item.as_object() else {
            failed.push((format!("#{i}"), "vector is not a JSON object".into()));
            continue;
        };
        let v = Vector { group, fields };
        let parsed = (|| -> Result<Owned, String> {
            let e = |e: tapcrypt::Error| e.to_string();
            let imk_b = v.hex("imk")?;
            let alg = Algorithm::aes_for_len(imk_b.len()).ok_or("IMK length")?;
            let dpan = Pan::parse(v.str("dpan")?).map_err(e)?;
            let account = match v.opt_str("pan")? {
                Some(p) => Pan::parse(p).map_err(e)?,
                None => Pan::parse(v.str("dpan")?).map_err(e)?,
            };
            Ok(Owned {
                id: v.id().to_string(),
                imk: IssuerMasterKey::new(alg, &imk_b).map_err(e)?,
                dpan,
                account,
                psn: Psn::parse(v.str("psn")?).map_err(e)?,
                txn: TransactionData::from_slice(&v.hex("min_data")?).map_err(e)?,
                iad: v.hex("iad")?,
                arqc: v.hex_n("arqc")?,
            })
        })();
        match parsed {
            Ok(o) => owned.push(o),
            Err(e) => failed.push((v.id().to_string(), format!("batch: {e}"))),
        }
    }
    let response = ArpcResponse::Method2 {
        csu: Csu::default(),
        proprietary: &[],
    };
    let mut bufs = vec![[0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX]; owned.len()];
    let mut items = Vec::new();
    let mut whose = Vec::new();
    let mut want = Vec::new();
    for (k, (o, buf)) in owned.iter().zip(bufs.iter_mut()).enumerate() {
        let Ok(card_data) = cvn.card_data_bound(&o.dpan, &o.iad, buf) else {
            failed.push((o.id.clone(), "batch: card data refused".into()));
            want.push(None);
            continue;
        };
        // The single-item path's ARPC for the file's ARQC, if it verifies.
        want.push(
            cvn.derive_card_key(&o.imk, &o.account, o.psn)
                .ok()
                .and_then(|mk| {
                    let keys = cvn.transaction_keys(&mk, o.txn.atc, o.txn.un).ok()?;
                    let p = keys
                        .verify_arqc(&o.txn, &card_data, &Cryptogram(o.arqc))
                        .ok()?;
                    p.arpc(&response).ok()
                }),
        );
        for (bit, arqc) in arqc_and_flips(o.arqc) {
            items.push(Authorisation {
                cvn,
                key: BatchKey::Issuer {
                    imk: &o.imk,
                    pan: &o.account,
                    psn: o.psn,
                },
                txn: o.txn,
                card_data,
                cryptogram_type: CryptogramType::Arqc,
                arqc: Cryptogram(arqc),
                response,
            });
            whose.push((k, bit));
        }
    }
    let ids: Vec<&str> = owned.iter().map(|o| o.id.as_str()).collect();
    run_batch_and_judge(
        group,
        &items,
        &whose,
        &ids,
        |k, v| match want.get(k) {
            Some(Some(w)) if v.arpc() == w => None,
            w => Some(format!(
                "batch: ARPC {} (single-item path {:?})",
                crate::hex::encode(v.arpc().as_bytes()),
                w.and_then(|w| w.as_ref())
            )),
        },
        failed,
    )
}
