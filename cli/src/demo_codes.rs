//! `tapcrypt demo`, offline payment (issue 18): a band with no network pays
//! with an 18-digit one-time code and with an EMV consumer-presented QR
//! payload (the same bytes as an NFC NDEF record); the issuer's backend
//! resolves and approves each, and refuses the same code on replay and
//! outside the clock-skew window. Band and backend share only what the
//! merchant scans.

use std::process::ExitCode;

use crate::demo::{fail, step, step_once};
use tapcrypt::code::backend::{
    CodeAccountState, CodeRefusal, CodeVerifier, GuessPolicy, SkewWindow,
};
use tapcrypt::code::cpm::{self, CpmContents, CpmPayload};
use tapcrypt::code::otp::OtpSecret;
use tapcrypt::code::payment::{
    AccountRef, CodeAliasKey, CodeIssuer, CodeSequencer, FORMAT_V1, ParsedCode,
    PaymentCodeCredential, RoutingPrefix,
};
use tapcrypt::code::render::{self, QrBuffers};
use tapcrypt::emv::{Atc, TAPCRYPT_DPAN_AES, TransactionData, UnpredictableNumber};
use tapcrypt::lifecycle::window::{AtcVerdict, AtcWindow};
use tapcrypt::token::Dpan;
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

/// The band's clock when it pays (Unix seconds, no network to correct it).
const BAND_TIME: u64 = 1_796_000_010;

pub(crate) fn run_or_exit() {
    if payment_code().and_then(|()| cpm_qr_nfc()).is_err() {
        std::process::exit(1);
    }
}

fn payment_code() -> Result<(), ExitCode> {
    println!("== offline payment code: 18 digits, no network on the band ==");
    // Issuer / token service: the alias key for prefix 28 and the token's secret.
    let alias_key = CodeAliasKey::from_hex(
        Algorithm::Aes256,
        "5CAC46ECF997318045FA2B250606FC7EB54B16AF354C49CB8A8D90A1FFA214CB",
    )
    .map_err(|e| fail("alias key", e))?;
    let prefix = RoutingPrefix::new(28).map_err(|e| fail("prefix", e))?;
    let issuer = CodeIssuer::new(&alias_key, prefix, &FORMAT_V1).map_err(|e| fail("issuer", e))?;
    let account = AccountRef::new(31_415_926).map_err(|e| fail("account", e))?;
    let alias = step("token service: alias = FF1(alias key, account ref)", || {
        issuer.alias_for(account)
    })
    .map_err(|e| fail("alias", e))?;
    let secret_hex = "2CE306298BF09930CF51F334B20FB2A5EFD3ADAF55A37FCE7068DE6F775AA121";
    let band = PaymentCodeCredential::new(
        OtpSecret::from_hex(secret_hex).map_err(|e| fail("secret", e))?,
        prefix,
        alias,
        &FORMAT_V1,
    );
    println!(
        "    provisioned: prefix 28, format 1 (HMAC-SHA-256, 30 s, 6 digits), alias {}",
        String::from_utf8_lossy(&alias.to_ascii())
    );

    // The band, offline: next counter for this time step, then the code.
    let mut seq = CodeSequencer::new();
    let counter = seq
        .next_counter(&FORMAT_V1, BAND_TIME)
        .map_err(|e| fail("counter", e))?;
    let code = step("band: one-time code (HMAC-SHA-256, CT truncation)", || {
        band.code(BAND_TIME, counter)
    })
    .map_err(|e| fail("code", e))?;
    let shown = code.to_ascii();
    let text = String::from_utf8_lossy(&shown).into_owned();
    println!("    the band shows {text}  (counter {counter})");
    let mut qr = Box::new(QrBuffers::new());
    let m = render::qr_matrix(&shown, None, &mut qr).map_err(|e| fail("QR", e))?;
    println!(
        "    as a QR code: version {} ({}×{} modules)",
        m.version(),
        m.size(),
        m.size()
    );

    // The backend: the merchant scanned the code 12 s later.
    let verifier = CodeVerifier::new(&issuer, SkewWindow::DEFAULT, GuessPolicy::DEFAULT);
    let token_secret = OtpSecret::from_hex(secret_hex).map_err(|e| fail("secret", e))?;
    let parsed = ParsedCode::parse(&shown).map_err(|e| fail("parse", e))?;
    let resolved = step("backend: parse, resolve the alias (FF1 decrypt)", || {
        issuer.resolve(&parsed)
    })
    .map_err(|e| fail("resolve", e))?;
    println!("    alias -> account reference {}", resolved.value());
    let state = CodeAccountState::new();
    let checked = step(
        "backend: verify the one-time value in the skew window",
        || verifier.verify(&parsed, resolved, &token_secret, state, BAND_TIME + 12),
    )
    .map_err(|e| fail("verify", e))?;
    let proof = checked.verdict.map_err(|e| fail("the payment code", e))?;
    // Only the proof of that verification can mark the code used.
    let (state, accepted) = checked.state.accept(proof);
    let accepted = accepted.map_err(|e| fail("accept once", e))?;
    println!(
        "    accepted once (the proof consumed): APPROVED, account {}, clock skew {} step(s)",
        accepted.account().value(),
        accepted.skew_steps()
    );

    // The same code again (a merchant replaying it): refused, state unchanged.
    let again = verifier
        .verify_and_accept(&parsed, resolved, &token_secret, state, BAND_TIME + 20)
        .map_err(|e| fail("verify", e))?;
    match again.verdict {
        Err(CodeRefusal::Replayed) => println!("    the same code again: refused (already used)"),
        other => return Err(fail("replay", format!("{other:?}"))),
    }
    // A fresh code presented 3 minutes late: outside the window.
    let late = band.code(BAND_TIME, 1).map_err(|e| fail("code", e))?;
    let late = ParsedCode::parse(&late.to_ascii()).map_err(|e| fail("parse", e))?;
    let r = verifier
        .verify(&late, resolved, &token_secret, state, BAND_TIME + 180)
        .map_err(|e| fail("verify", e))?;
    match r.verdict {
        Err(CodeRefusal::NotVerified(_)) => println!(
            "    a code presented 180 s later: refused (outside the window; {} failure counted)",
            r.state.failures()
        ),
        other => return Err(fail("window", format!("{other:?}"))),
    }
    // Malformed input: a typed error, no state to store.
    match ParsedCode::parse(b"28123") {
        Err(e) => println!("    a truncated code: refused before any state ({e})"),
        Ok(_) => return Err(fail("parse", "accepted a truncated code")),
    }
    println!();
    Ok(())
}

fn cpm_qr_nfc() -> Result<(), ExitCode> {
    println!("== EMV consumer-presented QR (CPV01) / NFC, DPAN-bound cryptogram ==");
    // Provisioned earlier: the token's card key and a one-time DPAN.
    let imk = IssuerMasterKey::from_hex(Algorithm::Aes128, "2B7E151628AED2A6ABF7158809CF4F3C")
        .map_err(|e| fail("IMK", e))?;
    let token_account = Pan::parse("5399991200004242").map_err(|e| fail("account", e))?;
    let band_key = TAPCRYPT_DPAN_AES
        .derive_card_key(&imk, &token_account, Psn::ABSENT)
        .map_err(|e| fail("card key", e))?;
    let dpan = Dpan::parse("5399991234567894").map_err(|e| fail("DPAN", e))?;

    // The band: no terminal, so it makes its own unpredictable number.
    let txn = TransactionData {
        terminal_country: [0x01, 0x56],
        currency: [0x01, 0x56],
        date: [0x26, 0x12, 0x02],
        un: UnpredictableNumber([0x5E, 0x1D, 0x0A, 0x77]),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(0x0031),
        ..TransactionData::default()
    };
    let iad = [0x0F, 0xD2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    let dpan_pan = dpan.to_pan().map_err(|e| fail("DPAN", e))?;
    let mut cd = [0u8; 43];
    let card_data = TAPCRYPT_DPAN_AES
        .card_data_bound(&dpan_pan, &iad, &mut cd)
        .map_err(|e| fail("card data", e))?;
    let keys = TAPCRYPT_DPAN_AES
        .transaction_keys(&band_key, txn.atc, txn.un)
        .map_err(|e| fail("keys", e))?;
    let ac = step("band: session key + DPAN-bound ARQC", || {
        keys.generate_ac(&txn, &card_data)
    })
    .map_err(|e| fail("ARQC", e))?;
    let mut text = [0u8; cpm::MAX_TEXT];
    let aid = [0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10];
    let payload = step_once("band: CPM TLV (85 CPV01, 61{4F,5A,63}) + base64", || {
        cpm::build_base64(
            &CpmContents {
                aid: &aid,
                dpan: &dpan,
                transaction: &txn,
                iad: &iad,
                cid: 0x80,
                ac: &ac,
            },
            &mut text,
        )
    })
    .map_err(|e| fail("CPM", e))?
    .to_vec();
    println!(
        "    payload ({} chars): {}",
        payload.len(),
        String::from_utf8_lossy(&payload)
    );
    let mut qr = Box::new(QrBuffers::new());
    let m = step_once("band: QR matrix for the display", || {
        render::qr_matrix(&payload, None, &mut qr)
    })
    .map_err(|e| fail("QR", e))?;
    println!(
        "    QR: version {} ({}×{} modules)",
        m.version(),
        m.size(),
        m.size()
    );
    let mut ndef = vec![0u8; render::ndef_len(render::NDEF_TYPE_CPM.len(), payload.len())];
    let rec = render::ndef_record(render::NDEF_TYPE_CPM, &payload, &mut ndef)
        .map_err(|e| fail("NDEF", e))?;
    println!(
        "    NFC: one NDEF record, {} bytes (external type tapcrypt.dev:cpm)",
        rec.len()
    );

    // The backend: the merchant's scanner sends the text. The token
    // service's record of the DPAN it issued to this token for ATC 0031:
    let issued_dpan = Dpan::parse("5399991234567894").map_err(|e| fail("DPAN", e))?;
    // The token's window: ATCs up to 0030 were spent by earlier taps.
    let mut window =
        AtcWindow::resume_after(Atc::from_u16(0x0030), 16).map_err(|e| fail("window", e))?;
    for attempt in ["first presentation", "the same payload again"] {
        let mut buf = [0u8; cpm::MAX_PAYLOAD];
        let tlv = cpm::decode_base64(&payload, &mut buf).map_err(|e| fail("base64", e))?;
        let p = CpmPayload::parse(tlv).map_err(|e| fail("CPM parse", e))?;
        // Detokenize p.dpan() to the token's record (see the DPAN tap above);
        // the record pins the profile, gives the card key and the DPAN the
        // token service issued for this tap, which the cryptogram is checked
        // over (a payload carrying another DPAN is refused).
        let req = p
            .authorisation(&TAPCRYPT_DPAN_AES, &issued_dpan)
            .map_err(|e| fail("CPM authorisation", e))?;
        let backend_key = TAPCRYPT_DPAN_AES
            .derive_card_key(&imk, &token_account, Psn::ABSENT)
            .map_err(|e| fail("card key", e))?;
        let k = req
            .transaction_keys(&backend_key)
            .map_err(|e| fail("keys", e))?;
        let verified = step(
            "backend: parse strictly, verify ARQC (pinned CVN D2)",
            || req.verify(&k),
        )
        .map_err(|e| fail("ARQC", e))?;
        let (next, verdict) = window.consume(&verified);
        window = next;
        match (attempt, verdict) {
            ("first presentation", AtcVerdict::Accepted) => {
                println!("    {attempt}: ARQC verified, ATC 0031 accepted: APPROVED")
            }
            (_, AtcVerdict::Replay) => {
                println!("    {attempt}: ARQC verifies but ATC 0031 was used: refused (replay)")
            }
            (_, v) => return Err(fail("ATC window", format!("{v:?}"))),
        }
    }
    // Oversized text: refused unread.
    match cpm::decode_base64(&[b'A'; cpm::MAX_TEXT + 4], &mut [0u8; cpm::MAX_PAYLOAD]) {
        Err(e) => println!("    an oversized payload: refused ({e})"),
        Ok(_) => return Err(fail("CPM", "accepted an oversized payload")),
    }
    println!();
    Ok(())
}
