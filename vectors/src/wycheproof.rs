//! Runner for whole Wycheproof files, recognised by their `schema` field.
//!
//! Supported (both the `testvectors_v1/` names, `…_schema_v1.json`, and the
//! older `testvectors/` names, `…_schema.json`):
//!
//! | schema | what runs | groups taken |
//! |---|---|---|
//! | `ecdh_test_schema` | ECDH, peer key as X.509 SPKI DER | `curve` = `secp256r1` |
//! | `ecdh_ecpoint_test_schema` | ECDH, peer key as a SEC1 point | `curve` = `secp256r1` |
//! | `ecdsa_verify_schema` | ECDSA verify, DER signatures | P-256 key, `sha` = `SHA-256` |
//! | `ecdsa_p1363_verify_schema` | ECDSA verify, `r‖s` signatures | P-256 key, `sha` = `SHA-256` |
//! | `mac_test_schema` | MAC verify | `algorithm` = `AES-CMAC` or `HMACSHA256` |
//! | `hkdf_test_schema` | HKDF | `algorithm` = `HKDF-SHA-256` |
//! | `fpe_str_test_schema` | AES-FF1, messages as strings | `alphabet` = `0123456789` |
//! | `fpe_list_test_schema` | AES-FF1, messages as digit lists | `radix` = 10 |
//!
//! FF1: tapcrypt's FF1 is radix 10 with 6 to 38 digits (a domain of at
//! least 10^6, SP 800-38G Rev. 1); a `valid` test outside that length is
//! counted as skipped, with the reason, not as a failure. Encryption must
//! give `ct` and decrypting `ct` must give `msg` back.
//!
//! Anything else (another schema, another curve or hash) is *skipped* and
//! counted as such, so the runner can be pointed at a whole checkout of
//! <https://github.com/C2SP/wycheproof>.
//!
//! Verdicts follow Wycheproof: a `valid` test must be accepted (and for ECDH,
//! HKDF produce the expected bytes), an `invalid` one rejected. An
//! `acceptable` test passes either way, provided that if it is accepted the
//! output is right; how many were accepted and rejected is reported, because
//! tapcrypt's documented policy is to reject them all (one public-key
//! encoding, strict DER) and the test suite pins that.

use std::collections::BTreeMap;

use serde_json::Value;
use tapcrypt::__internal::{PeerKeyEncoding, ecdh_shared_secret_for_vectors};
use tapcrypt::mac::MacKey;
use tapcrypt::provision::EcdsaVerifyingKey;
use tapcrypt::token::DpanRangeKey;
use tapcrypt::token::ff1::Ff1;
use tapcrypt::{Algorithm, kdf};

use crate::GroupReport;
use crate::hex;

/// What one Wycheproof test case asks of us.
enum Kind {
    Ecdh(PeerKeyEncoding),
    EcdsaDer,
    EcdsaP1363,
    AesCmac,
    HmacSha256,
    HkdfSha256,
    /// AES-FF1, radix 10; `true` for digit lists (`fpe_list_test_schema`).
    Ff1(bool),
}

/// What the API did with one test: accepted with this output (empty for
/// verify-only operations) or rejected.
type Outcome = Option<Vec<u8>>;

/// True if `doc` looks like a Wycheproof file (it has `schema` and `testGroups`).
pub fn is_wycheproof(doc: &Value) -> bool {
    doc.get("schema").is_some_and(Value::is_string) && doc.get("testGroups").is_some()
}

/// The schema name without the `_v1` suffix and the `.json` extension.
fn schema_stem(schema: &str) -> &str {
    let s = schema.strip_suffix(".json").unwrap_or(schema);
    s.strip_suffix("_v1").unwrap_or(s)
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("field `{k}` is missing or not a string"))
}

fn hex_field(v: &Value, k: &str) -> Result<Vec<u8>, String> {
    hex::decode(field(v, k)?).map_err(|e| format!("field `{k}`: {e}"))
}

/// Decides, from the file's schema and algorithm and one group's parameters,
/// which operation this group runs, or why it is skipped.
fn classify(schema: &str, algorithm: &str, group: &Value) -> Result<Kind, String> {
    let curve = |g: &Value| {
        g.get("curve")
            .or_else(|| g.get("publicKey").and_then(|k| k.get("curve")))
            .or_else(|| g.get("key").and_then(|k| k.get("curve")))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let p256 = |c: &str| matches!(c, "secp256r1" | "P-256" | "prime256v1");
    match schema_stem(schema) {
        "ecdh_test_schema" | "ecdh_ecpoint_test_schema" => {
            let c = curve(group);
            if !p256(&c) {
                return Err(format!("ECDH on {c}"));
            }
            let ecpoint = schema_stem(schema) == "ecdh_ecpoint_test_schema"
                || group.get("encoding").and_then(Value::as_str) == Some("ecpoint");
            Ok(Kind::Ecdh(if ecpoint {
                PeerKeyEncoding::Sec1
            } else {
                PeerKeyEncoding::SpkiDer
            }))
        }
        "ecdsa_verify_schema" | "ecdsa_p1363_verify_schema" => {
            let c = curve(group);
            let sha = group.get("sha").and_then(Value::as_str).unwrap_or("?");
            if !p256(&c) || sha != "SHA-256" {
                return Err(format!("ECDSA on {c} with {sha}"));
            }
            Ok(if schema_stem(schema) == "ecdsa_verify_schema" {
                Kind::EcdsaDer
            } else {
                Kind::EcdsaP1363
            })
        }
        "mac_test_schema" => match algorithm {
            "AES-CMAC" => Ok(Kind::AesCmac),
            "HMACSHA256" => Ok(Kind::HmacSha256),
            a => Err(format!("MAC {a}")),
        },
        "hkdf_test_schema" => match algorithm {
            "HKDF-SHA-256" => Ok(Kind::HkdfSha256),
            a => Err(format!("KDF {a}")),
        },
        "fpe_str_test_schema" | "fpe_list_test_schema" => {
            let list = schema_stem(schema) == "fpe_list_test_schema";
            let radix10 = if list {
                group.get("radix").and_then(Value::as_u64) == Some(10)
            } else {
                group.get("alphabet").and_then(Value::as_str) == Some("0123456789")
            };
            match (algorithm, radix10) {
                ("AES-FF1", true) => Ok(Kind::Ff1(list)),
                ("AES-FF1", false) => Err(format!(
                    "AES-FF1 radix {} (tapcrypt's FF1 is radix 10)",
                    group
                        .get("radix")
                        .map_or_else(|| "?".into(), Value::to_string)
                )),
                (a, _) => Err(format!("FPE {a}")),
            }
        }
        s => Err(format!("schema {s}")),
    }
}

/// An FF1 message or ciphertext as ASCII digits: a string (str schema) or a
/// list of digit values (list schema; a value over 9 gives `None`).
fn ff1_digits(t: &Value, k: &str, list: bool) -> Result<Option<String>, String> {
    let v = t.get(k).ok_or_else(|| format!("field `{k}` is missing"))?;
    if !list {
        return v
            .as_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| format!("field `{k}`: not a string"));
    }
    let items = v
        .as_array()
        .ok_or_else(|| format!("field `{k}`: not a list"))?;
    Ok(items
        .iter()
        .map(|d| {
            d.as_u64()
                .filter(|d| *d < 10)
                .map(|d| char::from(b'0' + d as u8))
        })
        .collect())
}

/// Whether tapcrypt's FF1 takes a message of this length at all.
fn ff1_length_ok(t: &Value, list: bool) -> bool {
    let n = match t.get("msg") {
        Some(Value::String(s)) if !list => s.chars().count(),
        Some(Value::Array(a)) if list => a.len(),
        _ => return true,
    };
    (tapcrypt::token::ff1::MIN_DIGITS..=tapcrypt::token::ff1::MAX_DIGITS).contains(&n)
}

/// The report label for a kind.
fn label(kind: &Kind) -> &'static str {
    match kind {
        Kind::Ecdh(PeerKeyEncoding::SpkiDer) => "wycheproof ECDH P-256 (X.509)",
        Kind::Ecdh(PeerKeyEncoding::Sec1) => "wycheproof ECDH P-256 (ecpoint)",
        Kind::EcdsaDer => "wycheproof ECDSA P-256 SHA-256 DER",
        Kind::EcdsaP1363 => "wycheproof ECDSA P-256 SHA-256 P1363",
        Kind::AesCmac => "wycheproof AES-CMAC",
        Kind::HmacSha256 => "wycheproof HMAC-SHA256",
        Kind::HkdfSha256 => "wycheproof HKDF-SHA256",
        Kind::Ff1(false) => "wycheproof AES-FF1 radix 10 (str)",
        Kind::Ff1(true) => "wycheproof AES-FF1 radix 10 (list)",
    }
}

/// The public key of an ECDSA group (`publicKey` in v1 files, `key` before).
fn ecdsa_key(group: &Value) -> Result<Option<EcdsaVerifyingKey>, String> {
    let key = group
        .get("publicKey")
        .or_else(|| group.get("key"))
        .ok_or("ECDSA group has no `publicKey`")?;
    // A group key tapcrypt cannot decode makes every test in the group a
    // rejection, which is right for invalid tests and a failure for valid ones.
    Ok(EcdsaVerifyingKey::from_sec1(&hex_field(key, "uncompressed")?).ok())
}

/// Runs one test through tapcrypt's API.
fn run_test(
    kind: &Kind,
    group: &Value,
    key: Option<&EcdsaVerifyingKey>,
    t: &Value,
) -> Result<Outcome, String> {
    Ok(match kind {
        Kind::Ecdh(enc) => ecdh_shared_secret_for_vectors(
            &hex_field(t, "private")?,
            &hex_field(t, "public")?,
            *enc,
        )
        .ok()
        .map(|z| z.to_vec()),
        Kind::EcdsaDer | Kind::EcdsaP1363 => {
            let (msg, sig) = (hex_field(t, "msg")?, hex_field(t, "sig")?);
            let ok = key.is_some_and(|k| match kind {
                Kind::EcdsaDer => k.verify_der(&msg, &sig).is_ok(),
                _ => k.verify_p1363(&msg, &sig).is_ok(),
            });
            ok.then(Vec::new)
        }
        Kind::AesCmac => {
            let k = hex_field(t, "key")?;
            // The verifier fixes the tag length: the group's `tagSize`.
            let tag_len = tag_size_bytes(group)?;
            let ok = Algorithm::aes_for_len(k.len())
                .and_then(|alg| MacKey::new(alg, &k).ok())
                .is_some_and(|mk| {
                    kdf::aes_cmac_verify(
                        &mk,
                        &hex_field(t, "msg").unwrap_or_default(),
                        &hex_field(t, "tag").unwrap_or_default(),
                        tag_len,
                    )
                    .is_ok()
                });
            ok.then(Vec::new)
        }
        Kind::HmacSha256 => {
            // The group's `tagSize` is the truncation under test and the
            // verifier's expected length: a tag of another length fails.
            let ok = kdf::hmac_sha256_verify(
                &hex_field(t, "key")?,
                &hex_field(t, "msg")?,
                &hex_field(t, "tag")?,
                tag_size_bytes(group)?,
            )
            .is_ok();
            ok.then(Vec::new)
        }
        Kind::Ff1(list) => {
            let key = hex_field(t, "key")?;
            let tweak = hex_field(t, "tweak")?;
            let (Some(msg), Some(ct)) = (ff1_digits(t, "msg", *list)?, ff1_digits(t, "ct", *list)?)
            else {
                return Ok(None);
            };
            let Some(f) = Algorithm::aes_for_len(key.len())
                .and_then(|alg| DpanRangeKey::new(alg, &key).ok())
                .and_then(|k| Ff1::new(&k).ok())
            else {
                return Ok(None);
            };
            let mut enc = vec![0u8; msg.len()];
            let mut dec = vec![0u8; ct.len()];
            match (
                f.encrypt_str(&tweak, &msg, &mut enc),
                f.decrypt_str(&tweak, &ct, &mut dec),
            ) {
                // The decryption of the expected ciphertext must give the
                // message back; report the encryption as the output.
                (Ok(e), Ok(d)) if d == msg => Some(e.as_bytes().to_vec()),
                (Ok(_), Ok(_)) => Some(b"(decrypt(ct) != msg)".to_vec()),
                _ => None,
            }
        }
        Kind::HkdfSha256 => {
            let size = t
                .get("size")
                .and_then(Value::as_u64)
                .ok_or("field `size` is missing")?;
            // Wycheproof's invalid HKDF tests ask for more than 255·32 bytes;
            // cap the buffer so a hostile file cannot make us allocate much.
            let mut okm = vec![0u8; usize::try_from(size.min(255 * 32 + 1)).unwrap_or(0)];
            kdf::hkdf_sha256(
                &hex_field(t, "salt")?,
                &hex_field(t, "ikm")?,
                &hex_field(t, "info")?,
                &mut okm,
            )
            .ok()
            .map(|()| okm)
        }
    })
}

/// A MAC group's `tagSize` (bits) in bytes: the length the verifier expects.
fn tag_size_bytes(group: &Value) -> Result<usize, String> {
    group
        .get("tagSize")
        .and_then(Value::as_u64)
        .and_then(|bits| usize::try_from(bits / 8).ok())
        .ok_or_else(|| "MAC group has no `tagSize`".to_string())
}

/// The expected output of an accepted test, if the kind has one.
fn expected(kind: &Kind, t: &Value) -> Result<Option<Vec<u8>>, String> {
    match kind {
        Kind::Ecdh(_) => hex_field(t, "shared").map(Some),
        Kind::HkdfSha256 => hex_field(t, "okm").map(Some),
        Kind::Ff1(list) => Ok(Some(
            ff1_digits(t, "ct", *list)?.unwrap_or_default().into_bytes(),
        )),
        _ => Ok(None),
    }
}

/// How the tests of one operation were classified and handled.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// `valid` tests, all accepted with the right output.
    pub valid: usize,
    /// `invalid` tests, all rejected.
    pub invalid: usize,
    /// `acceptable` tests that tapcrypt rejected.
    pub acceptable_rejected: usize,
    /// `acceptable` tests that tapcrypt accepted (with the right output).
    pub acceptable_accepted: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} valid accepted, {} invalid rejected, acceptable: {} rejected, {} accepted",
            self.valid, self.invalid, self.acceptable_rejected, self.acceptable_accepted
        )
    }
}

#[derive(Default)]
struct Tally {
    report: GroupReport,
    counts: Counts,
}

/// Runs a whole Wycheproof file: one report per operation, plus one skipped
/// report per reason something was not run.
///
/// # Errors
/// A message if the file has no `testGroups` array.
pub fn run(doc: &Value) -> Result<Vec<GroupReport>, String> {
    let schema = doc.get("schema").and_then(Value::as_str).unwrap_or("?");
    let algorithm = doc.get("algorithm").and_then(Value::as_str).unwrap_or("?");
    let groups = doc
        .get("testGroups")
        .and_then(Value::as_array)
        .ok_or("the file has no `testGroups` array")?;
    let mut ran: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for group in groups {
        let tests = group
            .get("tests")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let kind = match classify(schema, algorithm, group) {
            Ok(k) => k,
            Err(why) => {
                *skipped.entry(why).or_default() += tests.len();
                continue;
            }
        };
        let tally = ran.entry(label(&kind)).or_default();
        let key = match kind {
            Kind::EcdsaDer | Kind::EcdsaP1363 => ecdsa_key(group)?,
            _ => None,
        };
        for t in tests {
            if let Kind::Ff1(list) = kind
                && !ff1_length_ok(t, list)
                && t.get("result").and_then(Value::as_str) != Some("invalid")
            {
                *skipped
                    .entry("AES-FF1 message outside tapcrypt's 6..=38 digits".into())
                    .or_default() += 1;
                continue;
            }
            let id = format!(
                "tcId {}",
                t.get("tcId").map_or_else(|| "?".into(), Value::to_string)
            );
            let verdict = field(t, "result").and_then(|result| {
                let outcome = run_test(&kind, group, key.as_ref(), t)?;
                let right_output = |out: &Vec<u8>| -> Result<bool, String> {
                    Ok(expected(&kind, t)?.is_none_or(|want| &want == out))
                };
                match (result, &outcome) {
                    ("valid", Some(out)) if right_output(out)? => {
                        tally.counts.valid += 1;
                        Ok(())
                    }
                    ("valid", Some(out)) => Err(format!("wrong output {}", hex::encode(out))),
                    ("valid", None) => Err("valid test rejected".into()),
                    ("invalid", None) => {
                        tally.counts.invalid += 1;
                        Ok(())
                    }
                    ("invalid", Some(_)) => Err("invalid test accepted".into()),
                    ("acceptable", None) => {
                        tally.counts.acceptable_rejected += 1;
                        Ok(())
                    }
                    ("acceptable", Some(out)) if right_output(out)? => {
                        tally.counts.acceptable_accepted += 1;
                        Ok(())
                    }
                    ("acceptable", Some(out)) => Err(format!(
                        "acceptable test accepted with wrong output {}",
                        hex::encode(out)
                    )),
                    (r, _) => Err(format!("unknown result {r:?}")),
                }
            });
            match verdict {
                Ok(()) => tally.report.passed += 1,
                Err(why) => {
                    let comment = t.get("comment").and_then(Value::as_str).unwrap_or("");
                    tally.report.failed.push((id, format!("{why} ({comment})")));
                }
            }
        }
    }
    let mut out: Vec<GroupReport> = ran
        .into_iter()
        .map(|(name, mut t)| {
            t.report.name = name.to_string();
            t.report.wycheproof = Some(t.counts);
            t.report
        })
        .collect();
    out.extend(skipped.into_iter().map(|(why, n)| GroupReport {
        name: format!("wycheproof {why}"),
        skipped: true,
        skipped_count: n,
        ..GroupReport::default()
    }));
    Ok(out)
}
