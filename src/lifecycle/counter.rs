//! The device's ATC for CVNs used without the DPAN wallet.
//!
//! The [`wallet`](crate::token::wallet) pairs each one-time DPAN with the
//! next ATC. A band that taps with a fixed PAN or a cloud profile's LUK
//! still needs an ATC that is never used twice: [`AtcCounter`] is that
//! counter, with the wallet's persistence contract.
//!
//! # Persistence contract (what the firmware must do)
//!
//! 1. [`AtcCounter::reserve`] advances the counter in RAM and returns an
//!    [`AtcReservation`]. Nothing is handed out yet.
//! 2. The firmware writes [`AtcCounter::to_bytes`] to flash and waits until
//!    the write is durable (atomic too: A/B slots with a sequence number and
//!    a CRC, so a torn write falls back to the previous state).
//! 3. Only then [`AtcCounter::take`] turns the reservation into the ATC of
//!    this tap.
//!
//! Power lost before step 2 completes: the device restarts from the old
//! state, and the ATC it reserved was never used, so reserving it again is
//! safe. Power lost after step 2: the restored counter is already past it,
//! so it is skipped (a gap the backend's window tolerates up to its
//! `max_jump`), never reused. Calling `take` before the write is durable
//! breaks the guarantee; the API cannot see the flash.
//!
//! # End of life
//!
//! ATC FFFF is the last: after it is reserved, [`reserve`](AtcCounter::reserve)
//! fails with [`Error::Exhausted`] for good. The counter never wraps (the
//! backend's window refuses a card that has used FFFF).
//!
//! # Byte layout (5 bytes)
//!
//! | offset | bytes | field | rule |
//! |---|---|---|---|
//! | 0 | 2 | magic `"AC"` (`41 43`) | exact |
//! | 2 | 1 | `01`: live; `02`: exhausted (FFFF was reserved) | exact |
//! | 3 | 2 | live: the next ATC to reserve; exhausted: `FF FF` | big-endian |
//!
//! `from_bytes` refuses any other length, magic or state byte, and an
//! exhausted state whose ATC field is not `FF FF`.

use crate::Error;
use crate::emv::Atc;

const MAGIC: [u8; 2] = *b"AC";
const LIVE: u8 = 1;
const EXHAUSTED: u8 = 2;

/// Permission to use one ATC, returned by [`AtcCounter::reserve`].
/// Not `Clone`: each reservation is spent once.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "persist the counter, then take() the reservation"]
pub struct AtcReservation {
    atc: u16,
}

/// The device's application transaction counter (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtcCounter {
    /// The next ATC to reserve; `0x1_0000` once FFFF has been reserved.
    next: u32,
}

impl AtcCounter {
    /// Length of [`to_bytes`](Self::to_bytes).
    pub const BYTES: usize = 5;

    /// A counter whose first tap uses `first`.
    #[must_use]
    pub fn new(first: Atc) -> Self {
        AtcCounter {
            next: u32::from(first.to_u16()),
        }
    }

    /// The ATC the next reservation will get, or `None` once exhausted.
    #[must_use]
    pub fn next_atc(&self) -> Option<Atc> {
        u16::try_from(self.next).ok().map(Atc::from_u16)
    }

    /// True once ATC FFFF has been reserved: no tap is possible any more.
    #[must_use]
    pub fn is_exhausted(&self) -> bool {
        self.next > 0xFFFF
    }

    /// Phase 1 of a tap: reserves the next ATC (see the module docs).
    ///
    /// # Errors
    /// [`Error::Exhausted`] once ATC FFFF has been reserved.
    pub fn reserve(&mut self) -> Result<AtcReservation, Error> {
        let atc = u16::try_from(self.next).map_err(|_| Error::Exhausted {
            what: "application transaction counter",
        })?;
        self.next += 1;
        Ok(AtcReservation { atc })
    }

    /// Phase 3 of a tap: after the state is durable, the reserved ATC.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a reservation this counter has not made
    /// (one at or past its next ATC, e.g. from another counter).
    pub fn take(&self, r: AtcReservation) -> Result<Atc, Error> {
        if u32::from(r.atc) >= self.next {
            return Err(Error::Parameter {
                what: "reservation does not match this ATC counter",
            });
        }
        Ok(Atc::from_u16(r.atc))
    }

    /// The state to persist (layout in the [module docs](self)).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let (state, atc) = match u16::try_from(self.next) {
            Ok(a) => (LIVE, a),
            Err(_) => (EXHAUSTED, u16::MAX),
        };
        let [m0, m1] = MAGIC;
        let [a0, a1] = atc.to_be_bytes();
        [m0, m1, state, a0, a1]
    }

    /// Restores a counter from persisted state; canonical.
    ///
    /// # Errors
    /// [`Error::Length`] unless 5 bytes; [`Error::Malformed`] otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let b: [u8; Self::BYTES] = bytes.try_into().map_err(|_| Error::Length {
            field: "ATC counter state",
            expected: "5",
            got: bytes.len(),
        })?;
        let [m0, m1, state, a0, a1] = b;
        if [m0, m1] != MAGIC {
            return Err(Error::Malformed {
                what: "ATC counter state: magic is not \"AC\"",
            });
        }
        let atc = u16::from_be_bytes([a0, a1]);
        match (state, atc) {
            (LIVE, a) => Ok(AtcCounter { next: u32::from(a) }),
            (EXHAUSTED, u16::MAX) => Ok(AtcCounter { next: 0x1_0000 }),
            _ => Err(Error::Malformed {
                what: "ATC counter state: unknown state byte, or exhausted without FFFF",
            }),
        }
    }
}
