//! Base64 (RFC 4648 §4, standard alphabet, `=` padding), constant time in
//! the data, no heap: what the EMV CPM payload's QR text is.
//!
//! The payload carries a DPAN and a cryptogram, so neither direction may
//! index a table with the data: each 6-bit value is mapped to its character
//! (and back) by range masks, the way `ct::hex_nibble` decodes hex. Lengths
//! and the padding layout are public (they follow from the length).
//!
//! Decoding is strict: the length is a multiple of 4, `=` appears only as
//! the last one or two characters, no whitespace or URL-safe characters,
//! and the bits the padding leaves over must be zero (one text per payload).
//! Validity is decided once, after the whole text is read.
//!
//! Written here rather than taken from `base64ct` (RustCrypto's constant-time
//! crate): ~100 lines, one use, and no new dependency in the device build.

use crate::Error;
use crate::ct::{lt_u32, public_verdict};

/// Encoded length of `n` bytes.
#[must_use]
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The character for a 6-bit value (may be secret).
#[inline]
fn enc6(v: u32) -> u8 {
    let v = v & 0x3F;
    let upper = lt_u32(v, 26).wrapping_neg();
    let lower = (lt_u32(v, 52) & (1 ^ lt_u32(v, 26))).wrapping_neg();
    let digit = (lt_u32(v, 62) & (1 ^ lt_u32(v, 52))).wrapping_neg();
    let plus = (lt_u32(v, 63) & (1 ^ lt_u32(v, 62))).wrapping_neg();
    let slash = (1 ^ lt_u32(v, 63)).wrapping_neg();
    let c = (upper & (v + 0x41))
        | (lower & (v + 0x61 - 26))
        | (digit & (v + 0x30).wrapping_sub(52))
        | (plus & 0x2B)
        | (slash & 0x2F);
    c as u8
}

/// The 6-bit value of a character (may be secret) and an all-ones mask if it
/// is in the alphabet.
#[inline]
fn dec6(c: u8) -> (u32, u32) {
    let c = u32::from(c);
    let in_range = |lo: u32, hi: u32| ((1 ^ lt_u32(c, lo)) & lt_u32(c, hi + 1)).wrapping_neg();
    let upper = in_range(0x41, 0x5A);
    let lower = in_range(0x61, 0x7A);
    let digit = in_range(0x30, 0x39);
    let plus = in_range(0x2B, 0x2B);
    let slash = in_range(0x2F, 0x2F);
    let v = (upper & c.wrapping_sub(0x41))
        | (lower & c.wrapping_sub(0x61 - 26))
        | (digit & (c + 52).wrapping_sub(0x30))
        | (plus & 62)
        | (slash & 63);
    (v, upper | lower | digit | plus | slash)
}

/// Encodes `data` into `out` and returns the text.
///
/// # Errors
/// [`Error::Length`] if `out` is shorter than [`encoded_len`].
pub fn encode<'o>(data: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], Error> {
    let n = encoded_len(data.len());
    let got = out.len();
    let dst = out.get_mut(..n).ok_or(Error::Length {
        field: "base64 output buffer",
        expected: "at least 4 per 3 input bytes",
        got,
    })?;
    for (chunk, o) in data.chunks(3).zip(dst.chunks_exact_mut(4)) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let w = (b(0) << 16) | (b(1) << 8) | b(2);
        for (k, oc) in o.iter_mut().enumerate() {
            // Padding positions depend on the chunk length only (public).
            *oc = if k > chunk.len() {
                b'='
            } else {
                enc6(w >> (18 - 6 * k))
            };
        }
    }
    Ok(out.get(..n).unwrap_or(&[]))
}

/// Decodes `text` into `out` and returns the bytes.
///
/// # Errors
/// [`Error::Length`] for a text that is not a multiple of 4 characters or an
/// `out` too short; [`Error::Malformed`] for a character outside the
/// alphabet, misplaced padding or non-zero leftover bits.
pub fn decode<'o>(text: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], Error> {
    if !text.len().is_multiple_of(4) {
        return Err(Error::Length {
            field: "base64 text",
            expected: "a multiple of 4 characters",
            got: text.len(),
        });
    }
    // Padding count from the last two characters: '=' positions are part of
    // the public layout of the text.
    let pad = match text {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    let n = text.len() / 4 * 3 - pad;
    let got = out.len();
    let dst = out.get_mut(..n).ok_or(Error::Length {
        field: "base64 output buffer",
        expected: "at least 3 per 4 characters",
        got,
    })?;
    let body = text.len() - pad;
    let mut ok = u32::MAX;
    let mut last = 0u32;
    for (q, quad) in text.chunks_exact(4).enumerate() {
        let mut w = 0u32;
        for (k, &c) in quad.iter().enumerate() {
            let pos = q * 4 + k;
            let (v, valid) = if pos < body { dec6(c) } else { (0, u32::MAX) };
            ok &= valid;
            w = (w << 6) | v;
        }
        for (i, o) in (0..3).zip(dst.iter_mut().skip(q * 3)) {
            *o = (w >> (16 - 8 * i)) as u8;
        }
        last = w;
    }
    // Canonical: the bits below the last data byte must be zero.
    let leftover = match pad {
        2 => last & 0xFFFF,
        1 => last & 0xFF,
        _ => 0,
    };
    ok &= (leftover | leftover.wrapping_neg()) >> 31 ^ 1;
    ok &= 1;
    if public_verdict(subtle::Choice::from(ok as u8)) {
        Ok(out.get(..n).unwrap_or(&[]))
    } else {
        out.iter_mut().for_each(|b| *b = 0);
        Err(Error::Malformed {
            what: "base64: a character outside the alphabet, misplaced padding or non-zero leftover bits",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 §10 test vectors.
    const RFC: [(&[u8], &[u8]); 7] = [
        (b"", b""),
        (b"f", b"Zg=="),
        (b"fo", b"Zm8="),
        (b"foo", b"Zm9v"),
        (b"foob", b"Zm9vYg=="),
        (b"fooba", b"Zm9vYmE="),
        (b"foobar", b"Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors() {
        for (plain, text) in RFC {
            let mut o = [0u8; 16];
            assert_eq!(encode(plain, &mut o).unwrap(), text);
            let mut d = [0u8; 16];
            assert_eq!(decode(text, &mut d).unwrap(), plain);
        }
    }

    #[test]
    fn every_character_maps_both_ways() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (v, &c) in alphabet.iter().enumerate() {
            assert_eq!(enc6(v as u32), c);
            assert_eq!(dec6(c), (v as u32, u32::MAX));
        }
        for c in 0..=255u8 {
            if !alphabet.contains(&c) {
                assert_eq!(dec6(c).1, 0, "{c:#04x}");
            }
        }
    }

    #[test]
    fn strict_decoding() {
        let mut d = [0u8; 16];
        for bad in [
            &b"Zg="[..],
            b"Zg=A",
            b"Z===",
            b"Zh==", // leftover bits set
            b"Zm9=",
            b"Zm 9",
            b"Zm-_",
            b"=Zm9",
            b"Zm9v\n",
        ] {
            assert!(
                decode(bad, &mut d).is_err(),
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
        assert!(decode(b"Zm9vYmFy", &mut [0u8; 5]).is_err());
    }
}
