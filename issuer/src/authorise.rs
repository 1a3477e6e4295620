//! One authorisation, from parsed request to decision: the synchronous,
//! database-free core (parse field 55 under the pinned CVN, verify, consume
//! the ATC, spend the key, compute the ARPC from the proof). The caller
//! commits the new state and releases an approval only once it is durable.

use tapcrypt::emv::tlv::{AuthorisationRequest, CryptogramType};
use tapcrypt::emv::{ArpcMethod, ArpcResponse, Csu, Cvn, ResponseCode};
use tapcrypt::lifecycle::{Currency, amount_from_bcd};
use tapcrypt::token::Dpan;
use tapcrypt::{Pan, Psn};

use crate::keys::KeyStore;
use crate::policy::{self, StateDecline};
use crate::store::CardRecord;

/// What the request carried, checked for form.
#[derive(Debug)]
pub struct Tap<'a> {
    /// The account PAN the card key is derived from.
    pub pan: &'a Pan,
    /// The DPAN presented, if the request came with a token.
    pub dpan: Option<&'a Dpan>,
    /// Field 55 (ICC data), decoded.
    pub icc: &'a [u8],
    /// Amount, minor units (must equal 9F02).
    pub amount: u64,
    /// ISO 4217 numeric currency (must equal 5F2A).
    pub currency: u16,
    /// Unix seconds.
    pub now: u64,
}

/// A request the service refuses to decide on (a 4xx, or a 500 for a
/// broken record): nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Field 55 does not parse under the card's CVN (the library's error).
    IccData(String),
    /// The request's amount or currency differs from the signed 9F02 / 5F2A.
    AmountMismatch(&'static str),
    /// The card's CVN binds the DPAN, but no token was sent (or the reverse).
    TokenRequired,
    /// A TC or AAC: only ARQCs are authorised online.
    NotAnArqc,
    /// The card record or key store is inconsistent (server-side fault).
    Internal(String),
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve once `new_window` / `new_key_use` are committed.
    Approve {
        /// The ATC approved.
        atc: u16,
        /// The window after this ATC.
        new_window: Vec<u8>,
        /// The counters after this tap.
        new_key_use: Vec<u8>,
        /// ARPC (approval), from the proof.
        arpc: Vec<u8>,
        /// Tag 91 value.
        tag91: Vec<u8>,
        /// The key is at its low-water mark: the device should be replenished.
        replenish: bool,
    },
    /// Decline; no state change.
    Decline {
        /// Why.
        reason: &'static str,
        /// The ATC, if the cryptogram verified.
        atc: Option<u16>,
        /// A decline ARPC, when the ARQC verified (the device learns the
        /// issuer declined, authentically).
        arpc: Option<Vec<u8>>,
        /// Its tag 91 value.
        tag91: Option<Vec<u8>>,
    },
}

fn response(cvn: &Cvn, approve: bool) -> ArpcResponse<'static> {
    match cvn.arpc {
        ArpcMethod::Method1 => ArpcResponse::Method1 {
            arc: ResponseCode(if approve { *b"00" } else { *b"05" }),
        },
        // CSU byte 2 bit 8: the issuer approves the online transaction.
        ArpcMethod::Method2 => ArpcResponse::Method2 {
            csu: Csu([0x00, if approve { 0x80 } else { 0x00 }, 0x00, 0x00]),
            proprietary: &[],
        },
    }
}

/// Decides one tap against the card's record as read.
///
/// # Errors
/// [`Refusal`]: the request is refused before any decision.
pub fn decide(keys: &dyn KeyStore, card: &CardRecord, tap: &Tap<'_>) -> Result<Decision, Refusal> {
    let cvn = crate::cvn_by_name(&card.cvn)
        .ok_or_else(|| Refusal::Internal(format!("card has unknown CVN {:?}", card.cvn)))?;
    let req = match (cvn.binds_dpan(), tap.dpan) {
        (true, Some(dpan)) => AuthorisationRequest::parse_bound(tap.icc, cvn, dpan.as_pan()),
        (true, None) => return Err(Refusal::TokenRequired),
        (false, _) => AuthorisationRequest::parse(tap.icc, cvn),
    }
    .map_err(|e| Refusal::IccData(e.to_string()))?;
    if req.cryptogram_type() != CryptogramType::Arqc {
        return Err(Refusal::NotAnArqc);
    }
    let t = req.transaction();
    if amount_from_bcd(&t.amount_authorised).ok() != Some(tap.amount) {
        return Err(Refusal::AmountMismatch(
            "amount differs from the amount authorised in the ICC data (9F02)",
        ));
    }
    let currency = Currency::from_bcd(t.currency).map_err(|e| Refusal::IccData(e.to_string()))?;
    if currency.numeric() != tap.currency {
        return Err(Refusal::AmountMismatch(
            "currency differs from the currency code in the ICC data (5F2A)",
        ));
    }
    let psn = Psn::from_number(card.psn).map_err(|e| Refusal::Internal(e.to_string()))?;
    let card_key = keys
        .card_key(&card.imk, cvn, tap.pan, psn)
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    let tkeys = req
        .transaction_keys(&card_key)
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    // One call verifies the ARQC and consumes its ATC: no ATC is spent
    // without a verified cryptogram, and a refused ATC yields no proof.
    let (new_window, proof) = match policy::verify_and_consume(&card.replay_window, &req, &tkeys) {
        Ok(ok) => ok,
        Err(why) => {
            return Ok(Decision::Decline {
                reason: why.map_or("cryptogram_invalid", StateDecline::reason),
                atc: why.map(|_| u16::from_be_bytes(t.atc.0)),
                arpc: None,
                tag91: None,
            });
        }
    };
    let atc = u16::from_be_bytes(proof.atc().0);
    let answer = |approve: bool| -> Result<(Vec<u8>, Vec<u8>), Refusal> {
        let mut out = [0u8; 16];
        let (arpc, tag91) = proof
            .respond(&response(cvn, approve), &mut out)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        Ok((arpc.as_bytes().to_vec(), tag91.to_vec()))
    };
    let decline = |why: StateDecline| -> Result<Decision, Refusal> {
        let (arpc, tag91) = answer(false)?;
        Ok(Decision::Decline {
            reason: why.reason(),
            atc: Some(atc),
            arpc: Some(arpc),
            tag91: Some(tag91),
        })
    };
    let (new_key_use, replenish) = match policy::spend(&card.key_use, &proof, tap.now) {
        Ok(k) => k,
        Err(why) => return decline(why),
    };
    let (arpc, tag91) = answer(true)?;
    Ok(Decision::Approve {
        atc,
        new_window,
        new_key_use,
        arpc,
        tag91,
        replenish,
    })
}
