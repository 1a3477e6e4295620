//! Limited-use credentials: what keeps a verified cryptogram from being
//! worth more than one payment.
//!
//! The verify calls in [`emv`](crate::emv) are stateless: a recorded ARQC
//! verifies again, as often as it is replayed. This module holds the state
//! that makes every credential limited, on both sides:
//!
//! * [`window`]: the backend's ATC replay window per card (each ATC accepted
//!   once; too old, too far ahead and the end of the 16-bit counter refused).
//! * [`limits`]: key-use limits of a limited-use credential (count, time,
//!   cumulative amount) on the device and on the backend, and the
//!   replenishment trigger.
//! * [`counter`]: the device's ATC, for CVNs used without the DPAN wallet.
//!
//! Every state here is public data (ATCs, counts, times, amounts), with a
//! documented, versioned, canonical byte layout for the store or the flash
//! that keeps it. The backend's updates are pure functions that take the
//! proof of a verified cryptogram ([`VerifiedAtc`](crate::emv::VerifiedAtc)),
//! so a store applies them with compare-and-swap and nothing can consume an
//! ATC or a use without a verification.
//!
//! # Verify → window → ARPC
//!
//! ```
//! use tapcrypt::emv::{
//!     Arpc, ArpcResponse, Atc, CardData, Cryptogram, Csu, TransactionData, TransactionKeys,
//!     UnpredictableNumber, VISA_CVN_18,
//! };
//! use tapcrypt::lifecycle::{
//!     AtcWindow, BackendUsage, Currency, DeviceUsage, LimitError, LowWater, UseLimits,
//!     amount_from_bcd,
//! };
//! use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};
//!
//! /// The backend: verify (stateless), then consume the ATC and count the use
//! /// with the proof, store both, and only then answer with the ARPC.
//! fn authorise(
//!     window: &mut AtcWindow,     // this card's stored state (a database row)
//!     usage: &mut BackendUsage,   // this credential's stored state
//!     keys: &TransactionKeys<'_>, // from the card record's pinned CVN
//!     txn: &TransactionData,
//!     card_data: &CardData<'_>,
//!     arqc: &Cryptogram,
//!     now: u64,
//! ) -> Result<Arpc, String> {
//!     let verified = keys.verify_arqc(txn, card_data, arqc).map_err(|e| e.to_string())?;
//!     let (new_window, verdict) = window.consume(&verified);
//!     if !verdict.is_accepted() {
//!         return Err(verdict.code().into()); // replay, too_old, too_far_ahead, exhausted
//!     }
//!     // The amount and currency charged are the ones the ARQC covered.
//!     let new_usage = usage.record(&verified, now).map_err(|e| e.code())?;
//!     // The durable write: compare-and-swap both rows against what was read.
//!     (*window, *usage) = (new_window, new_usage);
//!     let response = ArpcResponse::Method2 { csu: Csu([0; 4]), proprietary: &[] };
//!     verified.arpc(&response).map_err(|e| e.to_string())
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210")?;
//! let pan = Pan::parse("1234567890123456")?;
//! let cvn = &VISA_CVN_18;
//! let card_key = cvn.derive_card_key(&imk, &pan, Psn::ABSENT)?;
//! let card_data = cvn.card_data(&[0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00])?;
//! let now = 1_767_225_600; // the caller's clock, Unix seconds
//! let eur = Currency::from_numeric(978)?;
//! let tap = |atc: u16| TransactionData {
//!     amount_authorised: [0x00, 0x00, 0x00, 0x00, 0x40, 0x00], // 40.00
//!     currency: eur.to_bcd(),
//!     un: UnpredictableNumber([0x52, 0xBF, 0x45, 0x85]),
//!     atc: Atc::from_u16(atc),
//!     ..TransactionData::default()
//! };
//! // The credential: two taps within one day, at most 100.00 EUR in all.
//! let limits = UseLimits {
//!     max_uses: 2,
//!     not_before: now,
//!     not_after: now + 86_400,
//!     max_amount: 10_000,
//!     currency: eur,
//!     low_water: LowWater { uses: 1, ..LowWater::default() },
//! };
//! let mut window = AtcWindow::resume_after(Atc::from_u16(0x001B), 32)?; // ATCs up to 1B spent
//! let mut usage = BackendUsage::new(limits)?;
//! let mut band = DeviceUsage::new(limits)?; // the band's own copy
//!
//! // The band refuses past a limit and counts the tap (persisting it) before
//! // it computes the ARQC.
//! let mut band_tap = |atc: u16| -> Result<Cryptogram, Box<dyn std::error::Error>> {
//!     let txn = tap(atc);
//!     band = band.spend(now, amount_from_bcd(&txn.amount_authorised)?, eur)?;
//!     let keys = cvn.transaction_keys(&card_key, txn.atc, txn.un)?;
//!     Ok(keys.generate_ac(&txn, &card_data)?)
//! };
//! let issuer = |atc: u16| cvn.transaction_keys(&card_key, Atc::from_u16(atc), tap(atc).un);
//!
//! let arqc = band_tap(0x1C)?;
//! assert!(authorise(&mut window, &mut usage, &issuer(0x1C)?, &tap(0x1C), &card_data, &arqc, now).is_ok());
//! // Replayed, the ARQC still verifies, but its ATC is spent.
//! let replay = authorise(&mut window, &mut usage, &issuer(0x1C)?, &tap(0x1C), &card_data, &arqc, now);
//! assert_eq!(replay.unwrap_err(), "replay");
//!
//! // The second tap spends the credential's last use: time to replenish.
//! let arqc = band_tap(0x1D)?;
//! assert!(authorise(&mut window, &mut usage, &issuer(0x1D)?, &tap(0x1D), &card_data, &arqc, now).is_ok());
//! assert!(usage.replenish(now).uses);
//! // A third tap: the band refuses it, and so would the backend.
//! assert!(band_tap(0x1E).is_err());
//! let keys = issuer(0x1E)?;
//! let arqc = keys.generate_ac(&tap(0x1E), &card_data)?;
//! let third = authorise(&mut window, &mut usage, &keys, &tap(0x1E), &card_data, &arqc, now);
//! assert_eq!(third.unwrap_err(), LimitError::UsesExhausted.code());
//! # Ok(())
//! # }
//! ```

pub mod counter;
pub mod limits;
pub mod window;

pub use counter::{AtcCounter, AtcReservation};
pub use limits::{
    BackendUsage, Currency, DeviceUsage, LimitError, LowWater, Replenish, UseLimits,
    amount_from_bcd,
};
pub use window::{AtcVerdict, AtcWindow, Refusal};
