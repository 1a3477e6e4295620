//! The calculator verbs: the daily tools of a payment engineer. Hex in, hex
//! out; `--json` prints one JSON object; an error names the field, goes to
//! stderr and exits 2; a value that does not verify exits 1.
//!
//! Trust model: `arpc` and `verify-field55` answer only an ARQC they have
//! just verified (the library hands out an ARPC only from a `VerifiedArqc`);
//! there is no verb that MACs an arbitrary ARQC.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk};
use tapcrypt::emv::cvv::{self, CardVerificationKey};
use tapcrypt::emv::derive::{self, MkDerivation};
use tapcrypt::emv::tlv::{self, AuthorisationRequest, Scheme};
use tapcrypt::emv::{
    ArpcResponse, Atc, CardData, Cryptogram, Csu, Cvn, EMV_COMMON_AES, EMV_COMMON_TDES,
    INTERAC_CVN_133, MASTERCARD_CVN_16, MASTERCARD_CVN_17, MASTERCARD_CVN_20, MASTERCARD_CVN_21,
    ResponseCode, TransactionData, UnpredictableNumber, VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
    VerifiedArqc, cryptogram::CipherFamily,
};
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey, ff1::Ff1};
use tapcrypt::{
    Algorithm, CardMasterKey, Cvc3Key, DcvvKey, IssuerCvc3Key, IssuerDcvvKey, IssuerKey,
    IssuerMasterKey, Pan, Psn,
};

#[derive(Subcommand)]
pub(crate) enum Calc {
    /// Key check value: `tapcrypt kcv 0123456789ABCDEFFEDCBA9876543210` prints 08D7B4.
    Kcv(KcvArgs),
    /// Derive keys: the ICC MK from an IMK, session keys, a Visa cloud LUK.
    #[command(subcommand)]
    Derive(Derive),
    /// Generate or verify an application cryptogram (ARQC/TC/AAC).
    #[command(subcommand)]
    Arqc(ArqcCmd),
    /// Verify an ARQC, then answer it with an ARPC and tag 91 (never without the verification).
    Arpc(ArpcArgs),
    /// BER-TLV tools.
    #[command(subcommand)]
    Tlv(TlvCmd),
    /// CVN tools.
    #[command(subcommand)]
    Cvn(CvnCmd),
    /// Parse an authorisation's ICC data (field 55), verify its ARQC, optionally answer it.
    #[command(name = "verify-field55")]
    VerifyField55(Field55Args),
    /// Visa dCVV (contactless magstripe).
    Dcvv(DcvvArgs),
    /// Mastercard CVC3 (contactless magstripe).
    Cvc3(Cvc3Args),
    /// Static CVV / CVC (Visa and Mastercard method).
    Cvv(CvvArgs),
    /// NIST SP 800-38G FF1, radix 10.
    #[command(subcommand)]
    Ff1(Ff1Cmd),
    /// One-time DPANs: issue one by sequence number, or detokenize one.
    #[command(subcommand)]
    Dpan(DpanCmd),
    /// The 18-digit offline payment code (format 1) of a credential.
    Code(CodeArgs),
    /// Signed provisioning envelopes (tapcrypt profile v2).
    #[command(subcommand)]
    Envelope(EnvelopeCmd),
}

/// A failure: the message, and the exit status (2: input, 1: did not verify).
pub(crate) struct Fail(u8, String);

type Out = Vec<(&'static str, String)>;
type R<T> = Result<T, Fail>;

fn bad(field: &str, e: impl std::fmt::Display) -> Fail {
    Fail(2, format!("field `{field}`: {e}"))
}

fn at(field: &'static str) -> impl Fn(tapcrypt::Error) -> Fail {
    move |e| bad(field, e)
}

fn not_verified(what: &str) -> Fail {
    Fail(1, format!("{what} did not verify"))
}

pub(crate) fn run(c: Calc, json: bool) -> ExitCode {
    let r = match c {
        Calc::Kcv(a) => kcv(&a),
        Calc::Derive(d) => derive(d),
        Calc::Arqc(a) => arqc(a),
        Calc::Arpc(a) => arpc(&a),
        Calc::Tlv(TlvCmd::Decode { hex: h }) => tlv_decode(&h, json),
        Calc::Cvn(CvnCmd::Detect { scheme, iad }) => cvn_detect(scheme, &iad),
        Calc::VerifyField55(a) => field55(&a),
        Calc::Dcvv(a) => dcvv(&a),
        Calc::Cvc3(a) => cvc3(&a),
        Calc::Cvv(a) => cvv_verb(&a),
        Calc::Ff1(c) => ff1(c),
        Calc::Dpan(c) => dpan(c),
        Calc::Code(a) => code(&a),
        Calc::Envelope(EnvelopeCmd::Open(a)) => envelope_open(&a, json),
    };
    match r {
        Ok(out) => {
            print_out(&out, json);
            ExitCode::SUCCESS
        }
        Err(Fail(code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

fn print_out(out: &Out, json: bool) {
    if json {
        let mut m = serde_json::Map::new();
        for (k, v) in out {
            let v = serde_json::from_str::<serde_json::Value>(v)
                .ok()
                .filter(|v| v.is_array() || v.is_object())
                .unwrap_or_else(|| serde_json::Value::String(v.clone()));
            m.insert((*k).to_string(), v);
        }
        println!("{}", serde_json::Value::Object(m));
    } else if let [(_, v)] = out.as_slice() {
        println!("{v}");
    } else {
        for (k, v) in out {
            println!("{k}: {v}");
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing helpers: each names its field.

pub(crate) fn hex(field: &str, s: &str) -> R<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some((i, c)) = s.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(bad(field, format!("not a hex digit '{c}' at position {i}")));
    }
    if !s.len().is_multiple_of(2) {
        return Err(bad(
            field,
            format!("odd-length hex ({} characters)", s.len()),
        ));
    }
    Ok((0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
        .collect())
}

fn hex_n<const N: usize>(field: &str, s: &str) -> R<[u8; N]> {
    let v = hex(field, s)?;
    let n = v.len();
    v.try_into()
        .map_err(|_| bad(field, format!("must be {N} bytes, got {n}")))
}

fn up(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// TDES or AES, the key's length choosing within the family.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Family {
    Tdes,
    Aes,
}

fn algorithm(field: &str, fam: Family, len: usize) -> R<Algorithm> {
    match fam {
        Family::Tdes => Algorithm::tdes_for_len(len),
        Family::Aes => Algorithm::aes_for_len(len),
    }
    .ok_or_else(|| {
        let want = if fam == Family::Tdes {
            "16 or 24 (TDES)"
        } else {
            "16, 24 or 32 (AES)"
        };
        bad(field, format!("must be {want} bytes, got {len}"))
    })
}

macro_rules! key_from {
    ($ty:ty, $field:literal, $fam:expr, $hex:expr) => {{
        let b = hex($field, $hex)?;
        let alg = algorithm($field, $fam, b.len())?;
        <$ty>::new(alg, &b).map_err(at($field))?
    }};
}

fn pan(s: &str) -> R<Pan> {
    Pan::parse(s).map_err(at("pan"))
}

fn psn(s: &str) -> R<Psn> {
    Psn::parse(s).map_err(at("psn"))
}

fn atc(s: &str) -> R<Atc> {
    Ok(Atc(hex_n("atc", s)?))
}

fn un(s: &str) -> R<UnpredictableNumber> {
    Ok(UnpredictableNumber(hex_n("un", s)?))
}

// ---------------------------------------------------------------------------
// kcv

#[derive(Args)]
pub(crate) struct KcvArgs {
    /// The key, hex (16 or 24 bytes for TDES; 16, 24 or 32 for AES).
    key: String,
    /// The key's cipher.
    #[arg(long, value_enum, default_value = "tdes")]
    alg: Family,
}

fn kcv(a: &KcvArgs) -> R<Out> {
    let k = key_from!(IssuerMasterKey, "key", a.alg, &a.key);
    Ok(vec![("kcv", up(&k.kcv().0))])
}

// ---------------------------------------------------------------------------
// derive

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum MkOption {
    /// EMV Option A (TDES).
    A,
    /// EMV Option B (TDES, SHA-1 for PANs over 16 digits).
    B,
    /// Option B's SHA-1 path for every PAN length (jPOS dCVV/CVC3 keys).
    BAlways,
    /// EMV Option C (AES).
    C,
}

impl MkOption {
    fn method(self) -> MkDerivation {
        match self {
            MkOption::A => MkDerivation::OptionA,
            MkOption::B => MkDerivation::OptionB,
            MkOption::BAlways => MkDerivation::OptionBAlwaysHash,
            MkOption::C => MkDerivation::OptionC,
        }
    }
    fn family(self) -> Family {
        match self {
            MkOption::C => Family::Aes,
            _ => Family::Tdes,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum Derive {
    /// The ICC MK (MK-AC) from the IMK, PAN and PSN.
    IccMk {
        /// Issuer master key (IMK-AC), hex.
        #[arg(long)]
        imk: String,
        #[arg(long)]
        pan: String,
        #[arg(long, default_value = "00")]
        psn: String,
        /// EMV derivation option.
        #[arg(long, value_enum, default_value = "a")]
        option: MkOption,
    },
    /// A session key from the ICC MK: EMV common (R) or Mastercard SKD (ATC, UN).
    Session {
        /// ICC master key (MK-AC), hex.
        #[arg(long)]
        icc_mk: String,
        #[arg(long, value_enum, default_value = "tdes")]
        alg: Family,
        /// EMV common session key: the diversification value R, one block (e.g. ATC ‖ 00…).
        #[arg(long, conflicts_with_all = ["atc", "un"])]
        r: Option<String>,
        /// Mastercard SKD: the ATC (2 bytes) …
        #[arg(long, requires = "un")]
        atc: Option<String>,
        /// … and the unpredictable number (4 bytes).
        #[arg(long, requires = "atc")]
        un: Option<String>,
    },
    /// Visa cloud-based payments: the limited-use key from the UDK and key index.
    Luk {
        /// The card's UDK (the ICC MK by Option A), hex.
        #[arg(long)]
        udk: String,
        /// Key index YHHHHCC (or the calculators' YYHHHHCC).
        #[arg(long)]
        key_index: String,
    },
    /// [INFERRED, not confirmed by any public value] Mastercard MCBP single-use key (SUK).
    ///
    /// INFERRED: the issuer-side SUK derivation is not published. This computes
    /// the construction tapcrypt guesses (feature `mcbp-inferred-skd`,
    /// `IssuedSingleUseKeys::derive_inferred`): SUK = EMV common session key of
    /// the role's ICC MK with R = ATC ‖ 00…00, one distinct ICC MK per role
    /// (contactless UMD / MD, remote UMD / MD). Use the keys your token service
    /// actually issued unless you have confirmed this against your scheme's HSM.
    #[cfg(feature = "mcbp-inferred-skd")]
    #[command(name = "mcbp-suk")]
    McbpSuk {
        /// The role's ICC master key (two-key TDES), hex.
        #[arg(long)]
        icc_mk: String,
        /// The ATC the single-use key is for, 2 bytes hex.
        #[arg(long)]
        atc: String,
    },
}

fn derive(d: Derive) -> R<Out> {
    match d {
        Derive::IccMk {
            imk,
            pan: p,
            psn: s,
            option,
        } => {
            let imk = key_from!(IssuerMasterKey, "imk", option.family(), &imk);
            let mk = derive::derive_card_key(option.method(), &imk, &pan(&p)?, psn(&s)?)
                .map_err(at("imk"))?;
            Ok(vec![
                ("icc_mk", up(mk.expose_secret())),
                ("kcv", up(&mk.kcv().0)),
            ])
        }
        Derive::Session {
            icc_mk,
            alg,
            r,
            atc: a,
            un: u,
        } => {
            let mk = key_from!(CardMasterKey, "icc_mk", alg, &icc_mk);
            let sk = match (r, a, u) {
                (Some(r), _, _) => {
                    derive::common_session_key(&mk, &hex("r", &r)?).map_err(at("r"))?
                }
                (None, Some(a), Some(u)) => {
                    derive::mastercard_skd(&mk, atc(&a)?, un(&u)?).map_err(at("icc_mk"))?
                }
                _ => {
                    return Err(Fail(
                        2,
                        "give --r (EMV common session key) or --atc and --un (Mastercard SKD)"
                            .into(),
                    ));
                }
            };
            Ok(vec![
                ("session_key", up(sk.expose_secret())),
                ("kcv", up(&sk.kcv().0)),
            ])
        }
        Derive::Luk { udk, key_index } => {
            let udk = key_from!(CardMasterKey, "udk", Family::Tdes, &udk);
            let idx = KeyIndex::parse(&key_index).map_err(at("key_index"))?;
            let luk = Luk::derive(&udk, idx).map_err(at("udk"))?;
            Ok(vec![
                ("luk", up(luk.expose_secret())),
                ("kcv", up(&luk.kcv().0)),
            ])
        }
        #[cfg(feature = "mcbp-inferred-skd")]
        Derive::McbpSuk { icc_mk, atc: a } => {
            let mk = key_from!(CardMasterKey, "icc_mk", Family::Tdes, &icc_mk);
            if mk.algorithm() != Algorithm::Tdes2 {
                return Err(bad("icc_mk", "must be a two-key TDES key (16 bytes)"));
            }
            let suk = derive::session_key_ac(&mk, atc(&a)?).map_err(at("icc_mk"))?;
            Ok(vec![
                ("suk", up(suk.expose_secret())),
                ("kcv", up(&suk.kcv().0)),
                (
                    "note",
                    "INFERRED: SUK = EMV CSK(ICC MK, ATC); no public value confirms it".into(),
                ),
            ])
        }
    }
}

// ---------------------------------------------------------------------------
// arqc, arpc, verify-field55

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CvnName {
    Visa10,
    Visa18,
    Visa22,
    Mc16,
    Mc17,
    Mc20,
    Mc21,
    Interac133,
    EmvTdes,
    EmvAes,
}

impl CvnName {
    fn cvn(self) -> &'static Cvn {
        match self {
            CvnName::Visa10 => &VISA_CVN_10,
            CvnName::Visa18 => &VISA_CVN_18,
            CvnName::Visa22 => &VISA_CVN_22,
            CvnName::Mc16 => &MASTERCARD_CVN_16,
            CvnName::Mc17 => &MASTERCARD_CVN_17,
            CvnName::Mc20 => &MASTERCARD_CVN_20,
            CvnName::Mc21 => &MASTERCARD_CVN_21,
            CvnName::Interac133 => &INTERAC_CVN_133,
            CvnName::EmvTdes => &EMV_COMMON_TDES,
            CvnName::EmvAes => &EMV_COMMON_AES,
        }
    }
}

/// The card key: the ICC MK itself, or the IMK with the PAN and PSN (the
/// CVN's derivation option).
#[derive(Args)]
pub(crate) struct CardKeyArgs {
    /// The card's CVN profile, from the issuer's records.
    #[arg(long, value_enum)]
    cvn: CvnName,
    /// ICC master key (MK-AC), hex.
    #[arg(long, required_unless_present = "imk", conflicts_with = "imk")]
    icc_mk: Option<String>,
    /// Issuer master key (IMK-AC), hex; needs --pan (and --psn).
    #[arg(long, requires = "pan")]
    imk: Option<String>,
    #[arg(long)]
    pan: Option<String>,
    #[arg(long, default_value = "00")]
    psn: String,
}

impl CardKeyArgs {
    fn family(&self) -> Family {
        match self.cvn.cvn().cipher {
            CipherFamily::Aes => Family::Aes,
            _ => Family::Tdes,
        }
    }

    fn card_key(&self) -> R<CardMasterKey> {
        if let Some(mk) = &self.icc_mk {
            return Ok(key_from!(CardMasterKey, "icc_mk", self.family(), mk));
        }
        let imk = self.imk.as_deref().unwrap_or_default();
        let imk = key_from!(IssuerMasterKey, "imk", self.family(), imk);
        let p = pan(self.pan.as_deref().unwrap_or_default())?;
        self.cvn
            .cvn()
            .derive_card_key(&imk, &p, psn(&self.psn)?)
            .map_err(at("imk"))
    }
}

/// The transaction: the 33-byte minimum set and the CVN's card data.
#[derive(Args)]
pub(crate) struct TxnArgs {
    /// The minimum set, 33 bytes in order: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36.
    #[arg(long)]
    data: String,
    /// The card data the CVN MACs after it (the IAD for Visa CVN 18/22, the CVR for CVN 10 and Mastercard …).
    #[arg(long, default_value = "")]
    card_data: String,
}

impl TxnArgs {
    fn parse(&self, cvn: &'static Cvn) -> R<(TransactionData, Vec<u8>)> {
        let t = TransactionData::from_slice(&hex("data", &self.data)?).map_err(at("data"))?;
        let cd = hex("card_data", &self.card_data)?;
        cvn.card_data(&cd).map_err(at("card_data"))?;
        Ok((t, cd))
    }
}

#[derive(Subcommand)]
pub(crate) enum ArqcCmd {
    /// Compute the cryptogram, as the card does.
    Generate {
        #[command(flatten)]
        key: CardKeyArgs,
        #[command(flatten)]
        txn: TxnArgs,
    },
    /// Verify a cryptogram, as the issuer does.
    Verify {
        #[command(flatten)]
        key: CardKeyArgs,
        #[command(flatten)]
        txn: TxnArgs,
        /// The cryptogram to check (9F26), 8 bytes.
        #[arg(long)]
        arqc: String,
    },
}

fn arqc(c: ArqcCmd) -> R<Out> {
    match c {
        ArqcCmd::Generate { key, txn } => {
            let cvn = key.cvn.cvn();
            let mk = key.card_key()?;
            let (t, cd) = txn.parse(cvn)?;
            let cd: CardData<'_> = cvn.card_data(&cd).map_err(at("card_data"))?;
            let keys = cvn
                .transaction_keys(&mk, t.atc, t.un)
                .map_err(at("icc_mk"))?;
            let ac = keys.generate_ac(&t, &cd).map_err(at("card_data"))?;
            Ok(vec![("arqc", up(&ac.0))])
        }
        ArqcCmd::Verify { key, txn, arqc } => {
            let ac = Cryptogram(hex_n("arqc", &arqc)?);
            with_verified(&key, &txn, &ac, |_| {
                Ok(vec![("result", "ARQC verified".into())])
            })
        }
    }
}

fn with_verified(
    key: &CardKeyArgs,
    txn: &TxnArgs,
    ac: &Cryptogram,
    then: impl FnOnce(&VerifiedArqc<'_>) -> R<Out>,
) -> R<Out> {
    let cvn = key.cvn.cvn();
    let mk = key.card_key()?;
    let (t, cd) = txn.parse(cvn)?;
    let cd = cvn.card_data(&cd).map_err(at("card_data"))?;
    let keys = cvn
        .transaction_keys(&mk, t.atc, t.un)
        .map_err(at("icc_mk"))?;
    let v = keys
        .verify_arqc(&t, &cd, ac)
        .map_err(|_| not_verified("ARQC"))?;
    then(&v)
}

/// The issuer's answer: an ARC (Method 1) or a CSU (Method 2).
#[derive(Args)]
pub(crate) struct ResponseArgs {
    /// Authorisation Response Code, 2 bytes hex (`3030` = "00"), for ARPC Method 1.
    #[arg(long, conflicts_with = "csu")]
    arc: Option<String>,
    /// Card Status Update, 4 bytes hex, for ARPC Method 2.
    #[arg(long)]
    csu: Option<String>,
    /// Proprietary authentication data for Method 2, 0 to 8 bytes hex.
    #[arg(long, default_value = "", requires = "csu")]
    prop: String,
}

impl ResponseArgs {
    fn given(&self) -> bool {
        self.arc.is_some() || self.csu.is_some()
    }

    fn answer(&self, v: &VerifiedArqc<'_>) -> R<Out> {
        let prop = hex("prop", &self.prop)?;
        let resp = match (&self.arc, &self.csu) {
            (Some(a), _) => ArpcResponse::Method1 {
                arc: ResponseCode(hex_n("arc", a)?),
            },
            (None, Some(c)) => ArpcResponse::Method2 {
                csu: Csu(hex_n("csu", c)?),
                proprietary: &prop,
            },
            (None, None) => {
                return Err(Fail(2, "give --arc (Method 1) or --csu (Method 2)".into()));
            }
        };
        let arpc = v
            .arpc(&resp)
            .map_err(at(if self.arc.is_some() { "arc" } else { "csu" }))?;
        let mut buf = [0u8; 18];
        let t91 =
            tlv::encode_issuer_authentication_data(&arpc, &resp, &mut buf).map_err(at("prop"))?;
        Ok(vec![("arpc", up(arpc.as_bytes())), ("tag_91", up(t91))])
    }
}

#[derive(Args)]
pub(crate) struct ArpcArgs {
    #[command(flatten)]
    key: CardKeyArgs,
    #[command(flatten)]
    txn: TxnArgs,
    /// The ARQC to verify and answer (9F26), 8 bytes.
    #[arg(long)]
    arqc: String,
    #[command(flatten)]
    response: ResponseArgs,
}

fn arpc(a: &ArpcArgs) -> R<Out> {
    if !a.response.given() {
        return Err(Fail(2, "give --arc (Method 1) or --csu (Method 2)".into()));
    }
    let ac = Cryptogram(hex_n("arqc", &a.arqc)?);
    with_verified(&a.key, &a.txn, &ac, |v| {
        let mut out = vec![("result", "ARQC verified".to_string())];
        out.extend(a.response.answer(v)?);
        Ok(out)
    })
}

#[derive(Args)]
pub(crate) struct Field55Args {
    #[command(flatten)]
    key: CardKeyArgs,
    /// The ICC data (field 55), hex: TLV, with or without a 77/70 template.
    #[arg(long)]
    field55: String,
    #[command(flatten)]
    response: ResponseArgs,
}

fn field55(a: &Field55Args) -> R<Out> {
    let msg = hex("field55", &a.field55)?;
    let cvn = a.key.cvn.cvn();
    let req = AuthorisationRequest::parse(&msg, cvn).map_err(at("field55"))?;
    let mk = a.key.card_key()?;
    let keys = req.transaction_keys(&mk).map_err(at("icc_mk"))?;
    let v = req.verify(&keys).map_err(|_| not_verified("ARQC"))?;
    let mut out = vec![
        ("result", "ARQC verified".to_string()),
        ("atc", up(&v.atc().0)),
    ];
    if a.response.given() {
        out.extend(a.response.answer(&v)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// tlv decode, cvn detect

#[derive(Subcommand)]
pub(crate) enum TlvCmd {
    /// Decode BER-TLV into a tree with EMV tag names.
    Decode {
        /// The TLV data, hex.
        hex: String,
    },
}

fn tlv_decode(h: &str, json: bool) -> R<Out> {
    let data = hex("hex", h)?;
    let mut lines = Vec::new();
    let tree = decode_level(&data, 0, &mut lines)?;
    if json {
        Ok(vec![("tlv", serde_json::Value::Array(tree).to_string())])
    } else {
        Ok(vec![("tlv", lines.join("\n"))])
    }
}

fn decode_level(data: &[u8], depth: usize, lines: &mut Vec<String>) -> R<Vec<serde_json::Value>> {
    if depth >= tlv::MAX_DEPTH {
        return Err(bad("hex", "TLV templates nested too deep"));
    }
    let mut out = Vec::new();
    for t in tlv::siblings(data) {
        let t = t.map_err(at("hex"))?;
        let tag = format!("{:02X}", t.tag);
        let name = crate::tags::name(t.tag);
        let pad = "  ".repeat(depth);
        let mut obj = serde_json::Map::new();
        obj.insert("tag".into(), tag.clone().into());
        obj.insert("name".into(), name.into());
        obj.insert("length".into(), t.value.len().into());
        if t.is_constructed() {
            lines.push(format!("{pad}{tag} {name} ({} bytes)", t.value.len()));
            let kids = decode_level(t.value, depth + 1, lines)?;
            obj.insert("children".into(), kids.into());
        } else {
            lines.push(format!(
                "{pad}{tag} {name} ({} bytes): {}",
                t.value.len(),
                up(t.value)
            ));
            obj.insert("value".into(), up(t.value).into());
        }
        out.push(obj.into());
    }
    Ok(out)
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SchemeName {
    Visa,
    Mastercard,
    Interac,
}

#[derive(Subcommand)]
pub(crate) enum CvnCmd {
    /// The CVN a scheme's IAD (9F10) declares.
    Detect {
        #[arg(long, value_enum)]
        scheme: SchemeName,
        /// Issuer application data (9F10), hex.
        #[arg(long)]
        iad: String,
    },
}

fn cvn_detect(scheme: SchemeName, iad: &str) -> R<Out> {
    let s = match scheme {
        SchemeName::Visa => Scheme::Visa,
        SchemeName::Mastercard => Scheme::Mastercard,
        SchemeName::Interac => Scheme::Interac,
    };
    let c = tlv::detect_cvn(s, &hex("iad", iad)?).map_err(at("iad"))?;
    Ok(vec![
        ("cvn", c.name.to_string()),
        ("id", format!("{:02X}", c.id)),
    ])
}

// ---------------------------------------------------------------------------
// cvv, dcvv, cvc3

#[derive(Args)]
pub(crate) struct CvvArgs {
    /// Card verification key (CVK A ‖ B), hex.
    #[arg(long)]
    cvk: String,
    #[arg(long)]
    pan: String,
    /// Expiry date YYMM.
    #[arg(long)]
    expiry: String,
    /// Service code, 3 digits.
    #[arg(long)]
    service_code: String,
}

fn cvv_verb(a: &CvvArgs) -> R<Out> {
    let k = key_from!(CardVerificationKey, "cvk", Family::Tdes, &a.cvk);
    let d = cvv::cvv(&k, &pan(&a.pan)?, &a.expiry, &a.service_code).map_err(at("expiry"))?;
    Ok(vec![("cvv", String::from_utf8_lossy(&d.to_ascii()).into())])
}

/// A per-card key: given directly, or derived from the issuer key.
#[derive(Args)]
pub(crate) struct DerivedKeyArgs {
    /// The card's key (MK-DCVV / MK-CVC3), hex.
    #[arg(long, required_unless_present = "imk", conflicts_with = "imk")]
    mk: Option<String>,
    /// The issuer key (IMK-DCVV / IMK-CVC3), hex: the card key is derived by --option.
    #[arg(long)]
    imk: Option<String>,
    #[arg(long, value_enum, default_value = "a")]
    option: MkOption,
    #[arg(long)]
    pan: String,
    #[arg(long, default_value = "00")]
    psn: String,
}

/// The per-card key types `DerivedKeyArgs` builds from hex: the card keys
/// and the issuer keys they derive from (each role type's own `new`).
trait NewKey: Sized {
    fn new_key(alg: Algorithm, key: &[u8]) -> Result<Self, tapcrypt::Error>;
}

macro_rules! new_key {
    ($($t:ty),*) => {$(
        impl NewKey for $t {
            fn new_key(alg: Algorithm, key: &[u8]) -> Result<Self, tapcrypt::Error> {
                <$t>::new(alg, key)
            }
        }
    )*};
}
new_key!(DcvvKey, IssuerDcvvKey, Cvc3Key, IssuerCvc3Key);

impl DerivedKeyArgs {
    /// The card's key of issuer-key type `I`'s family (`IssuerDcvvKey` →
    /// `DcvvKey`, `IssuerCvc3Key` → `Cvc3Key`): `--mk` as given, or `--imk`
    /// derived for the PAN and PSN by `--option`.
    fn card_key<I>(&self, p: &Pan) -> R<I::Card>
    where
        I: IssuerKey + NewKey,
        I::Card: NewKey,
    {
        match (&self.mk, &self.imk) {
            (Some(mk), _) => {
                let b = hex("mk", mk)?;
                let alg = algorithm("mk", Family::Tdes, b.len())?;
                I::Card::new_key(alg, &b).map_err(at("mk"))
            }
            (None, Some(imk)) => {
                let b = hex("imk", imk)?;
                let alg = algorithm("imk", Family::Tdes, b.len())?;
                let imk = I::new_key(alg, &b).map_err(at("imk"))?;
                derive::derive_card_key(self.option.method(), &imk, p, psn(&self.psn)?)
                    .map_err(at("imk"))
            }
            (None, None) => Err(Fail(2, "give --mk or --imk".into())),
        }
    }
}

#[derive(Args)]
pub(crate) struct DcvvArgs {
    #[command(flatten)]
    key: DerivedKeyArgs,
    /// Expiry date YYMM.
    #[arg(long)]
    expiry: String,
    /// Service code, 3 digits.
    #[arg(long)]
    service_code: String,
    /// ATC, 2 bytes hex.
    #[arg(long)]
    atc: String,
}

fn dcvv(a: &DcvvArgs) -> R<Out> {
    let p = pan(&a.key.pan)?;
    let k = a.key.card_key::<IssuerDcvvKey>(&p)?;
    let d = cvv::dcvv(&k, &p, &a.expiry, &a.service_code, atc(&a.atc)?).map_err(at("expiry"))?;
    Ok(vec![(
        "dcvv",
        String::from_utf8_lossy(&d.to_ascii()).into(),
    )])
}

#[derive(Args)]
pub(crate) struct Cvc3Args {
    #[command(flatten)]
    key: DerivedKeyArgs,
    /// Track data the IVCVC3 is computed over (track 2 as BCD nibbles, or track 1), hex …
    #[arg(long, required_unless_present = "ivcvc3", conflicts_with = "ivcvc3")]
    track: Option<String>,
    /// … or the IVCVC3 itself, 2 bytes hex.
    #[arg(long)]
    ivcvc3: Option<String>,
    /// Unpredictable number, 4 bytes hex.
    #[arg(long)]
    un: String,
    /// ATC, 2 bytes hex.
    #[arg(long)]
    atc: String,
}

fn cvc3(a: &Cvc3Args) -> R<Out> {
    let p = pan(&a.key.pan)?;
    let k = a.key.card_key::<IssuerCvc3Key>(&p)?;
    let iv = match (&a.track, &a.ivcvc3) {
        (Some(t), _) => cvv::ivcvc3(&k, &hex("track", t)?).map_err(at("mk"))?,
        (None, Some(i)) => hex_n("ivcvc3", i)?,
        (None, None) => return Err(Fail(2, "give --track or --ivcvc3".into())),
    };
    let d = cvv::cvc3(&k, iv, un(&a.un)?, atc(&a.atc)?).map_err(at("mk"))?;
    Ok(vec![
        ("ivcvc3", up(&iv)),
        ("cvc3", String::from_utf8_lossy(&d.to_ascii()).into()),
    ])
}

// ---------------------------------------------------------------------------
// ff1, dpan

#[derive(Args)]
pub(crate) struct Ff1Args {
    /// AES key, hex (16, 24 or 32 bytes).
    #[arg(long)]
    key: String,
    /// Tweak, hex (may be empty).
    #[arg(long, default_value = "")]
    tweak: String,
    /// The decimal digits.
    digits: String,
}

#[derive(Subcommand)]
pub(crate) enum Ff1Cmd {
    /// Encrypt a digit string.
    Encrypt(Ff1Args),
    /// Decrypt a digit string.
    Decrypt(Ff1Args),
}

fn ff1(c: Ff1Cmd) -> R<Out> {
    let (a, enc) = match &c {
        Ff1Cmd::Encrypt(a) => (a, true),
        Ff1Cmd::Decrypt(a) => (a, false),
    };
    let k = key_from!(DpanRangeKey, "key", Family::Aes, &a.key);
    let f = Ff1::new(&k).map_err(at("key"))?;
    let tweak = hex("tweak", &a.tweak)?;
    let mut out = vec![0u8; a.digits.len()];
    let r = if enc {
        f.encrypt_str(&tweak, &a.digits, &mut out)
    } else {
        f.decrypt_str(&tweak, &a.digits, &mut out)
    }
    .map_err(at("digits"))?;
    Ok(vec![(
        if enc { "ciphertext" } else { "plaintext" },
        r.to_string(),
    )])
}

#[derive(Args)]
pub(crate) struct RangeArgs {
    /// Token BIN, 6 or 8 digits.
    #[arg(long)]
    bin: String,
    /// The range's AES key, hex.
    #[arg(long)]
    key: String,
    /// Key version (part of the tweak).
    #[arg(long, default_value_t = 1)]
    key_version: u16,
    /// Domain label (part of the tweak), at most 32 bytes.
    #[arg(long, default_value = "")]
    domain: String,
}

impl RangeArgs {
    fn range(&self) -> R<DpanRange> {
        let bin = Bin::parse(&self.bin).map_err(at("bin"))?;
        let k = key_from!(DpanRangeKey, "key", Family::Aes, &self.key);
        DpanRange::new(bin, &k, self.key_version, &self.domain, 0).map_err(at("key"))
    }
}

#[derive(Subcommand)]
pub(crate) enum DpanCmd {
    /// The DPAN for a sequence number.
    Issue {
        #[command(flatten)]
        range: RangeArgs,
        /// Sequence number.
        #[arg(long)]
        seq: u64,
    },
    /// The sequence number behind a DPAN.
    Detokenize {
        #[command(flatten)]
        range: RangeArgs,
        /// The DPAN, 16 digits.
        dpan: String,
    },
}

fn dpan(c: DpanCmd) -> R<Out> {
    match c {
        DpanCmd::Issue { range, seq } => {
            let d = range.range()?.dpan_for(seq).map_err(at("seq"))?;
            let mut b = [0u8; 19];
            Ok(vec![(
                "dpan",
                String::from_utf8_lossy(d.write_ascii(&mut b)).into(),
            )])
        }
        DpanCmd::Detokenize { range, dpan } => {
            let d = Dpan::parse(&dpan).map_err(at("dpan"))?;
            let seq = range.range()?.detokenize(&d).map_err(at("dpan"))?;
            Ok(vec![("seq", seq.to_string())])
        }
    }
}

// ---------------------------------------------------------------------------
// code

#[derive(Args)]
pub(crate) struct CodeArgs {
    /// The credential's OTP secret, hex.
    #[arg(long)]
    secret: String,
    /// The issuer's routing prefix, 2 digits.
    #[arg(long)]
    prefix: u8,
    /// The account's 8-digit alias …
    #[arg(
        long,
        required_unless_present = "alias_key",
        conflicts_with = "alias_key"
    )]
    alias: Option<String>,
    /// … or the issuer's alias key (hex) with --account-ref, to compute the alias.
    #[arg(long, requires = "account_ref")]
    alias_key: Option<String>,
    /// The account reference the alias key enciphers.
    #[arg(long)]
    account_ref: Option<u32>,
    /// Unix time in seconds (the band's clock).
    #[arg(long)]
    time: u64,
    /// The counter of this time step, 0 to 9.
    #[arg(long, default_value_t = 0)]
    counter: u8,
}

fn code(a: &CodeArgs) -> R<Out> {
    use tapcrypt::code::otp::OtpSecret;
    use tapcrypt::code::payment::{
        AccountRef, Alias, CodeAliasKey, CodeIssuer, FORMAT_V1, PaymentCodeCredential,
        RoutingPrefix,
    };
    let prefix = RoutingPrefix::new(a.prefix).map_err(at("prefix"))?;
    let alias = match (&a.alias, &a.alias_key, a.account_ref) {
        (Some(s), _, _) => Alias::parse(s).map_err(at("alias"))?,
        (None, Some(k), Some(r)) => {
            let key = key_from!(CodeAliasKey, "alias_key", Family::Aes, k);
            let issuer = CodeIssuer::new(&key, prefix, &FORMAT_V1).map_err(at("alias_key"))?;
            issuer
                .alias_for(AccountRef::new(r).map_err(at("account_ref"))?)
                .map_err(at("account_ref"))?
        }
        _ => {
            return Err(Fail(
                2,
                "give --alias, or --alias-key and --account-ref".into(),
            ));
        }
    };
    let alias_ascii = String::from_utf8_lossy(&alias.to_ascii()).into_owned();
    let secret = OtpSecret::new(&hex("secret", &a.secret)?).map_err(at("secret"))?;
    let cred = PaymentCodeCredential::new(secret, prefix, alias, &FORMAT_V1);
    let c = cred.code(a.time, a.counter).map_err(at("counter"))?;
    Ok(vec![
        ("alias", alias_ascii),
        ("code", String::from_utf8_lossy(&c.to_ascii()).into_owned()),
    ])
}

// ---------------------------------------------------------------------------
// envelope open

#[derive(Subcommand)]
pub(crate) enum EnvelopeCmd {
    /// Verify and open an envelope as the device does: signature under the
    /// pinned token-service key, counter, request binding, recipient, ECDH +
    /// KDF, TR-31 unwrap. Prints the counter, each key block's header fields,
    /// key and KCV, and the DPANs. Nothing is installed anywhere.
    Open(EnvelopeOpenArgs),
}

#[derive(Args)]
pub(crate) struct EnvelopeOpenArgs {
    /// The device's P-256 private key (the recipient), 32 bytes hex.
    #[arg(long)]
    device_key: String,
    /// The token service's pinned ECDSA P-256 public key, SEC1 uncompressed (65 bytes, 04‖X‖Y) hex.
    #[arg(long)]
    tsp_key: String,
    /// The hash of the request the device has outstanding (SHA-256 of the signed request), 32 bytes hex …
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    request_hash: Option<String>,
    /// … or the signed request itself, hex (its SHA-256 is the binding).
    #[arg(long)]
    request: Option<String>,
    /// The last envelope counter the device installed (the envelope's must be greater).
    #[arg(long, default_value_t = 0)]
    last_counter: u64,
    /// The envelope, hex.
    envelope: String,
}

/// Capacity of the opened credential set: the format's maxima (16 key blocks,
/// 255 DPANs), so the calculator opens every well-formed envelope.
const ENVELOPE_KEYS: usize = 16;
const ENVELOPE_DPANS: usize = 255;

fn envelope_open(a: &EnvelopeOpenArgs, json: bool) -> R<Out> {
    use tapcrypt::provision::envelope::open_envelope;
    use tapcrypt::provision::request::request_hash;
    use tapcrypt::provision::{DeviceKeyPair, EcdsaVerifyingKey, ProvisionError};

    let device = DeviceKeyPair::from_secret_bytes(&hex_n("device_key", &a.device_key)?)
        .map_err(at("device_key"))?;
    let tsp = EcdsaVerifyingKey::from_sec1(&hex("tsp_key", &a.tsp_key)?).map_err(at("tsp_key"))?;
    let outstanding = match (&a.request_hash, &a.request) {
        (Some(h), _) => hex_n::<32>("request_hash", h)?,
        (None, Some(r)) => request_hash(&hex("request", r)?),
        (None, None) => return Err(Fail(2, "give --request-hash or --request".into())),
    };
    let env = hex("envelope", &a.envelope)?;
    let mut creds = open_envelope::<ENVELOPE_KEYS, ENVELOPE_DPANS>(
        &device,
        &tsp,
        a.last_counter,
        Some(&outstanding),
        &env,
    )
    .map_err(|e| match e {
        ProvisionError::Verify(_) => not_verified("the envelope's signature (under --tsp-key)"),
        ProvisionError::Replay { .. } => bad("last_counter", e),
        ProvisionError::NotRequested => bad(
            if a.request.is_some() {
                "request"
            } else {
                "request_hash"
            },
            e,
        ),
        // Malformed input (structure, points, key blocks, another device's
        // envelope), and whatever variant a later version adds.
        _ => bad("envelope", e),
    })?;
    let ascii = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let keys: Vec<serde_json::Value> = creds
        .keys()
        .map(|k| {
            serde_json::json!({
                "usage": ascii(&k.usage()),
                "mode_of_use": ascii(&[k.mode_of_use()]),
                "key_version": ascii(&k.key_version()),
                "algorithm": format!("{:?}", k.key().algorithm()),
                "key": up(k.key().expose_secret()),
                "kcv": up(&k.key().kcv().0),
            })
        })
        .collect();
    let dpans: Vec<String> = std::iter::from_fn(|| creds.take_dpan())
        .map(|d| {
            let mut b = [0u8; 19];
            ascii(d.write_ascii(&mut b))
        })
        .collect();
    let counter = creds.counter().to_string();
    if json {
        return Ok(vec![
            ("counter", counter),
            ("keys", serde_json::Value::Array(keys).to_string()),
            ("dpans", serde_json::json!(dpans).to_string()),
        ]);
    }
    let mut out = vec![("counter", counter)];
    for k in &keys {
        let f = |n: &str| k[n].as_str().unwrap_or_default().to_string();
        out.push((
            "key",
            format!(
                "usage {} mode {} version {} {} {} (KCV {})",
                f("usage"),
                f("mode_of_use"),
                f("key_version"),
                f("algorithm"),
                f("key"),
                f("kcv")
            ),
        ));
    }
    for d in dpans {
        out.push(("dpan", d));
    }
    Ok(out)
}
