//! FF1 (NIST SP 800-38G) format-preserving encryption over decimal digits,
//! constant time, no heap, no division.
//!
//! Numeral strings of 6 to 38 digits (6 is the Rev.1 draft's minimum domain
//! of 10^6; 38 is the largest n with 10^n ≤ 2^128), tweaks of 0 to 256 bytes,
//! AES-128/192/256.
//!
//! # Why this is constant time
//! FF1 splits n digits into halves of u = ⌊n/2⌋ and v = n − u ≤ 19 digits, so
//! every half fits a `u64` (10^19 < 2^64). The lengths n, u, v, b, d and the
//! tweak length are public; digits, key, tweak-independent round values are
//! secret. So:
//! * NUM(X) is Horner's rule with a multiply by the constant 10;
//! * `y mod 10^m` is Horner over the 32-bit limbs of S (d is a multiple of
//!   4), `r ← (r·2^32 + limb) mod 10^m`, each step a Barrett reduction with
//!   a reciprocal computed at compile time (one 64×64→128 multiply, no
//!   division) and two masked conditional subtractions;
//! * `(NUM(A) ± y) mod 10^m` is one masked conditional subtraction;
//! * STR^m(c) takes each digit by masked conditional subtraction of 8, 4, 2
//!   and 1 times 10^j.
//!
//! No `/` or `%` touches a secret (the Cortex-M4 divider is
//! early-terminating; u64/u128 division is a variable-time library loop), no
//! table is indexed by a secret, and no branch depends on one. AES comes from
//! the `aes` crate (fixsliced on Cortex-M, AES-NI on servers).
//!
//! The PRF input `P ‖ T ‖ pad` is the same in all ten rounds: its CBC-MAC
//! chaining value is computed once, so each round costs one AES block.

use zeroize::Zeroize;

use super::DpanRangeKey;
use crate::cipher::{AesKey, BlockKey};
use crate::{Error, ct};

/// Fewest digits FF1 accepts here (domain ≥ 10^6).
pub const MIN_DIGITS: usize = 6;
/// Most digits accepted (10^38 ≤ 2^128 < 10^39).
pub const MAX_DIGITS: usize = 38;
/// Longest tweak accepted, in bytes (SP 800-38G lets the implementation choose).
pub const MAX_TWEAK: usize = 256;

/// 10^0 ..= 10^19.
const POW10: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
];

// Comparisons of secret values go through `ct::lt_u64` / `ct::lt_u128`
// (operands hidden from the optimiser, not only the result: on Cortex-M0+
// LLVM turned the old `lt128` into `subs/sbcs; bhs` in every round, issue 20).
use crate::ct::{lt_u32, lt_u64, lt_u128};

/// 10^m with its Barrett reciprocal.
#[derive(Clone, Copy)]
struct Modulus {
    /// 10^m.
    p: u64,
    /// ⌊2^(L+32) / p⌋ where L is the bit length of p; below 2^33.
    mu: u64,
    /// L − 1.
    shift: u32,
}

// Only ever evaluated at compile time (for `MODULI`): an index out of range
// would be a compile error, never a runtime panic.
#[allow(clippy::indexing_slicing)]
const fn modulus(m: usize) -> Modulus {
    let p = POW10[m];
    let bits = 64 - p.leading_zeros();
    Modulus {
        p,
        // Evaluated by the compiler (a `const` table): no runtime division.
        mu: ((1u128 << (bits + 32)) / p as u128) as u64,
        shift: bits - 1,
    }
}

/// 10^0 ..= 10^19 with their reciprocals, built at compile time.
#[allow(clippy::indexing_slicing)] // const evaluation, as above
const MODULI: [Modulus; 20] = {
    let mut t = [Modulus {
        p: 1,
        mu: 0,
        shift: 0,
    }; 20];
    let mut m = 0;
    while m < 20 {
        t[m] = modulus(m);
        m += 1;
    }
    t
};

/// `x − m` if `x ≥ m`, else `x`; `x`, `m` < 2^127, either may be secret.
#[inline(always)]
fn csub(x: u128, m: u128) -> u128 {
    // Through ct::lt_u128: inline, LLVM recognises "subtract if greater" and
    // emits a cmov/branch on the secret (ctgrind caught exactly that in FF1).
    let borrow = lt_u128(x, m);
    x.wrapping_sub(m & borrow.wrapping_sub(1))
}

/// `t mod p` for `t < 2^32 · p`, constant time.
///
/// Barrett with k = L: `hi = t >> (L−1) < 2^33`, `q = (hi·mu) >> 33`. Then
/// `⌊t/p⌋ − 2 ≤ q ≤ ⌊t/p⌋` (Menezes et al., HAC 14.42), so `t − q·p < 3p`
/// and two conditional subtractions finish. `tests::barrett_matches_division`
/// checks it against `%` for every modulus at the edges and at random.
#[inline(always)]
fn reduce(t: u128, md: Modulus) -> u64 {
    let hi = (t >> md.shift) as u64;
    let q = (u128::from(hi) * u128::from(md.mu)) >> 33;
    let p = u128::from(md.p);
    let r = t.wrapping_sub(q * p);
    csub(csub(r, p), p) as u64
}

/// 10^m for m ≤ 9 (below 2^30) with its reciprocal for 16-bit steps: the
/// reduction of the round function's output for the half-lengths of a DPAN
/// (and any FF1 string of up to 19 digits) in 32-bit arithmetic, where a
/// `u128` Barrett step is several multi-word multiplications on Cortex-M
/// (issue 17, the FF1 row).
#[derive(Clone, Copy)]
struct Modulus16 {
    /// 10^m.
    p: u32,
    /// ⌊2^(L+18) / p⌋ where L is the bit length of p; below 2^19.
    mu: u32,
    /// L − 4 (0 for m = 0, which FF1 never uses: u ≥ 3).
    shift: u32,
}

/// Largest m with a [`Modulus16`]: 10^9 < 2^30.
const MAX_M16: usize = 9;

// Compile-time only (for `MODULI16`), like `modulus`.
#[allow(clippy::indexing_slicing)]
const fn modulus16(m: usize) -> Modulus16 {
    let p = POW10[m];
    let bits = 64 - p.leading_zeros();
    Modulus16 {
        p: p as u32,
        // Evaluated by the compiler (a `const` table): no runtime division.
        mu: ((1u64 << (bits + 18)) / p) as u32,
        shift: bits.saturating_sub(4),
    }
}

#[allow(clippy::indexing_slicing)] // const evaluation, as above
const MODULI16: [Modulus16; MAX_M16 + 1] = {
    let mut t = [Modulus16 {
        p: 1,
        mu: 0,
        shift: 0,
    }; MAX_M16 + 1];
    let mut m = 0;
    while m <= MAX_M16 {
        t[m] = modulus16(m);
        m += 1;
    }
    t
};

/// `(acc · 2^16 + c) mod p` for `acc < p < 2^30`, `c < 2^16`, constant time.
///
/// Barrett (HAC 14.42) with more precision than [`reduce`], so that one
/// conditional subtraction finishes: `t = acc·2^16 + c < 2^16·p`,
/// `hi = ⌊t / 2^(L−4)⌋ < 2^20`, `q = ⌊hi·mu / 2^22⌋`. Then `q ≤ ⌊t/p⌋` and
/// `hi·mu / 2^22 > t/p − t/2^(L+18) − 2^(L−4)/p > t/p − 1/4 − 1/8`, so
/// `q ≥ ⌊t/p⌋ − 1` and `t − q·p < 2p < 2^31`. Every product is of two
/// values below 2^32 (one `UMULL` on Cortex-M3/M4/M33).
/// `tests::barrett16_matches_division` checks it against `%` for every
/// modulus at the edges and at random.
#[inline(always)]
fn reduce16(acc: u32, c: u32, md: Modulus16) -> u32 {
    let t = (u64::from(acc) << 16) | u64::from(c & 0xFFFF);
    let hi = (t >> md.shift) as u32;
    let q = ((u64::from(hi) * u64::from(md.mu)) >> 22) as u32;
    let r = t.wrapping_sub(u64::from(q) * u64::from(md.p)) as u32;
    // Through ct::lt_u32, as csub goes through lt_u128.
    r.wrapping_sub(md.p & lt_u32(r, md.p).wrapping_sub(1))
}

/// An FF1 instance: an expanded AES key.
pub struct Ff1 {
    aes: AesKey,
}

// The expanded key is an `aes` crate schedule, which wipes itself on drop.
impl zeroize::ZeroizeOnDrop for Ff1 {}

impl core::fmt::Debug for Ff1 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Ff1 { .. }")
    }
}

/// Per-length-and-tweak constants: lengths and the PRF prefix state. The
/// state is the CBC-MAC of public bytes under the key (a known
/// plaintext/ciphertext pair, not a secret as such); it is wiped anyway, like
/// everything key-derived.
///
/// It depends only on the key, the digit count and the tweak, so a caller
/// that encrypts many strings of one length under one tweak (a DPAN range)
/// builds it once with [`Ff1::prepare`] and saves the AES block of `P` (and
/// of any full tweak blocks) at every call.
pub(crate) struct Setup {
    n: usize,
    u: usize,
    v: usize,
    b: usize,
    d: usize,
    /// CBC-MAC chaining value after P and all but the last block of Q.
    prefix_state: [u8; 16],
    /// The bytes of Q's last block that precede `[i] ‖ NUM(X)`.
    last_head: [u8; 16],
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.prefix_state.zeroize();
        self.last_head.zeroize();
    }
}

impl core::fmt::Debug for Setup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Setup")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl Ff1 {
    /// Expands the AES key.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] unless the key is AES.
    pub fn new(key: &DpanRangeKey) -> Result<Self, Error> {
        Self::from_material(&key.0)
    }

    /// From any AES key material (other FF1 roles: the payment-code alias key).
    pub(crate) fn from_material(key: &crate::keys::KeyMaterial) -> Result<Self, Error> {
        match key.block_key() {
            BlockKey::Aes(aes) => Ok(Ff1 { aes }),
            #[cfg(feature = "tdes")]
            BlockKey::Tdes(_) => Err(Error::KeyAlgorithm {
                operation: "FF1",
                needs: "AES",
            }),
        }
    }

    /// The constants of every call with `n` digits under `tweak`.
    ///
    /// # Errors
    /// As [`encrypt_digits`](Self::encrypt_digits) for `n` and the tweak.
    pub(crate) fn prepare(&self, n: usize, tweak: &[u8]) -> Result<Setup, Error> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&n) {
            return Err(Error::DigitCount {
                field: "FF1 numeral string",
                min: MIN_DIGITS,
                max: MAX_DIGITS,
                got: n,
            });
        }
        if tweak.len() > MAX_TWEAK {
            return Err(Error::Length {
                field: "FF1 tweak",
                expected: "0 to 256",
                got: tweak.len(),
            });
        }
        let u = n / 2;
        let v = n - u;
        // b = bytes of 10^v − 1; the table is SP 800-38G's ⌈⌈v·log2 10⌉/8⌉.
        let b: usize = [0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8]
            .get(v)
            .copied()
            .unwrap_or(8);
        let d = 4 * b.div_ceil(4) + 4;
        let t = tweak.len();
        // P = [1][2][1] [radix]^3 [10] [u mod 256] [n]^4 [t]^4.
        let mut p = [0u8; 16];
        p[..3].copy_from_slice(&[1, 2, 1]);
        p[5] = 10; // radix 10 as 3 bytes: 00 00 0A
        p[6] = 10; // rounds
        p[7] = u as u8;
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
        let mut state = p;
        self.aes.encrypt_block(&mut state);
        // Q = T ‖ 0^((−t−b−1) mod 16) ‖ [i] ‖ NUM^b; |Q| is a multiple of 16.
        let qlen = (t + b + 1).div_ceil(16) * 16;
        let fixed = qlen - b - 1; // T and the zero padding
        let mut last_head = [0u8; 16];
        let mut block = [0u8; 16];
        for blk in 0..qlen / 16 {
            block.fill(0);
            for (j, o) in block.iter_mut().enumerate() {
                let pos = blk * 16 + j;
                if pos < fixed {
                    *o = tweak.get(pos).copied().unwrap_or(0);
                }
            }
            if blk + 1 == qlen / 16 {
                last_head = block;
            } else {
                for (s, x) in state.iter_mut().zip(block.iter()) {
                    *s ^= *x;
                }
                self.aes.encrypt_block(&mut state);
            }
        }
        Ok(Setup {
            n,
            u,
            v,
            b,
            d,
            prefix_state: state,
            last_head,
        })
    }

    /// The round function: `NUM(S) mod 10^m` for round `i` with input half `x`.
    fn round(&self, s: &Setup, i: u8, x: u64, m: usize) -> u64 {
        let mut last = s.last_head;
        let tail = 16 - s.b;
        if let Some(r) = last.get_mut(tail - 1) {
            *r = i;
        }
        let mut xb = x.to_be_bytes();
        if let (Some(dst), Some(src)) = (last.get_mut(tail..), xb.get(8 - s.b..)) {
            dst.copy_from_slice(src);
        }
        xb.zeroize();
        let mut r = s.prefix_state;
        for (a, q) in r.iter_mut().zip(last.iter()) {
            *a ^= *q;
        }
        self.aes.encrypt_block(&mut r);
        last.zeroize();
        // d ∈ {4, 8, 12} ≤ 16: S is a prefix of R, d/4 big-endian limbs.
        let mut acc: u64 = 0;
        // m is public (a length): the choice of arithmetic reveals nothing.
        if let Some(md) = MODULI16.get(m).copied() {
            let mut a: u32 = 0;
            for limb in r.chunks_exact(4).take(s.d / 4) {
                let l = u32::from_be_bytes(limb.try_into().unwrap_or([0; 4]));
                // a < 10^m throughout: reduce16's precondition.
                a = reduce16(a, l >> 16, md);
                a = reduce16(a, l, md);
            }
            acc = u64::from(a);
        } else {
            let md = MODULI.get(m).copied().unwrap_or(MODULI[1]);
            for limb in r.chunks_exact(4).take(s.d / 4) {
                let l = u32::from_be_bytes(limb.try_into().unwrap_or([0; 4]));
                // acc < 10^m, so acc·2^32 + l < 2^32·10^m: reduce's precondition.
                acc = reduce((u128::from(acc) << 32) | u128::from(l), md);
            }
        }
        r.zeroize();
        acc
    }

    /// Encrypts `digits` (values 0–9, one per byte) into `out` (same length).
    ///
    /// # Errors
    /// [`Error::DigitCount`] for fewer than 6 or more than 38 digits,
    /// [`Error::Length`] for a tweak over 256 bytes or an `out` of another
    /// length, [`Error::NotDigits`] for a value over 9.
    pub fn encrypt_digits(&self, tweak: &[u8], digits: &[u8], out: &mut [u8]) -> Result<(), Error> {
        self.crypt(tweak, digits, out, true)
    }

    /// Decrypts `digits` (values 0–9) into `out` (same length).
    ///
    /// # Errors
    /// As [`encrypt_digits`](Self::encrypt_digits).
    pub fn decrypt_digits(&self, tweak: &[u8], digits: &[u8], out: &mut [u8]) -> Result<(), Error> {
        self.crypt(tweak, digits, out, false)
    }

    /// Encrypts an ASCII digit string into `out` and returns it as `&str`.
    ///
    /// # Errors
    /// As [`encrypt_digits`](Self::encrypt_digits), plus
    /// [`Error::NotDigits`] for a non-digit character.
    pub fn encrypt_str<'o>(
        &self,
        tweak: &[u8],
        s: &str,
        out: &'o mut [u8],
    ) -> Result<&'o str, Error> {
        self.crypt_str(tweak, s, out, true)
    }

    /// Decrypts an ASCII digit string into `out` and returns it as `&str`.
    ///
    /// # Errors
    /// As [`encrypt_str`](Self::encrypt_str).
    pub fn decrypt_str<'o>(
        &self,
        tweak: &[u8],
        s: &str,
        out: &'o mut [u8],
    ) -> Result<&'o str, Error> {
        self.crypt_str(tweak, s, out, false)
    }

    fn crypt_str<'o>(
        &self,
        tweak: &[u8],
        s: &str,
        out: &'o mut [u8],
        enc: bool,
    ) -> Result<&'o str, Error> {
        let n = s.len();
        if n > MAX_DIGITS {
            return Err(Error::DigitCount {
                field: "FF1 numeral string",
                min: MIN_DIGITS,
                max: MAX_DIGITS,
                got: n,
            });
        }
        let mut d = [0u8; MAX_DIGITS];
        let dd = d.get_mut(..n).unwrap_or(&mut []);
        let r =
            crate::digits::parse_digits(s.as_bytes(), dd, "FF1 numeral string").and_then(|()| {
                let got = out.len();
                let o = out.get_mut(..n).ok_or(Error::Length {
                    field: "FF1 output buffer",
                    expected: "at least the input length",
                    got,
                })?;
                self.crypt(tweak, dd, o, enc)?;
                for x in o.iter_mut() {
                    *x |= 0x30;
                }
                Ok(())
            });
        d.zeroize();
        r?;
        Ok(core::str::from_utf8(out.get(..n).unwrap_or(&[])).unwrap_or(""))
    }

    fn crypt(&self, tweak: &[u8], x: &[u8], out: &mut [u8], enc: bool) -> Result<(), Error> {
        let s = self.prepare(x.len(), tweak)?;
        self.crypt_prepared(&s, x, out, enc)
    }

    /// Encrypts (`enc`) or decrypts `x` with constants from
    /// [`prepare`](Self::prepare) for `x.len()` digits under this key.
    ///
    /// # Errors
    /// [`Error::DigitCount`] if `x` is not the prepared length,
    /// [`Error::Length`] for an `out` of another length,
    /// [`Error::NotDigits`] for a value over 9.
    pub(crate) fn crypt_prepared(
        &self,
        s: &Setup,
        x: &[u8],
        out: &mut [u8],
        enc: bool,
    ) -> Result<(), Error> {
        if x.len() != s.n {
            return Err(Error::DigitCount {
                field: "FF1 numeral string",
                min: s.n,
                max: s.n,
                got: x.len(),
            });
        }
        if out.len() != s.n {
            return Err(Error::Length {
                field: "FF1 output buffer",
                expected: "the input length",
                got: out.len(),
            });
        }
        // Values over 9 are rejected without branching on each digit.
        let mut bad = 0u32;
        for d in x {
            bad |= 1 ^ lt_u32(u32::from(*d), 10);
        }
        if ct::public_verdict(subtle::ConstantTimeEq::ct_eq(&bad, &1)) {
            return Err(Error::NotDigits {
                field: "FF1 numeral string",
            });
        }
        // Checked split: s.u <= s.n == x.len() holds (`prepare`, and the
        // length check above), but LLVM cannot see it through `&Setup`.
        let Some((xa, xb)) = x.split_at_checked(s.u) else {
            return Err(Error::DigitCount {
                field: "FF1 numeral string",
                min: s.n,
                max: s.n,
                got: x.len(),
            });
        };
        let mut a = num(xa);
        let mut b = num(xb);
        let pow = |m: usize| POW10.get(m).copied().unwrap_or(1);
        if enc {
            for i in 0..10u8 {
                let m = if i % 2 == 0 { s.u } else { s.v };
                let mut y = self.round(s, i, b, m);
                let mut c = add_mod(a, y, pow(m));
                a = b;
                b = c;
                y.zeroize();
                c.zeroize();
            }
        } else {
            for i in (0..10u8).rev() {
                let m = if i % 2 == 0 { s.u } else { s.v };
                let mut y = self.round(s, i, a, m);
                let mut c = sub_mod(b, y, pow(m));
                b = a;
                a = c;
                y.zeroize();
                c.zeroize();
            }
        }
        // `split_at_mut_checked`, not `split_at_mut`: s.u <= s.n == out.len()
        // holds (setup), but at opt-level "s" LLVM does not see it through
        // `setup`, and the unchecked split kept a panic path in the firmware
        // (issue 17 item 3). Unreachable error, wiping like every exit.
        let Some((oa, ob)) = out.split_at_mut_checked(s.u) else {
            a.zeroize();
            b.zeroize();
            return Err(Error::Length {
                field: "FF1 output buffer",
                expected: "the input length",
                got: out.len(),
            });
        };
        crate::digits::decimal_digits(a, oa);
        crate::digits::decimal_digits(b, ob);
        a.zeroize();
        b.zeroize();
        Ok(())
    }
}

/// NUM_10 of up to 19 digit values.
fn num(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, x| {
        acc.wrapping_mul(10).wrapping_add(u64::from(*x))
    })
}

/// (a + y) mod p for a, y < p ≤ 10^19: one masked subtraction. For p < 2^31
/// the sum fits a u32, for p < 2^62 a u64 (the `lt_*` helpers take their
/// whole word); for 10^19 it is computed in u128 so it cannot wrap. Which one depends on p, a public
/// power of ten.
fn add_mod(a: u64, y: u64, p: u64) -> u64 {
    // A DPAN's halves (p ≤ 10^5) and every p up to 10^9 in 32-bit words.
    if p < 1 << 31 {
        let (a, y, p) = (a as u32, y as u32, p as u32);
        let s = a.wrapping_add(y);
        return u64::from(s.wrapping_sub(p & lt_u32(s, p).wrapping_sub(1)));
    }
    if p < 1 << 62 {
        let s = a.wrapping_add(y);
        return s.wrapping_sub(p & lt_u64(s, p).wrapping_sub(1));
    }
    let s = u128::from(a) + u128::from(y);
    let p = u128::from(p);
    let keep = lt_u128(s, p);
    s.wrapping_sub(p & keep.wrapping_sub(1)) as u64
}

/// (b − y) mod p for b, y < p: b + p − y, then one masked subtraction.
fn sub_mod(b: u64, y: u64, p: u64) -> u64 {
    add_mod(b, p - y, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 16-bit Barrett step against `%` (test code only) for every
    /// modulus up to 10^9, at the edges of its domain (acc < p, c < 2^16)
    /// and at pseudo-random points.
    #[test]
    fn barrett16_matches_division() {
        let mut x: u64 = 0xD1B5_4A32_D192_ED03;
        for (m, md) in MODULI16.iter().enumerate().skip(1) {
            let p = u64::from(md.p);
            assert_eq!(p, POW10[m]);
            let check = |acc: u64, c: u64| {
                let want = ((acc << 16) | c) % p;
                let got = reduce16(acc as u32, c as u32, *md);
                assert_eq!(u64::from(got), want, "acc={acc} c={c} p={p}");
            };
            for acc in [0, 1, p / 2, p - 2, p - 1] {
                for c in [0, 1, 0x7FFF, 0xFFFE, 0xFFFF] {
                    check(acc, c);
                }
            }
            for _ in 0..20_000 {
                // xorshift64*
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
                check((r >> 16) % p, r & 0xFFFF);
            }
        }
    }

    /// add_mod and sub_mod against `%` on both sides of the u64/u128 split.
    #[test]
    fn add_sub_mod_match_division() {
        for &p in &POW10[1..] {
            for (a, y) in [
                (0, 0),
                (p - 1, p - 1),
                (p - 1, 1),
                (1, p - 1),
                (p / 2, p / 2 + 1),
            ] {
                let want = ((u128::from(a) + u128::from(y)) % u128::from(p)) as u64;
                assert_eq!(add_mod(a, y, p), want, "a={a} y={y} p={p}");
                let want = ((u128::from(a) + u128::from(p) - u128::from(y)) % u128::from(p)) as u64;
                assert_eq!(sub_mod(a, y, p), want, "a={a} y={y} p={p}");
            }
        }
    }

    /// Barrett against `%` (test code only) for every modulus, at the edges
    /// of reduce's domain and at pseudo-random points.
    #[test]
    fn barrett_matches_division() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for md in MODULI.iter().skip(1) {
            let p = u128::from(md.p);
            let top = p << 32; // reduce needs t < 2^32·p
            let check = |t: u128| assert_eq!(u128::from(reduce(t, *md)), t % p, "t={t} p={p}");
            for t in [
                0,
                1,
                p - 1,
                p,
                p + 1,
                2 * p - 1,
                2 * p,
                3 * p - 1,
                top - p,
                top - 1,
            ] {
                check(t);
            }
            for _ in 0..20_000 {
                // xorshift64*
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                let a = u128::from(x.wrapping_mul(0x2545_F491_4F6C_DD1D));
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                let b = u128::from(x.wrapping_mul(0x2545_F491_4F6C_DD1D));
                check(((a << 64) | b) % top);
            }
        }
    }

    /// decimal_digits against `format!` (std, test code only) for every
    /// length on both sides of the 32/64-bit split, at the edges and at
    /// pseudo-random values.
    #[test]
    fn decimal_digits_match_format() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for m in 1..=19usize {
            let top = 10u128.pow(m as u32);
            let mut vals = std::vec![0u64, 1, (top - 1) as u64, (top / 2) as u64];
            for _ in 0..2_000 {
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                vals.push((u128::from(x.wrapping_mul(0x2545_F491_4F6C_DD1D)) % top) as u64);
            }
            for v in vals {
                let mut out = [0u8; 19];
                crate::digits::decimal_digits(v, &mut out[..m]);
                let want = std::format!("{v:0m$}");
                let got: std::string::String =
                    out[..m].iter().map(|d| char::from(b'0' + d)).collect();
                assert_eq!(got, want, "m={m}");
            }
        }
    }

    #[test]
    fn digit_helpers() {
        let mut out = [0u8; 19];
        crate::digits::decimal_digits(9_999_999_999_999_999_999, &mut out);
        assert_eq!(out, [9; 19]);
        crate::digits::decimal_digits(1_234_567_890_123_456_789, &mut out);
        assert_eq!(num(&out), 1_234_567_890_123_456_789);
        let mut o6 = [0u8; 6];
        crate::digits::decimal_digits(42, &mut o6);
        assert_eq!(o6, [0, 0, 0, 0, 4, 2]);
        assert_eq!(add_mod(999_999, 1, 1_000_000), 0);
        assert_eq!(sub_mod(0, 1, 1_000_000), 999_999);
        assert_eq!(sub_mod(5, 0, 1_000_000), 5);
        for (a, b) in [
            (0u64, 1u64),
            (1, 0),
            (u64::MAX, 0),
            (0, u64::MAX),
            (1 << 63, 1 << 62),
            (7, 7),
        ] {
            assert_eq!(lt_u64(a, b), u64::from(a < b), "{a} {b}");
        }
    }
}
