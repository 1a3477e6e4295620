//! The two error tiers.
//!
//! * [`Error`]: the caller handed us malformed *public* input (a key of the wrong
//!   length, a PAN with a letter in it, card data of the wrong length for a CVN).
//!   It names the problem precisely, because the input is not secret and a payment
//!   engineer debugging an HSM mismatch needs to know which field was wrong.
//! * [`VerifyError`]: a cryptogram, ARPC or MAC did not verify. It is a unit
//!   struct on purpose: it carries no detail about *why*, so nothing about the
//!   expected value can leak through it.

use core::fmt;

/// Malformed public input. Never produced by a failed verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A key had the wrong number of bytes for the algorithm asked for.
    KeyLength {
        /// What the caller asked for.
        algorithm: &'static str,
        /// The length that was given.
        got: usize,
    },
    /// The key's algorithm (TDES or AES) does not fit the operation.
    KeyAlgorithm {
        /// The operation that was asked for.
        operation: &'static str,
        /// The algorithm it needs.
        needs: &'static str,
    },
    /// A digit string contained something other than `0`–`9`.
    NotDigits {
        /// Which field (`"PAN"`, `"PSN"`, …).
        field: &'static str,
    },
    /// A digit string had a length outside the allowed range.
    DigitCount {
        /// Which field.
        field: &'static str,
        /// Smallest allowed number of digits.
        min: usize,
        /// Largest allowed number of digits.
        max: usize,
        /// Number of digits given.
        got: usize,
    },
    /// A byte field had the wrong length.
    Length {
        /// Which field (`"ATC"`, `"card data for Visa CVN 10"`, …).
        field: &'static str,
        /// A human description of the allowed lengths, e.g. `"4"` or `"7 or 32"`.
        expected: &'static str,
        /// The length that was given.
        got: usize,
    },
    /// A hex string had an odd number of characters.
    OddHex {
        /// Number of characters given.
        len: usize,
    },
    /// A hex string contained a character that is not a hex digit.
    NotHex,
    /// A parameter is outside the range the algorithm supports.
    Parameter {
        /// Which parameter and what was wrong with it.
        what: &'static str,
    },
    /// The CVN is not one this crate implements.
    UnsupportedCvn {
        /// The CVN byte as it appears in the IAD.
        cvn: u8,
    },
    /// The message declares a CVN other than the one the issuer pinned for
    /// the card (a relabelled IAD, or a card-record mismatch). Never a
    /// fallback to the declared CVN.
    CvnMismatch {
        /// The CVN the caller pinned.
        pinned: u8,
        /// The CVN byte the IAD declares.
        declared: u8,
    },
    /// The IAD (9F10) is laid out as another scheme's: read where `expected`
    /// keeps its CVN byte it names no CVN of that scheme, but read as
    /// `found`'s layout it names `found`'s CVN `cvn`. Usually the card
    /// record's scheme (or the AID) and the message do not belong together.
    SchemeMismatch {
        /// The scheme the caller asked for (or pinned through the CVN).
        expected: &'static str,
        /// The scheme whose IAD layout the bytes fit.
        found: &'static str,
        /// The CVN byte the IAD declares under `found`'s layout.
        cvn: u8,
    },
    /// A fixed-capacity container is full, or a counter is exhausted.
    Exhausted {
        /// What ran out.
        what: &'static str,
    },
    /// Structured input (TLV, key block, envelope) is malformed.
    Malformed {
        /// What was wrong with it.
        what: &'static str,
    },
    /// A key's authenticated TR-31 header does not allow the role it was
    /// asked for (usage or mode of use), or no installed key has that role.
    KeyRole {
        /// The role asked for, e.g. `"ICC MK-SMI (TR-31 E2)"`.
        role: &'static str,
        /// What did not fit.
        problem: &'static str,
    },
    /// A hardware AES engine call failed ([`crate::engine`]): busy, not
    /// able to take the operation, or faulted. Nothing was computed.
    #[cfg(feature = "aes")]
    Engine(crate::engine::EngineError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::KeyLength { algorithm, got } => {
                write!(f, "key length {got} bytes is not valid for {algorithm}")
            }
            Error::KeyAlgorithm { operation, needs } => {
                write!(f, "{operation} needs a {needs} key")
            }
            Error::NotDigits { field } => write!(f, "{field} must contain only digits 0-9"),
            Error::DigitCount {
                field,
                min,
                max,
                got,
            } => {
                if min == max {
                    write!(f, "{field} must have {min} digits, got {got}")
                } else {
                    write!(f, "{field} must have {min} to {max} digits, got {got}")
                }
            }
            Error::Length {
                field,
                expected,
                got,
            } => write!(f, "{field} must be {expected} bytes, got {got}"),
            Error::OddHex { len } => write!(f, "hex string has an odd length ({len})"),
            Error::NotHex => f.write_str("hex string contains a non-hex character"),
            Error::Parameter { what } => write!(f, "invalid parameter: {what}"),
            Error::KeyRole { role, problem } => write!(f, "key cannot serve as {role}: {problem}"),
            Error::UnsupportedCvn { cvn } => write!(f, "unsupported CVN {cvn:#04x}"),
            Error::CvnMismatch { pinned, declared } => write!(
                f,
                "the IAD declares CVN {declared:#04x}, but the card's pinned CVN is {pinned:#04x}"
            ),
            Error::SchemeMismatch {
                expected,
                found,
                cvn,
            } => write!(
                f,
                "scheme/IAD mismatch: the IAD (9F10) is not laid out as {expected}'s; \
                 it reads as a {found} IAD declaring CVN {cvn:#04x}"
            ),
            Error::Exhausted { what } => write!(f, "{what} exhausted"),
            Error::Malformed { what } => write!(f, "malformed input: {what}"),
            #[cfg(feature = "aes")]
            Error::Engine(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for Error {}

/// A cryptogram, ARPC, MAC or check value did not verify.
///
/// Deliberately opaque: it says nothing about which byte differed or what the
/// expected value was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyError;

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("verification failed")
    }
}

impl core::error::Error for VerifyError {}
