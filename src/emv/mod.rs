//! EMV key derivation, application cryptograms and ARPCs.
//!
//! * [`derive`](mod@derive): ICC master keys (Options A, B, C) and session keys.
//! * [`cryptogram`]: the CVN catalogue and AC generation/verification.
//! * [`arpc`]: ARPC Methods 1 and 2.
//! * [`script`]: issuer scripts: script keys, command MAC, data encryption, PIN change.
//! * [`cvv`]: CVV/CVC, Visa dCVV, Mastercard CVC3.
//! * [`tlv`]: BER-TLV, DOLs, CVN detection, verification from a TLV message.
//! * [`types`]: fixed-size EMV data elements.
//! * [`cloud`]: cloud-based payments: Visa VCPS (LUK, CVN '43') and Mastercard MCBP
//!   (single-use keys, mobile PIN, dual cryptograms).

pub mod arpc;
// VCPS and MCBP are TDES profiles; CVV/dCVV/CVC3 are TDES algorithms.
#[cfg(feature = "tdes")]
pub mod cloud;
pub mod cryptogram;
#[cfg(feature = "tdes")]
pub mod cvv;
pub mod derive;
pub mod script;
pub mod tlv;
pub mod types;

pub use arpc::{Arpc, ArpcMethod, ArpcResponse};
pub use cryptogram::{
    BOUND_CARD_DATA_MAX, CardData, CardKeySchedule, Cvn, IadLayout, TransactionKeys, VerifiedArqc,
    VerifiedOfflineAc,
};
#[cfg(feature = "aes")]
pub use cryptogram::{EMV_COMMON_AES, TAPCRYPT_DPAN_AES};
#[cfg(feature = "tdes")]
pub use cryptogram::{
    EMV_COMMON_TDES, INTERAC_CVN_133, MASTERCARD_CVN_16, MASTERCARD_CVN_17, MASTERCARD_CVN_20,
    MASTERCARD_CVN_21, VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
};
pub use derive::MkDerivation;
pub use types::{Atc, Cryptogram, Csu, ResponseCode, TransactionData, UnpredictableNumber};

// The sealed-trait pattern: `Sealed` lives in a private module, so its
// method (which hands out the crate-private key material) cannot be named or
// called outside the crate.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    /// Gives the crate access to a key's material without exposing it.
    pub trait Sealed {
        fn material(&self) -> &crate::keys::KeyMaterial;
    }
    /// Only the crate's verification proofs implement [`super::VerifiedAtc`].
    pub trait SealedProof {}
}

/// A proof that a cryptogram carrying an ATC verified: [`VerifiedArqc`] and
/// the cloud profiles' proofs. Sealed: only a successful verification in
/// this crate produces one, so whatever consumes an ATC (a replay window)
/// and takes `&impl VerifiedAtc` cannot be driven by an unverified message.
#[allow(private_bounds)]
pub trait VerifiedAtc: sealed::SealedProof {
    /// The verified transaction's ATC.
    fn atc(&self) -> Atc;

    /// The amount (9F02) and currency (5F2A) the verified cryptogram
    /// covered, or `None` for a magstripe-mode proof (CVC3, VCPS MSD value)
    /// whose value covers no amount. A usage limit counts this figure
    /// ([`BackendUsage::record`](crate::lifecycle::BackendUsage::record)), so
    /// a backend cannot charge a limit with an amount the card never signed.
    fn covered_amount(&self) -> Option<CoveredAmount>;
}

/// The amount and currency a verified cryptogram covered, as the card signed
/// them (see [`VerifiedAtc::covered_amount`]). Public transaction data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CoveredAmount {
    /// 9F02 Amount, Authorised (n12, BCD).
    pub amount_authorised: [u8; 6],
    /// 5F2A Transaction Currency Code.
    pub currency: [u8; 2],
}

impl CoveredAmount {
    pub(crate) fn of(txn: &TransactionData) -> Self {
        CoveredAmount {
            amount_authorised: txn.amount_authorised,
            currency: txn.currency,
        }
    }
}

/// A key that may compute an application cryptogram or an ARPC: a
/// [`SessionKey`](crate::SessionKey), or a [`CardMasterKey`](crate::CardMasterKey)
/// for the CVNs that use the card key directly (Visa CVN 10, Mastercard ARPCs).
/// Sealed: no other type implements it.
pub trait CryptogramKey: sealed::Sealed {}

#[allow(private_interfaces)]
impl sealed::Sealed for crate::SessionKey {
    fn material(&self) -> &crate::keys::KeyMaterial {
        &self.0
    }
}
impl CryptogramKey for crate::SessionKey {}
#[allow(private_interfaces)]
impl sealed::Sealed for crate::CardMasterKey {
    fn material(&self) -> &crate::keys::KeyMaterial {
        &self.0
    }
}
impl CryptogramKey for crate::CardMasterKey {}
