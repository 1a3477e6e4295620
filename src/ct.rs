//! The constant-time vocabulary.
//!
//! Every function here says which arguments may be secret. All of them run the
//! same instructions and touch the same addresses whatever the secret values
//! are: no branches, no table indices, no division. They build on `subtle`,
//! whose `Choice` carries an optimisation barrier.

use subtle::Choice;

/// The one place where a secret-derived bit becomes public: the verdict of a
/// verification, or whether a secret string parsed.
///
/// Everything else in the crate keeps secrets out of branches; this function
/// is where the crate *decides* to branch, on purpose, on a value that is
/// public by design. It is `#[inline(never)]` so the constant-time harness
/// (valgrind with secrets marked undefined, in the source repository) can
/// name it: a finding whose innermost frame is `ct::public_verdict` is this
/// documented declassification, anything else is a bug.
///
/// The branch is taken *here* and each arm returns its own opaque constant,
/// so the bool handed back carries no secret dependence for the caller.
#[inline(never)]
pub(crate) fn public_verdict(c: Choice) -> bool {
    use core::hint::black_box;
    if bool::from(black_box(c)) {
        black_box(true)
    } else {
        black_box(false)
    }
}

/// Declassifies a 16-bit value that is public by design although computed
/// from secrets (e.g. a key length read from an authenticated key block),
/// one bit at a time through [`public_verdict`], so the crate keeps a single
/// declassification point.
pub(crate) fn public_u16(x: u16) -> u16 {
    let mut v = 0u16;
    for i in 0..16 {
        if public_verdict(Choice::from(((x >> i) & 1) as u8)) {
            v |= 1 << i;
        }
    }
    v
}

/// Declassifies a 32-bit value that is public by design although computed
/// under a secret key (a payment code's account reference, which the backend
/// indexes its vault with), bit by bit through [`public_verdict`].
#[cfg(feature = "code")]
pub(crate) fn public_u32(x: u32) -> u32 {
    let mut v = 0u32;
    for i in 0..32 {
        if public_verdict(Choice::from(((x >> i) & 1) as u8)) {
            v |= 1 << i;
        }
    }
    v
}

/// Copies `min(dst.len(), src.len())` bytes. Callers pass equal lengths; the
/// point is that, unlike `copy_from_slice`, there is no panic path for the
/// optimiser to keep when it cannot prove that (the firmware's link-time
/// no-panic check would reject it).
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

// The comparison helpers. Every mask the crate derives from a comparison of
// secret values comes from one of these four functions, and each is written
// the same way (issue 20, SECURITY.md "Issue 13 fixes", item 14):
//
// * the *operands* go through `black_box` before any arithmetic: when LLVM
//   knows their ranges (a digit, a sum of two u64s zero-extended to u128) it
//   rewrites "sign bit of a − b" as `a < b` *before* any barrier on the
//   result, and on Cortex-M0+ (thumbv6m: no conditional execution, no
//   `it`) lowers that to `subs/sbcs; bhs`, a secret-dependent branch. FF1's
//   `lt128` did exactly this in every round (issue 20); on the M4 the same
//   code was a predicated `it lo; movlo` and looked fine;
// * the difference and the result go through `black_box` too, so neither the
//   shift nor the caller's use of the 0/1 result can be turned into a select;
// * they are `#[inline(never)]`, so each exists as one symbol in a firmware
//   image and `no_std-check/check-ct-branches.sh` can prove from the
//   disassembly that it contains no conditional branch, on every core.
//
// The price, measured on the Cortex-M0+ firmware (QEMU, instruction-exact;
// BENCHMARKS.md): FF1 DPAN 69,566 → 73,058 instructions (+5 %), FF1
// 10 digits 51,705 → 54,091 (+4.6 %): the calls, and u128 operands passing
// through memory for the barriers.

/// An all-ones byte mask if `x` (secret) is non-zero, otherwise zero.
#[inline(never)]
pub(crate) fn mask_nonzero_u8(x: u8) -> u8 {
    use core::hint::black_box;
    // (x | -x) has its top bit set exactly when x != 0.
    let x = black_box(u32::from(x));
    let t = black_box((x | x.wrapping_neg()) >> 31);
    black_box((t as u8).wrapping_neg())
}

/// `1` if `a < b`, else `0`, for `a`, `b` < 2^31. Both may be secret.
#[inline(never)]
pub(crate) fn lt_u32(a: u32, b: u32) -> u32 {
    use core::hint::black_box;
    let (a, b) = (black_box(a), black_box(b));
    // For values below 2^31 the subtraction's sign bit is the comparison.
    black_box(black_box(a.wrapping_sub(b)) >> 31)
}

/// `1` if `a < b`, else `0`, for any `u64`s. Both may be secret.
#[inline(never)]
pub(crate) fn lt_u64(a: u64, b: u64) -> u64 {
    use core::hint::black_box;
    let (a, b) = (black_box(a), black_box(b));
    let d = black_box(a.wrapping_sub(b));
    // The borrow of a − b, from the operands' and the difference's top bits
    // (Hacker's Delight 2-12), without a comparison instruction.
    black_box(((!a & b) | (!(a ^ b) & d)) >> 63)
}

/// `1` if `a < b`, else `0`, for `a`, `b` < 2^127. Both may be secret.
#[inline(never)]
pub(crate) fn lt_u128(a: u128, b: u128) -> u128 {
    use core::hint::black_box;
    let (a, b) = (black_box(a), black_box(b));
    // For values below 2^127 the subtraction's sign bit is the comparison.
    black_box(black_box(a.wrapping_sub(b)) >> 127)
}

/// Odd-parity adjust one key byte (secret): flip bit 0 when the popcount is even.
#[inline]
pub(crate) fn odd_parity_byte(b: u8) -> u8 {
    let mut p = b ^ (b >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    // p & 1 is the parity of b; flip bit 0 when it is 0 (even).
    b ^ (!p & 1)
}

/// Odd-parity adjust every byte of a key in place (secret).
pub(crate) fn odd_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        *b = odd_parity_byte(*b);
    }
}

/// Decimalisation as EMV Option B and the CVV algorithm do it: scan the
/// nibbles of `src` left to right keeping decimal ones (0–9) in order; if
/// fewer than `out.len()` were found, scan again taking the letters A–F as
/// 0–5. Writes `out.len()` digit values.
///
/// Branch-free: every nibble is compared with every output slot, and the
/// running count (secret) is only used in masks. `src` must be shorter than
/// 64 bytes (callers pass 20 and 8).
pub(crate) fn decimalise(src: &[u8], out: &mut [u8]) {
    out.fill(0);
    let mut count = 0u32;
    for pass in 0..2u32 {
        for byte in src {
            for nib in [byte >> 4, byte & 0x0F] {
                let x = u32::from(nib);
                let is_dec = lt_u32(x, 10);
                // Pass 0 takes decimal nibbles as they are; pass 1 takes
                // letters minus 10 (pass is public).
                let take = if pass == 0 { is_dec } else { 1 ^ is_dec };
                let value = x.wrapping_sub(pass * 10) as u8;
                for (j, o) in (0u32..).zip(out.iter_mut()) {
                    // count < 4 * src.len() < 256, so the byte cast is exact.
                    let differs = u32::from(mask_nonzero_u8((count ^ j) as u8) & 1);
                    let hit = take & (1 ^ differs);
                    // The mask goes through a barrier: LLVM knows `hit` is
                    // 0 or 1 and, on the Cortex-M0+ (no conditional move),
                    // turned the masked select into a `beq` (ct-trace,
                    // `vcps_msd_value`, issue 20).
                    let m = core::hint::black_box((hit as u8).wrapping_neg());
                    *o = (*o & !m) | (value & m);
                }
                count += take;
            }
        }
    }
}

/// Decode one hex character (may be secret) to its value. The returned flag is
/// `0xFF` when the character was a valid hex digit, `0` otherwise; the value is
/// meaningless when the flag is `0`.
#[inline]
pub(crate) fn hex_nibble(c: u8) -> (u8, u8) {
    let c = u32::from(c);
    // Ranges as masks: in [lo, hi] iff !(c < lo) & (c < hi + 1).
    let digit = (1 ^ lt_u32(c, 0x30)) & lt_u32(c, 0x3A);
    let upper = (1 ^ lt_u32(c, 0x41)) & lt_u32(c, 0x47);
    let lower = (1 ^ lt_u32(c, 0x61)) & lt_u32(c, 0x67);
    let md = digit.wrapping_neg();
    let mu = upper.wrapping_neg();
    let ml = lower.wrapping_neg();
    let v = (md & c.wrapping_sub(0x30))
        | (mu & c.wrapping_sub(0x41 - 10))
        | (ml & c.wrapping_sub(0x61 - 10));
    let ok = (digit | upper | lower).wrapping_neg() as u8;
    (v as u8, ok)
}

/// Decode a hex string (contents may be secret, length public) into `out`.
///
/// The whole string is always decoded; validity is decided once at the end, so
/// the time taken does not depend on where a bad character is.
pub(crate) fn hex_decode(hex: &[u8], out: &mut [u8]) -> Result<(), crate::Error> {
    if !hex.len().is_multiple_of(2) {
        return Err(crate::Error::OddHex { len: hex.len() });
    }
    if hex.len() / 2 != out.len() {
        return Err(crate::Error::Length {
            field: "hex value",
            expected: "the size of the target",
            got: hex.len() / 2,
        });
    }
    let mut ok = 0xFFu8;
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        if let [h, l] = *pair {
            let (hv, hok) = hex_nibble(h);
            let (lv, lok) = hex_nibble(l);
            *o = (hv << 4) | lv;
            ok &= hok & lok;
        }
    }
    if public_verdict(Choice::from(ok & 1)) {
        Ok(())
    } else {
        Err(crate::Error::NotHex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_matches_popcount_rule() {
        for b in 0..=255u8 {
            let want = if b.count_ones() % 2 == 0 { b ^ 1 } else { b };
            assert_eq!(odd_parity_byte(b), want, "byte {b:#04x}");
            assert_eq!(odd_parity_byte(b).count_ones() % 2, 1);
        }
    }

    #[test]
    fn hex_nibble_all_bytes() {
        for c in 0..=255u8 {
            let (v, ok) = hex_nibble(c);
            let want = (c as char).to_digit(16);
            match want {
                Some(d) => {
                    assert_eq!(ok, 0xFF);
                    assert_eq!(u32::from(v), d);
                }
                None => assert_eq!(ok, 0),
            }
        }
    }

    #[test]
    fn hex_decode_errors() {
        let mut out = [0u8; 2];
        assert_eq!(
            hex_decode(b"abc", &mut out),
            Err(crate::Error::OddHex { len: 3 })
        );
        assert_eq!(hex_decode(b"0g12", &mut out), Err(crate::Error::NotHex));
        assert!(hex_decode(b"00", &mut out).is_err());
        hex_decode(b"0aFf", &mut out).unwrap();
        assert_eq!(out, [0x0A, 0xFF]);
    }

    #[test]
    fn nonzero_mask_and_lt() {
        assert_eq!(mask_nonzero_u8(0), 0);
        for x in 1..=255u8 {
            assert_eq!(mask_nonzero_u8(x), 0xFF);
        }
        assert_eq!(lt_u32(3, 4), 1);
        assert_eq!(lt_u32(4, 4), 0);
        assert_eq!(lt_u32(5, 4), 0);
        let edges64 = [
            0,
            1,
            9,
            10,
            11,
            u64::MAX / 2,
            u64::MAX / 2 + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for a in edges64 {
            for b in edges64 {
                assert_eq!(lt_u64(a, b), u64::from(a < b), "{a} {b}");
            }
        }
        let top = u128::MAX >> 1;
        let edges128 = [
            0,
            1,
            9,
            10,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            top - 1,
            top,
        ];
        for a in edges128 {
            for b in edges128 {
                assert_eq!(lt_u128(a, b), u128::from(a < b), "{a} {b}");
            }
        }
    }
}
