//! The project's vector files whose layout is not `{"vectors": {group: [...]}}`
//! (they were written before the runner, or keep an upstream layout). Each is
//! recognised by its shape and rewritten into that layout (or, for
//! `p256.json`, into Wycheproof files), so `tapcrypt vectors test-vectors/data`
//! counts every vector in the folder:
//!
//! | file | shape | runs as |
//! |---|---|---|
//! | `kdf_mac.json` | `sections.{name}.vectors` | groups `kdf_aes_cmac`, `kdf_hmac_sha256`, `kdf_hkdf_sha256`, `kbkdf_counter`, `kbkdf_counter_structured` |
//! | `kbpk_pyca.json` | `kbpk`, `one_step_sha256` arrays | groups `kbpk`, `one_step_sha256` |
//! | `p256.json` | `vectors` array with `kind` | Wycheproof ECDH / ECDSA groups |
//! | `upstream/ff1.json` | `vectors` array with `plaintext` | group `ff1` (its Luhn and DPAN examples are in `ff1.json`'s `luhn` and `dpan_range`) |
//! | other `vectors` arrays | `vectors` array | skipped, named |

use serde_json::{Map, Value, json};
use tapcrypt::mac::MacKey;
use tapcrypt::provision::{DeviceKeyPair, EphemeralKeyPair, KbpkKdf, KbpkParams};
use tapcrypt::{Algorithm, kdf};

use crate::{Group, GroupReport, Vector, VectorError, Verdict, api, check_hex};

type R = Result<Verdict, VectorError>;

pub(crate) static GROUPS: &[Group] = &[
    Group {
        name: "kdf_aes_cmac",
        outputs: &["tag"],
        run: aes_cmac,
    },
    Group {
        name: "kdf_hmac_sha256",
        outputs: &["mac"],
        run: hmac_sha256,
    },
    Group {
        name: "kdf_hkdf_sha256",
        outputs: &["okm"],
        run: hkdf_sha256,
    },
    Group {
        name: "kbkdf_counter",
        outputs: &["KO"],
        run: kbkdf_counter,
    },
    Group {
        name: "kbkdf_counter_structured",
        outputs: &["KO"],
        run: kbkdf_structured,
    },
    Group {
        name: "kbpk",
        outputs: &["z", "kbpk_one_step_sha256", "kbpk_hkdf_sha256"],
        run: kbpk,
    },
    Group {
        name: "one_step_sha256",
        outputs: &["output"],
        run: one_step,
    },
];

fn aes_cmac(v: &Vector<'_>) -> R {
    let key = v.hex("key")?;
    let alg = Algorithm::aes_for_len(key.len()).ok_or("field `key`: not an AES key length")?;
    let mk = api!(MacKey::new(alg, &key));
    let tag = v.hex("tag")?;
    Ok(
        match kdf::aes_cmac_verify(&mk, &v.hex("msg")?, &tag, tag.len()) {
            Ok(()) => Verdict::Match,
            Err(_) => Verdict::Mismatch {
                field: "tag".into(),
                expected: crate::hex::encode(&tag),
                got: "a tag that does not verify".into(),
            },
        },
    )
}

fn hmac_sha256(v: &Vector<'_>) -> R {
    let want = v.hex("mac")?;
    let got = kdf::hmac_sha256(&v.hex("key")?, &v.hex("data")?);
    check_hex(v, "mac", got.get(..want.len()).unwrap_or(&got))
}

fn hkdf_sha256(v: &Vector<'_>) -> R {
    let mut okm = vec![0u8; usize::try_from(v.uint("L")?).map_err(|e| e.to_string())?];
    api!(kdf::hkdf_sha256(
        &v.hex("salt")?,
        &v.hex("ikm")?,
        &v.hex("info")?,
        &mut okm
    ));
    check_hex(v, "okm", &okm)
}

fn prf(v: &Vector<'_>) -> Result<kdf::Prf, VectorError> {
    match v.str("prf")? {
        p if p.starts_with("CMAC") => Ok(kdf::Prf::CmacAes),
        "HMAC_SHA256" | "HMAC-SHA256" => Ok(kdf::Prf::HmacSha256),
        p => Err(format!("field `prf`: unknown PRF {p}")),
    }
}

fn out_len(v: &Vector<'_>) -> Result<Vec<u8>, VectorError> {
    let bits = v.uint("L_bits")?;
    if bits % 8 != 0 {
        return Err("field `L_bits`: not a whole number of bytes".into());
    }
    Ok(vec![
        0u8;
        usize::try_from(bits / 8).map_err(|e| e.to_string())?
    ])
}

fn kbkdf_counter(v: &Vector<'_>) -> R {
    let (before, after) = match v.str("ctr_location")? {
        "BEFORE_FIXED" => (Vec::new(), v.hex("fixed_input")?),
        "AFTER_FIXED" => (v.hex("fixed_input")?, Vec::new()),
        "MIDDLE_FIXED" => (v.hex("data_before_ctr")?, v.hex("data_after_ctr")?),
        l => return Err(format!("field `ctr_location`: unknown {l}")),
    };
    let mut out = out_len(v)?;
    let rlen = u32::try_from(v.uint("rlen_bits")?).map_err(|e| e.to_string())?;
    api!(kdf::sp800_108_counter(
        prf(v)?,
        &v.hex("KI")?,
        &before,
        &after,
        rlen,
        &mut out
    ));
    check_hex(v, "KO", &out)
}

fn kbkdf_structured(v: &Vector<'_>) -> R {
    let mut out = out_len(v)?;
    api!(kdf::sp800_108_counter_kdf(
        prf(v)?,
        &v.hex("KI")?,
        &v.hex("label_hex")?,
        &v.hex("context_hex")?,
        &mut out
    ));
    check_hex(v, "KO", &out)
}

fn kbpk(v: &Vector<'_>) -> R {
    let alg = match v.str("algorithm")? {
        "aes128" => Algorithm::Aes128,
        "aes192" => Algorithm::Aes192,
        "aes256" => Algorithm::Aes256,
        "tdes2" => Algorithm::Tdes2,
        "tdes3" => Algorithm::Tdes3,
        a => return Err(format!("field `algorithm`: unknown {a}")),
    };
    let d = v.hex_n::<32>("device_scalar")?;
    let e = v.hex_n::<32>("ephemeral_scalar")?;
    let device = api!(DeviceKeyPair::from_secret_bytes(&d));
    let z = api!(tapcrypt::__internal::ecdh_shared_secret_for_vectors(
        &d,
        &v.hex("ephemeral_public")?,
        tapcrypt::__internal::PeerKeyEncoding::Sec1,
    ));
    let mut checks = vec![check_hex(v, "z", &z[..])];
    let ctx = v.hex("context")?;
    for (kdf, field) in [
        (KbpkKdf::OneStepSha256, "kbpk_one_step_sha256"),
        (KbpkKdf::HkdfSha256, "kbpk_hkdf_sha256"),
    ] {
        let params = KbpkParams {
            kdf,
            algorithm: alg,
            context: &ctx,
        };
        // Both sides: the service's ephemeral key and the device's static one.
        let eph = api!(EphemeralKeyPair::from_secret_bytes_for_tests(&e));
        let eph_pub = eph.public_key();
        let service = api!(eph.derive_kbpk(&device.public_key(), &params));
        let dev = api!(device.derive_kbpk(&eph_pub, &params));
        checks.push(check_hex(v, field, service.expose_secret()));
        checks.push(check_hex(v, field, dev.expose_secret()));
    }
    crate::all(checks)
}

fn one_step(v: &Vector<'_>) -> R {
    let mut out = vec![0u8; usize::try_from(v.uint("length")?).map_err(|e| e.to_string())?];
    api!(kdf::one_step_sha256(
        &v.hex("z")?,
        &[&v.hex("fixed_info")?],
        &mut out
    ));
    check_hex(v, "output", &out)
}

/// Vectors with an `id` each (`{prefix}-{n}` where a vector has none or a
/// numeric one).
fn with_ids(list: &[Value], prefix: &str) -> Value {
    let v: Vec<Value> = list
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut m = item.as_object().cloned().unwrap_or_default();
            let id = match m.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => format!("{prefix}-{other}"),
                None => format!("{prefix}-{}", i + 1),
            };
            m.insert("id".into(), Value::String(id));
            Value::Object(m)
        })
        .collect();
    Value::Array(v)
}

/// Rewrites a file of another layout, if recognised: `None` otherwise.
pub(crate) fn run(doc: &Value) -> Option<Result<Vec<GroupReport>, String>> {
    let arr = |k: &str| doc.get(k).and_then(Value::as_array);
    // kdf_mac.json
    if let Some(sections) = doc.get("sections").and_then(Value::as_object) {
        let mut groups = Map::new();
        for (name, group) in [
            ("aes_cmac", "kdf_aes_cmac"),
            ("hmac_sha256", "kdf_hmac_sha256"),
            ("hkdf_sha256", "kdf_hkdf_sha256"),
            ("kbkdf_counter_sp800_108", "kbkdf_counter"),
            (
                "kbkdf_counter_structured_computed",
                "kbkdf_counter_structured",
            ),
        ] {
            if let Some(list) = sections
                .get(name)
                .and_then(|s| s.get("vectors"))
                .and_then(Value::as_array)
            {
                groups.insert(group.into(), with_ids(list, name));
            }
        }
        return Some(crate::run_file(&json!({ "vectors": groups })));
    }
    // kbpk_pyca.json
    if arr("kbpk").is_some() || arr("one_step_sha256").is_some() {
        let mut groups = Map::new();
        for name in ["kbpk", "one_step_sha256"] {
            if let Some(list) = arr(name) {
                groups.insert(name.into(), with_ids(list, name));
            }
        }
        return Some(crate::run_file(&json!({ "vectors": groups })));
    }
    let list = arr("vectors")?;
    // p256.json: Wycheproof tests, one entry per test.
    if list.iter().any(|v| v.get("kind").is_some()) {
        return Some(p256(list));
    }
    // upstream/ff1.json
    if list.iter().all(|v| v.get("plaintext").is_some()) {
        let mut groups = Map::new();
        groups.insert("ff1".into(), with_ids(list, "ff1"));
        return Some(crate::run_file(&json!({ "vectors": groups })));
    }
    // Another array of vectors: counted, as skipped.
    Some(Ok(vec![GroupReport {
        name: "vectors (array layout)".into(),
        skipped: true,
        skipped_count: list.len(),
        ..GroupReport::default()
    }]))
}

/// `p256.json`'s tests, grouped back into Wycheproof files (schema from the
/// kind and encoding, one ECDSA group per public key).
fn p256(list: &[Value]) -> Result<Vec<GroupReport>, String> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut ecdh_x509 = Vec::new();
    let mut ecdh_point = Vec::new();
    let mut ecdsa: Vec<(String, String, Vec<Value>)> = Vec::new();
    for t in list {
        match s(t, "kind").as_str() {
            "ecdh" if s(t, "encoding") == "ecpoint" => ecdh_point.push(t.clone()),
            "ecdh" => ecdh_x509.push(t.clone()),
            "ecdsa" => {
                let (key, fmt) = (s(t, "public_key_uncompressed"), s(t, "sig_format"));
                match ecdsa.iter_mut().find(|(k, f, _)| *k == key && *f == fmt) {
                    Some((_, _, tests)) => tests.push(t.clone()),
                    None => ecdsa.push((key, fmt, vec![t.clone()])),
                }
            }
            k => return Err(format!("p256.json: unknown kind {k:?}")),
        }
    }
    let mut docs = vec![
        json!({"schema": "ecdh_test_schema_v1.json", "algorithm": "ECDH",
               "testGroups": [{"curve": "secp256r1", "encoding": "asn", "tests": ecdh_x509}]}),
        json!({"schema": "ecdh_ecpoint_test_schema_v1.json", "algorithm": "ECDH",
               "testGroups": [{"curve": "secp256r1", "encoding": "ecpoint", "tests": ecdh_point}]}),
    ];
    for fmt in ["der", "p1363"] {
        let groups: Vec<Value> = ecdsa
            .iter()
            .filter(|(_, f, _)| f == fmt)
            .map(|(key, _, tests)| {
                json!({"publicKey": {"curve": "secp256r1", "uncompressed": key},
                       "sha": "SHA-256", "tests": tests})
            })
            .collect();
        let schema = if fmt == "der" {
            "ecdsa_verify_schema_v1.json"
        } else {
            "ecdsa_p1363_verify_schema_v1.json"
        };
        docs.push(json!({"schema": schema, "algorithm": "ECDSA", "testGroups": groups}));
    }
    let mut out = Vec::new();
    for d in docs {
        out.extend(crate::wycheproof::run(&d)?);
    }
    Ok(out)
}
