//! The card's mutable state, as the library defines it: its ATC replay
//! window ([`AtcWindow`], 15 bytes) and its limited-use credential's counts
//! ([`BackendUsage`], 66 bytes, limits included). Both layouts are
//! canonical, so the store compares the bytes for its compare-and-swap.
//!
//! Both updates take the proof of the verified ARQC: nothing here can
//! consume an ATC or count a use for an unverified message.

use tapcrypt::emv::tlv::AuthorisationRequest;
use tapcrypt::emv::{TransactionKeys, VerifiedArqc, VerifiedAtc};
use tapcrypt::lifecycle::{AtcVerdict, AtcWindow, BackendUsage, LimitError, Refusal, UseLimits};

/// How far ahead of the highest accepted ATC a tap may jump (taps a band
/// made offline or that never reached the issuer). Fixed for every card
/// this service enrols.
pub const MAX_JUMP: u16 = 256;

/// Why a verified tap is declined by the card's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateDecline {
    /// The window refused the ATC.
    Atc(AtcVerdict),
    /// A key-use limit refused the tap.
    Limit(LimitError),
    /// The stored state is not a layout the library reads.
    Corrupt,
}

impl StateDecline {
    /// The `reason` the API reports: `atc_` + the window's code (`replay`,
    /// `too_old`, `too_far_ahead`, `exhausted`) or `key_` + the limit's
    /// (`uses_exhausted`, `amount_exceeded`, `expired`, `not_yet_valid`,
    /// `wrong_currency`, `malformed_amount`, …).
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            StateDecline::Atc(AtcVerdict::Replay) => "atc_replay",
            StateDecline::Atc(AtcVerdict::TooOld) => "atc_too_old",
            StateDecline::Atc(AtcVerdict::TooFarAhead) => "atc_too_far_ahead",
            StateDecline::Atc(AtcVerdict::Exhausted) => "atc_exhausted",
            StateDecline::Atc(AtcVerdict::Accepted) => "atc_accepted",
            StateDecline::Limit(LimitError::UsesExhausted) => "key_uses_exhausted",
            StateDecline::Limit(LimitError::AmountExceeded) => "key_amount_exceeded",
            StateDecline::Limit(LimitError::Expired) => "key_expired",
            StateDecline::Limit(LimitError::NotYetValid) => "key_not_yet_valid",
            StateDecline::Limit(LimitError::WrongCurrency) => "key_wrong_currency",
            StateDecline::Limit(LimitError::MalformedAmount) => "key_malformed_amount",
            // Not reachable from an ARQC proof (it always covers 9F02/5F2A);
            // named rather than folded into another reason.
            StateDecline::Limit(LimitError::AmountNotSigned) => "key_amount_not_signed",
            StateDecline::Limit(LimitError::AmountSigned) => "key_amount_signed",
            StateDecline::Corrupt => "card_state_unreadable",
        }
    }
}

/// A fresh card's window (nothing accepted yet).
///
/// # Errors
/// Never for [`MAX_JUMP`] (non-zero).
pub fn initial_window() -> Result<Vec<u8>, tapcrypt::Error> {
    Ok(AtcWindow::new(MAX_JUMP)?.to_bytes().to_vec())
}

/// A fresh credential's counts under `limits`.
///
/// # Errors
/// The library's [`tapcrypt::Error`] for limits it refuses (zero uses,
/// `not_before` after `not_after`).
pub fn initial_usage(limits: UseLimits) -> Result<Vec<u8>, tapcrypt::Error> {
    Ok(BackendUsage::new(limits)?.to_bytes().to_vec())
}

/// The one call that verifies the ARQC of `request` under `keys` *and*
/// consumes its ATC in the card's window (`window`, as stored): the new
/// window's bytes and the proof, or why not — `None` for a cryptogram that
/// did not verify. A replayed ATC yields no proof, so it gets no ARPC.
///
/// # Errors
/// `Err(None)`: the cryptogram did not verify; `Err(Some(decline))`: it
/// verified but the window refused the ATC, or the stored window is
/// unreadable.
pub fn verify_and_consume<'k>(
    window: &[u8],
    request: &AuthorisationRequest<'_>,
    keys: &'k TransactionKeys<'k>,
) -> Result<(Vec<u8>, VerifiedArqc<'k>), Option<StateDecline>> {
    let w = AtcWindow::from_bytes(window).map_err(|_| Some(StateDecline::Corrupt))?;
    match w.verify_request_and_consume(request, keys) {
        (next, Ok(proof)) => Ok((next.to_bytes().to_vec(), proof)),
        (_, Err(Refusal::Cryptogram)) => Err(None),
        (_, Err(Refusal::Atc(verdict))) => Err(Some(StateDecline::Atc(verdict))),
    }
}

/// Counts the verified tap at `now` (Unix seconds), charging the amount and
/// currency the cryptogram covered (from the proof): the new counts and
/// whether a low-water mark is reached (replenish the device), or why not.
///
/// # Errors
/// [`StateDecline`].
pub fn spend(
    usage: &[u8],
    proof: &impl VerifiedAtc,
    now: u64,
) -> Result<(Vec<u8>, bool), StateDecline> {
    let u = BackendUsage::from_bytes(usage).map_err(|_| StateDecline::Corrupt)?;
    let next = u.record(proof, now).map_err(StateDecline::Limit)?;
    Ok((next.to_bytes().to_vec(), next.replenish(now).any()))
}
