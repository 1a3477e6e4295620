//! Limited-use credentials: what keeps a verified cryptogram from being
//! worth more than one payment.
//!
//! The verify calls in [`emv`](crate::emv) are stateless: a recorded ARQC
//! verifies again. This module holds the state that makes every credential
//! limited, on both sides:
//!
//! * [`window`]: the backend's ATC replay window per card (each ATC accepted
//!   once; too old, too far ahead and the end of the 16-bit counter refused).
//! * [`limits`]: key-use limits of a limited-use credential (count, time,
//!   cumulative amount) on the device and on the backend, and the
//!   replenishment trigger.
//! * [`counter`]: the device's ATC, for CVNs used without the DPAN wallet.
//!
//! Every state here is public data (ATCs, counts), with a documented,
//! versioned, canonical byte layout for the store or the flash that keeps it.

pub mod counter;
pub mod limits;
pub mod window;

pub use counter::{AtcCounter, AtcReservation};
pub use limits::{
    BackendUsage, Currency, DeviceUsage, LimitError, LowWater, Replenish, UseLimits,
    amount_from_bcd,
};
pub use window::{AtcVerdict, AtcWindow};
