//! The backend's ATC replay window: one per card or token.
//!
//! A verified cryptogram proves the card computed it, not that it is fresh:
//! a recorded ARQC verifies again. The window is how the backend makes each
//! ATC count once. It is the anti-replay window of IPsec and DTLS
//! (RFC 4303 §3.4.3, RFC 6479): the highest ATC accepted so far plus a
//! 64-bit map of which of the 64 ATCs ending at it were accepted.
//!
//! # Rules
//!
//! For an ATC `a`, a window with highest accepted ATC `h`, map `seen` (bit
//! `i` set ⇔ ATC `h − i` was accepted) and policy `max_jump`, the verdict
//! is the first that applies:
//!
//! 1. [`Replay`](AtcVerdict::Replay): `a ≤ h`, `h − a < 64` and bit `h − a`
//!    is set — this ATC was accepted before.
//! 2. [`Exhausted`](AtcVerdict::Exhausted): `h = FFFF` — the card has used
//!    its last ATC. The 16-bit counter never wraps: a card at FFFF must be
//!    replaced (or re-keyed), and this state is final.
//! 3. [`TooOld`](AtcVerdict::TooOld): `h − a ≥ 64` — too far behind to tell
//!    whether it was used, so it is refused.
//! 4. [`TooFarAhead`](AtcVerdict::TooFarAhead): `a − h > max_jump` — a
//!    counter that jumped more than the issuer allows (a cloned or
//!    tampered card, or a device that burnt ATCs without paying).
//! 5. [`Accepted`](AtcVerdict::Accepted): otherwise. The ATC is marked as
//!    used; if it is ahead of `h`, the map slides forward.
//!
//! A new window ([`AtcWindow::new`]) has accepted nothing: `h = 0`, map
//! empty, so ATC 0 is acceptable once and the first ATC may be at most
//! `max_jump`. A card whose ATCs up to some value are already spent (a
//! migrated record) starts with [`AtcWindow::resume_after`].
//!
//! Every verdict is a public fact about public data (the ATC travels in
//! clear): the code is ordinary branching code, and the backend may tell the
//! acquirer why it declined.
//!
//! # A pure update, for compare-and-swap
//!
//! [`AtcWindow::consume`] takes the window by value and returns the new
//! window and the verdict; it touches nothing else. A store applies it as
//! *read state → consume → write the new state if the stored state is still
//! the one read* (or under `SELECT … FOR UPDATE`), retrying on conflict. A
//! rejected ATC returns the window unchanged. Consuming needs the proof of a
//! verified cryptogram ([`VerifiedAtc`]): there is no public way to mark an
//! ATC used without one (the `hazmat` feature has a raw variant for tools,
//! [`crate::hazmat`] says which rule it skips).
//! [`AtcWindow::check`] answers the same question without consuming, e.g.
//! to drop a replay before spending time on the cryptogram.
//!
//! # Byte layout (version 1, 15 bytes)
//!
//! | offset | bytes | field | rule |
//! |---|---|---|---|
//! | 0 | 2 | magic `"AW"` (`41 57`) | exact |
//! | 2 | 1 | layout version, `01` | exact |
//! | 3 | 2 | `max_jump`, big-endian | 1 to FFFF |
//! | 5 | 2 | highest accepted ATC `h`, big-endian | any |
//! | 7 | 8 | map `seen`, big-endian u64; bit `i` (value `1 << i`) ⇔ ATC `h − i` accepted | see below |
//!
//! The map is canonical: bit 0 is set whenever `h > 0` (the highest accepted
//! ATC was accepted), and bits `i > h` are clear (ATCs below 0 do not exist).
//! `h = 0` with an empty map is the new window. [`AtcWindow::from_bytes`]
//! refuses everything else — any other length, magic or version, a zero
//! `max_jump`, a map that breaks these rules — so every accepted byte string
//! is exactly what [`AtcWindow::to_bytes`] writes for some window, and the
//! same window always has the same bytes (a store may compare them for its
//! compare-and-swap).

use core::fmt;

use crate::Error;
use crate::emv::tlv::AuthorisationRequest;
use crate::emv::{Atc, TransactionKeys, VerifiedArqc, VerifiedAtc};

/// Why [`AtcWindow::verify_request_and_consume`] refused an authorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The cryptogram did not verify (no detail, as `VerifyError`).
    Cryptogram,
    /// The cryptogram verified but its ATC may not be used: the verdict
    /// says why (never [`AtcVerdict::Accepted`]).
    Atc(AtcVerdict),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Cryptogram => f.write_str("cryptogram verification failed"),
            Refusal::Atc(v) => write!(f, "ATC refused: {}", v.code()),
        }
    }
}

impl core::error::Error for Refusal {}

const MAGIC: [u8; 2] = *b"AW";
const VERSION: u8 = 1;
/// ATCs covered by the map, ending at the highest accepted one.
const SPAN: u16 = 64;

/// What the window decided about one ATC. All of them are public facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum AtcVerdict {
    /// First use of this ATC: approve (as far as the ATC goes).
    Accepted,
    /// This ATC was accepted before: a replayed cryptogram.
    Replay,
    /// The ATC is 64 or more behind the highest accepted one.
    TooOld,
    /// The ATC is more than the window's `max_jump` ahead of the highest
    /// accepted one.
    TooFarAhead,
    /// The card has used ATC FFFF, its last: it must be replaced.
    Exhausted,
}

impl AtcVerdict {
    /// True only for [`AtcVerdict::Accepted`].
    #[must_use]
    pub const fn is_accepted(self) -> bool {
        matches!(self, AtcVerdict::Accepted)
    }

    /// A stable lower-case code (`accepted`, `replay`, `too_old`,
    /// `too_far_ahead`, `exhausted`) for logs and API responses.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            AtcVerdict::Accepted => "accepted",
            AtcVerdict::Replay => "replay",
            AtcVerdict::TooOld => "too_old",
            AtcVerdict::TooFarAhead => "too_far_ahead",
            AtcVerdict::Exhausted => "exhausted",
        }
    }
}

impl fmt::Display for AtcVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AtcVerdict::Accepted => "ATC accepted",
            AtcVerdict::Replay => "ATC already used (replay)",
            AtcVerdict::TooOld => "ATC too far behind the highest accepted ATC",
            AtcVerdict::TooFarAhead => "ATC too far ahead of the highest accepted ATC",
            AtcVerdict::Exhausted => "card exhausted: ATC FFFF already used",
        })
    }
}

/// The replay window of one card (see the [module docs](self)). Plain
/// public data: `Copy`, comparable, 15 bytes when stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AtcWindow {
    highest: u16,
    seen: u64,
    max_jump: u16,
}

impl AtcWindow {
    /// Length of [`to_bytes`](Self::to_bytes).
    pub const BYTES: usize = 15;
    /// The layout version written at offset 2.
    pub const VERSION: u8 = VERSION;
    /// How many ATCs the map covers, ending at the highest accepted one.
    pub const SPAN: u16 = SPAN;

    /// A window that has accepted nothing yet: its first ATC may be 0 to
    /// `max_jump`.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `max_jump` is 0.
    pub fn new(max_jump: u16) -> Result<Self, Error> {
        check_max_jump(max_jump)?;
        Ok(AtcWindow {
            highest: 0,
            seen: 0,
            max_jump,
        })
    }

    /// A window for a card whose ATCs up to and including `last` are all
    /// spent (or must be treated as spent): the next acceptable ATCs are
    /// `last + 1` to `last + max_jump`. `last = FFFF` gives an exhausted
    /// window.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `max_jump` is 0.
    pub fn resume_after(last: Atc, max_jump: u16) -> Result<Self, Error> {
        check_max_jump(max_jump)?;
        let highest = last.to_u16();
        Ok(AtcWindow {
            highest,
            seen: mask_up_to(highest),
            max_jump,
        })
    }

    /// The same window under a new `max_jump` (an issuer's policy change).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `max_jump` is 0.
    pub fn with_max_jump(self, max_jump: u16) -> Result<Self, Error> {
        check_max_jump(max_jump)?;
        Ok(AtcWindow { max_jump, ..self })
    }

    /// The highest ATC accepted so far, or `None` for a new window.
    #[must_use]
    pub fn highest(&self) -> Option<Atc> {
        (self.seen != 0).then_some(Atc::from_u16(self.highest))
    }

    /// How far ahead of the highest accepted ATC an ATC may be.
    #[must_use]
    pub fn max_jump(&self) -> u16 {
        self.max_jump
    }

    /// True once ATC FFFF has been accepted: every later ATC is refused.
    #[must_use]
    pub fn is_exhausted(&self) -> bool {
        self.highest == u16::MAX
    }

    /// The verdict [`consume`](Self::consume) would give `atc`, without
    /// consuming it.
    pub fn check(&self, atc: Atc) -> AtcVerdict {
        let a = atc.to_u16();
        if let Some(back) = self.highest.checked_sub(a) {
            if back < SPAN && (self.seen >> back) & 1 == 1 {
                return AtcVerdict::Replay;
            }
            if self.is_exhausted() {
                return AtcVerdict::Exhausted;
            }
            if back >= SPAN {
                return AtcVerdict::TooOld;
            }
            AtcVerdict::Accepted
        } else {
            // a > h, so h < FFFF: not exhausted.
            if a - self.highest > self.max_jump {
                AtcVerdict::TooFarAhead
            } else {
                AtcVerdict::Accepted
            }
        }
    }

    /// Consumes the ATC of a verified cryptogram: the pure update
    /// `(window, proof) → (new window, verdict)`. The new window differs
    /// from `self` exactly when the verdict is
    /// [`Accepted`](AtcVerdict::Accepted); store it (with compare-and-swap
    /// against `self`) before approving.
    ///
    /// The proof says a cryptogram verified under *some* card's keys; the
    /// caller applies it to the window of the card whose keys it used.
    /// A bare ATC is not a proof:
    ///
    /// ```compile_fail
    /// # use tapcrypt::{emv::Atc, lifecycle::AtcWindow};
    /// let w = AtcWindow::new(16).unwrap();
    /// let _ = w.consume(&Atc::from_u16(1));
    /// ```
    pub fn consume<P: VerifiedAtc + ?Sized>(self, proof: &P) -> (Self, AtcVerdict) {
        self.apply(proof.atc())
    }

    /// The update on a raw ATC. Crate-private: the public paths are
    /// [`consume`](Self::consume) (with a proof) and the `hazmat` variant.
    pub(crate) fn apply(self, atc: Atc) -> (Self, AtcVerdict) {
        let verdict = self.check(atc);
        if !verdict.is_accepted() {
            return (self, verdict);
        }
        let a = atc.to_u16();
        let mut next = self;
        match self.highest.checked_sub(a) {
            // At or behind the highest: mark it (back < SPAN, per check()).
            Some(back) => next.seen |= 1u64 << back,
            // Ahead: slide the map forward, then mark the new highest.
            None => {
                let shift = u32::from(a - self.highest);
                next.seen = self.seen.checked_shl(shift).unwrap_or(0) | 1;
                next.highest = a;
            }
        }
        (next, verdict)
    }

    /// Verifies an ARQC **and** consumes its ATC, in one call, from an
    /// authorisation message parsed with the card's pinned CVN (so the CID
    /// says ARQC and the IAD declares the pinned CVN): the cryptogram is
    /// checked first, in constant time, and only a verified ARQC reaches the
    /// window. Returns the new window (unchanged unless the result is `Ok`)
    /// and the proof to answer from; store the window (compare-and-swap
    /// against `self`) before sending the ARPC.
    ///
    /// # Errors
    /// [`Refusal::Cryptogram`] if the ARQC does not verify or the CID is not
    /// ARQC (the window is not touched); [`Refusal::Atc`] with the verdict
    /// if its ATC is a replay, too old, too far ahead, or past the card's
    /// last.
    pub fn verify_request_and_consume<'k>(
        self,
        request: &AuthorisationRequest<'_>,
        keys: &'k TransactionKeys<'k>,
    ) -> (Self, Result<VerifiedArqc<'k>, Refusal>) {
        match request.verify(keys) {
            Err(_) => (self, Err(Refusal::Cryptogram)),
            Ok(verified) => Self::finish(self, verified),
        }
    }

    fn finish(self, verified: VerifiedArqc<'_>) -> (Self, Result<VerifiedArqc<'_>, Refusal>) {
        let (next, verdict) = self.consume(&verified);
        if verdict.is_accepted() {
            (next, Ok(verified))
        } else {
            (self, Err(Refusal::Atc(verdict)))
        }
    }

    /// The stored form (layout in the [module docs](self)).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        let parts: [&[u8]; 5] = [
            &MAGIC,
            &[VERSION],
            &self.max_jump.to_be_bytes(),
            &self.highest.to_be_bytes(),
            &self.seen.to_be_bytes(),
        ];
        let mut at = 0;
        for p in parts {
            if let Some(dst) = out.get_mut(at..at + p.len()) {
                dst.copy_from_slice(p);
            }
            at += p.len();
        }
        out
    }

    /// Parses the stored form. Canonical: accepts exactly the byte strings
    /// [`to_bytes`](Self::to_bytes) writes.
    ///
    /// # Errors
    /// [`Error::Length`] unless `bytes` is [`BYTES`](Self::BYTES) long;
    /// [`Error::Malformed`] naming the rule that failed otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let b: &[u8; Self::BYTES] = bytes.try_into().map_err(|_| Error::Length {
            field: "ATC window state",
            expected: "15",
            got: bytes.len(),
        })?;
        let [m0, m1, version, j0, j1, h0, h1, s @ ..] = *b;
        if [m0, m1] != MAGIC {
            return Err(malformed("ATC window state: magic is not \"AW\""));
        }
        if version != VERSION {
            return Err(malformed("ATC window state: unknown layout version"));
        }
        let max_jump = u16::from_be_bytes([j0, j1]);
        if max_jump == 0 {
            return Err(malformed("ATC window state: max_jump is 0"));
        }
        let highest = u16::from_be_bytes([h0, h1]);
        let seen = u64::from_be_bytes(s);
        if seen & !mask_up_to(highest) != 0 {
            return Err(malformed(
                "ATC window state: map marks an ATC below 0 as accepted",
            ));
        }
        if highest != 0 && seen & 1 == 0 {
            return Err(malformed(
                "ATC window state: highest ATC not marked as accepted",
            ));
        }
        Ok(AtcWindow {
            highest,
            seen,
            max_jump,
        })
    }
}

fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

fn check_max_jump(max_jump: u16) -> Result<(), Error> {
    if max_jump == 0 {
        return Err(Error::Parameter {
            what: "ATC window max_jump must be at least 1",
        });
    }
    Ok(())
}

/// Map bits for ATCs `h`, `h − 1`, …, down to 0 (at most [`SPAN`] of them).
fn mask_up_to(h: u16) -> u64 {
    if h >= SPAN - 1 {
        u64::MAX
    } else {
        (1u64 << (h + 1)) - 1
    }
}
