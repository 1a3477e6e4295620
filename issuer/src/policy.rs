//! The card's mutable state: its replay window and its key-use counters,
//! each a byte string the store swaps atomically.
//!
//! INTERIM: a minimal window (highest ATC + 64-bit bitmap) and counter kept
//! here until `tapcrypt::lifecycle` (issue 15, library part) lands; then
//! these functions delegate to it and the byte layouts become the library's.

use tapcrypt::emv::VerifiedAtc;

use crate::config::Limits;

/// Why a verified tap is declined by the card's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateDecline {
    /// This ATC was approved before.
    Replay,
    /// The ATC is older than the window remembers.
    TooOld,
    /// The ATC jumps too far ahead of the highest seen.
    TooFarAhead,
    /// The key has served its taps.
    UsesExhausted,
    /// The key has authorised its cumulative amount.
    AmountExhausted,
    /// The key's validity time is over.
    Expired,
    /// The stored state is not a layout this service reads.
    Corrupt,
}

impl StateDecline {
    /// The `reason` the API reports.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            StateDecline::Replay => "atc_replayed",
            StateDecline::TooOld => "atc_too_old",
            StateDecline::TooFarAhead => "atc_too_far_ahead",
            StateDecline::UsesExhausted => "key_use_limit",
            StateDecline::AmountExhausted => "key_amount_limit",
            StateDecline::Expired => "key_expired",
            StateDecline::Corrupt => "card_state_unreadable",
        }
    }
}

const WINDOW_VERSION: u8 = 0xF1;
const WINDOW_BITS: u16 = 64;
/// How far ahead of the highest ATC seen a tap may jump.
const MAX_AHEAD: u16 = 1000;

/// A fresh card's window.
#[must_use]
pub fn initial_window() -> Vec<u8> {
    let mut v = vec![WINDOW_VERSION, 0, 0, 0];
    v.extend_from_slice(&0u64.to_be_bytes());
    v
}

/// Consumes the verified ATC: the new window, or why not.
///
/// # Errors
/// [`StateDecline`].
pub fn consume(window: &[u8], proof: &impl VerifiedAtc) -> Result<Vec<u8>, StateDecline> {
    let [ver, t0, t1, seen, b @ ..] = window else {
        return Err(StateDecline::Corrupt);
    };
    let bits: [u8; 8] = b.try_into().map_err(|_| StateDecline::Corrupt)?;
    if *ver != WINDOW_VERSION {
        return Err(StateDecline::Corrupt);
    }
    let top = u16::from_be_bytes([*t0, *t1]);
    let mut bitmap = u64::from_be_bytes(bits);
    let atc = u16::from_be_bytes(proof.atc().0);
    let (new_top, new_bitmap) = if *seen == 0 {
        (atc, 1)
    } else if atc > top {
        let d = atc - top;
        if d > MAX_AHEAD {
            return Err(StateDecline::TooFarAhead);
        }
        let shifted = if d >= WINDOW_BITS { 0 } else { bitmap << d };
        (atc, shifted | 1)
    } else {
        let d = top - atc;
        if d >= WINDOW_BITS {
            return Err(StateDecline::TooOld);
        }
        if bitmap & (1 << d) != 0 {
            return Err(StateDecline::Replay);
        }
        bitmap |= 1 << d;
        (top, bitmap)
    };
    let mut v = vec![WINDOW_VERSION];
    v.extend_from_slice(&new_top.to_be_bytes());
    v.push(1);
    v.extend_from_slice(&new_bitmap.to_be_bytes());
    Ok(v)
}

const USE_VERSION: u8 = 0xF1;

/// A fresh key's counters.
#[must_use]
pub fn initial_key_use() -> Vec<u8> {
    let mut v = vec![USE_VERSION];
    v.extend_from_slice(&0u32.to_be_bytes());
    v.extend_from_slice(&0u64.to_be_bytes());
    v
}

/// Spends one tap of `amount` at `now` (Unix seconds): the new counters and
/// whether the key is now at or below its low-water mark (replenish), or why
/// not.
///
/// # Errors
/// [`StateDecline`].
pub fn spend(
    key_use: &[u8],
    limits: &Limits,
    amount: u64,
    now: u64,
) -> Result<(Vec<u8>, bool), StateDecline> {
    let [ver, u @ .., _, _, _, _, _, _, _, _] = key_use else {
        return Err(StateDecline::Corrupt);
    };
    let uses: [u8; 4] = u.try_into().map_err(|_| StateDecline::Corrupt)?;
    let spent: [u8; 8] = key_use
        .get(5..13)
        .and_then(|s| s.try_into().ok())
        .ok_or(StateDecline::Corrupt)?;
    if *ver != USE_VERSION {
        return Err(StateDecline::Corrupt);
    }
    let uses = u32::from_be_bytes(uses);
    let spent = u64::from_be_bytes(spent);
    if limits.not_after.is_some_and(|t| now > t) {
        return Err(StateDecline::Expired);
    }
    if uses >= limits.max_uses {
        return Err(StateDecline::UsesExhausted);
    }
    let total = spent
        .checked_add(amount)
        .ok_or(StateDecline::AmountExhausted)?;
    if total > limits.max_amount {
        return Err(StateDecline::AmountExhausted);
    }
    let uses = uses + 1;
    let mut v = vec![USE_VERSION];
    v.extend_from_slice(&uses.to_be_bytes());
    v.extend_from_slice(&total.to_be_bytes());
    let low = limits.max_uses - uses <= limits.max_uses / 5;
    Ok((v, low))
}
