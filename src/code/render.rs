//! What the band shows or taps: a QR matrix for its display (feature `qr`)
//! and an NFC NDEF record (always available with `code`).
//!
//! # QR
//! Encoded by Project Nayuki's `qrcodegen-no-heap` 1.8: `no_std`, no heap,
//! `forbid(unsafe_code)`, no dependencies, the reference-quality QR encoder
//! behind the C, Java, Python and Rust `qrcodegen` libraries; it works in
//! caller-provided buffers, which a band keeps in static RAM. It is behind
//! the `qr` feature, so it is not in the default device build.
//!
//! The text is the payload as shown: the 18 digits of a payment code
//! (numeric mode) or the base64 text of a CPM payload (byte mode, as the
//! CPM spec has it). Error correction M (boosted when it fits in the same
//! version), versions 1–[`QR_MAX_VERSION`], mask chosen by the standard's
//! penalty rules. [`QrBuffers`] is 2 × [`QR_BUFFER_LEN`] bytes.
//!
//! **Not constant time.** Mask selection scores the matrix with branches on
//! module colours, so rendering time depends on the text. That text is on
//! the band's screen for anyone in front of it to read, so the renderer is
//! outside the crate's constant-time claim: render a code only to show it.
//!
//! # NDEF
//! One NFC Forum NDEF record (NFC Data Exchange Format 1.0), message begin
//! and end set, NFC Forum external type (TNF `4`): header ‖ type length ‖
//! payload length (1 byte for a short record, SR, when ≤ 255 bytes; else
//! 4 bytes big-endian) ‖ type ‖ payload. Types (ours, NFC Forum RTD
//! external-type syntax `domain:type`): [`NDEF_TYPE_CPM`] carries the CPM
//! payload's base64 text (the same bytes as the QR code, so the acquirer
//! has one format), [`NDEF_TYPE_CODE`] the 18 ASCII digits of a payment
//! code. Copying bytes: constant time.

use crate::Error;

/// External type of a CPM payload record.
pub const NDEF_TYPE_CPM: &[u8] = b"tapcrypt.dev:cpm";
/// External type of a payment-code record.
pub const NDEF_TYPE_CODE: &[u8] = b"tapcrypt.dev:code";

/// Length of an NDEF record for a payload of `n` bytes and a type of `t`.
#[must_use]
pub const fn ndef_len(t: usize, n: usize) -> usize {
    2 + if n <= 255 { 1 } else { 4 } + t + n
}

/// Writes one NDEF record (external type `ty`, `payload`) into `out`.
///
/// # Errors
/// [`Error::Length`] for a type over 255 bytes or an `out` too short.
pub fn ndef_record<'o>(ty: &[u8], payload: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], Error> {
    let tl = u8::try_from(ty.len()).map_err(|_| Error::Length {
        field: "NDEF type",
        expected: "at most 255",
        got: ty.len(),
    })?;
    let n = ndef_len(ty.len(), payload.len());
    let got = out.len();
    let dst = out.get_mut(..n).ok_or(Error::Length {
        field: "NDEF output buffer",
        expected: "the record length",
        got,
    })?;
    let short = payload.len() <= 255;
    // MB | ME | (SR) | TNF = 4 (NFC Forum external type).
    let header = 0x80 | 0x40 | if short { 0x10 } else { 0 } | 0x04;
    let (head, rest) = dst.split_at_mut(2);
    head.copy_from_slice(&[header, tl]);
    let plen = if short { 1 } else { 4 };
    let (len_field, rest) = rest.split_at_mut(plen);
    let be = (payload.len() as u32).to_be_bytes();
    crate::ct::copy(len_field, be.get(4 - plen..).unwrap_or(&[]));
    let (t, p) = rest.split_at_mut(ty.len());
    crate::ct::copy(t, ty);
    crate::ct::copy(p, payload);
    Ok(out.get(..n).unwrap_or(&[]))
}

#[cfg(feature = "qr")]
pub use qr::{QR_BUFFER_LEN, QR_MAX_VERSION, QrBuffers, QrMatrix, qr_matrix};

#[cfg(feature = "qr")]
mod qr {
    use qrcodegen_no_heap::{Mask, QrCode, QrCodeEcc, Version};

    use crate::Error;

    /// Largest QR version produced: version 15 (77 × 77 modules) holds the
    /// largest CPM text (344 characters) at error correction M.
    pub const QR_MAX_VERSION: u8 = 15;
    /// Bytes in each of the two QR buffers.
    pub const QR_BUFFER_LEN: usize = Version::new(QR_MAX_VERSION).buffer_len();

    /// The encoder's working memory (keep it in static RAM on a band).
    /// `Debug` prints only the type: the buffers hold the last text encoded
    /// (a payment code, a CPM payload with its cryptogram).
    pub struct QrBuffers {
        out: [u8; QR_BUFFER_LEN],
        temp: [u8; QR_BUFFER_LEN],
    }

    impl QrBuffers {
        /// Zeroed buffers.
        #[must_use]
        pub const fn new() -> Self {
            QrBuffers {
                out: [0; QR_BUFFER_LEN],
                temp: [0; QR_BUFFER_LEN],
            }
        }
    }

    impl core::fmt::Debug for QrBuffers {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("QrBuffers").finish_non_exhaustive()
        }
    }

    impl Default for QrBuffers {
        fn default() -> Self {
            Self::new()
        }
    }

    /// A QR symbol: `size × size` modules, dark = `true`.
    pub struct QrMatrix<'a> {
        code: QrCode<'a>,
    }

    impl core::fmt::Debug for QrMatrix<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("QrMatrix")
                .field("version", &self.version())
                .finish_non_exhaustive()
        }
    }

    impl QrMatrix<'_> {
        /// Modules per side (21 to 77).
        #[must_use]
        pub fn size(&self) -> u8 {
            u8::try_from(self.code.size()).unwrap_or(0)
        }
        /// The QR version (1 to 15).
        #[must_use]
        pub fn version(&self) -> u8 {
            self.code.version().value()
        }
        /// Whether module (`x`, `y`) is dark; out of range is light.
        #[must_use]
        pub fn module(&self, x: u8, y: u8) -> bool {
            self.code.get_module(i32::from(x), i32::from(y))
        }
    }

    /// Encodes `text` (ASCII: a payment code's digits or a CPM base64 text)
    /// as a QR symbol in `bufs`, with mask pattern `mask` (0–7), or the one
    /// the standard's penalty rules pick when `None` (8 trial masks: a band
    /// may fix one to save time; any mask is valid for a reader).
    ///
    /// # Errors
    /// [`Error::Malformed`] for non-ASCII text, [`Error::Parameter`] for a
    /// mask over 7, [`Error::Length`] for a text that does not fit version
    /// 15 at ECC M.
    pub fn qr_matrix<'a>(
        text: &[u8],
        mask: Option<u8>,
        bufs: &'a mut QrBuffers,
    ) -> Result<QrMatrix<'a>, Error> {
        let mask = match mask {
            None => None,
            Some(m @ 0..=7) => Some(Mask::new(m)),
            Some(_) => {
                return Err(Error::Parameter {
                    what: "QR mask must be 0..=7",
                });
            }
        };
        let too_long = Error::Length {
            field: "QR text",
            expected: "at most 344 bytes (QR version 15, ECC M)",
            got: text.len(),
        };
        if text.len() > 344 {
            return Err(too_long);
        }
        if !text.is_ascii() {
            return Err(Error::Malformed {
                what: "QR text must be ASCII",
            });
        }
        let s = core::str::from_utf8(text).map_err(|_| Error::Malformed {
            what: "QR text must be ASCII",
        })?;
        QrCode::encode_text(
            s,
            &mut bufs.temp,
            &mut bufs.out,
            QrCodeEcc::Medium,
            Version::MIN,
            Version::new(QR_MAX_VERSION),
            mask,
            true,
        )
        .map(|code| QrMatrix { code })
        .map_err(|_| too_long)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndef_short_and_long_headers() {
        let mut out = [0u8; 400];
        let r = ndef_record(b"t:x", b"ab", &mut out).unwrap();
        assert_eq!(r, b"\xD4\x03\x02t:xab");
        let big = [b'A'; 300];
        let r = ndef_record(b"t:x", &big, &mut out).unwrap();
        assert_eq!(&r[..9], b"\xC4\x03\x00\x00\x01\x2Ct:x");
        assert_eq!(r.len(), ndef_len(3, 300));
        assert!(ndef_record(b"t:x", &big, &mut [0u8; 100]).is_err());
        assert!(ndef_record(&[b'x'; 256], b"", &mut out).is_err());
    }

    #[cfg(feature = "qr")]
    #[test]
    fn qr_refusals() {
        let mut b = std::boxed::Box::new(QrBuffers::new());
        assert!(matches!(
            qr_matrix(b"123", Some(8), &mut b),
            Err(Error::Parameter { .. })
        ));
        assert!(matches!(
            qr_matrix("é".as_bytes(), None, &mut b),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            qr_matrix(&[b'a'; 345], None, &mut b),
            Err(Error::Length { .. })
        ));
        let m = qr_matrix(&[b'a'; 344], None, &mut b).unwrap();
        assert!(m.version() <= QR_MAX_VERSION);
        assert!(!m.module(200, 0));
    }
}
