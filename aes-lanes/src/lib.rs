//! Eight AES-128 encryptions under eight independent keys at once, with the
//! x86-64 AES instructions (AES-NI): the multi-key primitive of tapcrypt's
//! batch verification (issue 16).
//!
//! tapcrypt itself is `#![forbid(unsafe_code)]`. Its default batch path
//! advances eight items by one round per call through the `aes` crate's
//! safe `hazmat::cipher_round_par`, with a key schedule of its own; that
//! path loads and stores the eight states and eight round keys around
//! every round and its schedule costs more than the rounds. This crate
//! keeps the eight states in registers for all ten rounds and expands the
//! eight keys with AES-NI too (one `AESENCLAST` per round key); that needs
//! the `core::arch` intrinsics, which need `unsafe`. It is used only through tapcrypt's
//! non-default `batch-aesni` feature; without it, and on a CPU without
//! AES-NI ([`AesNi::detect`] returns `None`), tapcrypt takes the safe path.
//!
//! # Why `unsafe`, and where
//!
//! The crate denies `unsafe_code` except in the private module `ni`, whose
//! `unsafe` is of exactly two kinds, each block carrying a `// SAFETY:`
//! comment:
//!
//! 1. **Calling a `#[target_feature(enable = "aes,sse2,ssse3")]` function** from
//!    code compiled without that feature. Sound only if the CPU executes
//!    AES-NI; the public methods take an [`AesNi`] value, which only
//!    [`AesNi::detect`] creates, and only after the `cpufeatures` crate
//!    (the detection the `aes` crate itself uses; CPUID, cached, `no_std`)
//!    reported the `aes` and `ssse3` features (every CPU with AES-NI has
//!    SSSE3; `sse2` is part of the x86-64 baseline).
//! 2. **Unaligned 16-byte loads and stores** (`_mm_loadu_si128`,
//!    `_mm_storeu_si128`) from and to `&[u8; 16]` / `&mut [u8; 16]`: the
//!    references guarantee 16 valid, initialised bytes and the intrinsics
//!    accept any alignment.
//!
//! Everything else (the AES and shuffle intrinsics) is safe inside a
//! `#[target_feature]` function on this toolchain (Rust ≥ 1.87).
//!
//! # Constant time
//!
//! `AESENC` and `AESENCLAST` run in a fixed number of
//! cycles whatever their operands (no table, no secret-dependent branch or
//! memory index); the code around them has no branch and no index that
//! depends on a key or a block: every call does the same operations on all
//! eight lanes. tapcrypt's ctgrind harness (`ctgrind/`, case
//! `aes_lanes_x8`, and `batch_verify` built with `batch-aesni`) runs this
//! crate under valgrind memcheck with the keys and blocks marked undefined.
//!
//! # Secrets
//!
//! [`Schedules`] holds eight expanded keys: it is not `Copy` or `Clone`, its
//! `Debug` prints no key material, and it is zeroed when dropped. Round keys
//! and states that the compiler keeps in registers or spills to the stack
//! are not wiped (as in the `aes` crate).
//!
//! # Testing
//!
//! Known answers (FIPS-197 Appendix A.1 key expansion and C.1, SP 800-38A
//! F.1.1 ECB-AES128) and a differential test against the `aes` crate on
//! pseudo-random keys and blocks, eight lanes each under its own key.
//! Miri (nightly 2026-05-19) interprets every intrinsic this crate uses
//! (`aesenc`, `aesenclast`, SSSE3's `pshufb` and the SSE2 loads, stores
//! and shifts; it does not implement `aeskeygenassist`, one more reason the
//! key schedule does without it). Under Miri the `cpufeatures` detection
//! answers only from the compile-time target features, so the AES-NI path
//! runs under Miri only when built with `-C target-feature=+aes,+ssse3` (and the
//! `aes` crate, the tests' oracle, on its soft backend, since Miri cannot
//! run its AES-NI key expansion; `README.md` has the command). Without the
//! flag Miri checks that [`AesNi::detect`] declines.
//!
//! Only x86-64 has an implementation; elsewhere [`AesNi::detect`] returns
//! `None` (an ARMv8 `vaeseq_u8`/`vaesmcq_u8` version is the next step).

#![no_std]

/// Lanes per call.
pub const LANES: usize = 8;

/// One AES block, or one AES-128 key.
pub type Block = [u8; 16];

/// AES rounds of AES-128.
const ROUNDS: usize = 10;

/// Eight expanded AES-128 encryption key schedules: round key `r` of lane
/// `l` is `rk[r][l]`. Zeroed when dropped; `Debug` shows no key material.
pub struct Schedules {
    rk: [[Block; LANES]; ROUNDS + 1],
}

impl Schedules {
    /// All-zero schedules, to be filled by [`AesNi::expand`].
    pub const fn new() -> Self {
        Schedules {
            rk: [[[0; 16]; LANES]; ROUNDS + 1],
        }
    }
}

impl Default for Schedules {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Schedules {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Schedules").finish_non_exhaustive()
    }
}

impl Drop for Schedules {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.rk);
    }
}

impl zeroize::ZeroizeOnDrop for Schedules {}

/// Proof that this CPU executes the AES instructions. Only
/// [`AesNi::detect`] makes one, so holding one is what makes the methods
/// sound; it is small and `Copy` so a batch can keep it.
#[derive(Clone, Copy, Debug)]
pub struct AesNi {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_aes, "aes", "sse2", "ssse3");

impl AesNi {
    /// `Some` if the CPU has AES-NI (detected once at run time and cached),
    /// `None` otherwise and on every architecture but x86-64: the caller
    /// then takes its safe path.
    pub fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if cpuid_aes::get() {
            return Some(AesNi { _detected: () });
        }
        None
    }

    /// Expands eight AES-128 keys (FIPS-197 §5.2) into `out`.
    pub fn expand(self, keys: &[Block; LANES], out: &mut Schedules) {
        #[cfg(target_arch = "x86_64")]
        ni::expand(self, keys, &mut out.rk);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (keys, out);
    }

    /// Encrypts `blocks[l]` under schedule `l`, for the eight lanes.
    pub fn encrypt(self, sched: &Schedules, blocks: &mut [Block; LANES]) {
        #[cfg(target_arch = "x86_64")]
        ni::encrypt(self, &sched.rk, blocks);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (sched, blocks);
    }

    /// Encrypts `blocks[l]` under `keys[l]`, expanding the keys round by
    /// round as it goes: no schedule is stored (for a key used once).
    pub fn encrypt_with_keys(self, keys: &[Block; LANES], blocks: &mut [Block; LANES]) {
        #[cfg(target_arch = "x86_64")]
        ni::encrypt_with_keys(self, keys, blocks, None);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (keys, blocks);
    }

    /// [`expand`](Self::expand) and [`encrypt`](Self::encrypt) in one pass:
    /// encrypts `blocks[l]` under `keys[l]` and keeps the schedules in
    /// `out` for later blocks.
    pub fn expand_encrypt(
        self,
        keys: &[Block; LANES],
        blocks: &mut [Block; LANES],
        out: &mut Schedules,
    ) {
        #[cfg(target_arch = "x86_64")]
        ni::encrypt_with_keys(self, keys, blocks, Some(&mut out.rk));
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (keys, blocks, out);
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod ni {
    //! The AES-NI code. Every `unsafe` block is one of the two kinds the
    //! crate documentation lists.

    use super::{AesNi, Block, LANES, ROUNDS};
    use core::arch::x86_64::{
        __m128i, _mm_aesenc_si128, _mm_aesenclast_si128, _mm_loadu_si128, _mm_set1_epi32,
        _mm_setr_epi8, _mm_shuffle_epi8, _mm_slli_si128, _mm_storeu_si128, _mm_xor_si128,
    };

    type Rk = [[Block; LANES]; ROUNDS + 1];

    #[inline(always)]
    fn load(b: &Block) -> __m128i {
        // SAFETY: `b` is 16 valid, initialised bytes; `_mm_loadu_si128`
        // has no alignment requirement; SSE2 is in the x86-64 baseline.
        unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store(b: &mut Block, v: __m128i) {
        // SAFETY: `b` is 16 valid, writable bytes; `_mm_storeu_si128` has
        // no alignment requirement; SSE2 is in the x86-64 baseline.
        unsafe { _mm_storeu_si128(b.as_mut_ptr().cast(), v) }
    }

    #[inline(always)]
    fn load8(b: &[Block; LANES]) -> [__m128i; LANES] {
        b.each_ref().map(load)
    }

    #[inline(always)]
    fn store8(b: &mut [Block; LANES], v: &[__m128i; LANES]) {
        for (d, s) in b.iter_mut().zip(v.iter()) {
            store(d, *s);
        }
    }

    /// The next round key from the previous one `k` (FIPS-197 §5.2:
    /// `w'0 = w0 ⊕ SubWord(RotWord(w3)) ⊕ rcon`, `w'i = wi ⊕ w'(i-1)`).
    ///
    /// `SubWord(RotWord(w3))` is one `AESENCLAST` on `RotWord(w3)` copied
    /// into all four columns (one `PSHUFB` does the rotation and the copies):
    /// every row then holds one byte four times, so ShiftRows changes
    /// nothing and the result is `SubWord(RotWord(w3)) ⊕ rcon` in every
    /// column when the round key is `rcon` in every word. Then
    /// `w'i = w0 ⊕ … ⊕ wi ⊕ that`: the prefix XOR in two shift-and-XOR steps
    /// (by one word, then two). Seven micro-ops a round key; the eight
    /// interleaved expansions are bound by micro-ops, not by the
    /// `AESENCLAST` latency (BENCHMARKS.md: the SSE2-only form, broadcast
    /// with `PSHUFD` and rotated after with two shifts and an OR, took ten).
    /// Used instead of `AESKEYGENASSIST` because Miri implements
    /// `aesenclast` and `pshufb` but not `aeskeygenassist`, so the whole
    /// path runs under Miri as it runs on hardware.
    #[target_feature(enable = "aes,sse2,ssse3")]
    fn next_key(k: __m128i, rcon: i32) -> __m128i {
        // Bytes 13, 14, 15, 12 of the key (RotWord(w3)) into every word.
        let rot_w3 = _mm_setr_epi8(
            13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12,
        );
        let t = _mm_aesenclast_si128(_mm_shuffle_epi8(k, rot_w3), _mm_set1_epi32(rcon));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<8>(k));
        _mm_xor_si128(k, t)
    }

    /// AES-128 round constants (FIPS-197 §5.2).
    const RCON: [i32; ROUNDS] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36];

    /// Round keys 1..=10 of eight lanes, one round at a time: `each(r,
    /// &keys)` runs after round key `r` of every lane is in `keys`.
    #[target_feature(enable = "aes,sse2,ssse3")]
    #[inline]
    fn schedule(k: &mut [__m128i; LANES], mut each: impl FnMut(usize, &[__m128i; LANES])) {
        for (r, &rcon) in RCON.iter().enumerate() {
            for k in k.iter_mut() {
                *k = next_key(*k, rcon);
            }
            each(r + 1, k);
        }
    }

    #[target_feature(enable = "aes,sse2,ssse3")]
    fn expand_ni(keys: &[Block; LANES], out: &mut Rk) {
        let mut k = load8(keys);
        let [first, rest @ ..] = out;
        store8(first, &k);
        let put = |r: usize, k: &[__m128i; LANES]| {
            if let Some(o) = rest.get_mut(r - 1) {
                store8(o, k);
            }
        };
        schedule(&mut k, put);
    }

    #[target_feature(enable = "aes,sse2,ssse3")]
    fn encrypt_ni(rk: &Rk, blocks: &mut [Block; LANES]) {
        let [first, inner @ .., last] = rk;
        let mut x = load8(blocks);
        for (x, k) in x.iter_mut().zip(first.iter()) {
            *x = _mm_xor_si128(*x, load(k));
        }
        for round in inner {
            for (x, k) in x.iter_mut().zip(round.iter()) {
                *x = _mm_aesenc_si128(*x, load(k));
            }
        }
        for (x, k) in x.iter_mut().zip(last.iter()) {
            *x = _mm_aesenclast_si128(*x, load(k));
        }
        store8(blocks, &x);
    }

    #[target_feature(enable = "aes,sse2,ssse3")]
    fn encrypt_with_keys_ni(
        keys: &[Block; LANES],
        blocks: &mut [Block; LANES],
        mut out: Option<&mut Rk>,
    ) {
        let mut k = load8(keys);
        let mut x = load8(blocks);
        for (x, k) in x.iter_mut().zip(k.iter()) {
            *x = _mm_xor_si128(*x, *k);
        }
        if let Some(o) = out.as_deref_mut().and_then(|o| o.first_mut()) {
            store8(o, &k);
        }
        // Whether to store is public (which method was called).
        let round = |r: usize, k: &[__m128i; LANES]| {
            for (x, k) in x.iter_mut().zip(k.iter()) {
                *x = if r == ROUNDS {
                    _mm_aesenclast_si128(*x, *k)
                } else {
                    _mm_aesenc_si128(*x, *k)
                };
            }
            if let Some(o) = out.as_deref_mut().and_then(|o| o.get_mut(r)) {
                store8(o, k);
            }
        };
        schedule(&mut k, round);
        store8(blocks, &x);
    }

    pub(super) fn expand(_: AesNi, keys: &[Block; LANES], out: &mut Rk) {
        // SAFETY: an `AesNi` exists only if `cpufeatures` detected AES-NI
        // and SSSE3 (and SSE2) on this CPU, so the `aes,sse2,ssse3` target
        // features hold.
        unsafe { expand_ni(keys, out) }
    }

    pub(super) fn encrypt(_: AesNi, rk: &Rk, blocks: &mut [Block; LANES]) {
        // SAFETY: as in `expand`: the `AesNi` proves the CPU has AES-NI.
        unsafe { encrypt_ni(rk, blocks) }
    }

    pub(super) fn encrypt_with_keys(
        _: AesNi,
        keys: &[Block; LANES],
        blocks: &mut [Block; LANES],
        out: Option<&mut Rk>,
    ) {
        // SAFETY: as in `expand`: the `AesNi` proves the CPU has AES-NI.
        unsafe { encrypt_with_keys_ni(keys, blocks, out) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn h16(s: &str) -> Block {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    /// FIPS-197 Appendix A.1: the round keys of 2b7e1516 28aed2a6 abf71588
    /// 09cf4f3c, in every lane.
    #[test]
    fn key_expansion_fips197_a1() {
        let Some(ni) = AesNi::detect() else {
            return;
        };
        let keys = [h16("2b7e151628aed2a6abf7158809cf4f3c"); LANES];
        let mut s = Schedules::new();
        ni.expand(&keys, &mut s);
        let want = [
            (0, "2b7e151628aed2a6abf7158809cf4f3c"),
            (1, "a0fafe1788542cb123a339392a6c7605"),
            (2, "f2c295f27a96b9435935807a7359f67f"),
            (3, "3d80477d4716fe3e1e237e446d7a883b"),
            (9, "ac7766f319fadc2128d12941575c006e"),
            (10, "d014f9a8c9ee2589e13f0cc8b6630ca6"),
        ];
        for (r, hex) in want {
            assert_eq!(s.rk[r], [h16(hex); LANES], "round {r}");
        }
        // The fused form stores the same schedule.
        let mut s2 = Schedules::new();
        let mut b = [[0u8; 16]; LANES];
        ni.expand_encrypt(&keys, &mut b, &mut s2);
        assert_eq!(s.rk, s2.rk);
    }

    #[test]
    fn debug_shows_no_key() {
        use core::fmt::Write;
        struct S(usize, [u8; 64]);
        impl Write for S {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                let e = self.0 + s.len();
                self.1
                    .get_mut(self.0..e)
                    .ok_or(core::fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.0 = e;
                Ok(())
            }
        }
        let mut w = S(0, [0; 64]);
        write!(w, "{:?}", Schedules::new()).unwrap();
        assert_eq!(&w.1[..w.0], b"Schedules { .. }");
    }
}
