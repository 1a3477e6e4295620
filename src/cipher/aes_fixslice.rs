//! Our own constant-time AES encryption core for 32-bit microcontrollers:
//! fixsliced, two blocks per call, safe Rust, no table indexed by secrets.
//!
//! # Why it exists and when it is used
//! A tap uses AES as one key and a short serial chain (session key, then a
//! CMAC over 3–4 blocks; `L = E_K(0)` rides beside the first CMAC block).
//! The `aes` crate's portable backend is fixsliced too; this core differs in
//! what a tap pays for:
//! * the **key schedule** is the textbook word recurrence, with `SubWord` as
//!   one 8-plane bitsliced S-box over a single word (the four bytes sit in
//!   bit 0 of each byte lane), and each round key is packed once into the
//!   fixsliced layout. The `aes` crate runs its key schedule through the
//!   full two-block bitsliced state instead.
//! * the S-box's four NOTs (the affine constant `0x63`) are folded into the
//!   round keys, and the final `ShiftRows` correction is one nibble swap.
//! * [`encrypt_pair`](FixsliceKey::encrypt_pair) encrypts two independent
//!   blocks under one key at the price of one; [`encrypt_block`]
//!   (FixsliceKey::encrypt_block) costs the same (it fills the second lane
//!   with a copy), so callers pair whenever they have a second block.
//!
//! # Where it is used (a cfg, decided by measurement)
//! On **32-bit ARM bare metal** (`target_arch = "arm"`, `target_os = "none"`:
//! every Cortex-M/R firmware target) it replaces the `aes` crate inside
//! `AesKey`, so the tap's session keys, its CMAC and FF1 run through it. On
//! the Cortex-M4 harness it is faster than the `aes` crate in every AES row
//! and no larger (BENCHMARKS.md, "Issue 17: our fixsliced AES core"). A
//! firmware that wants the `aes` crate anyway builds with
//! `--cfg tapcrypt_aes_crate`. Hosts keep the `aes` crate (AES-NI, ARMv8
//! crypto extensions, its own portable fallback): a bitsliced core cannot
//! compete with AES instructions. The `aes-fixslice` feature forces the core
//! on any target, so the host tests (`--all-features`), the differential
//! fuzz target and ctgrind check exactly the device path on x86-64.
//!
//! # Design (our derivation; facts from Adomnicai & Peyrin, "Fixslicing
//! AES-like ciphers", TCHES 2021)
//! State: two blocks as 8 bit planes (`u32` each); plane `i` holds bit `i`
//! of every byte, the byte of row `r`, column `c`, lane `l` at bit
//! `8r + 2c + l`. Write `SR` for ShiftRows, `MC` for MixColumns. Instead of
//! the state `S` after round `r` we keep `T` with `S = SR^r(T)`, so
//! ShiftRows is never computed:
//! * SubBytes works bytewise, so it commutes with `SR`;
//! * MixColumns becomes `MC_j = SR^-j ∘ MC ∘ SR^j` with `j = r mod 4`, which
//!   mixes byte `(r, c)` with `(r+1, c+j)`, `(r+2, c+2j)`, `(r+3, c+3j)`: a
//!   rotation of the plane by one row and `j` columns ([`rho`]);
//! * round key `r` is stored as `SR^-r(K_r)`;
//! * after the last round `S = SR^Nr(T)`: for `Nr = 10, 14` that is `SR^2`
//!   (rows 1 and 3 turned by two columns: a nibble swap), for 12 nothing.
//!
//! The S-box is Boyar and Peralta's 113-gate circuit (a public formula)
//! without its four XNORs: the missing `0x63` passes unchanged through
//! MixColumns (a uniform byte; the coefficients sum to 1) and ShiftRows, so
//! XORing it into round keys 1..Nr cancels it.
//!
//! Nothing here branches on or indexes by the key or the data; the only
//! branches and indices are on the public round number and key length.

use zeroize::Zeroize;

/// Two blocks in fixsliced form: bit plane `i` of every byte.
type State = [u32; 8];

/// An expanded AES key in fixsliced form: `R` = rounds + 1 round keys
/// (11 for AES-128, 13 for AES-192, 15 for AES-256). Zeroized on drop;
/// neither `Copy` nor `Debug`.
pub(crate) struct FixsliceKey<const R: usize> {
    rk: [State; R],
    /// The round count (public). An enum, so `Option`s and enums holding
    /// a key can keep their tag in its unused values: without that niche a
    /// tap built `Option<BlockKey>` by copying the 352-byte schedule into
    /// place (four copies, +0.9 KB of peak stack at opt-level "s").
    #[allow(dead_code)] // never read: it is there for its niche
    nr: Rounds,
}

/// AES round counts.
#[allow(dead_code)] // only one is built per key size
#[repr(u8)]
enum Rounds {
    Ten = 10,
    Twelve = 12,
    Fourteen = 14,
}

/// AES-128.
pub(crate) type Fixslice128 = FixsliceKey<11>;
/// AES-192.
#[allow(dead_code)]
pub(crate) type Fixslice192 = FixsliceKey<13>;
/// AES-256.
#[allow(dead_code)]
pub(crate) type Fixslice256 = FixsliceKey<15>;

impl<const R: usize> Drop for FixsliceKey<R> {
    fn drop(&mut self) {
        for k in self.rk.iter_mut() {
            k.zeroize();
        }
    }
}

impl<const R: usize> FixsliceKey<R> {
    /// Key length in bytes for this round count (16, 24 or 32).
    pub(crate) const KEY_LEN: usize = (R - 7) * 4;

    /// Expands a key of `KEY_LEN` bytes. A shorter slice is zero-padded and
    /// a longer one truncated: the key types rule both out (no panic).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut out = Self::zeroed();
        out.expand(key);
        out
    }

    /// An all-zero schedule (no key), to [`expand`](Self::expand) into.
    pub(crate) fn zeroed() -> Self {
        let nr = match R {
            13 => Rounds::Twelve,
            15 => Rounds::Fourteen,
            _ => Rounds::Ten,
        };
        FixsliceKey {
            rk: [[0u32; 8]; R],
            nr,
        }
    }

    /// Expands `key` into this schedule's storage, overwriting it (as
    /// [`new`](Self::new)): a caller that already holds a key slot re-keys
    /// it without a 352-byte (AES-128) temporary or copy.
    ///
    /// The textbook word recurrence, a whole group of `Nk` words at a time
    /// (straight-line for AES-128 and AES-256; AES-192's groups straddle
    /// round keys and go word by word), each round key packed into the
    /// fixsliced layout as soon as its four words exist. The word window is
    /// wiped once at the end; the scalars in between live in registers (a
    /// volatile wipe of each would only force it out to the stack to wipe
    /// that copy: it cost a tenth of the expansion).
    pub(crate) fn expand(&mut self, key: &[u8]) {
        let nk = Self::KEY_LEN / 4;
        let mut w = [0u32; 8];
        for (i, wi) in w.iter_mut().take(nk).enumerate() {
            let mut b = [0u8; 4];
            for (j, bj) in b.iter_mut().enumerate() {
                *bj = key.get(4 * i + j).copied().unwrap_or(0);
            }
            *wi = u32::from_le_bytes(b);
        }
        let mut rcon: u32 = 1;
        match nk {
            4 | 8 => {
                // Round keys 2g (w[0..4]) and, for AES-256, 2g+1 (w[4..8])
                // of group g.
                let per_group = nk / 4;
                let mut r = 0;
                while r < R {
                    if r > 0 {
                        next_group(&mut w, nk, &mut rcon);
                    }
                    let [w0, w1, w2, w3, w4, w5, w6, w7] = w;
                    if let Some(k) = self.rk.get_mut(r) {
                        round_key(k, &[w0, w1, w2, w3], r, r + 1 == R);
                    }
                    if per_group == 2
                        && let Some(k) = self.rk.get_mut(r + 1)
                    {
                        round_key(k, &[w4, w5, w6, w7], r + 1, r + 2 == R);
                    }
                    r += per_group;
                }
            }
            _ => self.expand_by_word(&mut w, nk, &mut rcon),
        }
        w.zeroize();
    }

    /// The word-by-word schedule (AES-192, whose 6-word groups straddle
    /// round keys): `win` holds the last `nk` words (word i at i mod nk),
    /// `cols` the words of the round key being built.
    fn expand_by_word(&mut self, win: &mut [u32; 8], nk: usize, rcon: &mut u32) {
        let mut cols = [0u32; 4];
        for i in 0..4 * R {
            let slot = i % nk;
            if i >= nk {
                let mut t = win.get((i + nk - 1) % nk).copied().unwrap_or(0);
                if slot == 0 {
                    t = sub_word(t.rotate_right(8)) ^ *rcon;
                    *rcon = xtime_public(*rcon);
                } else if nk > 6 && slot == 4 {
                    t = sub_word(t);
                }
                if let Some(w) = win.get_mut(slot) {
                    *w ^= t;
                }
            }
            if let Some(c) = cols.get_mut(i % 4) {
                *c = win.get(slot).copied().unwrap_or(0);
            }
            if i % 4 == 3 {
                let r = i / 4;
                if let Some(k) = self.rk.get_mut(r) {
                    round_key(k, &cols, r, r + 1 == R);
                }
            }
        }
        cols.zeroize();
    }

    /// Encrypts two independent blocks in place, for the price of one.
    pub(crate) fn encrypt_pair(&self, a: &mut [u8; 16], b: &mut [u8; 16]) {
        let mut s = pack(a, b);
        self.rounds(&mut s);
        unpack_in_place(&mut s, a, Some(b));
        s.zeroize();
    }

    /// Encrypts one block in place (costs what a pair costs; the second
    /// lane's copy is never written out).
    pub(crate) fn encrypt_block(&self, a: &mut [u8; 16]) {
        let mut s = pack(a, a);
        self.rounds(&mut s);
        unpack_in_place(&mut s, a, None);
        s.zeroize();
    }

    fn rounds(&self, s: &mut State) {
        let nr = R - 1;
        let (first, rest) = match self.rk.split_first() {
            Some(x) => x,
            None => return,
        };
        ark(s, first);
        for (r, k) in rest.iter().enumerate() {
            let round = r + 1;
            sbox(s);
            if round == nr {
                if nr % 4 == 2 {
                    shift_rows_2(s);
                }
            } else {
                match round % 4 {
                    0 => mix_columns::<0>(s),
                    1 => mix_columns::<1>(s),
                    2 => mix_columns::<2>(s),
                    _ => mix_columns::<3>(s),
                }
            }
            ark(s, k);
        }
    }
}

/// Round key `r` in fixsliced form from its four column words: `SR^-(r
/// mod 4)` applied (none for the last round: the final correction is
/// applied to the state instead), both lanes, and the S-box's missing 0x63
/// (planes 0, 1, 5, 6) from round 1 on.
fn round_key(k: &mut State, cols: &[u32; 4], r: usize, last: bool) {
    let shift = if last { 0 } else { r % 4 };
    // In registers, like the schedule's other scalars: not wiped (see
    // `expand`); the round key is stored once, where it stays.
    let shifted = inv_shift_rows_cols(cols, shift);
    *k = pack_cols(&shifted, &shifted);
    if r > 0 {
        let [k0, k1, _, _, _, k5, k6, _] = k;
        *k0 = !*k0;
        *k1 = !*k1;
        *k5 = !*k5;
        *k6 = !*k6;
    }
}

/// The next `nk` words of the schedule (`nk` = 4 or 8) from the previous
/// `nk`: RotWord, SubWord and the round constant on the first word, SubWord
/// alone on the fifth for AES-256.
#[inline(always)]
fn next_group(w: &mut [u32; 8], nk: usize, rcon: &mut u32) {
    let [w0, w1, w2, w3, w4, w5, w6, w7] = w;
    let last = if nk == 8 { *w7 } else { *w3 };
    // RotWord (little-endian word: bytes 1,2,3,0), SubWord, Rcon.
    *w0 ^= sub_word(last.rotate_right(8)) ^ *rcon;
    *rcon = xtime_public(*rcon);
    *w1 ^= *w0;
    *w2 ^= *w1;
    *w3 ^= *w2;
    if nk == 8 {
        *w4 ^= sub_word(*w3);
        *w5 ^= *w4;
        *w6 ^= *w5;
        *w7 ^= *w6;
    }
}

/// `xtime` on the public round constant.
#[inline(always)]
fn xtime_public(rcon: u32) -> u32 {
    (rcon << 1) ^ (0x11b & 0u32.wrapping_sub(rcon >> 7))
}

#[inline(always)]
fn ark(s: &mut State, k: &State) {
    for (x, y) in s.iter_mut().zip(k.iter()) {
        *x ^= *y;
    }
}

/// `t = ((a >> sh) ^ b) & m; b ^= t; a ^= t << sh`: swaps the bits of `b`
/// selected by `m` with the bits of `a` at `m << sh`.
#[inline(always)]
fn swapmove(a: &mut u32, b: &mut u32, m: u32, sh: u32) {
    let t = ((*a >> sh) ^ *b) & m;
    *b ^= t;
    *a ^= t << sh;
}

/// An 8×8 bit transpose inside every byte lane across the 8 words (its own
/// inverse): word `k`, bit `8r + i` ↔ word `i`, bit `8r + k`.
#[inline(always)]
fn transpose(x: &mut State) {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x;
    swapmove(x0, x1, 0x5555_5555, 1);
    swapmove(x2, x3, 0x5555_5555, 1);
    swapmove(x4, x5, 0x5555_5555, 1);
    swapmove(x6, x7, 0x5555_5555, 1);
    swapmove(x0, x2, 0x3333_3333, 2);
    swapmove(x1, x3, 0x3333_3333, 2);
    swapmove(x4, x6, 0x3333_3333, 2);
    swapmove(x5, x7, 0x3333_3333, 2);
    swapmove(x0, x4, 0x0f0f_0f0f, 4);
    swapmove(x1, x5, 0x0f0f_0f0f, 4);
    swapmove(x2, x6, 0x0f0f_0f0f, 4);
    swapmove(x3, x7, 0x0f0f_0f0f, 4);
}

/// The four little-endian column words of a block.
#[inline(always)]
fn columns(b: &[u8; 16]) -> [u32; 4] {
    let [
        b0,
        b1,
        b2,
        b3,
        b4,
        b5,
        b6,
        b7,
        b8,
        b9,
        b10,
        b11,
        b12,
        b13,
        b14,
        b15,
    ] = *b;
    [
        u32::from_le_bytes([b0, b1, b2, b3]),
        u32::from_le_bytes([b4, b5, b6, b7]),
        u32::from_le_bytes([b8, b9, b10, b11]),
        u32::from_le_bytes([b12, b13, b14, b15]),
    ]
}

/// Two blocks into bit planes: word `2c + l` starts as column `c` of lane
/// `l` (row `r` in byte `r`), and the transpose puts bit `i` of byte
/// (`r`, `c`, `l`) at plane `i`, bit `8r + 2c + l`.
#[inline(always)]
fn pack(a: &[u8; 16], b: &[u8; 16]) -> State {
    pack_cols(&columns(a), &columns(b))
}

/// [`pack`] from the column words of the two lanes.
#[inline(always)]
fn pack_cols(a: &[u32; 4], b: &[u32; 4]) -> State {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;
    let mut x = [a0, b0, a1, b1, a2, b2, a3, b3];
    transpose(&mut x);
    x
}

/// `SR^-s` on a block held as four little-endian column words (row `r` in
/// byte `r`): row `r` of column `c` comes from column `c - s·r`. `s` is the
/// public round number mod 4.
fn inv_shift_rows_cols(k: &[u32; 4], s: usize) -> [u32; 4] {
    const R0: u32 = 0x0000_00ff;
    const R1: u32 = 0x0000_ff00;
    const R2: u32 = 0x00ff_0000;
    const R3: u32 = 0xff00_0000;
    // Rows 0..3 of the new column from old columns a, b, c, d.
    let sel = |a: u32, b: u32, c: u32, d: u32| (a & R0) | (b & R1) | (c & R2) | (d & R3);
    let [c0, c1, c2, c3] = *k;
    match s {
        1 => [
            sel(c0, c3, c2, c1),
            sel(c1, c0, c3, c2),
            sel(c2, c1, c0, c3),
            sel(c3, c2, c1, c0),
        ],
        2 => [
            sel(c0, c2, c0, c2),
            sel(c1, c3, c1, c3),
            sel(c2, c0, c2, c0),
            sel(c3, c1, c3, c1),
        ],
        3 => [
            sel(c0, c1, c2, c3),
            sel(c1, c2, c3, c0),
            sel(c2, c3, c0, c1),
            sel(c3, c0, c1, c2),
        ],
        _ => *k,
    }
}

/// The two blocks out of the planes: the transpose is done in `s` itself
/// (the caller wipes it once), lane 1 only if asked for.
#[inline(always)]
fn unpack_in_place(s: &mut State, a: &mut [u8; 16], b: Option<&mut [u8; 16]>) {
    transpose(s);
    let [a0, b0, a1, b1, a2, b2, a3, b3] = *s;
    for (dst, w) in a.chunks_exact_mut(4).zip([a0, a1, a2, a3]) {
        dst.copy_from_slice(&w.to_le_bytes());
    }
    if let Some(b) = b {
        for (dst, w) in b.chunks_exact_mut(4).zip([b0, b1, b2, b3]) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
    }
}

/// [`unpack_in_place`] on a copy (tests).
#[cfg(test)]
fn unpack(s: &State, a: &mut [u8; 16], b: &mut [u8; 16]) {
    let mut x = *s;
    unpack_in_place(&mut x, a, Some(b));
}

/// `ρ_j`: byte (r, c) takes byte (r+1, c+j) of the same lane. A rotation by
/// one row (8 bits) and `j` columns (2 bits each); columns that wrap come
/// from one row less far.
#[inline(always)]
fn rho<const J: u32>(x: u32) -> u32 {
    match J {
        0 => x.rotate_right(8),
        1 => (x.rotate_right(10) & 0x3f3f_3f3f) | (x.rotate_right(2) & 0xc0c0_c0c0),
        2 => (x.rotate_right(12) & 0x0f0f_0f0f) | (x.rotate_right(4) & 0xf0f0_f0f0),
        _ => (x.rotate_right(14) & 0x0303_0303) | (x.rotate_right(6) & 0xfcfc_fcfc),
    }
}

/// `ρ_j²`: byte (r, c) takes byte (r+2, c+2j).
#[inline(always)]
fn rho2<const J: u32>(x: u32) -> u32 {
    match J {
        0 | 2 => x.rotate_right(16),
        _ => (x.rotate_right(20) & 0x0f0f_0f0f) | (x.rotate_right(12) & 0xf0f0_f0f0),
    }
}

/// `MC_j = 2a ⊕ 3ρa ⊕ ρ²a ⊕ ρ³a`, computed as `2c ⊕ ρa ⊕ ρ²c` with
/// `c = a ⊕ ρa`; `2·` is xtime on the planes (reduction by 0x11b).
#[inline(always)]
fn mix_columns<const J: u32>(s: &mut State) {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = *s;
    let b0 = rho::<J>(a0);
    let b1 = rho::<J>(a1);
    let b2 = rho::<J>(a2);
    let b3 = rho::<J>(a3);
    let b4 = rho::<J>(a4);
    let b5 = rho::<J>(a5);
    let b6 = rho::<J>(a6);
    let b7 = rho::<J>(a7);
    let c0 = a0 ^ b0;
    let c1 = a1 ^ b1;
    let c2 = a2 ^ b2;
    let c3 = a3 ^ b3;
    let c4 = a4 ^ b4;
    let c5 = a5 ^ b5;
    let c6 = a6 ^ b6;
    let c7 = a7 ^ b7;
    *s = [
        b0 ^ c7 ^ rho2::<J>(c0),
        b1 ^ c0 ^ c7 ^ rho2::<J>(c1),
        b2 ^ c1 ^ rho2::<J>(c2),
        b3 ^ c2 ^ c7 ^ rho2::<J>(c3),
        b4 ^ c3 ^ c7 ^ rho2::<J>(c4),
        b5 ^ c4 ^ rho2::<J>(c5),
        b6 ^ c5 ^ rho2::<J>(c6),
        b7 ^ c6 ^ rho2::<J>(c7),
    ];
}

/// `SR^2`: rows 1 and 3 turn by two columns (swap the nibbles of bytes 1, 3).
#[inline(always)]
fn shift_rows_2(s: &mut State) {
    for x in s.iter_mut() {
        *x = (*x & 0x00ff_00ff) | ((*x >> 4) & 0x0f00_0f00) | ((*x << 4) & 0xf000_f000);
    }
}

/// `SubWord` for the key schedule: byte `r` of `w` goes to bit `8r` of each
/// plane, one S-box circuit, back; adds the 0x63 the circuit leaves out.
fn sub_word(w: u32) -> u32 {
    let mut p = [0u32; 8];
    for (i, pi) in p.iter_mut().enumerate() {
        *pi = (w >> i) & 0x0101_0101;
    }
    sbox(&mut p);
    let mut out = 0u32;
    for (i, pi) in p.iter().enumerate() {
        out |= (*pi & 0x0101_0101) << i;
    }
    // `p` stays in registers (not wiped, see `FixsliceKey::expand`).
    out ^ 0x6363_6363
}

/// The AES S-box on all 32 bytes of the planes, as Boyar and Peralta's
/// circuit (J. Boyar, R. Peralta, "A depth-16 circuit for the AES S-box",
/// 2012: 32 AND, 77 XOR; its 4 XNOR are left out, see the module doc).
/// `x0` is the most significant bit.
#[inline(always)]
fn sbox(s: &mut State) {
    let [x7, x6, x5, x4, x3, x2, x1, x0] = *s;

    // Top linear layer.
    let y14 = x3 ^ x5;
    let y13 = x0 ^ x6;
    let y9 = x0 ^ x3;
    let y8 = x0 ^ x5;
    let t0 = x1 ^ x2;
    let y1 = t0 ^ x7;
    let y4 = y1 ^ x3;
    let y12 = y13 ^ y14;
    let y2 = y1 ^ x0;
    let y5 = y1 ^ x6;
    let y3 = y5 ^ y8;
    let t1 = x4 ^ y12;
    let y15 = t1 ^ x5;
    let y20 = t1 ^ x1;
    let y6 = y15 ^ x7;
    let y10 = y15 ^ t0;
    let y11 = y20 ^ y9;
    let y7 = x7 ^ y11;
    let y17 = y10 ^ y11;
    let y19 = y10 ^ y8;
    let y16 = t0 ^ y11;
    let y21 = y13 ^ y16;
    let y18 = x0 ^ y16;

    // Middle non-linear layer (inversion in GF(2^4)^2).
    let t2 = y12 & y15;
    let t3 = y3 & y6;
    let t4 = t3 ^ t2;
    let t5 = y4 & x7;
    let t6 = t5 ^ t2;
    let t7 = y13 & y16;
    let t8 = y5 & y1;
    let t9 = t8 ^ t7;
    let t10 = y2 & y7;
    let t11 = t10 ^ t7;
    let t12 = y9 & y11;
    let t13 = y14 & y17;
    let t14 = t13 ^ t12;
    let t15 = y8 & y10;
    let t16 = t15 ^ t12;
    let t17 = t4 ^ t14;
    let t18 = t6 ^ t16;
    let t19 = t9 ^ t14;
    let t20 = t11 ^ t16;
    let t21 = t17 ^ y20;
    let t22 = t18 ^ y19;
    let t23 = t19 ^ y21;
    let t24 = t20 ^ y18;
    let t25 = t21 ^ t22;
    let t26 = t21 & t23;
    let t27 = t24 ^ t26;
    let t28 = t25 & t27;
    let t29 = t28 ^ t22;
    let t30 = t23 ^ t24;
    let t31 = t22 ^ t26;
    let t32 = t31 & t30;
    let t33 = t32 ^ t24;
    let t34 = t23 ^ t33;
    let t35 = t27 ^ t33;
    let t36 = t24 & t35;
    let t37 = t36 ^ t34;
    let t38 = t27 ^ t36;
    let t39 = t29 & t38;
    let t40 = t25 ^ t39;
    let t41 = t40 ^ t37;
    let t42 = t29 ^ t33;
    let t43 = t29 ^ t40;
    let t44 = t33 ^ t37;
    let t45 = t42 ^ t41;
    let z0 = t44 & y15;
    let z1 = t37 & y6;
    let z2 = t33 & x7;
    let z3 = t43 & y16;
    let z4 = t40 & y1;
    let z5 = t29 & y7;
    let z6 = t42 & y11;
    let z7 = t45 & y17;
    let z8 = t41 & y10;
    let z9 = t44 & y12;
    let z10 = t37 & y3;
    let z11 = t33 & y4;
    let z12 = t43 & y13;
    let z13 = t40 & y5;
    let z14 = t29 & y2;
    let z15 = t42 & y9;
    let z16 = t45 & y14;
    let z17 = t41 & y8;

    // Bottom linear layer (XNORs dropped: they are the 0x63).
    let t46 = z15 ^ z16;
    let t47 = z10 ^ z11;
    let t48 = z5 ^ z13;
    let t49 = z9 ^ z10;
    let t50 = z2 ^ z12;
    let t51 = z2 ^ z5;
    let t52 = z7 ^ z8;
    let t53 = z0 ^ z3;
    let t54 = z6 ^ z7;
    let t55 = z16 ^ z17;
    let t56 = z12 ^ t48;
    let t57 = t50 ^ t53;
    let t58 = z4 ^ t46;
    let t59 = z3 ^ t54;
    let t60 = t46 ^ t57;
    let t61 = z14 ^ t57;
    let t62 = t52 ^ t58;
    let t63 = t49 ^ t58;
    let t64 = z4 ^ t59;
    let t65 = t61 ^ t62;
    let t66 = z1 ^ t63;
    let s0 = t59 ^ t63;
    let s6 = t56 ^ t62;
    let s7 = t48 ^ t60;
    let t67 = t64 ^ t65;
    let s3 = t53 ^ t66;
    let s4 = t51 ^ t66;
    let s5 = t47 ^ t65;
    let s1 = t64 ^ s3;
    let s2 = t55 ^ t67;

    *s = [s7, s6, s5, s4, s3, s2, s1, s0];
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::{BlockCipherEncrypt, KeyInit};

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// The S-box from its definition (inverse in GF(2^8), then the affine
    /// map), independent of the circuit.
    fn sbox_ref(x: u8) -> u8 {
        fn mul(mut a: u8, mut b: u8) -> u8 {
            let mut p = 0;
            while b != 0 {
                if b & 1 != 0 {
                    p ^= a;
                }
                a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
                b >>= 1;
            }
            p
        }
        let inv = (1..=255u8).find(|&y| mul(x, y) == 1).unwrap_or(0);
        inv ^ inv.rotate_left(1)
            ^ inv.rotate_left(2)
            ^ inv.rotate_left(3)
            ^ inv.rotate_left(4)
            ^ 0x63
    }

    #[test]
    fn sbox_circuit_is_the_aes_sbox_for_all_256_inputs() {
        assert_eq!(sbox_ref(0x00), 0x63);
        assert_eq!(sbox_ref(0x53), 0xed); // FIPS-197 §5.1.1 example
        for x in 0..=255u8 {
            let w = u32::from_le_bytes([x, x.wrapping_add(1), x ^ 0x5a, !x]);
            let got = sub_word(w).to_le_bytes();
            assert_eq!(got[0], sbox_ref(x), "x={x:02x}");
            assert_eq!(got[1], sbox_ref(x.wrapping_add(1)));
            assert_eq!(got[2], sbox_ref(x ^ 0x5a));
            assert_eq!(got[3], sbox_ref(!x));
        }
    }

    #[test]
    fn pack_then_unpack_is_identity_and_puts_bits_where_documented() {
        let a: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xa5);
        let b: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(91) ^ 0x3c);
        let s = pack(&a, &b);
        for (lane, blk) in [(0u32, &a), (1, &b)] {
            for r in 0..4 {
                for c in 0..4 {
                    for (i, plane) in s.iter().enumerate() {
                        let want = (blk[4 * c + r] >> i) & 1;
                        let got = (plane >> (8 * r as u32 + 2 * c as u32 + lane)) & 1;
                        assert_eq!(u32::from(want), got);
                    }
                }
            }
        }
        let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
        unpack(&s, &mut x, &mut y);
        assert_eq!((x, y), (a, b));
    }

    /// FIPS-197 Appendix C.1 and C.3.
    #[test]
    fn fips197_appendix_c() {
        let pt: [u8; 16] = hex("00112233445566778899aabbccddeeff");
        let k128: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f");
        let mut b = pt;
        Fixslice128::new(&k128).encrypt_block(&mut b);
        assert_eq!(b, hex::<16>("69c4e0d86a7b0430d8cdb78070b4c55a"));

        let k192: [u8; 24] = hex("000102030405060708090a0b0c0d0e0f1011121314151617");
        let mut b = pt;
        Fixslice192::new(&k192).encrypt_block(&mut b);
        assert_eq!(b, hex::<16>("dda97ca4864cdfe06eaf70a0ec0d7191"));

        let k256: [u8; 32] =
            hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let mut b = pt;
        let mut z = [0u8; 16];
        Fixslice256::new(&k256).encrypt_pair(&mut b, &mut z);
        assert_eq!(b, hex::<16>("8ea2b7ca516745bfeafc49904b496089"));
    }

    /// FIPS-197 Appendix A.1: the last round key of the AES-128 example
    /// (`w[40..44]`), read back out of the fixsliced schedule.
    #[test]
    fn fips197_appendix_a1_last_round_key() {
        let k: [u8; 16] = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let key = Fixslice128::new(&k);
        let mut last = key.rk[10];
        for p in [0, 1, 5, 6] {
            last[p] = !last[p];
        }
        let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
        unpack(&last, &mut x, &mut y);
        assert_eq!(x, hex::<16>("d014f9a8c9ee2589e13f0cc8b6630ca6"));
        assert_eq!(y, x);
    }

    fn next(seed: &mut u64) -> u8 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 32) as u8
    }

    #[test]
    fn matches_the_aes_crate_on_random_keys_and_blocks() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            let k: [u8; 32] = core::array::from_fn(|_| next(&mut seed));
            let a: [u8; 16] = core::array::from_fn(|_| next(&mut seed));
            let b: [u8; 16] = core::array::from_fn(|_| next(&mut seed));

            let ours128 = Fixslice128::new(&k[..16]);
            let ref128 = aes::Aes128::new_from_slice(&k[..16]).unwrap();
            let ours192 = Fixslice192::new(&k[..24]);
            let ref192 = aes::Aes192::new_from_slice(&k[..24]).unwrap();
            let ours256 = Fixslice256::new(&k);
            let ref256 = aes::Aes256::new_from_slice(&k).unwrap();

            let check = |enc: &dyn Fn(&mut [u8; 16], &mut [u8; 16]),
                         one: &dyn Fn(&mut [u8; 16]),
                         r: &dyn Fn(&mut [u8; 16])| {
                let (mut x, mut y) = (a, b);
                enc(&mut x, &mut y);
                let (mut ra, mut rb) = (a, b);
                r(&mut ra);
                r(&mut rb);
                assert_eq!((x, y), (ra, rb));
                let mut z = a;
                one(&mut z);
                assert_eq!(z, ra);
            };
            check(
                &|x, y| ours128.encrypt_pair(x, y),
                &|x| ours128.encrypt_block(x),
                &|x| ref128.encrypt_block(x.into()),
            );
            check(
                &|x, y| ours192.encrypt_pair(x, y),
                &|x| ours192.encrypt_block(x),
                &|x| ref192.encrypt_block(x.into()),
            );
            check(
                &|x, y| ours256.encrypt_pair(x, y),
                &|x| ours256.encrypt_block(x),
                &|x| ref256.encrypt_block(x.into()),
            );
        }
    }
}
