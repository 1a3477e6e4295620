//! Paying from a band with no network: one-time codes (feature `code`).
//!
//! * [`otp`]: the HOTP (RFC 4226) / TOTP (RFC 6238) core, SHA-1/256/512,
//!   constant time in the secret, no heap, no division.

pub mod otp;
