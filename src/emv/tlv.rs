//! BER-TLV as EMV uses it (Book 3 Annex B), DOLs, CVN detection from the IAD,
//! GENERATE AC responses (formats 1 and 2), and verification of an ARQC
//! straight from an authorisation message.
//!
//! The reader is zero-copy and allocation-free, and it never recurses: nested
//! templates are walked with a fixed-size explicit stack, so no input can
//! choose the recursion depth. Everything here parses *public* message
//! bytes; only the final cryptogram comparison touches secrets, and that goes
//! through [`TransactionKeys::verify_arqc`](super::TransactionKeys::verify_arqc).
//!
//! Rejected with [`Error::Malformed`]: truncated tags or lengths, lengths
//! pointing past the end, the indefinite length `80`, length fields of more
//! than 3 bytes after the first (`84` and up: no EMV object is that long),
//! tags of more than 3 bytes (ISO/IEC 7816-4 §5.2.2.1 defines tag fields of
//! one to three bytes; EMV's longest, e.g. `DF8101`, are three), templates nested more than [`MAX_DEPTH`] deep,
//! and (where a single value is looked up) duplicate tags.

use super::cryptogram::{
    BOUND_CARD_DATA_MAX, CardData, Cvn, IadLayout, TransactionKeys, VerifiedArqc, VerifiedOfflineAc,
};
#[cfg(feature = "tdes")]
use super::cryptogram::{
    INTERAC_CVN_133, MASTERCARD_CVN_16, MASTERCARD_CVN_17, MASTERCARD_CVN_20, MASTERCARD_CVN_21,
    VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
};

// The scheme CVNs of the IAD lookup are TDES profiles: without `tdes` the
// tables are empty and every scheme IAD is an unsupported CVN.
#[cfg(feature = "tdes")]
const VISA_TABLE: &[&Cvn] = &[&VISA_CVN_10, &VISA_CVN_18, &VISA_CVN_22];
#[cfg(feature = "tdes")]
const MASTERCARD_TABLE: &[&Cvn] = &[
    &MASTERCARD_CVN_16,
    &MASTERCARD_CVN_17,
    &MASTERCARD_CVN_20,
    &MASTERCARD_CVN_21,
];
#[cfg(feature = "tdes")]
const INTERAC_TABLE: &[&Cvn] = &[&INTERAC_CVN_133];
#[cfg(not(feature = "tdes"))]
const VISA_TABLE: &[&Cvn] = &[];
#[cfg(not(feature = "tdes"))]
const MASTERCARD_TABLE: &[&Cvn] = &[];
#[cfg(not(feature = "tdes"))]
const INTERAC_TABLE: &[&Cvn] = &[];
use super::types::{Atc, Cryptogram, TransactionData};
use crate::{CardMasterKey, Error, Pan, VerifyError};

/// Deepest template nesting accepted. Real EMV messages nest 2–3 levels.
pub const MAX_DEPTH: usize = 8;

/// One data object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, its bytes big-endian in a `u32` (`9F26` → `0x9F26`).
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
}

impl Tlv<'_> {
    /// Whether the tag says the value is itself TLV-coded (bit 6 of the
    /// tag's *first* byte, whatever the tag's length: the byte the reader
    /// saw first, i.e. the most significant non-zero byte of `tag`).
    #[must_use]
    pub fn is_constructed(&self) -> bool {
        // Number of bits below the first byte: 0, 8, 16 or 24 (public).
        let shift = (32 - self.tag.leading_zeros()).saturating_sub(1) / 8 * 8;
        (self.tag >> shift) & 0x20 != 0
    }
}

fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

/// Reads a tag at the start of `data`: returns (tag, bytes used).
fn read_tag(data: &[u8]) -> Result<(u32, usize), Error> {
    let first = *data.first().ok_or(malformed("TLV truncated in a tag"))?;
    let mut tag = u32::from(first);
    if first & 0x1F != 0x1F {
        return Ok((tag, 1));
    }
    // Subsequent bytes 1 and 2 only: a tag of more than 3 bytes is refused
    // (ISO/IEC 7816-4 §5.2.2.1 supports tag fields of one to three bytes).
    for i in 1..3 {
        let b = *data.get(i).ok_or(malformed("TLV truncated in a tag"))?;
        tag = (tag << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((tag, i + 1));
        }
    }
    Err(malformed("TLV tag longer than 3 bytes"))
}

/// Reads a length at the start of `data`: returns (length, bytes used).
fn read_len(data: &[u8]) -> Result<(usize, usize), Error> {
    let first = *data.first().ok_or(malformed("TLV truncated in a length"))?;
    match first {
        0x00..=0x7F => Ok((usize::from(first), 1)),
        0x80 => Err(malformed("TLV indefinite length (80) is not allowed")),
        0x81..=0x83 => {
            let n = usize::from(first & 0x7F);
            let bytes = data
                .get(1..=n)
                .ok_or(malformed("TLV truncated in a length"))?;
            let len = bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
            Ok((len, n + 1))
        }
        _ => Err(malformed("TLV length field longer than 4 bytes")),
    }
}

/// Reads one object at the start of `data` (after any `00` padding):
/// returns it and the rest, or `None` at the end.
fn read_one(mut data: &[u8]) -> Result<Option<(Tlv<'_>, &[u8])>, Error> {
    while let Some((&0x00, rest)) = data.split_first() {
        data = rest;
    }
    if data.is_empty() {
        return Ok(None);
    }
    let (tag, t) = read_tag(data)?;
    let after_tag = data.get(t..).unwrap_or(&[]);
    let (len, l) = read_len(after_tag)?;
    let body = after_tag.get(l..).unwrap_or(&[]);
    if len > body.len() {
        return Err(malformed("TLV length points past the end of the data"));
    }
    let (value, rest) = body.split_at(len);
    Ok(Some((Tlv { tag, value }, rest)))
}

/// The objects at one level of `data`, in order. Yields an error and then
/// stops if the data is malformed.
#[derive(Clone, Debug)]
pub struct Siblings<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Iterator for Siblings<'a> {
    type Item = Result<Tlv<'a>, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match read_one(self.rest) {
            Ok(Some((t, rest))) => {
                self.rest = rest;
                Some(Ok(t))
            }
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Iterates the objects at the top level of `data`.
#[must_use]
pub fn siblings(data: &[u8]) -> Siblings<'_> {
    Siblings {
        rest: data,
        failed: false,
    }
}

/// Walks every object at every depth (depth-first, iteratively) and calls
/// `f` on each primitive and constructed object.
///
/// # Errors
/// [`Error::Malformed`] on any malformed object or nesting over [`MAX_DEPTH`].
pub fn walk<'a>(data: &'a [u8], mut f: impl FnMut(Tlv<'a>)) -> Result<(), Error> {
    let mut stack: [&'a [u8]; MAX_DEPTH] = [&[]; MAX_DEPTH];
    let mut depth = 1usize;
    stack[0] = data;
    while depth > 0 {
        let Some(level) = stack.get_mut(depth - 1) else {
            return Err(malformed("TLV nesting too deep"));
        };
        match read_one(level)? {
            None => depth -= 1,
            Some((t, rest)) => {
                *level = rest;
                f(t);
                if t.is_constructed() {
                    let slot = stack
                        .get_mut(depth)
                        .ok_or(malformed("TLV templates nested deeper than 8 levels"))?;
                    *slot = t.value;
                    depth += 1;
                }
            }
        }
    }
    Ok(())
}

/// The value of `tag` anywhere in `data`; `None` if absent.
///
/// # Errors
/// [`Error::Malformed`] if `data` is malformed or `tag` occurs more than once
/// (an authorisation message with two ARQCs must not be guessed at).
pub fn find_unique(data: &[u8], tag: u32) -> Result<Option<&[u8]>, Error> {
    let mut found: Option<&[u8]> = None;
    let mut dup = false;
    walk(data, |t| {
        if t.tag == tag {
            dup |= found.is_some();
            found = Some(t.value);
        }
    })?;
    if dup {
        return Err(malformed("duplicate tag in TLV data"));
    }
    Ok(found)
}

/// One entry of a data object list: a tag and the length the card wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DolEntry {
    /// The tag.
    pub tag: u32,
    /// The length of its value in the assembled data.
    pub len: usize,
}

/// Iterates the entries of a DOL (CDOL1, CDOL2, PDOL, …).
pub fn dol_entries(dol: &[u8]) -> impl Iterator<Item = Result<DolEntry, Error>> + '_ {
    let mut rest = dol;
    let mut failed = false;
    core::iter::from_fn(move || {
        if failed || rest.is_empty() {
            return None;
        }
        let r = read_tag(rest).and_then(|(tag, t)| {
            let after = rest.get(t..).unwrap_or(&[]);
            let (len, l) = read_len(after)?;
            rest = after.get(l..).unwrap_or(&[]);
            Ok(DolEntry { tag, len })
        });
        failed = r.is_err();
        Some(r)
    })
}

/// Assembles the data a DOL asks for into `out`, taking each value from
/// `lookup`. Following EMV Book 3 §5.4, a tag the terminal does not have is
/// filled with zeros; a value whose length differs from the DOL's is an
/// error here (a verifier must rebuild the card's input exactly).
///
/// # Errors
/// [`Error::Malformed`] for a malformed DOL, [`Error::Length`] for a value
/// of the wrong length or an `out` that is too small.
pub fn assemble_dol<'v>(
    dol: &[u8],
    mut lookup: impl FnMut(u32) -> Option<&'v [u8]>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut n = 0usize;
    for e in dol_entries(dol) {
        let e = e?;
        let dst = out.get_mut(n..n + e.len).ok_or(Error::Length {
            field: "DOL output buffer",
            expected: "at least the DOL's total length",
            got: n + e.len,
        })?;
        match lookup(e.tag) {
            Some(v) if v.len() == e.len => dst.copy_from_slice(v),
            Some(v) => {
                return Err(Error::Length {
                    field: "a DOL value",
                    expected: "the length the DOL gives",
                    got: v.len(),
                });
            }
            None => dst.fill(0),
        }
        n += e.len;
    }
    Ok(n)
}

/// Payment scheme, from the AID's RID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// RID A000000003.
    Visa,
    /// RID A000000004 (and A000000005 Maestro).
    Mastercard,
    /// RID A000000277.
    Interac,
}

impl Scheme {
    /// The scheme of an AID (tag 4F / 84 / 9F06), by its first 5 bytes.
    #[must_use]
    pub fn from_aid(aid: &[u8]) -> Option<Scheme> {
        match aid.get(..5)? {
            [0xA0, 0, 0, 0, 0x03] => Some(Scheme::Visa),
            [0xA0, 0, 0, 0, 0x04 | 0x05] => Some(Scheme::Mastercard),
            [0xA0, 0, 0, 0x02, 0x77] => Some(Scheme::Interac),
            _ => None,
        }
    }
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Visa => "Visa",
            Scheme::Mastercard => "Mastercard",
            Scheme::Interac => "Interac",
        }
    }

    fn layout(self) -> IadLayout {
        match self {
            Scheme::Visa => IadLayout::Visa,
            Scheme::Mastercard => IadLayout::Mastercard,
            Scheme::Interac => IadLayout::Interac,
        }
    }

    fn cvns(self) -> &'static [&'static Cvn] {
        match self {
            Scheme::Visa => VISA_TABLE,
            Scheme::Mastercard => MASTERCARD_TABLE,
            Scheme::Interac => INTERAC_TABLE,
        }
    }

    fn of_layout(layout: IadLayout) -> Option<Scheme> {
        match layout {
            IadLayout::Visa => Some(Scheme::Visa),
            IadLayout::Mastercard => Some(Scheme::Mastercard),
            IadLayout::Interac => Some(Scheme::Interac),
            IadLayout::Undeclared => None,
        }
    }
}

/// When `iad`, read as `expected`'s layout, names none of `expected`'s
/// CVNs: the other scheme whose layout it fits (with one of its CVNs), as
/// [`Error::SchemeMismatch`].
fn scheme_mismatch(expected: Scheme, iad: &[u8]) -> Option<Error> {
    [Scheme::Visa, Scheme::Mastercard, Scheme::Interac]
        .into_iter()
        .filter(|s| *s != expected)
        .find_map(|s| {
            let cvn = s.layout().declared_cvn(iad).ok()??;
            s.cvns()
                .iter()
                .any(|c| c.id == cvn)
                .then(|| Error::SchemeMismatch {
                    expected: expected.name(),
                    found: s.name(),
                    cvn,
                })
        })
}

/// The CVN the IAD (tag 9F10) declares, for a scheme (the IAD layouts of
/// the Visa Integrated Circuit Card Specification, M/Chip and Interac).
///
/// Visa: byte 2 for IAD formats 0/1/3 (`06 01 0A …`), byte 1 for format 2
/// (`1F 22 …`); Mastercard: byte 1 (after the key-derivation index);
/// Interac: byte 2.
///
/// # Errors
/// [`Error::Length`] if the IAD is too short to hold a CVN,
/// [`Error::SchemeMismatch`] if the IAD names no CVN of `scheme` but is laid
/// out as another scheme's (a Visa IAD read as Mastercard's, …),
/// [`Error::UnsupportedCvn`] for a CVN this crate does not implement.
pub fn detect_cvn(scheme: Scheme, iad: &[u8]) -> Result<&'static Cvn, Error> {
    let cvn = scheme.layout().declared_cvn(iad)?.unwrap_or(0);
    if let Some(c) = scheme.cvns().iter().copied().find(|c| c.id == cvn) {
        return Ok(c);
    }
    Err(scheme_mismatch(scheme, iad).unwrap_or(Error::UnsupportedCvn { cvn }))
}

/// The card data after the minimum set, extracted from the IAD as `cvn`
/// lays it out: Visa 10 → CVR = IAD[3..7]; Mastercard 16/20 → IAD[2..8];
/// Mastercard 17/21 → IAD[2..8] ‖ IAD[10..18]; the others → the whole IAD.
/// Returns the bytes written into `buf`.
///
/// # Errors
/// [`Error::Length`] if the IAD is too short for its declared format.
pub fn card_data_from_iad<'b>(
    cvn: &Cvn,
    iad: &[u8],
    buf: &'b mut [u8; 32],
) -> Result<&'b [u8], Error> {
    let short = |expected| Error::Length {
        field: "IAD (9F10), for its declared format",
        expected,
        got: iad.len(),
    };
    let parts: [&[u8]; 2] = match cvn.id {
        0x0A => [iad.get(3..7).ok_or(short("at least 7"))?, &[]],
        0x10 | 0x14 => [iad.get(2..8).ok_or(short("at least 8"))?, &[]],
        0x11 | 0x15 => [
            iad.get(2..8).ok_or(short("at least 18"))?,
            iad.get(10..18).ok_or(short("at least 18"))?,
        ],
        _ => [iad, &[]],
    };
    let mut n = 0;
    for p in parts {
        let dst = buf.get_mut(n..n + p.len()).ok_or(short("at most 32"))?;
        dst.copy_from_slice(p);
        n += p.len();
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// What a cryptogram is, from its Cryptogram Information Data (9F27,
/// bits 8–7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CryptogramType {
    /// `00`: Application Authentication Cryptogram (the card declined).
    Aac,
    /// `01`: Transaction Certificate (the card approved offline).
    Tc,
    /// `10`: Authorisation Request Cryptogram (the card asks the issuer).
    Arqc,
}

impl CryptogramType {
    /// Reads bits 8–7 of a CID (EMV Book 3 Table 14).
    ///
    /// # Errors
    /// [`Error::Malformed`] for `11` (reserved).
    pub fn from_cid(cid: u8) -> Result<Self, Error> {
        match cid >> 6 {
            0b00 => Ok(CryptogramType::Aac),
            0b01 => Ok(CryptogramType::Tc),
            0b10 => Ok(CryptogramType::Arqc),
            _ => Err(malformed("9F27 CID names the reserved cryptogram type 11")),
        }
    }
}

/// A cryptogram and everything needed to verify it, parsed from an
/// authorisation (or clearing) message's ICC data: tags 9F02 9F03 9F1A 95
/// 5F2A 9A 9C 9F37 82 9F36 9F10 9F26 and 9F27.
///
/// **The issuer pins the CVN** from its own card record; nothing in the
/// message chooses the algorithm. The IAD's CVN byte (where the scheme's IAD
/// layout declares one) is only checked against the pinned CVN, and a
/// mismatch is refused, never a fallback. The AID is not read.
///
/// Verification is stateless: a recorded message verifies again. The caller
/// enforces the ATC (accept each once) with the proof's ATC.
///
/// ```
/// use tapcrypt::emv::{tlv::AuthorisationRequest, ArpcResponse, Csu, VISA_CVN_18};
/// use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # fn tlv(tag: &[u8], v: &[u8]) -> Vec<u8> { [tag, &[v.len() as u8], v].concat() }
/// # let h = |s: &str| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
/// # let mut body = Vec::new();
/// # for (t, v) in [("9F02", "000000004000"), ("9F03", "000000000000"), ("9F1A", "0124"),
/// #     ("95", "8000048000"), ("5F2A", "0124"), ("9A", "191105"), ("9C", "01"),
/// #     ("9F37", "52BF4585"), ("82", "1800"), ("9F36", "001C"), ("9F10", "06011203A0B800"),
/// #     ("9F27", "80"), ("9F26", "7A788EA6B8A3E733")] { body.extend(tlv(&h(t), &h(v))); }
/// # let field55 = tlv(&[0x77], &body);
/// // The issuer's card record: PAN, PSN, and the CVN the card was issued with.
/// let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210")?;
/// let pan = Pan::parse("1234567890123456")?;
/// let cvn = &VISA_CVN_18; // pinned by the record, never read from the message
///
/// let req = AuthorisationRequest::parse(&field55, cvn)?; // pyemv's Visa CVN 18 ARQC
/// let card_key = cvn.derive_card_key(&imk, &pan, Psn::ABSENT)?;
/// let keys = req.transaction_keys(&card_key)?;
/// let verified = req.verify(&keys)?; // the only way to an ARPC
/// let mut tag91 = [0u8; 16];
/// let response = ArpcResponse::Method2 { csu: Csu([0x00, 0x82, 0, 0]), proprietary: &[] };
/// let (_arpc, tag91) = verified.respond(&response, &mut tag91)?;
/// assert_eq!(tag91.len(), 8); // ARPC (4) ‖ CSU (4)
///
/// // The same message relabelled as Visa CVN 10 (ARPC under the card key):
/// // refused before any key is touched.
/// assert!(AuthorisationRequest::parse(&field55, &tapcrypt::emv::VISA_CVN_10).is_err());
/// # Ok(()) }
/// ```
///
/// The parsed fields are read through methods, not public fields: a field
/// that could be reassigned after parsing (the CVN, the IAD) would undo the
/// checks `parse` made between them.
///
/// ```compile_fail,E0616
/// # fn relabel(req: &mut tapcrypt::emv::tlv::AuthorisationRequest<'_>) {
/// req.cvn = &tapcrypt::emv::VISA_CVN_10; // private: does not compile
/// # }
/// ```
pub struct AuthorisationRequest<'m> {
    pub(crate) cvn: &'static Cvn,
    pub(crate) cryptogram_type: CryptogramType,
    pub(crate) transaction: TransactionData,
    pub(crate) iad: &'m [u8],
    pub(crate) ac: Cryptogram,
    card_data: [u8; BOUND_CARD_DATA_MAX],
    card_data_len: usize,
}

// The card data of a DPAN-bound CVN holds the DPAN's digits: `Debug` leaves
// it out, and the copy is wiped on drop.
impl core::fmt::Debug for AuthorisationRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthorisationRequest")
            .field("cvn", &self.cvn.name)
            .field("cryptogram_type", &self.cryptogram_type)
            .field("transaction", &self.transaction)
            .field("iad", &self.iad)
            .field("ac", &self.ac)
            .finish_non_exhaustive()
    }
}

impl Drop for AuthorisationRequest<'_> {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.card_data);
    }
}

impl<'m> AuthorisationRequest<'m> {
    /// The pinned CVN (checked against the IAD's CVN byte where it has one).
    #[must_use]
    pub fn cvn(&self) -> &'static Cvn {
        self.cvn
    }

    /// What the CID (9F27) says the cryptogram is.
    #[must_use]
    pub fn cryptogram_type(&self) -> CryptogramType {
        self.cryptogram_type
    }

    /// The 33-byte minimum data (amounts, country, TVR, currency, date,
    /// type, UN, AIP, ATC).
    #[must_use]
    pub fn transaction(&self) -> &TransactionData {
        &self.transaction
    }

    /// The IAD (9F10), borrowed from the message.
    #[must_use]
    pub fn iad(&self) -> &'m [u8] {
        self.iad
    }

    /// The cryptogram (9F26): an ARQC, TC or AAC as
    /// [`cryptogram_type`](Self::cryptogram_type) says.
    #[must_use]
    pub fn ac(&self) -> &Cryptogram {
        &self.ac
    }

    /// Parses `msg` for the CVN the issuer pinned for this card.
    ///
    /// # Errors
    /// [`Error::CvnMismatch`] if the IAD declares another CVN;
    /// [`Error::SchemeMismatch`] if the IAD is laid out as another scheme's;
    /// [`Error::Malformed`] for malformed TLV, a missing or duplicated tag, a
    /// reserved CID; [`Error::Length`] for a value of the wrong length or an
    /// IAD too short for the pinned CVN's format; [`Error::Parameter`] for a
    /// CVN that binds the DPAN (use [`parse_bound`](Self::parse_bound)).
    pub fn parse(msg: &'m [u8], pinned: &'static Cvn) -> Result<Self, Error> {
        if pinned.binds_dpan() {
            return Err(Error::Parameter {
                what: "this CVN binds the DPAN: use AuthorisationRequest::parse_bound",
            });
        }
        Self::parse_inner(msg, pinned)
    }

    /// As [`parse`](Self::parse), for a card whose record allows several
    /// CVNs (e.g. a Visa card that may send CVN 18 or '22'): the IAD's CVN
    /// byte selects among `allowed` only. Every CVN in a list of more than
    /// one must declare itself in the IAD.
    ///
    /// # Errors
    /// As [`parse`](Self::parse); [`Error::CvnMismatch`] if the IAD names
    /// none of `allowed`; [`Error::Parameter`] for an empty list or a list
    /// of several CVNs one of which the IAD cannot declare.
    pub fn parse_allowed(msg: &'m [u8], allowed: &[&'static Cvn]) -> Result<Self, Error> {
        match allowed {
            [] => Err(Error::Parameter {
                what: "the allowed-CVN list is empty",
            }),
            [one] => Self::parse(msg, one),
            many => {
                if many
                    .iter()
                    .any(|c| c.iad_layout == IadLayout::Undeclared || c.binds_dpan())
                {
                    return Err(Error::Parameter {
                        what: "an allowed-CVN list of several may only hold CVNs the IAD declares",
                    });
                }
                let iad = find_unique(msg, 0x9F10)?.ok_or(malformed("9F10 IAD is missing"))?;
                let mut declared = 0u8;
                for c in many {
                    if let Some(d) = c.iad_layout.declared_cvn(iad)? {
                        declared = d;
                        if d == c.id {
                            return Self::parse(msg, c);
                        }
                    }
                }
                Err(Error::CvnMismatch {
                    pinned: many.first().map_or(0, |c| c.id),
                    declared,
                })
            }
        }
    }

    /// Parses a message for a CVN that binds the DPAN (the DPAN-bound
    /// profile): the card data is rebuilt from `dpan` — the DPAN the message
    /// came with (field 2 / tag 5A), which the cryptogram then authenticates.
    ///
    /// # Errors
    /// As [`parse`](Self::parse); [`Error::Parameter`] for a CVN that does
    /// not bind the DPAN.
    pub fn parse_bound(msg: &'m [u8], pinned: &'static Cvn, dpan: &Pan) -> Result<Self, Error> {
        if !pinned.binds_dpan() {
            return Err(Error::Parameter {
                what: "this CVN does not bind the DPAN: use AuthorisationRequest::parse",
            });
        }
        let mut r = Self::parse_inner(msg, pinned)?;
        let mut buf = [0u8; BOUND_CARD_DATA_MAX];
        let n = pinned
            .card_data_bound(dpan, r.iad, &mut buf)?
            .as_bytes()
            .len();
        // The slot holds the longest bound form (BOUND_CARD_DATA_MAX).
        let dst = r.card_data.get_mut(..n).ok_or(Error::Length {
            field: "digit count, BCD(DPAN) and IAD",
            expected: "at most 43",
            got: n,
        })?;
        dst.copy_from_slice(buf.get(..n).unwrap_or(&[]));
        zeroize::Zeroize::zeroize(&mut buf);
        r.card_data_len = n;
        Ok(r)
    }

    fn parse_inner(msg: &'m [u8], pinned: &'static Cvn) -> Result<Self, Error> {
        let need = |tag: u32, what: &'static str| -> Result<&'m [u8], Error> {
            find_unique(msg, tag)?.ok_or(Error::Malformed { what })
        };
        let mut min = [0u8; 33];
        let mut n = 0;
        for (tag, len, what) in [
            (0x9F02, 6, "9F02 amount authorised is missing"),
            (0x9F03, 6, "9F03 amount other is missing"),
            (0x9F1A, 2, "9F1A terminal country code is missing"),
            (0x95, 5, "95 TVR is missing"),
            (0x5F2A, 2, "5F2A currency code is missing"),
            (0x9A, 3, "9A transaction date is missing"),
            (0x9C, 1, "9C transaction type is missing"),
            (0x9F37, 4, "9F37 unpredictable number is missing"),
            (0x82, 2, "82 AIP is missing"),
            (0x9F36, 2, "9F36 ATC is missing"),
        ] {
            let v = need(tag, what)?;
            if v.len() != len {
                return Err(Error::Length {
                    field: "a minimum-set tag (9F02 … 9F36)",
                    expected: "its EMV length",
                    got: v.len(),
                });
            }
            if let Some(dst) = min.get_mut(n..n + len) {
                dst.copy_from_slice(v);
            }
            n += len;
        }
        let transaction = TransactionData::from_slice(&min)?;
        let iad = need(0x9F10, "9F10 IAD is missing")?;
        let ac = Cryptogram::from_slice(need(0x9F26, "9F26 cryptogram is missing")?)?;
        let cid = need(0x9F27, "9F27 cryptogram information data is missing")?;
        let [cid] = <[u8; 1]>::try_from(cid).map_err(|_| Error::Length {
            field: "9F27 cryptogram information data",
            expected: "1",
            got: cid.len(),
        })?;
        let cryptogram_type = CryptogramType::from_cid(cid)?;
        if let Some(declared) = pinned.iad_layout.declared_cvn(iad)?
            && declared != pinned.id
        {
            // A CVN byte that is none of the pinned scheme's, in an IAD laid
            // out as another scheme's: say so rather than "CVN 0x01".
            let other_scheme = Scheme::of_layout(pinned.iad_layout)
                .filter(|s| !s.cvns().iter().any(|c| c.id == declared))
                .and_then(|s| scheme_mismatch(s, iad));
            return Err(other_scheme.unwrap_or(Error::CvnMismatch {
                pinned: pinned.id,
                declared,
            }));
        }
        let mut card_data = [0u8; BOUND_CARD_DATA_MAX];
        let card_data_len = if pinned.binds_dpan() {
            0
        } else {
            let slot = card_data
                .first_chunk_mut::<32>()
                .ok_or(malformed("card data slot"))?;
            let n = card_data_from_iad(pinned, iad, slot)?.len();
            pinned.card_data(card_data.get(..n).unwrap_or(&[]))?;
            n
        };
        Ok(AuthorisationRequest {
            cvn: pinned,
            cryptogram_type,
            transaction,
            iad,
            ac,
            card_data,
            card_data_len,
        })
    }

    /// The card data the CVN MACs after the minimum set.
    ///
    /// # Errors
    /// Never in practice (validated when parsed).
    pub fn card_data(&self) -> Result<CardData<'_>, Error> {
        self.cvn
            .card_data_checked(self.card_data.get(..self.card_data_len).unwrap_or(&[]))
    }

    /// The keys of this transaction (its ATC and UN) under the pinned CVN,
    /// from the card's ICC master key (derive it with
    /// `req.cvn().derive_card_key(imk, pan, psn)`; the PAN and PSN come from
    /// the issuer's records or the authenticated message fields, not from
    /// ICC data).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] if the card key does not fit the CVN.
    pub fn transaction_keys<'k>(
        &self,
        card_key: &'k CardMasterKey,
    ) -> Result<TransactionKeys<'k>, Error> {
        let t = &self.transaction;
        self.cvn.transaction_keys(card_key, t.atc, t.un)
    }

    /// Verifies the message's **ARQC** under `keys` in constant time and
    /// returns the proof an ARPC is computed from.
    ///
    /// # Errors
    /// [`VerifyError`] on any mismatch, with no detail; also when the CID
    /// does not say ARQC (check [`cryptogram_type`](Self::cryptogram_type);
    /// a TC or AAC goes through [`verify_tc_or_aac`](Self::verify_tc_or_aac)),
    /// or when `keys` were derived for another CVN, ATC or UN.
    pub fn verify<'k>(
        &self,
        keys: &'k TransactionKeys<'k>,
    ) -> Result<VerifiedArqc<'k>, VerifyError> {
        if self.cryptogram_type != CryptogramType::Arqc {
            return Err(VerifyError);
        }
        let cd = self.card_data().map_err(|_| VerifyError)?;
        keys.verify_arqc(&self.transaction, &cd, &self.ac)
    }

    /// Verifies the message's **TC or AAC** under `keys` in constant time.
    ///
    /// # Errors
    /// [`VerifyError`] on any mismatch, or when the CID says ARQC.
    pub fn verify_tc_or_aac(
        &self,
        keys: &TransactionKeys<'_>,
    ) -> Result<VerifiedOfflineAc, VerifyError> {
        if self.cryptogram_type == CryptogramType::Arqc {
            return Err(VerifyError);
        }
        let cd = self.card_data().map_err(|_| VerifyError)?;
        keys.verify_tc_or_aac(&self.transaction, &cd, &self.ac)
    }
}

/// The card's answer to GENERATE AC (and the qVSDC answer to GET
/// PROCESSING OPTIONS, which carries the same objects), in either EMV
/// response format (Book 3 §6.5.5.4):
///
/// * format 1, tag `80`: CID (1) ‖ ATC (2) ‖ AC (8) ‖ IAD (0–32), values
///   concatenated without tags;
/// * format 2, tag `77`: a template holding 9F27, 9F36, 9F26 and optionally
///   9F10 (other objects, such as 9F4B or 57, are ignored).
///
/// Strip the status word (`90 00`) before parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateAcResponse<'r> {
    /// Cryptogram Information Data (9F27): `80` ARQC, `40` TC, `00` AAC.
    pub cid: u8,
    /// Application Transaction Counter (9F36).
    pub atc: Atc,
    /// The application cryptogram (9F26).
    pub ac: Cryptogram,
    /// Issuer Application Data (9F10); empty if the card sent none.
    pub iad: &'r [u8],
}

impl<'r> GenerateAcResponse<'r> {
    /// Parses a response in format 1 or 2. Exactly one top-level object is
    /// accepted.
    ///
    /// # Errors
    /// [`Error::Malformed`] for malformed TLV, another top-level tag, trailing
    /// objects, a missing or duplicated 9F27/9F36/9F26; [`Error::Length`]
    /// for a field of the wrong length or an IAD over 32 bytes.
    pub fn parse(resp: &'r [u8]) -> Result<Self, Error> {
        let mut objs = siblings(resp);
        let top = objs
            .next()
            .ok_or(malformed("empty GENERATE AC response"))??;
        if objs.next().is_some() {
            return Err(malformed(
                "GENERATE AC response: data after the response template",
            ));
        }
        let r = match top.tag {
            0x80 => {
                let v = top.value;
                let f: [u8; 11] =
                    v.get(..11)
                        .and_then(|s| s.try_into().ok())
                        .ok_or(Error::Length {
                            field: "GENERATE AC response format 1 (80)",
                            expected: "11 to 43",
                            got: v.len(),
                        })?;
                GenerateAcResponse {
                    cid: f[0],
                    atc: Atc([f[1], f[2]]),
                    ac: Cryptogram::from_slice(&f[3..])?,
                    iad: v.get(11..).unwrap_or(&[]),
                }
            }
            0x77 => {
                let v = top.value;
                let need = |tag: u32, what: &'static str| -> Result<&'r [u8], Error> {
                    find_unique(v, tag)?.ok_or(malformed(what))
                };
                let cid = need(0x9F27, "9F27 CID missing from the response")?;
                let [cid] = <[u8; 1]>::try_from(cid).map_err(|_| Error::Length {
                    field: "9F27 cryptogram information data",
                    expected: "1",
                    got: cid.len(),
                })?;
                GenerateAcResponse {
                    cid,
                    atc: Atc::from_slice(need(0x9F36, "9F36 ATC missing from the response")?)?,
                    ac: Cryptogram::from_slice(need(
                        0x9F26,
                        "9F26 cryptogram missing from the response",
                    )?)?,
                    iad: find_unique(v, 0x9F10)?.unwrap_or(&[]),
                }
            }
            _ => {
                return Err(malformed("GENERATE AC response must be template 80 or 77"));
            }
        };
        if r.iad.len() > 32 {
            return Err(Error::Length {
                field: "IAD (9F10)",
                expected: "at most 32",
                got: r.iad.len(),
            });
        }
        Ok(r)
    }
}

// ---------------------------------------------------------------------------
// Encoding: the issuer's response fields.

/// Tag 91, Issuer Authentication Data.
pub const TAG_ISSUER_AUTHENTICATION_DATA: u32 = 0x91;
/// Tag 71, Issuer Script Template 1 (run before the final GENERATE AC).
pub const TAG_ISSUER_SCRIPT_1: u32 = 0x71;
/// Tag 72, Issuer Script Template 2 (run after the final GENERATE AC).
pub const TAG_ISSUER_SCRIPT_2: u32 = 0x72;
/// Tag 9F18, Issuer Script Identifier (4 bytes), inside a script template.
pub const TAG_ISSUER_SCRIPT_IDENTIFIER: u32 = 0x9F18;
/// Tag 86, Issuer Script Command (one C-APDU), inside a script template.
pub const TAG_ISSUER_SCRIPT_COMMAND: u32 = 0x86;

/// The bytes of `tag` (as [`Tlv::tag`] holds it), checked to be a valid
/// BER-TLV tag of one to three bytes: returns the buffer and its used length.
fn tag_bytes(tag: u32) -> Result<([u8; 3], usize), Error> {
    let bad = Error::Parameter {
        what: "not a BER-TLV tag of 1 to 3 bytes",
    };
    let n = match tag {
        0x01..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => return Err(bad),
    };
    let be = tag.to_be_bytes();
    let mut out = [0u8; 3];
    out.get_mut(..n)
        .ok_or(bad)?
        .copy_from_slice(be.get(4 - n..).ok_or(bad)?);
    // The reader must read back exactly this tag from exactly these bytes.
    match read_tag(out.get(..n).ok_or(bad)?) {
        Ok((t, used)) if t == tag && used == n => Ok((out, n)),
        _ => Err(bad),
    }
}

/// The definite length `len` in its shortest BER form (1 to 4 bytes).
fn len_bytes(len: usize) -> Result<([u8; 4], usize), Error> {
    let [_, b1, b2, b3] = (len as u32).to_be_bytes();
    Ok(match len {
        0..=0x7F => ([b3, 0, 0, 0], 1),
        0x80..=0xFF => ([0x81, b3, 0, 0], 2),
        0x100..=0xFFFF => ([0x82, b2, b3, 0], 3),
        0x1_0000..=0xFF_FFFF => ([0x83, b1, b2, b3], 4),
        _ => {
            return Err(Error::Length {
                field: "TLV value",
                expected: "at most 16777215",
                got: len,
            });
        }
    })
}

/// Bytes that `tag ‖ length ‖ value` takes for a value of `len` bytes.
fn encoded_len(tag: u32, len: usize) -> Result<usize, Error> {
    Ok(tag_bytes(tag)?.1 + len_bytes(len)?.1 + len)
}

/// A BER-TLV writer into a caller's buffer (no heap): objects are appended
/// in order, each with the shortest definite length. A write that does not
/// fit leaves the buffer's written part as it was.
///
/// ```
/// use tapcrypt::emv::tlv::TlvWriter;
/// let mut buf = [0u8; 16];
/// let mut w = TlvWriter::new(&mut buf);
/// w.put(0x8A, b"00")?;                 // Authorisation Response Code
/// w.put(0x9F18, &[0, 0, 0, 1])?;        // a two-byte tag
/// assert_eq!(w.as_bytes(), &[0x8A, 0x02, 0x30, 0x30, 0x9F, 0x18, 0x04, 0, 0, 0, 1]);
/// # Ok::<(), tapcrypt::Error>(())
/// ```
#[derive(Debug)]
pub struct TlvWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> TlvWriter<'b> {
    /// A writer that fills `buf` from its start.
    pub fn new(buf: &'b mut [u8]) -> Self {
        TlvWriter { buf, len: 0 }
    }

    /// Appends a primitive object, or a constructed one whose `value` is
    /// already TLV-coded.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a tag that is not a valid 1–3-byte BER tag;
    /// [`Error::Length`] if it does not fit in the buffer (or the value is
    /// over 16 MiB).
    pub fn put(&mut self, tag: u32, value: &[u8]) -> Result<(), Error> {
        self.put_parts(tag, &[value])
    }

    /// Appends one object whose value is the concatenation of `parts`.
    ///
    /// # Errors
    /// As [`put`](Self::put).
    pub fn put_parts(&mut self, tag: u32, parts: &[&[u8]]) -> Result<(), Error> {
        let vlen: usize = parts.iter().map(|p| p.len()).sum();
        let (t, tn) = tag_bytes(tag)?;
        let (l, ln) = len_bytes(vlen)?;
        let total = tn + ln + vlen;
        let room = self.buf.len() - self.len;
        let dst = self
            .buf
            .get_mut(self.len..self.len + total)
            .ok_or(Error::Length {
                field: "TLV output buffer (room left)",
                expected: "at least the encoded object's length",
                got: room,
            })?;
        let mut at = 0;
        for p in [t.get(..tn).unwrap_or(&[]), l.get(..ln).unwrap_or(&[])]
            .into_iter()
            .chain(parts.iter().copied())
        {
            if let Some(d) = dst.get_mut(at..at + p.len()) {
                d.copy_from_slice(p);
            }
            at += p.len();
        }
        self.len += total;
        Ok(())
    }

    /// Bytes written so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The encoded objects written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Ends the writer, returning the encoded objects.
    #[must_use]
    pub fn finish(self) -> &'b [u8] {
        let Self { buf, len } = self;
        buf.get(..len).unwrap_or(&[])
    }
}

/// Encodes tag 91, Issuer Authentication Data, for an ARPC and the response
/// it answers: `91 0A ‖ ARPC ‖ ARC` (Method 1) or `91 len ‖ ARPC ‖ CSU ‖
/// proprietary data` (Method 2), the layouts of EMV Book 2 §8.2. Returns the
/// encoded object.
///
/// The [`Arpc`](super::Arpc) comes from [`VerifiedArqc::arpc`](super::VerifiedArqc::arpc),
/// so this only ever answers a verified ARQC.
///
/// # Errors
/// As [`Arpc::issuer_authentication_data`](super::Arpc::issuer_authentication_data);
/// [`Error::Length`] if `out` is too small (18 bytes always suffice).
pub fn encode_issuer_authentication_data<'o>(
    arpc: &super::Arpc,
    response: &super::ArpcResponse<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8], Error> {
    let mut iad = [0u8; 16];
    let value = arpc.issuer_authentication_data(response, &mut iad)?;
    let mut w = TlvWriter::new(out);
    w.put(TAG_ISSUER_AUTHENTICATION_DATA, value)?;
    Ok(w.finish())
}

/// Which issuer script template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScriptTemplate {
    /// Tag 71: the card runs the commands before the final GENERATE AC.
    BeforeFinalGenerateAc,
    /// Tag 72: the card runs the commands after the final GENERATE AC.
    AfterFinalGenerateAc,
}

impl ScriptTemplate {
    /// The template's tag, `71` or `72`.
    #[must_use]
    pub fn tag(self) -> u32 {
        match self {
            ScriptTemplate::BeforeFinalGenerateAc => TAG_ISSUER_SCRIPT_1,
            ScriptTemplate::AfterFinalGenerateAc => TAG_ISSUER_SCRIPT_2,
        }
    }
}

/// Encodes an issuer script template (tag 71 or 72, EMV Book 3 §10.10):
/// the optional Issuer Script Identifier `9F18 04 …`, then each command
/// C-APDU as `86 len …`, in order. The commands are whole APDUs (e.g. from
/// [`VerifiedArqc::pin_change_command`](super::VerifiedArqc::pin_change_command)
/// with its MAC); each must hold at least the 4-byte header `CLA INS P1 P2`.
/// Returns the encoded template.
///
/// # Errors
/// [`Error::Length`] for a command shorter than 4 bytes or an `out` that is
/// too small; [`Error::Parameter`] for no command at all.
pub fn encode_issuer_script<'o>(
    template: ScriptTemplate,
    identifier: Option<[u8; 4]>,
    commands: &[&[u8]],
    out: &'o mut [u8],
) -> Result<&'o [u8], Error> {
    if commands.is_empty() {
        return Err(Error::Parameter {
            what: "an issuer script needs at least one command (86)",
        });
    }
    let mut inner = match identifier {
        Some(_) => encoded_len(TAG_ISSUER_SCRIPT_IDENTIFIER, 4)?,
        None => 0,
    };
    for c in commands {
        if c.len() < 4 {
            return Err(Error::Length {
                field: "issuer script command (86)",
                expected: "at least 4 (CLA INS P1 P2)",
                got: c.len(),
            });
        }
        inner += encoded_len(TAG_ISSUER_SCRIPT_COMMAND, c.len())?;
    }
    let (t, tn) = tag_bytes(template.tag())?;
    let (l, ln) = len_bytes(inner)?;
    let mut w = TlvWriter::new(out);
    // The template's header, then its objects, written into one buffer.
    let header = [t.get(..tn).unwrap_or(&[]), l.get(..ln).unwrap_or(&[])];
    let room = w.buf.len();
    if tn + ln + inner > room {
        return Err(Error::Length {
            field: "TLV output buffer (room left)",
            expected: "at least the encoded template's length",
            got: room,
        });
    }
    for h in header {
        if let Some(d) = w.buf.get_mut(w.len..w.len + h.len()) {
            d.copy_from_slice(h);
        }
        w.len += h.len();
    }
    if let Some(id) = identifier {
        w.put(TAG_ISSUER_SCRIPT_IDENTIFIER, &id)?;
    }
    for c in commands {
        w.put(TAG_ISSUER_SCRIPT_COMMAND, c)?;
    }
    Ok(w.finish())
}
