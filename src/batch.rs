//! Batch verification for issuer and token-service backends: N
//! authorisations at once, one verdict (and, for a verified ARQC, its ARPC)
//! per item.
//!
//! Every [`Authorisation`] carries its own pinned [`Cvn`], keys, transaction
//! data, card data, ARQC and ARPC response. [`verify_batch`] writes one
//! [`Outcome`] per item into a caller-provided slice (`no_std`, no heap);
//! [`verify_batch_vec`] (feature `std`) returns a `Vec`.
//!
//! The rules of the single-item path hold item by item:
//!
//! * **The caller pins the profile.** The item's `cvn` chooses the
//!   algorithm; its card data was validated for that CVN
//!   ([`Cvn::card_data`] / [`Cvn::card_data_bound`]).
//! * **No ARPC without a verified ARQC.** Only [`Outcome::Verified`] holds an
//!   ARPC, inside a [`VerifiedItem`] that only this module builds. A
//!   [`VerifiedItem`] implements [`VerifiedAtc`], so the replay window
//!   ([`AtcWindow::consume`](crate::lifecycle::AtcWindow::consume)) takes it
//!   exactly as it takes a [`VerifiedArqc`](crate::emv::VerifiedArqc).
//! * **Only an ARQC gets an ARPC.** Each item carries what its CID (9F27)
//!   says the cryptogram is; an item whose CID is not ARQC is
//!   [`Outcome::Rejected`], as on the single-item message path
//!   ([`AuthorisationRequest::verify`](crate::emv::tlv::AuthorisationRequest::verify)).
//! * **Per item, never "first failure wins".** Every item is processed;
//!   a rejected or malformed item changes nothing for the others.
//! * **Constant time per item.** A well-formed item always costs the same
//!   work whether its ARQC verifies or not: card key (if derived here),
//!   session key, the AC MAC, the comparison *and* the ARPC are computed for
//!   every item; the ARPC of an item that failed is dropped, never returned.
//!   The verdict is declassified per item (it is the public result) through
//!   `ct::public_verdict`. A *malformed* item (a key of the wrong algorithm,
//!   card data validated for another CVN, an ARPC response of the wrong
//!   method) stops early: that depends only on public structure.
//!
//! # How the work is done
//!
//! TDES items run **bitsliced** (`batch/tdes.rs` over
//! `cipher::des_bitsliced`): items of the same public shape (key derived
//! here or given, session key or not, MAC length, ARPC method and length)
//! are verified 128 at a time, one DES instance per bit lane, from the IMK
//! through the card key, the session key and the retail MAC to the
//! comparison and the ARPC, the keys staying in bit-plane form between the
//! stages. AES-128 items of the AES CVNs (Option C, common session key,
//! ARPC Method 2) run **eight at a time** (`batch/aes_lanes.rs`, feature
//! `batch-aes`, on by default; device builds without default features do
//! not link the `aes` crate's `hazmat` API): one call
//! of the `aes` crate's `hazmat::cipher_round_par` advances eight items,
//! each under its own key, by one round (AES-NI / ARMv8 detected at run
//! time, the crate's constant-time fixsliced rounds otherwise), from the
//! IMK through the card key, the session key and the CMAC to the
//! comparison and the ARPC (when a batch has at least six such items:
//! below that the single-item path is faster). Other items (AES-192/256
//! keys, TDES card data over 94 bytes, malformed items) take the
//! single-item path, one by one. With the non-default `batch-aesni`
//! feature the eight AES lanes run on AES-NI when the CPU has it (detected
//! at run time) through the workspace crate `tapcrypt-aes-lanes`, which
//! keeps the eight states in registers for all ten rounds and expands the
//! keys with AES-NI (`AESENCLAST`); that crate holds the `unsafe` this one
//! forbids, and without AES-NI the safe path above runs.
//! The verdicts, ARPCs and errors are those of the single-item path
//! (`tests/batch.rs` and `tests/batch_aes.rs` check this item by item).
//!
//! The types are `Send + Sync`: a batch can be split into chunks over
//! threads (`examples/batch_threads.rs`).

#[cfg(feature = "batch-aes")]
mod aes_lanes;
#[cfg(feature = "tdes")]
mod tdes;

use crate::emv::arpc::{Arpc, ArpcResponse};
use crate::emv::cryptogram::{CardData, Cvn};
use crate::emv::tlv::{AuthorisationRequest, CryptogramType};
use crate::emv::types::{Atc, Cryptogram, TransactionData};
use crate::emv::{VerifiedAtc, sealed};
use crate::{CardMasterKey, Error, IssuerMasterKey, Pan, Psn, VerifyError};

/// Where an item's card master key comes from.
#[derive(Clone, Copy, Debug)]
pub enum BatchKey<'a> {
    /// Derive the card master key from the issuer master key, PAN and PSN
    /// with the item's CVN's pinned derivation (Option A, B or C).
    Issuer {
        /// The issuer master key for AC (IMK-AC).
        imk: &'a IssuerMasterKey,
        /// The card's PAN (or DPAN).
        pan: &'a Pan,
        /// The PAN sequence number.
        psn: Psn,
    },
    /// A card master key derived (or stored) beforehand.
    Card(&'a CardMasterKey),
}

/// One authorisation to verify.
#[derive(Clone, Copy, Debug)]
pub struct Authorisation<'a> {
    /// The CVN pinned from the issuer's card record.
    pub cvn: &'static Cvn,
    /// The card's key.
    pub key: BatchKey<'a>,
    /// The minimum cryptogram data (its ATC and UN select the session key).
    pub txn: TransactionData,
    /// The card data, validated for `cvn`.
    pub card_data: CardData<'a>,
    /// What the cryptogram's CID (9F27) says it is. Only an ARQC verifies
    /// here (and gets an ARPC): a TC or AAC item is
    /// [`Rejected`](Outcome::Rejected), as
    /// [`AuthorisationRequest::verify`](crate::emv::tlv::AuthorisationRequest::verify)
    /// rejects it on the single-item path. The CID is public; the work done
    /// for the item does not depend on it.
    pub cryptogram_type: CryptogramType,
    /// The ARQC under verification.
    pub arqc: Cryptogram,
    /// What the ARPC answers (its method must be the CVN's).
    pub response: ArpcResponse<'a>,
}

impl<'a> Authorisation<'a> {
    /// The item for a parsed authorisation message: its pinned CVN, CID,
    /// transaction data, card data and cryptogram, so the batch checks the
    /// CID exactly as [`AuthorisationRequest::verify`] does.
    ///
    /// # Errors
    /// As [`AuthorisationRequest::card_data`] (a DPAN-bound message's card
    /// data that does not fit the CVN's layout).
    pub fn from_request(
        req: &'a AuthorisationRequest<'_>,
        key: BatchKey<'a>,
        response: ArpcResponse<'a>,
    ) -> Result<Self, Error> {
        Ok(Authorisation {
            cvn: req.cvn,
            key,
            txn: req.transaction,
            card_data: req.card_data()?,
            cryptogram_type: req.cryptogram_type,
            arqc: req.ac,
            response,
        })
    }
}

/// Proof that one item's ARQC verified, with the ARPC computed for it.
///
/// Not `Clone`/`Copy`; fields private; only [`verify_batch`] builds one.
pub struct VerifiedItem {
    cvn: &'static Cvn,
    atc: Atc,
    arqc: Cryptogram,
    arpc: Arpc,
    covered: Option<crate::emv::CoveredAmount>,
}

impl core::fmt::Debug for VerifiedItem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedItem")
            .field("cvn", &self.cvn.name)
            .field("atc", &self.atc)
            .finish_non_exhaustive()
    }
}

impl VerifiedItem {
    /// The verified transaction's ATC.
    #[must_use]
    pub fn atc(&self) -> Atc {
        self.atc
    }

    /// The ARQC that verified.
    #[must_use]
    pub fn arqc(&self) -> &Cryptogram {
        &self.arqc
    }

    /// The pinned CVN it verified under.
    #[must_use]
    pub fn cvn(&self) -> &'static Cvn {
        self.cvn
    }

    /// The ARPC for the item's response, computed from this verification.
    #[must_use]
    pub fn arpc(&self) -> &Arpc {
        &self.arpc
    }
}

impl sealed::SealedProof for VerifiedItem {}
impl VerifiedAtc for VerifiedItem {
    fn atc(&self) -> Atc {
        self.atc
    }
    fn covered_amount(&self) -> Option<crate::emv::CoveredAmount> {
        self.covered
    }
}

/// One item's result.
#[derive(Debug, Default)]
pub enum Outcome {
    /// Not written: an output slot past the end of the batch.
    #[default]
    Pending,
    /// The ARQC verified; the proof holds the ARPC.
    Verified(VerifiedItem),
    /// The ARQC did not verify (opaque, as on the single-item path).
    Rejected(VerifyError),
    /// The item was malformed (the field is named); nothing was verified.
    Malformed(Error),
}

impl Outcome {
    /// The proof, if the item verified.
    #[must_use]
    pub fn verified(&self) -> Option<&VerifiedItem> {
        match self {
            Outcome::Verified(v) => Some(v),
            _ => None,
        }
    }

    /// `true` if the item verified.
    #[must_use]
    pub fn is_verified(&self) -> bool {
        matches!(self, Outcome::Verified(_))
    }
}

/// Verify every item of `items`, writing item `i`'s outcome to `out[i]`.
///
/// Slots of `out` past `items.len()` are left untouched.
///
/// # Errors
/// [`Error::Length`] (field `"batch outcomes"`) if `out` is shorter than
/// `items`; nothing is verified then. Every per-item failure is reported in
/// that item's [`Outcome`], never here.
pub fn verify_batch(items: &[Authorisation<'_>], out: &mut [Outcome]) -> Result<(), Error> {
    verify_batch_with(items, out, true)
}

/// [`verify_batch`]; `aesni: false` keeps the AES lanes on the safe path
/// even with the `batch-aesni` feature (tests and benches compare the two).
pub(crate) fn verify_batch_with(
    items: &[Authorisation<'_>],
    out: &mut [Outcome],
    aesni: bool,
) -> Result<(), Error> {
    #[cfg(not(feature = "batch-aes"))]
    let _ = aesni;
    if out.len() < items.len() {
        return Err(Error::Length {
            field: "batch outcomes",
            expected: "at least one slot per authorisation",
            got: out.len(),
        });
    }
    // Items the lanes do not take go one by one; TDES items (bitsliced) and,
    // when there are enough of them, AES-128 items (eight per run) are
    // marked pending and verified together. Below `aes_lanes::MIN_ITEMS`
    // the lanes' fixed cost (staging and wiping ~5 KiB of buffers) exceeds
    // what they save (BENCHMARKS.md): the count is public.
    #[cfg(feature = "batch-aes")]
    let aes_many = items
        .iter()
        .filter(|a| aes_lanes::shape(a).is_some())
        .take(aes_lanes::MIN_ITEMS)
        .count()
        >= aes_lanes::MIN_ITEMS;
    // Which lanes have work (public counts): a lane kind with none skips
    // its scan over the batch.
    let (mut tdes_any, mut aes_any) = (false, false);
    for (item, slot) in items.iter().zip(out.iter_mut()) {
        #[cfg(feature = "tdes")]
        let tdes_lanes = tdes::shape(item).is_some();
        #[cfg(not(feature = "tdes"))]
        let tdes_lanes = false;
        #[cfg(feature = "batch-aes")]
        let aes_lanes = !tdes_lanes && aes_many && aes_lanes::shape(item).is_some();
        #[cfg(not(feature = "batch-aes"))]
        let aes_lanes = false;
        tdes_any |= tdes_lanes;
        aes_any |= aes_lanes;
        *slot = if tdes_lanes || aes_lanes {
            Outcome::Pending
        } else {
            verify_one(item)
        };
    }
    #[cfg(feature = "tdes")]
    if tdes_any {
        tdes::verify_pending(items, out);
    }
    #[cfg(feature = "batch-aes")]
    if aes_any {
        aes_lanes::verify_pending(items, out, aesni);
    }
    // Read only by the calls above that the features compile in.
    let _ = (tdes_any, aes_any);
    Ok(())
}

/// [`verify_batch`] into a new `Vec`, one [`Outcome`] per item (feature `std`).
#[cfg(feature = "std")]
#[must_use]
pub fn verify_batch_vec(items: &[Authorisation<'_>]) -> alloc::vec::Vec<Outcome> {
    let mut out: alloc::vec::Vec<Outcome> = items.iter().map(|_| Outcome::Pending).collect();
    // `out` has one slot per item: the length check cannot fail.
    let _ = verify_batch(items, &mut out);
    out
}

#[cfg(feature = "std")]
extern crate alloc;

/// One item on the generic path (every CVN).
fn verify_one(a: &Authorisation<'_>) -> Outcome {
    match verify_item(a) {
        Ok(o) => o,
        Err(e) => Outcome::Malformed(e),
    }
}

fn verify_item(a: &Authorisation<'_>) -> Result<Outcome, Error> {
    if a.card_data.cvn_id() != a.cvn.id {
        return Err(Error::Parameter {
            what: "card data was validated for a different CVN",
        });
    }
    let derived;
    let card_key = match a.key {
        BatchKey::Issuer { imk, pan, psn } => {
            derived = a.cvn.derive_card_key(imk, pan, psn)?;
            &derived
        }
        BatchKey::Card(k) => k,
    };
    let keys = a.cvn.transaction_keys(card_key, a.txn.atc, a.txn.un)?;
    // The ARPC is computed before the verdict is known, for every item, so
    // a failing item costs what a verifying one does; it leaves this
    // function only inside a `VerifiedItem`. Its errors depend only on the
    // response's public shape (method, proprietary-data length).
    let arpc = keys.arpc_unverified(&a.arqc, &a.response)?;
    let verdict = keys.verify_arqc(&a.txn, &a.card_data, &a.arqc);
    // The CID is public: checked after the work, like the verdict.
    Ok(match verdict {
        Ok(_) if a.cryptogram_type != CryptogramType::Arqc => Outcome::Rejected(VerifyError),
        Ok(proof) => Outcome::Verified(VerifiedItem {
            cvn: a.cvn,
            atc: proof.atc(),
            arqc: *proof.arqc(),
            arpc,
            covered: proof.covered_amount(),
        }),
        Err(e) => Outcome::Rejected(e),
    })
}
