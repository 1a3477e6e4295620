//! Constant-time DES (FIPS 46-3) and two-/three-key TDES in EDE mode
//! (NIST SP 800-67).
//!
//! # Why this is constant time
//!
//! Everything below works on `u32` words with fixed sequences of `&`, `^`,
//! `|`, `-`, shifts and rotations by **public, compile-time** amounts. There
//! is no branch, early exit, memory index or division that depends on a key
//! or on the data, and no `u64`/`u128` arithmetic at all (on thumbv6m a
//! variable `u64` shift is a library call that may branch).
//!
//! * **Permutations** (IP, FP, E, P, PC-1, PC-2) move bits between public
//!   positions. IP and FP are the classic five delta swaps ("swap-moves")
//!   over the two 32-bit halves; P is a handful of mask-and-rotate groups
//!   computed at compile time from the FIPS table; E is folded into the
//!   S-box input preparation (see below); PC-1 and PC-2 are mask-and-rotate
//!   groups too (PC-2 reads the rotated C and D registers, whose 28-bit
//!   rotations follow the public schedule; C and D are kept in a layout
//!   chosen for few PC-2 groups, see `C_LAYOUT`).
//! * **S-boxes** are evaluated *bitsliced across their 32 output bits*: each
//!   6→4 S-box is four 6→1 boolean functions ("T-boxes"), 32 in all, one per
//!   bit lane of a `u32`. The four lanes of nibble `j` compute the four
//!   output bits of S-box `S(j+1)`, in the order `OUT_LANE` picks so that
//!   P needs few rotation groups. The six input bits of every lane are spread into six
//!   words `x0..x5` (each lane of nibble `j` holds S-box `j`'s input bit),
//!   and all 32 functions are evaluated at once as a multiplexer tree over
//!   their algebraic normal form: with `M` the Möbius transform of the 64
//!   truth-table words (computed at compile time from the FIPS tables),
//!   `f(x) = M[0] ^ (x0 & M[1]) ^ ...` nested six levels deep, i.e. 63
//!   `a ^ (x & b)` steps with no table lookups, of which 59 are computed
//!   (four `M` words are zero for every DES S-box). The constant words `M[i]`
//!   are loaded at fixed addresses independent of any secret.
//! * **E expansion and the subkey XOR**: S-box `j` reads bits `4j..4j+5` of
//!   `R` (1-based, cyclic), i.e. the four bits of nibble `j` of `R` plus one
//!   bit of each neighbour. Spreading bit `i` of every nibble to the whole
//!   nibble (`(v << 4) - v` on a word with one bit per nibble, which never
//!   carries between nibbles) yields four input words directly; the two
//!   outer input words are the same words rotated by one nibble. Because
//!   spreading and rotating are linear, the subkey is stored pre-combined as
//!   three words per round (see [`Des`]): one XORed into `R` before
//!   spreading and two correction words for the outer bits.
//!
//! The only branches are on public things: loop counters, the encrypt/
//! decrypt direction, and the key *length* in [`Tdes::from_slice`].
//!
//! Cross-checked against the table-driven `des` crate (a dev-dependency
//! oracle only) in `tests/des_crosscheck.rs`.
//!
//! Cost: per round 4 spreads, 59 mux steps and P's 9 rotation groups
//! (XORed straight into L). The 64 `M`
//! words are read from a `static` through an opaque pointer, so LLVM loads
//! them (`ldm`/`ldrd`/`ldr`) instead of materialising each with a
//! `movw`/`movt` pair, which had been a third of a round's instructions on
//! thumbv7em (issue 17: −14 % instructions on a TDES tap at opt-level 3;
//! the `OUT_LANE` order and the zero words: −13 % more). The pointer is made
//! opaque once per 16 rounds and held; an empty `black_box(())` between
//! rounds keeps LLVM from scheduling one round's table loads into the
//! previous round (which costs spills: without it, holding the pointer is
//! ~8 % slower than re-deriving it each round). P's group masks that are no
//! Thumb-2 immediate are read from the same table (one load each instead of
//! `movw`/`movt`; issue 17: −3.6 % on a TDES tap for the two together). The
//! 16 subkeys take 3 words each (192 bytes per single-DES
//! key, 576 per `Tdes`). On thumbv6m LLVM turns `spread` into `muls` by 15:
//! still constant time (the M0/M0+ multiplier has a fixed latency, 1 or 32
//! cycles depending on the part) but slow on parts with the small
//! multiplier.

use zeroize::{Zeroize, ZeroizeOnDrop};

// ---------------------------------------------------------------------------
// FIPS 46-3 tables (1-based bit numbers, bit 1 = most significant), used only
// by the compile-time generators below.

/// Permuted choice 1: key bit feeding each of the 56 bits of C‖D.
pub(super) const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, //
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, //
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, //
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: bit of C‖D feeding each of the 48 subkey bits.
pub(super) const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, //
    23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, //
    41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, //
    44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of C and D before each round.
pub(super) const SHIFTS: [u8; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// Permutation P: S-box output bit feeding each bit of f's output.
pub(super) const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, //
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

/// S1..S8, row-major: entry `16 * row + col`, row = b1b6, col = b2b3b4b5.
pub(super) const SBOX: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, //
        0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, //
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, //
        15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, //
        3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, //
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, //
        13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, //
        13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, //
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, //
        1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, //
        13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, //
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, //
        3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, //
        14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, //
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, //
        11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, //
        10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, //
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, //
        4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, //
        13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, //
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, //
        6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, //
        1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, //
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, //
        2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

// ---------------------------------------------------------------------------
// Compile-time generators. These run only in `const` items (an out-of-range
// index there is a build error, not a run-time panic), so the `%`, `/` and
// indexing below never reach the target.

/// A fixed bit permutation between two `u32` words as rotation groups:
/// `masks[r]` selects the source bits that reach their destination by a left
/// rotation of `r` (see [`gather`]). `pairs` lists (source position,
/// destination position), positions counted from the least significant bit.
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn rotation_masks<const N: usize>(pairs: [(u32, u32); N]) -> [u32; 32] {
    let mut masks = [0u32; 32];
    let mut i = 0;
    while i < N {
        let (src, dst) = pairs[i];
        masks[((dst + 32 - src) % 32) as usize] |= 1 << src;
        i += 1;
    }
    masks
}

/// Number of non-empty rotation groups in `masks`.
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn group_count(masks: &[u32; 32]) -> usize {
    let mut n = 0;
    let mut r = 0;
    while r < 32 {
        if masks[r] != 0 {
            n += 1;
        }
        r += 1;
    }
    n
}

/// The non-empty `(mask, rotation)` groups of `masks`; `K` must be
/// `group_count(masks)` (checked at compile time).
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn groups<const K: usize>(masks: &[u32; 32]) -> [(u32, u32); K] {
    assert!(K == group_count(masks));
    let mut g = [(0u32, 0u32); K];
    let mut n = 0;
    let mut r = 0;
    while r < 32 {
        if masks[r] != 0 {
            g[n] = (masks[r], r as u32);
            n += 1;
        }
        r += 1;
    }
    g
}

/// Declares `NAME: [(u32, u32); _]`, the compacted rotation groups of a
/// `[u32; 32]` mask table computed at compile time.
macro_rules! rotation_groups {
    ($name:ident = $masks:expr) => {
        const $name: [(u32, u32); group_count(&$masks)] = groups(&$masks);
    };
}

/// Where the key schedule keeps C and D: bit `k` (1..28, FIPS order) of C
/// at position `(C_LAYOUT.0 * (k - 1) + C_LAYOUT.1) % 28` of its register,
/// likewise D. A multiplier that is a unit mod 28 keeps the 28-bit left
/// rotations of FIPS 46-3 28-bit rotations (by `-mult * s` mod 28, see
/// [`ROT_C`]); these two (found by a search over all multipliers and offsets,
/// counting a group whose mask is no Thumb-2 immediate double) give PC-2 31
/// rotation groups per round instead of the 40 of the FIPS order `(27, 27)`
/// (issue 17: the session key is expanded at every tap).
const C_LAYOUT: (u32, u32) = (19, 26);
/// See [`C_LAYOUT`].
const D_LAYOUT: (u32, u32) = (3, 16);

/// Register position of bit `k` (1..28) of C (`d == false`) or D.
const fn cd_pos(d: bool, k: u32) -> u32 {
    let (mult, off) = if d { D_LAYOUT } else { C_LAYOUT };
    (mult * (k - 1) + off) % 28
}

/// The left rotation (within 28 bits) of the C or D register that is the
/// FIPS left rotation by `s` of C or D: `-mult * s` mod 28.
const fn cd_rot(d: bool, s: u8) -> u32 {
    let mult = if d { D_LAYOUT.0 } else { C_LAYOUT.0 };
    (28 * 2 - (mult * s as u32) % 28) % 28
}

/// Per-round 28-bit rotations of the C and D registers ([`cd_rot`] of
/// [`SHIFTS`]).
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn cd_rots(d: bool) -> [u32; 16] {
    let mut r = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        r[i] = cd_rot(d, SHIFTS[i]);
        i += 1;
    }
    r
}

const ROT_C: [u32; 16] = cd_rots(false);
const ROT_D: [u32; 16] = cd_rots(true);

// Every rotation is in 1..=27 (a shift by 28 - 0 would be a shift by 28).
#[allow(clippy::indexing_slicing)] // const evaluation only
const _: () = {
    let mut i = 0;
    while i < 16 {
        assert!(ROT_C[i] > 0 && ROT_C[i] < 28 && ROT_D[i] > 0 && ROT_D[i] < 28);
        i += 1;
    }
};

/// PC-1 restricted to one key half (`lo`: key bits 33..64, else 1..32) and
/// one of C/D (`d`). Key bit `n` sits at position `32 - n` of its half
/// (`64 - n` for the low half); C/D bit `k` (1..28) at [`cd_pos`].
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn pc1_masks(lo: bool, d: bool) -> [u32; 32] {
    let mut pairs = [(0u32, 0u32); 28];
    let mut n = 0;
    let mut k = 0;
    while k < 28 {
        let bit = PC1[if d { 28 + k } else { k }] as u32;
        if (bit > 32) == lo {
            let src = if lo { 64 - bit } else { 32 - bit };
            pairs[n] = (src, cd_pos(d, k as u32 + 1));
            n += 1;
        }
        k += 1;
    }
    // Unused pairs are (0, 0): bit 0 to bit 0. Mask it out unless some real
    // pair moves bit 0 in place.
    let mut masks = rotation_masks(pairs);
    let mut real0 = false;
    let mut i = 0;
    while i < n {
        if pairs[i].0 == 0 && pairs[i].1 == 0 {
            real0 = true;
        }
        i += 1;
    }
    if !real0 {
        masks[0] &= !1;
    }
    masks
}

rotation_groups!(PC1_HI_C = pc1_masks(false, false));
rotation_groups!(PC1_LO_C = pc1_masks(true, false));
rotation_groups!(PC1_HI_D = pc1_masks(false, true));
rotation_groups!(PC1_LO_D = pc1_masks(true, true));

/// PC-2 from C (`d == false`) or D into one of the two subkey words of the
/// key schedule (see [`Des::new`]): `outer == false` gives `kc` (input bits
/// b2..b5 of S-box `j+1` at bits 3..0 of nibble `j`, nibble 0 on top);
/// `outer == true` gives b1 at bit 3 and b6 at bit 0 of nibble `j`.
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn pc2_masks(d: bool, outer: bool) -> [u32; 32] {
    let mut masks = [0u32; 32];
    let mut b = 0;
    while b < 48 {
        let src = PC2[b] as u32; // 1..56 over C‖D
        let (j, i) = ((b / 6) as u32, (b % 6) as u32 + 1); // S-box j+1, input b_i
        let is_outer = i == 1 || i == 6;
        if (src > 28) == d && is_outer == outer {
            let from = cd_pos(d, if d { src - 28 } else { src });
            let to = if outer {
                if i == 1 { 31 - 4 * j } else { 28 - 4 * j }
            } else {
                33 - 4 * j - i
            };
            masks[((to + 32 - from) % 32) as usize] |= 1 << from;
        }
        b += 1;
    }
    masks
}

rotation_groups!(PC2_C_INNER = pc2_masks(false, false));
rotation_groups!(PC2_D_INNER = pc2_masks(true, false));
rotation_groups!(PC2_C_OUTER = pc2_masks(false, true));
rotation_groups!(PC2_D_OUTER = pc2_masks(true, true));

// The group count `C_LAYOUT` documents.
const _: () =
    assert!(PC2_C_INNER.len() + PC2_D_INNER.len() + PC2_C_OUTER.len() + PC2_D_OUTER.len() == 31);

/// Where each S-box output bit is computed: output bit `t` of S-box `j+1`
/// (`t = 0` the most significant) in lane `28 - 4j + OUT_LANE[j][t]`. All
/// four lanes of nibble `j` see S-box `j+1`'s inputs, so any order within
/// the nibble works; this one (found by a local search over the 24^8
/// orders, minimising P's rotation groups and non-immediate masks) gives P
/// 9 rotation groups instead of the 19 of the FIPS order `[3, 2, 1, 0]`
/// (issue 17: about 20 fewer instructions per round on thumbv7em).
const OUT_LANE: [[u8; 4]; 8] = [
    [0, 3, 1, 2],
    [1, 0, 3, 2],
    [0, 1, 2, 3],
    [2, 1, 3, 0],
    [2, 3, 0, 1],
    [0, 1, 3, 2],
    [2, 0, 3, 1],
    [0, 2, 1, 3],
];

/// The S-box layer's 32 lane functions in algebraic normal form.
///
/// Lane index bits of the 6-bit input `v`: bit 0 = b6, 1 = b5, 2 = b4,
/// 3 = b3, 4 = b2, 5 = b1 (b1 is the most significant S-box input bit).
/// `T[v]` holds, in nibble `j` (bits `28-4j .. 31-4j`), the output of S-box
/// `j+1` on input `v`, its bits in the lanes [`OUT_LANE`] gives; `M` is its Möbius transform, so that
/// `T[v] = XOR of M[u] over all u ⊆ v`.
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn sbox_anf() -> [u32; 64] {
    let mut m = [0u32; 64];
    let mut v = 0;
    while v < 64 {
        let b1 = (v >> 5) & 1;
        let b6 = v & 1;
        let row = 2 * b1 + b6;
        let col = ((v >> 4) & 1) << 3 | ((v >> 3) & 1) << 2 | ((v >> 2) & 1) << 1 | ((v >> 1) & 1);
        let mut j = 0;
        while j < 8 {
            let out = SBOX[j][16 * row + col] as u32;
            // Output bit t (t = 0: the most significant) to its lane.
            let mut t = 0;
            while t < 4 {
                m[v] |= ((out >> (3 - t)) & 1) << (28 - 4 * j as u32 + OUT_LANE[j][t] as u32);
                t += 1;
            }
            j += 1;
        }
        v += 1;
    }
    let mut bit = 1;
    while bit < 64 {
        let mut u = 0;
        while u < 64 {
            if u & bit != 0 {
                m[u] ^= m[u ^ bit];
            }
            u += 1;
        }
        bit <<= 1;
    }
    m
}

const M: [u32; 64] = sbox_anf();

/// `M` in memory, then P's group masks: [`sboxes`] and [`xor_perm_p`] read
/// them through an opaque pointer (`black_box`, once per 16 rounds in
/// [`rounds`]), so each costs one `ldr` (or half an `ldrd`/`ldm`) at a fixed
/// address instead of a `movw`/`movt` pair that LLVM materialises for a
/// `const` (issue 17 item 4: a third of a round's instructions were those
/// pairs). The addresses are public and the same for every key and block.
static M_TABLE: [u32; TABLE_LEN] = table();

/// Words in [`M_TABLE`]: `M`, then P's group masks (see [`xor_perm_p`]).
const TABLE_LEN: usize = 64 + P_GROUPS.len();

/// `M` followed by the masks of P's rotation groups.
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn table() -> [u32; TABLE_LEN] {
    let mut t = [0u32; TABLE_LEN];
    let mut i = 0;
    while i < 64 {
        t[i] = M[i];
        i += 1;
    }
    while i < TABLE_LEN {
        t[i] = P_GROUPS[i - 64].0;
        i += 1;
    }
    t
}

/// Which of P's group masks are Thumb-2 immediates ([`t2_imm`]), or are
/// kept as constants anyway ([`ARMV6M`]).
#[allow(clippy::indexing_slicing)] // const evaluation only
const P_IMM: [bool; P_GROUPS.len()] = {
    let mut f = [false; P_GROUPS.len()];
    let mut i = 0;
    while i < P_GROUPS.len() {
        f[i] = ARMV6M || t2_imm(P_GROUPS[i].0);
        i += 1;
    }
    f
};

/// Whether `v` is a Thumb-2 modified immediate (an `and` can take it
/// directly, or a `bic` its complement).
const fn t2_imm(v: u32) -> bool {
    const fn plain(v: u32) -> bool {
        let b = v & 0xff;
        if v == b || v == b * 0x0001_0001 || v == (b << 8) * 0x0001_0001 || v == b * 0x0101_0101 {
            return true;
        }
        let mut r = 8;
        while r < 32 {
            let x = v.rotate_left(r);
            if x < 256 && x >= 128 {
                return true;
            }
            r += 1;
        }
        false
    }
    plain(v) || plain(!v)
}

/// The ANF words of monomials containing all four middle inputs b2..b5 are
/// zero: every row of every S-box is a permutation of 0..15, so each output
/// bit is a balanced function of b2..b5 (degree at most 3). [`sboxes`]
/// relies on it (a build error otherwise).
const _: () = assert!(M[30] == 0 && M[31] == 0 && M[62] == 0 && M[63] == 0);

/// Permutation P as rotation groups: output bit `i` (1-based, position
/// `32 - i`) takes S-box output bit `P[i]` (from its lane, [`OUT_LANE`]).
#[allow(clippy::indexing_slicing)] // const evaluation only
const fn p_masks() -> [u32; 32] {
    let mut pairs = [(0u32, 0u32); 32];
    let mut i = 0;
    while i < 32 {
        let o = P[i] as usize - 1; // S-box o / 4, output bit o % 4
        let src = 28 - 4 * (o / 4) as u32 + OUT_LANE[o / 4][o % 4] as u32;
        pairs[i] = (src, 31 - i as u32);
        i += 1;
    }
    rotation_masks(pairs)
}

rotation_groups!(P_GROUPS = p_masks());

// ---------------------------------------------------------------------------
// Run-time building blocks (all constant time).

/// One bit in each nibble.
const NIB_LSB: u32 = 0x1111_1111;

/// Copies the low bit of each nibble of `v` (other bits must be 0) to the
/// whole nibble: `15 * v` without carries between nibbles.
#[inline(always)]
fn spread(v: u32) -> u32 {
    (v << 4).wrapping_sub(v)
}

/// Delta swap: exchanges the bits of `b` selected by `m` with the bits of
/// `a` selected by `m << n`.
#[inline(always)]
fn swap_move(a: u32, b: u32, n: u32, m: u32) -> (u32, u32) {
    let t = ((a >> n) ^ b) & m;
    (a ^ (t << n), b ^ t)
}

/// Initial permutation on the two big-endian halves of the block.
#[inline(always)]
fn ip(l: u32, r: u32) -> (u32, u32) {
    let (l, r) = swap_move(l, r, 4, 0x0f0f_0f0f);
    let (l, r) = swap_move(l, r, 16, 0x0000_ffff);
    let (r, l) = swap_move(r, l, 2, 0x3333_3333);
    let (r, l) = swap_move(r, l, 8, 0x00ff_00ff);
    swap_move(l, r, 1, 0x5555_5555)
}

/// Final permutation IP⁻¹: the same swaps in reverse order (each is an
/// involution).
#[inline(always)]
fn fp(l: u32, r: u32) -> (u32, u32) {
    let (l, r) = swap_move(l, r, 1, 0x5555_5555);
    let (r, l) = swap_move(r, l, 8, 0x00ff_00ff);
    let (r, l) = swap_move(r, l, 2, 0x3333_3333);
    let (l, r) = swap_move(l, r, 16, 0x0000_ffff);
    swap_move(l, r, 4, 0x0f0f_0f0f)
}

/// Applies a compile-time bit permutation given as rotation groups
/// (`(mask, rotation)` pairs from [`groups`]). Constant trip count, constant
/// masks and rotation amounts.
#[inline(always)]
fn gather(x: u32, groups: &[(u32, u32)]) -> u32 {
    let mut acc = 0;
    for &(m, rot) in groups {
        acc |= (x & m).rotate_left(rot);
    }
    acc
}

/// `acc ^ P(y)`: P's rotation groups XORed straight into `acc` (the
/// groups move disjoint bits to disjoint places, so XOR is OR here).
/// `table` is [`M_TABLE`] through the opaque pointer [`sboxes`] reads.
#[inline(always)]
fn xor_perm_p(acc: u32, y: u32, table: &[u32; TABLE_LEN]) -> u32 {
    // Written out group by group (not a loop), so that every mask and
    // rotation is a constant at every opt-level: at `s`/`z` LLVM keeps a
    // 9-step loop, which with the table look-ups cost +10 % on a TDES tap.
    let acc = p_group::<0>(acc, y, table);
    let acc = p_group::<1>(acc, y, table);
    let acc = p_group::<2>(acc, y, table);
    let acc = p_group::<3>(acc, y, table);
    let acc = p_group::<4>(acc, y, table);
    let acc = p_group::<5>(acc, y, table);
    let acc = p_group::<6>(acc, y, table);
    let acc = p_group::<7>(acc, y, table);
    p_group::<8>(acc, y, table)
}

// `xor_perm_p` writes out exactly P's groups.
const _: () = assert!(P_GROUPS.len() == 9);

/// `acc ^ rotl(y & mask, rot)` for P's group `I`. A mask that is no
/// Thumb-2 immediate is read from the table (one load from the pointer the
/// S-boxes use, instead of `movw`/`movt`).
#[inline(always)]
#[allow(clippy::indexing_slicing)] // in inline `const` blocks: evaluated at compile time
fn p_group<const I: usize>(acc: u32, y: u32, table: &[u32; TABLE_LEN]) -> u32 {
    let (m, rot) = const { P_GROUPS[I] };
    let mask = if const { P_IMM[I] } {
        m
    } else {
        table.get(64 + I).copied().unwrap_or(m)
    };
    acc ^ (y & mask).rotate_left(rot)
}

/// All eight S-boxes at once. `x0..x5` are the lane input words for index
/// bits 0..5 (b6, b5, b4, b3, b2, b1); see [`sbox_anf`]. `m` is
/// [`M_TABLE`] through an opaque pointer. Its words 30, 31, 62 and 63 are
/// zero (checked at compile time, next to [`M_TABLE`]) and are not read: the two
/// level-0 and two level-1 steps they feed are left out (60 loads and 59
/// steps instead of 64 and 63).
#[inline(always)]
fn sboxes(m: &[u32; TABLE_LEN], x0: u32, x1: u32, x2: u32, x3: u32, x4: u32, x5: u32) -> u32 {
    let a0 = m[0] ^ (x0 & m[1]);
    let a1 = m[2] ^ (x0 & m[3]);
    let a2 = m[4] ^ (x0 & m[5]);
    let a3 = m[6] ^ (x0 & m[7]);
    let a4 = m[8] ^ (x0 & m[9]);
    let a5 = m[10] ^ (x0 & m[11]);
    let a6 = m[12] ^ (x0 & m[13]);
    let a7 = m[14] ^ (x0 & m[15]);
    let a8 = m[16] ^ (x0 & m[17]);
    let a9 = m[18] ^ (x0 & m[19]);
    let a10 = m[20] ^ (x0 & m[21]);
    let a11 = m[22] ^ (x0 & m[23]);
    let a12 = m[24] ^ (x0 & m[25]);
    let a13 = m[26] ^ (x0 & m[27]);
    let a14 = m[28] ^ (x0 & m[29]);
    let a16 = m[32] ^ (x0 & m[33]);
    let a17 = m[34] ^ (x0 & m[35]);
    let a18 = m[36] ^ (x0 & m[37]);
    let a19 = m[38] ^ (x0 & m[39]);
    let a20 = m[40] ^ (x0 & m[41]);
    let a21 = m[42] ^ (x0 & m[43]);
    let a22 = m[44] ^ (x0 & m[45]);
    let a23 = m[46] ^ (x0 & m[47]);
    let a24 = m[48] ^ (x0 & m[49]);
    let a25 = m[50] ^ (x0 & m[51]);
    let a26 = m[52] ^ (x0 & m[53]);
    let a27 = m[54] ^ (x0 & m[55]);
    let a28 = m[56] ^ (x0 & m[57]);
    let a29 = m[58] ^ (x0 & m[59]);
    let a30 = m[60] ^ (x0 & m[61]);
    let b0 = a0 ^ (x1 & a1);
    let b1 = a2 ^ (x1 & a3);
    let b2 = a4 ^ (x1 & a5);
    let b3 = a6 ^ (x1 & a7);
    let b4 = a8 ^ (x1 & a9);
    let b5 = a10 ^ (x1 & a11);
    let b6 = a12 ^ (x1 & a13);
    let b7 = a14; // a15 = 0
    let b8 = a16 ^ (x1 & a17);
    let b9 = a18 ^ (x1 & a19);
    let b10 = a20 ^ (x1 & a21);
    let b11 = a22 ^ (x1 & a23);
    let b12 = a24 ^ (x1 & a25);
    let b13 = a26 ^ (x1 & a27);
    let b14 = a28 ^ (x1 & a29);
    let b15 = a30; // a31 = 0
    let c0 = b0 ^ (x2 & b1);
    let c1 = b2 ^ (x2 & b3);
    let c2 = b4 ^ (x2 & b5);
    let c3 = b6 ^ (x2 & b7);
    let c4 = b8 ^ (x2 & b9);
    let c5 = b10 ^ (x2 & b11);
    let c6 = b12 ^ (x2 & b13);
    let c7 = b14 ^ (x2 & b15);
    let d0 = c0 ^ (x3 & c1);
    let d1 = c2 ^ (x3 & c3);
    let d2 = c4 ^ (x3 & c5);
    let d3 = c6 ^ (x3 & c7);
    let e0 = d0 ^ (x4 & d1);
    let e1 = d2 ^ (x4 & d3);
    e0 ^ (x5 & e1)
}

/// `l ^ f(R, K)`, the round function with the subkey in the form stored by
/// [`Des`].
#[inline(always)]
fn feistel(m: &[u32; TABLE_LEN], l: u32, r: u32, k: &[u32; 3]) -> u32 {
    let [kc, k1, k6] = *k;
    // Nibble j of y holds b2..b5 of S-box j+1, already XORed with the key.
    let y = r ^ kc;
    let x4 = spread((y >> 3) & NIB_LSB); // b2
    let x3 = spread((y >> 2) & NIB_LSB); // b3
    let x2 = spread((y >> 1) & NIB_LSB); // b4
    let x1 = spread(y & NIB_LSB); // b5
    // b1 of S-box j is b5 of S-box j-1, b6 is b2 of S-box j+1 (cyclic); k1
    // and k6 carry the key bits and undo the kc bits the rotation brought in.
    let x5 = x1.rotate_right(4) ^ k1; // b1
    let x0 = x4.rotate_left(4) ^ k6; // b6
    let y = sboxes(m, x0, x1, x2, x3, x4, x5);
    xor_perm_p(l, y, m)
}

/// Armv6-M (Cortex-M0/M0+: Thumb-1, 8 low registers, no immediate operands
/// for `and`), told apart as the ARM target without 32-bit compare-and-swap
/// (`target_has_atomic`): `rustc --print cfg` shows no Thumb-2 feature. There
/// [`rounds`] makes the table pointer opaque again in every round instead of
/// holding it (holding it costs more in spills than it saves: +2.4 % on a
/// TDES tap; with Thumb-2's 13 registers it saves) and P's masks stay
/// constants (a literal-pool load each either way). A public, compile-time
/// choice.
const ARMV6M: bool = cfg!(all(target_arch = "arm", not(target_has_atomic = "32")));

/// See [`ARMV6M`].
const TABLE_PER_ROUND: bool = ARMV6M;

/// Sixteen rounds over subkeys in the given order, without the final swap:
/// the result is the pre-output (R16, L16) that FP expects.
#[inline(always)]
fn rounds<'a>(mut l: u32, mut r: u32, keys: impl Iterator<Item = &'a [u32; 3]>) -> (u32, u32) {
    let mut table: &[u32; TABLE_LEN] = core::hint::black_box(&M_TABLE);
    for k in keys {
        if TABLE_PER_ROUND {
            table = core::hint::black_box(&M_TABLE);
        } else {
            // No instruction: an optimisation barrier that keeps each
            // round's table loads in that round (see the module's cost note).
            core::hint::black_box(());
        }
        let t = feistel(table, l, r, k);
        l = r;
        r = t;
    }
    (r, l)
}

#[inline(always)]
fn load(block: &[u8; 8]) -> (u32, u32) {
    let [a, b, c, d, e, f, g, h] = *block;
    (
        u32::from_be_bytes([a, b, c, d]),
        u32::from_be_bytes([e, f, g, h]),
    )
}

#[inline(always)]
fn store(block: &mut [u8; 8], l: u32, r: u32) {
    let [a, b, c, d] = l.to_be_bytes();
    let [e, f, g, h] = r.to_be_bytes();
    *block = [a, b, c, d, e, f, g, h];
}

// ---------------------------------------------------------------------------

/// The DES key schedule of an 8-byte key, written into `sk` in the form
/// [`Des`] stores (see there). Parity bits (the low bit of each byte) are
/// ignored, as in FIPS 46-3.
fn schedule(key: &[u8; 8], sk: &mut [[u32; 3]; 16]) {
    const MASK28: u32 = 0x0fff_ffff;
    let (hi, lo) = load(key);
    let mut c = gather(hi, &PC1_HI_C) | gather(lo, &PC1_LO_C);
    let mut d = gather(hi, &PC1_HI_D) | gather(lo, &PC1_LO_D);
    for (rk, (&sc, &sd)) in sk.iter_mut().zip(ROT_C.iter().zip(ROT_D.iter())) {
        // 28-bit left rotations by public amounts (the FIPS rotation by 1
        // or 2 in the registers' layout, see `C_LAYOUT`).
        c = ((c << sc) | (c >> (28 - sc))) & MASK28;
        d = ((d << sd) | (d >> (28 - sd))) & MASK28;
        let kc = gather(c, &PC2_C_INNER) | gather(d, &PC2_D_INNER);
        let outer = gather(c, &PC2_C_OUTER) | gather(d, &PC2_D_OUTER);
        // Key bits for b1 / b6, corrected for the kc bits that the
        // rotated b5 / b2 words carry into those lanes (see `feistel`).
        let k1 = spread(((outer >> 3) ^ kc.rotate_right(4)) & NIB_LSB);
        let k6 = spread((outer ^ (kc >> 3).rotate_left(4)) & NIB_LSB);
        *rk = [kc, k1, k6];
    }
    c.zeroize();
    d.zeroize();
}

/// Single DES with an expanded key schedule.
///
/// Per round three words `[kc, k1, k6]`, where, writing `Kb_i` for the word
/// whose nibble `j` is all copies of subkey bit `6j + i` (the key bit XORed
/// into input `b_i` of S-box `j+1`):
/// * `kc` nibble `j` = `(Kb2, Kb3, Kb4, Kb5)` bits of S-box `j+1`, XORed into
///   `R` before spreading;
/// * `k1 = Kb1 ^ rotr(spread(kc & 0x1111_1111), 4)`;
/// * `k6 = Kb6 ^ rotl(spread((kc >> 3) & 0x1111_1111), 4)`.
///
/// Zeroized on drop; deliberately not `Clone`/`Copy`.
pub(crate) struct Des {
    sk: [[u32; 3]; 16],
}

impl Des {
    /// Expands an 8-byte key. Parity bits (the low bit of each byte) are
    /// ignored, as in FIPS 46-3; weak keys are not rejected.
    pub(crate) fn new(key: &[u8; 8]) -> Self {
        let mut sk = [[0u32; 3]; 16];
        schedule(key, &mut sk);
        Des { sk }
    }

    /// An all-zero schedule (no key), to [`expand`](Self::expand) into.
    pub(crate) const fn zeroed() -> Self {
        Des {
            sk: [[0u32; 3]; 16],
        }
    }

    /// Expands `key` into this schedule's storage, overwriting it (as
    /// [`new`](Self::new)): each round key is written where it stays, so a
    /// caller that holds a key slot re-keys it without a 192-byte temporary
    /// or copy (issue 17: a tap's peak stack).
    pub(crate) fn expand(&mut self, key: &[u8; 8]) {
        schedule(key, &mut self.sk);
    }

    /// Encrypts one block in place.
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 8]) {
        let (l, r) = load(block);
        let (l, r) = ip(l, r);
        let (l, r) = self.encrypt_rounds(l, r);
        let (l, r) = fp(l, r);
        store(block, l, r);
    }

    /// Decrypts one block in place.
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 8]) {
        let (l, r) = load(block);
        let (l, r) = ip(l, r);
        let (l, r) = self.decrypt_rounds(l, r);
        let (l, r) = fp(l, r);
        store(block, l, r);
    }

    /// The 16 encryption rounds on IP-permuted halves (no IP/FP). Chaining
    /// these for TDES skips the FP/IP pairs that cancel in between.
    #[inline(always)]
    fn encrypt_rounds(&self, l: u32, r: u32) -> (u32, u32) {
        rounds(l, r, self.sk.iter())
    }

    /// The 16 decryption rounds (subkeys in reverse order).
    #[inline(always)]
    fn decrypt_rounds(&self, l: u32, r: u32) -> (u32, u32) {
        rounds(l, r, self.sk.iter().rev())
    }
}

impl Drop for Des {
    fn drop(&mut self) {
        self.sk.zeroize();
    }
}

impl ZeroizeOnDrop for Des {}

impl core::fmt::Debug for Des {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Des").finish_non_exhaustive()
    }
}

/// Triple DES (EDE), two- or three-key. Zeroized on drop (each [`Des`]
/// zeroizes itself).
pub(crate) struct Tdes {
    k1: Des,
    k2: Des,
    /// K3 of a three-key (24-byte) key; all zero for a two-key key, whose
    /// K3 is K1 (read through [`k3`](Self::k3): K1's schedule is not copied,
    /// issue 17).
    k3: Des,
    /// Built from a 24-byte (three-key) key. Public: the key length is.
    three_key: bool,
}

impl Tdes {
    /// Expands a TDES key: 16 bytes = two-key (K3 = K1), 24 bytes =
    /// three-key. KL = KR (degenerate single DES) is accepted.
    ///
    /// Any other length is a caller bug that the key types rule out; it does
    /// not panic: the key is zero-padded or truncated to 24 bytes and used as
    /// three-key TDES (so an 8-byte key gives K1 = key, K2 = K3 = 0, which is
    /// *not* single DES). The length is public, so branching on it is fine.
    pub(crate) fn from_slice(key: &[u8]) -> Self {
        let mut k = [[0u8; 8]; 3];
        for (d, s) in k.iter_mut().flatten().zip(key) {
            *d = *s;
        }
        let [a, b, c] = &k;
        let k1 = Des::new(a);
        let k2 = Des::new(b);
        let three_key = key.len() != 16;
        let k3 = if three_key {
            Des::new(c)
        } else {
            Des::zeroed()
        };
        k.zeroize();
        Tdes {
            k1,
            k2,
            k3,
            three_key,
        }
    }

    /// An all-zero (keyless) schedule, to [`rekey`](Self::rekey) into.
    pub(crate) const fn zeroed() -> Self {
        Tdes {
            k1: Des::zeroed(),
            k2: Des::zeroed(),
            k3: Des::zeroed(),
            three_key: false,
        }
    }

    /// Expands `key` into this schedule's storage, overwriting it, with
    /// the rules of [`from_slice`](Self::from_slice). In place: each DES
    /// schedule is written where it stays (a two-key key has no K3 of its
    /// own: a three-key key's K3 is wiped in place when a two-key key
    /// replaces it), so no temporary schedule is built and moved (issue 17:
    /// a TDES tap's peak stack; a 192-byte `Des` built for an `Option` slot
    /// cost 120-344 B of stack at opt-level `s`/`z`).
    pub(crate) fn rekey(&mut self, key: &[u8]) {
        let mut k = [[0u8; 8]; 3];
        for (d, s) in k.iter_mut().flatten().zip(key) {
            *d = *s;
        }
        let [a, b, c] = &k;
        self.k1.expand(a);
        self.k2.expand(b);
        let three_key = key.len() != 16;
        if three_key {
            self.k3.expand(c);
        } else if self.three_key {
            self.k3.sk.zeroize();
        }
        self.three_key = three_key;
        k.zeroize();
    }

    /// Whether this is a three-key TDES key (24 bytes). The retail MAC uses
    /// K1 and K2 only, so its callers refuse such a key rather than
    /// silently drop K3.
    pub(crate) fn is_three_key(&self) -> bool {
        self.three_key
    }

    /// K3: its own schedule for a three-key key, K1 for a two-key key (a
    /// branch on the key length, which is public).
    fn k3(&self) -> &Des {
        if self.three_key { &self.k3 } else { &self.k1 }
    }

    /// Encrypts one block in place: `E_K3(D_K2(E_K1(x)))`.
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 8]) {
        let (l, r) = load(block);
        let (l, r) = ip(l, r);
        let (l, r) = self.k1.encrypt_rounds(l, r);
        let (l, r) = self.k2.decrypt_rounds(l, r);
        let (l, r) = self.k3().encrypt_rounds(l, r);
        let (l, r) = fp(l, r);
        store(block, l, r);
    }

    /// Decrypts one block in place: `D_K1(E_K2(D_K3(x)))`.
    #[allow(
        dead_code,
        reason = "part of the cipher interface; no EMV flow decrypts with TDES yet"
    )]
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 8]) {
        let (l, r) = load(block);
        let (l, r) = ip(l, r);
        let (l, r) = self.k3().decrypt_rounds(l, r);
        let (l, r) = self.k2.encrypt_rounds(l, r);
        let (l, r) = self.k1.decrypt_rounds(l, r);
        let (l, r) = fp(l, r);
        store(block, l, r);
    }

    /// The single-DES key K1 (retail MAC inner chain).
    pub(crate) fn k1(&self) -> &Des {
        &self.k1
    }

    /// The single-DES key K2 (retail MAC final decrypt).
    pub(crate) fn k2(&self) -> &Des {
        &self.k2
    }
}

impl core::fmt::Debug for Tdes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tdes").finish_non_exhaustive()
    }
}
