//! Known-answer vector runner for tapcrypt.
//!
//! One runner serves both `cargo test` (this crate's tests) and the
//! `tapcrypt vectors FILE...` command, so what the tests prove is exactly what
//! a payment team can re-run against its own HSM's outputs.
//!
//! Files have the layout of `emv.json`: `{"meta": …, "vectors": {group:
//! [vector, …]}}`. Every vector has an `id`. A vector with `"result":
//! "invalid"` passes only if the API rejects it.
//!
//! Each group is a [`Group`]: a name, the fields it checks (its outputs), and a
//! function that runs one vector through tapcrypt's public API and returns a
//! [`Verdict`]. The negative tests flip one bit in each output field of each
//! positive vector and require the verdict to change.

use serde_json::{Map, Value};

mod cloud;
mod code;
mod emv;
mod emv_extra;
pub mod hex;
mod layouts;
mod provision;
mod token;
pub mod wycheproof;

/// What running one vector gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every checked output matched.
    Match,
    /// An output differed: which field, what the file says, what we computed.
    Mismatch {
        /// The field name.
        field: String,
        /// The file's value.
        expected: String,
        /// tapcrypt's value.
        got: String,
    },
    /// The API rejected the input (with its error message).
    Rejected(String),
    /// The vector asks for something tapcrypt's API cannot even express
    /// (e.g. an FF1 radix other than 10: there is no radix parameter). Not
    /// counted as passed: such a vector cannot fail.
    NotApplicable(String),
}

/// How a vector that did not fail ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Checked and passed.
    Passed,
    /// Not expressible through the API (the reason); neither pass nor fail.
    NotApplicable(String),
}

/// A problem with the vector itself (missing field, bad hex, …).
pub type VectorError = String;

/// One vector: its group name and its JSON object.
#[derive(Debug, Clone, Copy)]
pub struct Vector<'a> {
    /// The group it belongs to.
    pub group: &'a str,
    /// The vector's fields.
    pub fields: &'a Map<String, Value>,
}

impl<'a> Vector<'a> {
    /// The `id` field, or `"(no id)"`.
    pub fn id(&self) -> &'a str {
        self.fields
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("(no id)")
    }

    /// True if the vector says `"result": "invalid"`.
    pub fn expects_invalid(&self) -> bool {
        self.fields.get("result").and_then(Value::as_str) == Some("invalid")
    }

    /// Whether a field is present.
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// A string field.
    pub fn str(&self, field: &str) -> Result<&'a str, VectorError> {
        match self.fields.get(field) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(format!("field `{field}`: expected a string, found {other}")),
            None => Err(format!("field `{field}` is missing")),
        }
    }

    /// An optional string field.
    pub fn opt_str(&self, field: &str) -> Result<Option<&'a str>, VectorError> {
        if self.has(field) {
            self.str(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A hex field, decoded.
    pub fn hex(&self, field: &str) -> Result<Vec<u8>, VectorError> {
        let s = self.str(field)?;
        hex::decode(s).map_err(|e| format!("field `{field}`: {e}"))
    }

    /// A hex field of exactly `N` bytes.
    pub fn hex_n<const N: usize>(&self, field: &str) -> Result<[u8; N], VectorError> {
        let v = self.hex(field)?;
        <[u8; N]>::try_from(v.as_slice())
            .map_err(|_| format!("field `{field}`: expected {N} bytes, found {}", v.len()))
    }

    /// An unsigned integer field (a JSON number, or a decimal string).
    pub fn uint(&self, field: &str) -> Result<u64, VectorError> {
        match self.fields.get(field) {
            Some(Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| format!("field `{field}`: expected an unsigned integer, found {n}")),
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| format!("field `{field}`: expected an unsigned integer, found {s:?}")),
            Some(other) => Err(format!("field `{field}`: expected a number, found {other}")),
            None => Err(format!("field `{field}` is missing")),
        }
    }
}

/// Compares a computed value with a hex field of the vector.
pub fn check_hex(v: &Vector<'_>, field: &str, got: &[u8]) -> Result<Verdict, VectorError> {
    let want = v.hex(field)?;
    if want == got {
        Ok(Verdict::Match)
    } else {
        Ok(Verdict::Mismatch {
            field: field.to_string(),
            expected: hex::encode(&want),
            got: hex::encode(got),
        })
    }
}

/// Compares a computed string with a string field of the vector.
pub fn check_str(v: &Vector<'_>, field: &str, got: &str) -> Result<Verdict, VectorError> {
    let want = v.str(field)?;
    if want.eq_ignore_ascii_case(got) {
        Ok(Verdict::Match)
    } else {
        Ok(Verdict::Mismatch {
            field: field.to_string(),
            expected: want.to_string(),
            got: got.to_string(),
        })
    }
}

/// Runs several checks and returns the first non-match (all must match).
pub fn all(
    checks: impl IntoIterator<Item = Result<Verdict, VectorError>>,
) -> Result<Verdict, VectorError> {
    for c in checks {
        match c? {
            Verdict::Match => {}
            other => return Ok(other),
        }
    }
    Ok(Verdict::Match)
}

/// Turns a tapcrypt error into a rejection verdict.
pub fn rejected(e: impl std::fmt::Display) -> Verdict {
    Verdict::Rejected(e.to_string())
}

/// Evaluates `$e`; on an `Err` from tapcrypt returns `Ok(Verdict::Rejected)`
/// from the enclosing runner.
#[macro_export]
macro_rules! api {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => return Ok($crate::rejected(err)),
        }
    };
}

/// A group of vectors this runner knows.
#[derive(Debug)]
pub struct Group {
    /// The group name in the file.
    pub name: &'static str,
    /// The output fields the runner checks (the negative tests flip these).
    pub outputs: &'static [&'static str],
    /// Runs one vector.
    pub run: fn(&Vector<'_>) -> Result<Verdict, VectorError>,
}

/// Every group this runner knows.
pub fn groups() -> Vec<&'static Group> {
    let mut g: Vec<&'static Group> = Vec::new();
    g.extend(emv::GROUPS.iter());
    g.extend(emv_extra::GROUPS.iter());
    g.extend(token::GROUPS.iter());
    g.extend(provision::GROUPS.iter());
    g.extend(code::GROUPS.iter());
    g.extend(cloud::GROUPS.iter());
    g.extend(layouts::GROUPS.iter());
    g
}

/// The group called `name`, if known.
pub fn group(name: &str) -> Option<&'static Group> {
    groups().into_iter().find(|g| g.name == name)
}

/// Runs one vector: `Ok(())` if it passes, `Err(reason)` otherwise.
pub fn run_vector(g: &Group, v: &Vector<'_>) -> Result<Outcome, String> {
    let verdict = (g.run)(v)?;
    match (v.expects_invalid(), verdict) {
        (_, Verdict::NotApplicable(why)) => Ok(Outcome::NotApplicable(why)),
        (false, Verdict::Match) => Ok(Outcome::Passed),
        (true, Verdict::Rejected(_)) => Ok(Outcome::Passed),
        (true, Verdict::Match) => {
            Err("expected the API to reject this vector, but it matched".into())
        }
        (true, Verdict::Mismatch { field, .. }) => Err(format!(
            "expected the API to reject this vector, but it accepted it (and `{field}` differed)"
        )),
        (
            false,
            Verdict::Mismatch {
                field,
                expected,
                got,
            },
        ) => Err(format!("`{field}`: expected {expected}, got {got}")),
        (false, Verdict::Rejected(e)) => Err(format!("rejected by tapcrypt: {e}")),
    }
}

/// Per-group tally.
#[derive(Debug, Default, Clone)]
pub struct GroupReport {
    /// Group name.
    pub name: String,
    /// Vectors that passed.
    pub passed: usize,
    /// (id, reason) of vectors that failed.
    pub failed: Vec<(String, String)>,
    /// (id, reason) of vectors the API cannot express ([`Verdict::NotApplicable`]).
    pub not_applicable: Vec<(String, String)>,
    /// True if the runner does not know this group.
    pub skipped: bool,
    /// Number of vectors in a skipped group.
    pub skipped_count: usize,
    /// For Wycheproof files: how the passing tests split by expected result.
    pub wycheproof: Option<wycheproof::Counts>,
    /// With [`run_file_batch`]: what the group's batch pass did.
    pub batch: Option<String>,
}

/// Runs every vector of every known group in a parsed file: either this
/// crate's layout or a whole Wycheproof file (see [`wycheproof`]).
///
/// # Errors
/// A message if the file has neither the `{"vectors": {group: [...]}}` layout
/// nor Wycheproof's `schema` and `testGroups`.
pub fn run_file(doc: &Value) -> Result<Vec<GroupReport>, String> {
    if wycheproof::is_wycheproof(doc) {
        return wycheproof::run(doc);
    }
    if !doc.get("vectors").is_some_and(Value::is_object)
        && let Some(r) = layouts::run(doc)
    {
        return r;
    }
    let vectors = doc
        .get("vectors")
        .and_then(Value::as_object)
        .ok_or("the file has no \"vectors\" object (expected {\"meta\": …, \"vectors\": {group: [vector, …]}}, or a Wycheproof file with \"schema\" and \"testGroups\")")?;
    let mut out = Vec::new();
    for (name, list) in vectors {
        let list = list
            .as_array()
            .ok_or_else(|| format!("group `{name}` is not an array"))?;
        let mut rep = GroupReport {
            name: name.clone(),
            ..GroupReport::default()
        };
        match group(name) {
            None => {
                rep.skipped = true;
                rep.skipped_count = list.len();
            }
            Some(g) => {
                for (i, item) in list.iter().enumerate() {
                    let Some(fields) = item.as_object() else {
                        rep.failed
                            .push((format!("#{i}"), "vector is not a JSON object".into()));
                        continue;
                    };
                    let v = Vector {
                        group: g.name,
                        fields,
                    };
                    match run_vector(g, &v) {
                        Ok(Outcome::Passed) => rep.passed += 1,
                        Ok(Outcome::NotApplicable(why)) => {
                            rep.not_applicable.push((v.id().to_string(), why));
                        }
                        Err(e) => rep.failed.push((v.id().to_string(), e)),
                    }
                }
            }
        }
        out.push(rep);
    }
    Ok(out)
}

/// [`run_file`], and then every cryptogram-verification group (`cvn_*`,
/// and the DPAN-bound AES group `ac_dpan_bound`) a second time through
/// `tapcrypt::batch::verify_batch`: each vector's
/// genuine ARQC with its 64 one-bit flips, the whole group in one call. A
/// vector counts as passed only if both runs pass it (the genuine item
/// verifies with the file's ARPC; each flip fails, and only its own item),
/// so the totals mean the same as without the batch pass.
///
/// # Errors
/// As [`run_file`].
pub fn run_file_batch(doc: &Value) -> Result<Vec<GroupReport>, String> {
    let mut reports = run_file(doc)?;
    let Some(vectors) = doc.get("vectors").and_then(Value::as_object) else {
        return Ok(reports);
    };
    for rep in reports.iter_mut().filter(|r| !r.skipped) {
        let Some(list) = vectors.get(&rep.name).and_then(Value::as_array) else {
            continue;
        };
        let Some((failed, note)) = emv::cvn_group_batch(&rep.name, list)
            .or_else(|| emv::dpan_bound_group_batch(&rep.name, list))
        else {
            continue;
        };
        for (id, why) in failed {
            if rep.failed.iter().any(|(f, _)| *f == id) {
                continue;
            }
            rep.passed = rep.passed.saturating_sub(1);
            rep.failed.push((id, why));
        }
        rep.batch = Some(note);
    }
    Ok(reports)
}

/// A copy of `fields` with one bit flipped in `field`: the lowest bit of the
/// last byte for hex, the last digit changed for decimal strings, `None` if
/// the field is absent or empty.
pub fn flip_one_bit(fields: &Map<String, Value>, field: &str) -> Option<Map<String, Value>> {
    let s = fields.get(field)?.as_str()?;
    if s.is_empty() {
        return None;
    }
    let flipped = if s.bytes().all(|b| b.is_ascii_digit()) && !s.len().is_multiple_of(2) {
        // An odd-length decimal string (a CVV, a check digit) is not hex.
        flip_last_digit(s)
    } else if let Ok(mut b) = hex::decode(s) {
        let last = b.last_mut()?;
        *last ^= 1;
        hex::encode(&b)
    } else {
        flip_last_digit(s)
    };
    let mut m = fields.clone();
    m.insert(field.to_string(), Value::String(flipped));
    Some(m)
}

fn flip_last_digit(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.last_mut() {
        if let Some(d) = c.to_digit(10) {
            *c = char::from_digit((d + 1) % 10, 10).unwrap_or('0');
        } else {
            *c = if *c == 'A' { 'B' } else { 'A' };
        }
    }
    chars.into_iter().collect()
}

/// Reads and parses a vector file from the repository's `test-vectors/data/`
/// folder (data only, beside this crate, so the `tapcrypt` package can ship it).
///
/// # Panics
/// If the file is missing or not JSON (test helper).
pub fn load_data(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Re-runs every passing positive vector of every known group once per output
/// field with one bit flipped in that field; returns the (group, id, field)
/// triples for which the flipped vector still passed (each one a defect).
pub fn flipped_still_pass(doc: &Value) -> (usize, Vec<(String, String, String)>) {
    let mut checked = 0;
    let mut bad = Vec::new();
    let Some(vectors) = doc.get("vectors").and_then(Value::as_object) else {
        return (0, bad);
    };
    for (name, list) in vectors {
        let Some(g) = group(name) else { continue };
        for item in list.as_array().into_iter().flatten() {
            let Some(fields) = item.as_object() else {
                continue;
            };
            let v = Vector {
                group: g.name,
                fields,
            };
            if v.expects_invalid() || run_vector(g, &v) != Ok(Outcome::Passed) {
                continue;
            }
            for out in g.outputs {
                // Fields that are inputs of this vector (cloud groups) are
                // not flipped: see `cloud::is_output`.
                if !cloud::is_output(g.name, fields, out) {
                    continue;
                }
                let Some(flipped) = flip_one_bit(fields, out) else {
                    continue;
                };
                checked += 1;
                let fv = Vector {
                    group: g.name,
                    fields: &flipped,
                };
                if run_vector(g, &fv) == Ok(Outcome::Passed) {
                    bad.push((name.clone(), v.id().to_string(), (*out).to_string()));
                }
            }
        }
    }
    (checked, bad)
}
