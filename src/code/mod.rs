//! Paying from a band with no network: one-time codes (feature `code`).
//!
//! * [`otp`]: the HOTP (RFC 4226) / TOTP (RFC 6238) core, SHA-1/256/512,
//!   constant time in the secret, no heap, no division.
//! * [`payment`]: the 18-digit offline payment code (layout, security margin,
//!   versioned format), made on the band.
//! * [`backend`]: resolving and verifying a code on the issuer side: skew
//!   window, accept-once, per-account guess limit.
//! * [`cpm`]: the EMV consumer-presented QR payload (TLV and base64 text),
//!   built on the band, parsed strictly and verified on the pinned-profile path.
//! * [`render`]: an NFC NDEF record, and (feature `qr`) a QR matrix for the
//!   band's display.
//! * [`base64`]: constant-time, strict base64 for the CPM text.

pub mod backend;
pub mod base64;
pub mod cpm;
pub mod otp;
pub mod payment;
pub mod render;
