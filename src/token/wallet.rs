//! The device's wallet of one-time DPANs: fixed capacity, no heap.
//!
//! The band receives DPANs in provisioning batches and spends exactly one
//! per tap, paired with the next ATC. It must never send the same DPAN
//! twice, not even across a power loss, and it must fail closed when empty.
//!
//! # Persistence contract (what the firmware must do)
//!
//! The wallet's state lives in RAM; the firmware keeps a copy in flash. A
//! tap is two-phase:
//!
//! 1. [`DpanWallet::reserve`] advances the cursor and the ATC in RAM and
//!    returns a [`Reservation`]. Nothing is handed out yet.
//! 2. The firmware writes [`DpanWallet::to_bytes`] to flash and waits until
//!    the write is durable.
//! 3. Only then it calls [`DpanWallet::take`] with the reservation, which
//!    returns the DPAN and ATC for this tap.
//!
//! If power fails before step 2 completes, the device restarts from the old
//! state: the reserved DPAN was never sent, so reserving it again is safe.
//! If power fails after step 2, the restored state already has the cursor
//! past that DPAN: it is skipped (wasted, never reused). Either way no DPAN
//! and no ATC is ever used twice. Calling `take` before the write is durable
//! breaks this guarantee; the API cannot see the flash, so this is the
//! firmware's half of the contract.
//!
//! "Durable" includes atomic: the state carries no checksum of its own (it
//! would cost a pass over every slot at every tap), so the firmware's flash
//! layer must make a torn write fall back to the previous state, e.g. with
//! A/B slots and a sequence number plus CRC per slot. `from_bytes` does
//! reject any state that is structurally impossible (bad magic, version,
//! flags, counts, lengths or digits).
//!
//! A [`Reservation`] names a slot *and* the batch generation it was made in;
//! [`DpanWallet::receive_batch`] compacts the slots and bumps the
//! generation. The generation is part of the persisted state, so a
//! reservation made before a batch stays refused after the wallet is
//! restored from flash (it would otherwise name the compacted slot's DPAN,
//! paired with the older ATC it was reserved with). `take` also checks that
//! the reservation's ATC is the one this wallet assigns to its slot.
//!
//! # Persisted state, version 3 (all integers big-endian)
//!
//! ```text
//! offset  size  field
//! 0       2     magic "TW"
//! 2       1     state version = 0x03
//! 3       1     flags: bit 0 = the ATC has run out (the next ATC is past
//!               FFFF; the next-ATC field then reads FFFF); bits 1-7 zero
//! 4       4     batch generation, u32 (bumped by every receive_batch,
//!               wraps)
//! 8       2     number of DPANs received in the current batch layout, u16, <= N
//! 10      2     cursor: index of the next DPAN to reserve, u16, <= count
//! 12      2     next ATC, u16
//! 14      2     low-water mark, u16
//! 16      N×20  DPAN slots { digit count (13..=19), digit values 0..=9
//!               (19, zero-padded) }; a slot below the cursor (spent or
//!               reserved) or at/after the count is all zeros
//! ```
//!
//! Versions 0x01 and 0x02 (the first layout, 11-byte header, no generation;
//! 0x02 marked an exhausted ATC) are refused with [`Error::Malformed`]
//! naming the version: they cannot say which batch generation a
//! reservation belongs to.

use zeroize::Zeroize;

use super::Dpan;
use crate::Error;
use crate::emv::Atc;

/// Bytes of persisted state per DPAN slot: length + 19 digits.
const SLOT_BYTES: usize = 20;
/// Persisted header: magic (2), version (1), flags (1), generation (4),
/// count (2), cursor (2), next ATC (2), low-water (2).
const HEADER_BYTES: usize = 16;
const MAGIC: [u8; 2] = *b"TW";
/// The state version this module reads and writes.
const STATE_V3: u8 = 3;
/// Flags bit 0: the ATC has run out.
const FLAG_ATC_EXHAUSTED: u8 = 0x01;

/// Permission to take one DPAN, returned by [`DpanWallet::reserve`].
/// Not `Clone`: each reservation is spent once.
#[derive(Debug)]
#[must_use = "persist the wallet, then take() the reservation"]
pub struct Reservation {
    index: usize,
    atc: Atc,
    /// The wallet's batch generation when reserved: a batch compacts the
    /// slots, so an older reservation's index would name another DPAN.
    generation: u32,
}

/// A fixed-capacity store of one-time DPANs.
///
/// A tap reserves the next DPAN and ATC, persists the wallet, then takes
/// them: after a power cut between the two, the persisted state has already
/// spent both, so neither is ever used twice.
///
/// ```
/// use tapcrypt::emv::Atc;
/// use tapcrypt::token::wallet::DpanWallet;
/// use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey};
/// use tapcrypt::Algorithm;
/// # fn main() -> Result<(), tapcrypt::Error> {
/// // The token service issues a batch (its range key never leaves it).
/// let key = DpanRangeKey::from_hex(
///     Algorithm::Aes256,
///     "DBCB420CDABE2A5495BEDAECFE69A89D1FE28C5309BC56AD6FF47C575002CBD2",
/// )?;
/// let mut range = DpanRange::new(Bin::parse("411111")?, &key, 1, "", 0)?;
/// let mut batch = [Dpan::parse("0000000000000")?, Dpan::parse("0000000000000")?];
/// range.issue_batch(&mut batch)?;
///
/// // The band.
/// let mut wallet: DpanWallet<4> = DpanWallet::new(Atc::from_u16(1), 1);
/// wallet.receive_batch(&batch)?;
/// let mut flash = [0u8; DpanWallet::<4>::STATE_BYTES];
/// let r = wallet.reserve()?;
/// wallet.to_bytes(&mut flash)?; // persist before use
/// let (dpan, atc) = wallet.take(r)?;
/// assert_eq!(atc, Atc::from_u16(1));
/// assert_eq!(wallet.remaining(), 1);
///
/// // The token service maps the DPAN back to its sequence number.
/// assert_eq!(range.detokenize(&dpan)?, 0);
/// // Sequence 1 of this range is the FF1 notes' worked DPAN example.
/// let mut ascii = [0u8; 19];
/// assert_eq!(range.dpan_for(1)?.write_ascii(&mut ascii), b"4111113633179386");
/// # Ok(())
/// # }
/// ```
pub struct DpanWallet<const N: usize> {
    slots: [Option<Dpan>; N],
    /// Number of DPANs received (public).
    count: usize,
    /// Index of the next DPAN to reserve (public).
    cursor: usize,
    next_atc: u32,
    low_water: usize,
    /// Bumped by every batch; persisted, so a reservation made before a
    /// batch stays refused after a reload.
    generation: u32,
}

impl<const N: usize> core::fmt::Debug for DpanWallet<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DpanWallet")
            .field("capacity", &N)
            .field("remaining", &self.remaining())
            .field("next_atc", &self.next_atc)
            .finish_non_exhaustive()
    }
}

impl<const N: usize> DpanWallet<N> {
    /// Bytes needed by [`to_bytes`](Self::to_bytes).
    pub const STATE_BYTES: usize = HEADER_BYTES + N * SLOT_BYTES;

    /// An empty wallet whose first tap will use ATC `first_atc`, asking for
    /// a new batch when at most `low_water` DPANs remain.
    #[must_use]
    pub fn new(first_atc: Atc, low_water: usize) -> Self {
        DpanWallet {
            slots: core::array::from_fn(|_| None),
            count: 0,
            cursor: 0,
            next_atc: u32::from(first_atc.to_u16()),
            low_water,
            generation: 0,
        }
    }

    /// DPANs not yet reserved.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.count - self.cursor
    }

    /// True when it is time to ask the token service for a new batch.
    #[must_use]
    pub fn needs_replenish(&self) -> bool {
        self.remaining() <= self.low_water
    }

    /// Adds a provisioning batch. Spent slots are compacted away first; so
    /// are reserved slots whose DPAN was not taken yet (those reservations
    /// become invalid: [`take`](Self::take) refuses them, and their DPANs are
    /// never handed out).
    ///
    /// # Errors
    /// [`Error::Exhausted`] if the batch does not fit (nothing is added).
    pub fn receive_batch(&mut self, batch: &[Dpan]) -> Result<(), Error> {
        let live = self.remaining();
        if live + batch.len() > N {
            return Err(Error::Exhausted {
                what: "DPAN wallet capacity",
            });
        }
        // Compact: move unspent DPANs to the front, drop spent ones.
        for i in 0..N {
            let src = i + self.cursor;
            let moved = if i < live {
                self.slots.get_mut(src).and_then(Option::take)
            } else {
                None
            };
            if let Some(s) = self.slots.get_mut(i) {
                *s = moved;
            }
        }
        for (slot, d) in self.slots.iter_mut().skip(live).zip(batch) {
            *slot = Some(d.clone());
        }
        self.count = live + batch.len();
        self.cursor = 0;
        self.generation = self.generation.wrapping_add(1);
        Ok(())
    }

    /// Phase 1 of a tap: reserves the next DPAN and ATC (see the module docs).
    ///
    /// # Errors
    /// [`Error::Exhausted`] when no DPAN is left (fail closed: no tap without
    /// a fresh DPAN) or the ATC would wrap.
    pub fn reserve(&mut self) -> Result<Reservation, Error> {
        if self.cursor >= self.count {
            return Err(Error::Exhausted {
                what: "one-time DPANs in the wallet",
            });
        }
        if self.next_atc > 0xFFFF {
            return Err(Error::Exhausted {
                what: "application transaction counter",
            });
        }
        let r = Reservation {
            index: self.cursor,
            atc: Atc::from_u16(self.next_atc as u16),
            generation: self.generation,
        };
        self.cursor += 1;
        self.next_atc += 1;
        Ok(r)
    }

    /// Phase 3 of a tap: after the state is durable, hands out the reserved
    /// DPAN and its ATC. The slot is wiped.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a reservation made before the latest
    /// [`receive_batch`](Self::receive_batch) (its slot was compacted away;
    /// this survives a reload, the generation is persisted), one whose ATC
    /// is not the one this wallet reserved for its slot, or one that does not
    /// name a reserved, untaken slot. A reservation belongs to the wallet
    /// that made it; passing it to another wallet is a caller bug these
    /// checks catch unless slot, generation and ATC all match.
    pub fn take(&mut self, r: Reservation) -> Result<(Dpan, Atc), Error> {
        let stale = Error::Parameter {
            what: "reservation does not match this wallet",
        };
        if r.generation != self.generation || r.index >= self.cursor {
            return Err(stale);
        }
        // Within one generation slot i was reserved with ATC
        // next_atc - (cursor - i): refuse a reservation that says otherwise
        // (public counters).
        let expected_atc = self
            .next_atc
            .checked_sub(u32::try_from(self.cursor - r.index).map_err(|_| stale)?);
        if expected_atc != Some(u32::from(r.atc.to_u16())) {
            return Err(stale);
        }
        let d = self
            .slots
            .get_mut(r.index)
            .and_then(Option::take)
            .ok_or(stale)?;
        Ok((d, r.atc))
    }

    /// The state to persist, into `out` (at least [`STATE_BYTES`](Self::STATE_BYTES)).
    /// Spent slots are written as zeros.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` is too small.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, Error> {
        let n = Self::STATE_BYTES;
        let got = out.len();
        let out = out.get_mut(..n).ok_or(Error::Length {
            field: "wallet state buffer",
            expected: "at least DpanWallet::STATE_BYTES",
            got,
        })?;
        out.fill(0);
        let (h, body) = out.split_at_mut(HEADER_BYTES);
        let flags = if self.next_atc > 0xFFFF {
            FLAG_ATC_EXHAUSTED
        } else {
            0
        };
        let mut hdr = [0u8; HEADER_BYTES];
        hdr[..2].copy_from_slice(&MAGIC);
        hdr[2] = STATE_V3;
        hdr[3] = flags;
        hdr[4..8].copy_from_slice(&self.generation.to_be_bytes());
        hdr[8..10].copy_from_slice(&(self.count as u16).to_be_bytes());
        hdr[10..12].copy_from_slice(&(self.cursor as u16).to_be_bytes());
        hdr[12..14].copy_from_slice(&(self.next_atc.min(0xFFFF) as u16).to_be_bytes());
        hdr[14..16].copy_from_slice(&(self.low_water as u16).to_be_bytes());
        h.copy_from_slice(&hdr);
        for (i, (chunk, slot)) in body
            .chunks_exact_mut(SLOT_BYTES)
            .zip(self.slots.iter())
            .enumerate()
        {
            // Spent slots (below the cursor) are never persisted.
            if let (Some(d), true) = (slot, i >= self.cursor) {
                let (len, digits) = chunk.split_at_mut(1);
                if let Some(l) = len.first_mut() {
                    *l = d.len() as u8;
                }
                for (o, v) in digits.iter_mut().zip(d.values()) {
                    *o = *v;
                }
            }
        }
        Ok(n)
    }

    /// Restores a wallet from persisted state: exactly
    /// [`STATE_BYTES`](Self::STATE_BYTES) bytes, as `to_bytes` wrote them.
    ///
    /// # Errors
    /// [`Error::Malformed`] for bytes that are not a wallet of this capacity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bad = || Error::Malformed {
            what: "wallet state",
        };
        // Exactly the state: trailing bytes mean the caller passed the
        // wrong region (or a wallet of another capacity).
        if bytes.len() != Self::STATE_BYTES {
            return Err(bad());
        }
        let (h, body) = bytes.split_at(HEADER_BYTES);
        let u16_at = |i: usize| -> usize {
            usize::from(u16::from_be_bytes([
                h.get(i).copied().unwrap_or(0),
                h.get(i + 1).copied().unwrap_or(0),
            ]))
        };
        if h.get(..2) != Some(&MAGIC[..]) {
            return Err(bad());
        }
        match h.get(2) {
            Some(&STATE_V3) => {}
            Some(1 | 2) => {
                return Err(Error::Malformed {
                    what: "wallet state version 1 (no batch generation) is no longer read; \
                           version 3 required",
                });
            }
            _ => return Err(bad()),
        }
        let flags = h.get(3).copied().unwrap_or(0xFF);
        if flags & !FLAG_ATC_EXHAUSTED != 0 {
            return Err(bad());
        }
        let generation = u32::from_be_bytes([
            h.get(4).copied().unwrap_or(0),
            h.get(5).copied().unwrap_or(0),
            h.get(6).copied().unwrap_or(0),
            h.get(7).copied().unwrap_or(0),
        ]);
        let count = u16_at(8);
        let cursor = u16_at(10);
        if count > N || cursor > count {
            return Err(bad());
        }
        let exhausted = flags & FLAG_ATC_EXHAUSTED != 0;
        if exhausted && u16_at(12) != 0xFFFF {
            return Err(bad());
        }
        let mut w = DpanWallet::new(Atc::from_u16(u16_at(12) as u16), u16_at(14));
        if exhausted {
            w.next_atc = 0x1_0000;
        }
        w.generation = generation;
        w.count = count;
        w.cursor = cursor;
        for (i, chunk) in body.chunks_exact(SLOT_BYTES).take(count).enumerate() {
            if i < cursor {
                continue;
            }
            let len = usize::from(chunk.first().copied().unwrap_or(0));
            let digits = chunk.get(1..1 + len).ok_or_else(bad)?;
            // The digits are secret: no early exit on the first bad one
            // (ctgrind's wallet_restore case); the length is public.
            let d = Dpan::from_stored_values(digits, "wallet state")?;
            if let Some(s) = w.slots.get_mut(i) {
                *s = Some(d);
            }
        }
        Ok(w)
    }
}

impl<const N: usize> Drop for DpanWallet<N> {
    fn drop(&mut self) {
        // Each Dpan zeroizes itself; clear the counters too.
        self.cursor.zeroize();
        self.count.zeroize();
    }
}
