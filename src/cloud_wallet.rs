//! The band's set of Visa VCPS limited-use keys, each with its key-use
//! limits (count, time, amount: [`lifecycle::DeviceUsage`](crate::lifecycle::DeviceUsage)).
//!
//! A cloud-based token holds no card key: the token service sends it LUKs
//! ([`Luk`]), each valid for a few taps, a few hours and a cumulative amount.
//! The band keeps a small fixed set of them ([`LukWallet`], no heap) and
//! **refuses a tap** that no LUK may serve: expired, not yet valid, all uses
//! spent, another currency, or the amount past what remains. The backend
//! checks the same limits with its own [`BackendUsage`](crate::lifecycle::BackendUsage),
//! counting a tap only with the proof of a verified cryptogram
//! ([`VerifiedQvsdc`](crate::emv::cloud::vcps::VerifiedQvsdc)).
//!
//! # Persistence contract
//!
//! As for the DPAN wallet and the ATC counter: a tap is two-phase.
//! [`LukWallet::reserve`] spends the tap against a LUK's limits in RAM and
//! returns a [`LukReservation`]; the firmware then writes
//! [`LukWallet::usage_bytes`] of that slot durably (and atomically); only
//! then [`LukWallet::tap`] computes the cryptogram. After a power loss a LUK
//! can lose a tap, never serve one more than its limits.
//!
//! The LUKs themselves arrive in key blocks and are stored by the firmware's
//! key store; this type holds them in RAM (zeroized on drop).
//!
//! (A module of its own, after [`lifecycle`](crate::lifecycle): the crate's
//! modules only import from modules listed before them, and `lifecycle`
//! already imports `emv`.)

use crate::Error;
use crate::emv::cloud::vcps::{KeyIndex, Luk, VcpsIad};
use crate::emv::{Cryptogram, TransactionData};
use crate::lifecycle::{Currency, DeviceUsage, LimitError, UseLimits, amount_from_bcd};

/// Why the band refuses a tap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TapRefused {
    /// The wallet holds no LUK at all: replenish.
    NoKey,
    /// No LUK may serve the tap; the limit that refused the first LUK held.
    Limit(LimitError),
    /// The transaction's amount or currency is malformed.
    Input(Error),
}

impl core::fmt::Display for TapRefused {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TapRefused::NoKey => f.write_str("no limited-use key: replenish"),
            TapRefused::Limit(l) => write!(f, "limited-use key refused the tap: {l}"),
            TapRefused::Input(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for TapRefused {}

/// Permission to compute one tap with one LUK, returned by
/// [`LukWallet::reserve`]. Not `Clone`: spent once.
#[derive(Debug)]
#[must_use = "persist the wallet's usage, then tap() with the reservation"]
pub struct LukReservation {
    slot: usize,
    index: KeyIndex,
    /// The transaction the limits were charged for (amount, currency, ATC
    /// and the rest are public): the tap must be exactly this one.
    txn: TransactionData,
}

impl LukReservation {
    /// The slot whose usage must be persisted before the tap.
    #[must_use]
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// The key index of the LUK that will compute the tap.
    #[must_use]
    pub fn key_index(&self) -> KeyIndex {
        self.index
    }
}

/// A fixed-capacity set of VCPS LUKs with their limits.
pub struct LukWallet<const N: usize> {
    slots: [Option<(Luk, DeviceUsage)>; N],
}

impl<const N: usize> core::fmt::Debug for LukWallet<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LukWallet")
            .field("capacity", &N)
            .field("held", &self.held())
            .finish_non_exhaustive()
    }
}

impl<const N: usize> Default for LukWallet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LukWallet<N> {
    /// An empty wallet.
    #[must_use]
    pub fn new() -> Self {
        LukWallet {
            slots: core::array::from_fn(|_| None),
        }
    }

    /// Number of LUKs held (usable or not).
    #[must_use]
    pub fn held(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Installs a LUK received from the token service with its limits (the
    /// usage restored from flash, or a fresh [`DeviceUsage::new`]).
    ///
    /// # Errors
    /// [`Error::Exhausted`] if every slot is taken (retire unusable LUKs
    /// first); [`Error::Parameter`] if a LUK with the same key index is held.
    pub fn install(&mut self, luk: Luk, usage: DeviceUsage) -> Result<usize, Error> {
        let ki = luk.key_index();
        if self
            .slots
            .iter()
            .flatten()
            .any(|(l, _)| l.key_index() == ki)
        {
            return Err(Error::Parameter {
                what: "a LUK with this key index is already installed",
            });
        }
        let (i, slot) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.is_none())
            .ok_or(Error::Exhausted {
                what: "LUK wallet slots",
            })?;
        *slot = Some((luk, usage));
        Ok(i)
    }

    /// Installs a LUK with fresh limits.
    ///
    /// # Errors
    /// As [`install`](Self::install), and [`Error::Parameter`] for limits
    /// that [`DeviceUsage::new`] refuses.
    pub fn install_new(&mut self, luk: Luk, limits: UseLimits) -> Result<usize, Error> {
        self.install(luk, DeviceUsage::new(limits)?)
    }

    /// Spends the tap `txn` (its amount 9F02 and currency 5F2A) at `now`
    /// (Unix seconds) against the first LUK whose limits allow it, in slot
    /// order. Nothing is computed yet; persist
    /// [`usage_bytes`](Self::usage_bytes) of the reservation's slot, then
    /// call [`tap`](Self::tap).
    ///
    /// # Errors
    /// [`TapRefused`]: no LUK, a malformed amount or currency, or the limit
    /// that refuses the tap (nothing is spent).
    pub fn reserve(
        &mut self,
        now: u64,
        txn: &TransactionData,
    ) -> Result<LukReservation, TapRefused> {
        let amount = amount_from_bcd(&txn.amount_authorised).map_err(TapRefused::Input)?;
        let currency = Currency::from_bcd(txn.currency).map_err(TapRefused::Input)?;
        let mut first_refusal = None;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let Some((luk, usage)) = slot else { continue };
            match usage.spend(now, amount, currency) {
                Ok(next) => {
                    *usage = next;
                    return Ok(LukReservation {
                        slot: i,
                        index: luk.key_index(),
                        txn: *txn,
                    });
                }
                Err(e) => {
                    first_refusal.get_or_insert(e);
                }
            }
        }
        Err(first_refusal.map_or(TapRefused::NoKey, TapRefused::Limit))
    }

    /// The stored usage of `slot` (persist it after [`reserve`](Self::reserve)).
    #[must_use]
    pub fn usage_bytes(&self, slot: usize) -> Option<[u8; 66]> {
        self.usage(slot).map(DeviceUsage::to_bytes)
    }

    /// The usage of `slot`.
    #[must_use]
    pub fn usage(&self, slot: usize) -> Option<&DeviceUsage> {
        self.slots.get(slot)?.as_ref().map(|(_, u)| u)
    }

    /// Computes the reserved tap: the qVSDC cryptogram and the CVN '43' IAD
    /// (with `dki`, the CVR and the wallet data) under the reserved LUK.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the reservation's LUK is gone (retired or
    /// replaced since) or `txn` is not the reserved transaction (another
    /// amount, currency or ATC would spend what the limits never charged).
    pub fn tap(
        &self,
        r: LukReservation,
        txn: &TransactionData,
        dki: u8,
        cvr: [u8; 4],
        wallet_data: [u8; 6],
    ) -> Result<(Cryptogram, VcpsIad), Error> {
        if *txn != r.txn {
            return Err(Error::Parameter {
                what: "the tap is not the reserved transaction (amount, currency or ATC differ)",
            });
        }
        let (luk, _) = self
            .slots
            .get(r.slot)
            .and_then(Option::as_ref)
            .filter(|(l, _)| l.key_index() == r.index)
            .ok_or(Error::Parameter {
                what: "the reserved LUK is no longer installed",
            })?;
        let iad = VcpsIad::new(dki, cvr, wallet_data, r.index)?;
        let ac = luk.qvsdc_ac(txn, &iad)?;
        Ok((ac, iad))
    }

    /// Drops (and wipes) every LUK that can serve no further tap at `now`:
    /// expired or with all uses spent. Returns how many were dropped.
    pub fn retire_unusable(&mut self, now: u64) -> usize {
        let mut n = 0;
        for slot in &mut self.slots {
            let dead = slot.as_ref().is_some_and(|(_, u)| {
                let l = u.limits();
                now > l.not_after || u.remaining_uses() == 0
            });
            if dead {
                *slot = None;
                n += 1;
            }
        }
        n
    }

    /// True when it is time to ask the token service for LUKs: a slot is
    /// free, or some LUK reached a low-water mark.
    #[must_use]
    pub fn needs_replenish(&self, now: u64) -> bool {
        self.slots
            .iter()
            .any(|s| s.as_ref().is_none_or(|(_, u)| u.replenish(now).any()))
    }
}
