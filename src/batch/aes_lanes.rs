//! The AES-128 items of a batch, eight at a time through the `aes` crate's
//! `hazmat` round functions: one [`cipher_round_par`] call advances eight
//! independent blocks, each under its own round key, by one AES round
//! (AES-NI / ARMv8 when the CPU has them, detected at run time; otherwise
//! the crate's fixsliced software rounds — constant time either way).
//!
//! Items of one public *shape* (card key derived here or given, MAC block
//! count and whether its last block is complete, ARPC method and block
//! count) run together (the shipped AES CVNs answer with ARPC Method 2;
//! an item with a Method 1 response is malformed and takes the single-item
//! path, which reports it):
//!
//! ```text
//! IMK ──expand──▶ AES_IMK(Y)            = card key      (Option C, AES-128)
//!     ──expand──▶ AES_MK(ATC ‖ 00…)     = session key   (EMV common SK)
//!     ──expand──▶ AES_SK(0) → K1, K2    = CMAC subkeys
//!                 CMAC_SK(data)[..8]    ⊕ ARQC → one verdict per lane
//!                 ARPC: CMAC_SK(ARQC ‖ CSU ‖ prop)[..4]  (Method 2)
//! ```
//!
//! With the `batch-aesni` feature and a CPU with AES-NI (detected at run
//! time), the same steps run through `tapcrypt_aes_lanes` instead: eight
//! states in registers for all ten rounds, keys expanded with
//! `AESENCLAST` (that crate holds the `unsafe`; this module stays
//! safe). The lane buffers are the same; only the cipher calls differ.
//!
//! The `aes` crate expands no key through its `hazmat` API, so the key
//! schedule is computed here (FIPS-197 §5.2), eight keys per step. Its
//! `SubWord(RotWord(w))` is one [`cipher_round_par`] with a zero round key
//! over a block laid out so that, after ShiftRows, every column holds four
//! copies of one byte: MixColumns maps such a column to itself
//! (2 ⊕ 3 ⊕ 1 ⊕ 1 = 1 in GF(2⁸)), so the round's output is exactly the
//! S-box of each byte (no table, no secret index). The last encryption
//! round (no MixColumns) is a full round under a zero key followed by
//! [`inv_mix_columns`] and the last round key.
//!
//! Every lane of a run does the same operations whatever its key, data or
//! verdict; the ARPC is computed for every lane and dropped for a lane that
//! failed; the verdicts are declassified one lane at a time through
//! `ct::public_verdict`. Lanes past the end of a partial run are computed
//! and ignored. Which items share a run depends only on public structure
//! (the shape, and whether a run's items share one IMK object, whose
//! schedule is then expanded once per batch). The staging and work buffers
//! live for one batch and are wiped once at its end.

use ::aes::hazmat::{Block8, cipher_round_par, inv_mix_columns};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{Authorisation, BatchKey, Outcome, VerifiedItem};
use crate::emv::arpc::{Arpc, ArpcResponse};
use crate::emv::cryptogram::{AcKeyMethod, ArpcKeySource, CipherFamily};
use crate::emv::derive::MkDerivation;
use crate::emv::tlv::CryptogramType;
use crate::{Algorithm, IssuerMasterKey, VerifyError};

/// Lanes per run: the width of [`cipher_round_par`].
pub(super) const LANES: usize = 8;

/// Fewest AES items a batch sends through the lanes. A batch of one cost
/// 2.28 µs through the lanes against 0.63 µs on the single-item path, and a
/// lane item 0.23 µs in a batch of 256 (criterion, load ~3.3): the fixed
/// cost (chunk set-up, ~5 KiB of staging and schedules wiped at the end)
/// is repaid from about five items.
pub(super) const MIN_ITEMS: usize = 6;

/// Largest MAC input, in 16-byte blocks: the 33-byte minimum data plus up
/// to 43 bytes of card data (DPAN-bound AES), padded: 5 blocks.
const MAX_MAC_BLOCKS: usize = 5;

/// ARPC Method 2 input: ARQC ‖ CSU ‖ up to 8 bytes: 2 blocks.
const MAX_ARPC_BLOCKS: usize = 2;

/// AES-128 round constants (FIPS-197 §5.2).
const RCON: [u8; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36];

/// What decides the work of an item: public structure only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    derive: bool,
    mac_blocks: usize,
    /// The MAC input fills its last block (CMAC subkey K1, else K2).
    mac_full: bool,
    arpc_blocks: usize,
    arpc_full: bool,
}

fn blocks(len: usize) -> (usize, bool) {
    (len.div_ceil(16), len.is_multiple_of(16))
}

/// The shape of an item this path takes, or `None` (the single-item path
/// takes it and reports its errors): an AES CVN with Option C, the common
/// session key and ARPC Method 2 under the session key, an AES-128 key,
/// and an item that is well formed (card data for this CVN, a Method 2
/// response, proprietary data of at most 8 bytes).
pub(super) fn shape(a: &Authorisation<'_>) -> Option<Shape> {
    let cvn = a.cvn;
    if cvn.cipher != CipherFamily::Aes
        || cvn.ac_key != AcKeyMethod::CommonSessionKey
        || cvn.arpc_key != ArpcKeySource::SessionKey
        || a.card_data.cvn_id() != cvn.id
        || cvn.check_method(&a.response).is_err()
    {
        return None;
    }
    let derive = match a.key {
        BatchKey::Issuer { imk, .. } => {
            if cvn.mk_derivation != MkDerivation::OptionC || imk.algorithm() != Algorithm::Aes128 {
                return None;
            }
            true
        }
        BatchKey::Card(mk) => {
            if mk.algorithm() != Algorithm::Aes128 {
                return None;
            }
            false
        }
    };
    let (mac_blocks, mac_full) = blocks(33 + a.card_data.as_bytes().len());
    if mac_blocks > MAX_MAC_BLOCKS {
        return None;
    }
    let (arpc_blocks, arpc_full) = match a.response {
        ArpcResponse::Method1 { .. } => return None,
        ArpcResponse::Method2 { proprietary, .. } => {
            if proprietary.len() > 8 {
                return None;
            }
            blocks(12 + proprietary.len())
        }
    };
    Some(Shape {
        derive,
        mac_blocks,
        mac_full,
        arpc_blocks,
        arpc_full,
    })
}

/// One 16-byte block per lane.
type B8 = Block8;
/// An expanded AES-128 key per lane: round key `r` of lane `l` is
/// `sched[r][l]`.
type Sched = [B8; 11];

fn get(b: &::aes::Block) -> u128 {
    u128::from_le_bytes(*AsRef::<[u8; 16]>::as_ref(b))
}

fn set(b: &mut ::aes::Block, v: u128) {
    *AsMut::<[u8; 16]>::as_mut(b) = v.to_le_bytes();
}

fn wipe(b: &mut B8) {
    for x in b.iter_mut() {
        x.as_mut_slice().zeroize();
    }
}

fn xor_into(dst: &mut B8, src: &B8) {
    for (d, s) in dst.iter_mut().zip(src.iter()) {
        set(d, get(d) ^ get(s));
    }
}

/// Writes a 16-byte value (an AES-128 key: `shape` checked the length) into
/// lane `l` of `b` (a lane past the end is ignored): one 128-bit store, not a
/// `memcpy` call.
fn put(b: &mut B8, l: usize, v: &[u8]) {
    if let (Some(x), Some(v)) = (b.get_mut(l), v.first_chunk::<16>()) {
        set(x, u128::from_le_bytes(*v));
    }
}

/// The AES-128 key schedule of eight keys at once (FIPS-197 §5.2). A round
/// key is handled as one little-endian `u128`: word `i` (bytes `4i..4i+4`)
/// is bits `32i..32i+32`.
pub(super) fn expand(keys: &B8, sched: &mut Sched) {
    /// One in each word: `x * ONES` repeats a word four times.
    const ONES: u128 = 1 | 1 << 32 | 1 << 64 | 1 << 96;
    /// Byte `c` of word `c` (row 0 of each column after the round).
    const DIAG: u128 = 0xFF | 0xFF00 << 32 | 0xFF_0000 << 64 | 0xFF00_0000 << 96;
    let zero = B8::default();
    let mut t = B8::default();
    let [k0, rest @ ..] = sched;
    k0.clone_from(keys);
    let mut prev: &B8 = k0;
    for (rk, &rcon) in rest.iter_mut().zip(RCON.iter()) {
        // SubWord(RotWord(w3)) of every lane. With r = RotWord(w3) as bytes
        // r0..r3, column c of the block is laid out so that ShiftRows (row
        // i moves left by i) leaves four copies of r_c in column c: columns
        // [r0 r3 r2 r1] [r1 r0 r3 r2] [r2 r1 r0 r3] [r3 r2 r1 r0].
        for (tb, pk) in t.iter_mut().zip(prev.iter()) {
            let c3 = ((get(pk) >> 96) as u32).rotate_right(8).swap_bytes();
            let (c0, c1, c2) = (c3.rotate_left(8), c3.rotate_right(16), c3.rotate_right(8));
            set(
                tb,
                u128::from(c0) | u128::from(c1) << 32 | u128::from(c2) << 64 | u128::from(c3) << 96,
            );
        }
        cipher_round_par(&mut t, &zero);
        for ((tb, pk), out) in t.iter().zip(prev.iter()).zip(rk.iter_mut()) {
            // Column c is four copies of S(r_c): byte c of word c, gathered,
            // is SubWord(RotWord(w3)).
            let d = get(tb) & DIAG;
            let d = d | d >> 64;
            let temp = (d as u32 | (d >> 32) as u32) ^ u32::from(rcon);
            // w'0 = w0 ⊕ temp, w'i = wi ⊕ w'(i-1): every word takes the
            // words below it and temp.
            let k = get(pk);
            set(
                out,
                k ^ (k << 32) ^ (k << 64) ^ (k << 96) ^ (u128::from(temp) * ONES),
            );
        }
        prev = rk;
    }
    wipe(&mut t);
}

/// AES-128 encryption of every lane under its own schedule.
pub(super) fn encrypt(sched: &Sched, x: &mut B8) {
    let zero = B8::default();
    let [k0, inner @ .., k10] = sched;
    xor_into(x, k0);
    for k in inner {
        cipher_round_par(x, k);
    }
    // The last round has no MixColumns: a full round under a zero key,
    // MixColumns undone, then the last round key.
    cipher_round_par(x, &zero);
    for b in x.iter_mut() {
        inv_mix_columns(b);
    }
    xor_into(x, k10);
}

/// CMAC subkey doubling in GF(2¹²⁸) (RFC 4493), constant time.
fn dbl(v: u128) -> u128 {
    (v << 1) ^ (0x87 & 0u128.wrapping_sub(v >> 127))
}

/// AES-CMAC (RFC 4493) of every lane over the first `n` blocks of its
/// message (`msg[l]`, padded 10* when its last block is not full), `k` the
/// subkey for the last block (K1 if it is full, K2 if not). The tag is left
/// in `x`.
fn cmac<const M: usize>(
    enc: &mut impl FnMut(&mut B8),
    msg: &[[[u8; 16]; M]; LANES],
    n: usize,
    k: &B8,
    x: &mut B8,
) {
    for b in x.iter_mut() {
        set(b, 0);
    }
    for i in 0..n.min(M) {
        for (xl, m) in x.iter_mut().zip(msg.iter()) {
            if let Some(m) = m.get(i) {
                set(xl, get(xl) ^ u128::from_le_bytes(*m));
            }
        }
        if i + 1 == n {
            xor_into(x, k);
        }
        enc(x);
    }
}

/// K1 = 2L, K2 = 4L (big-endian values) from `L` in `k1`.
fn subkeys(k1: &mut B8, k2: &mut B8) {
    for (a, b) in k1.iter_mut().zip(k2.iter_mut()) {
        let d1 = dbl(get(a).swap_bytes());
        set(a, d1.swap_bytes());
        set(b, dbl(d1).swap_bytes());
    }
}

/// One run's inputs (block per lane) and the work buffers, kept for the
/// whole batch and wiped once when it ends (`Drop`): a run overwrites every
/// lane it uses. Lanes past the end of a partial run hold an earlier run's
/// values; their results are ignored.
pub(super) struct Chunk {
    n: usize,
    idx: [usize; LANES],
    /// 1 in lanes whose CID says ARQC (public).
    arqc_cid: [u8; LANES],
    /// Which IMK each lane's card key is derived from (public: the
    /// issuer's key selection), to expand an IMK shared by a whole run once.
    imk_of: [*const IssuerMasterKey; LANES],
    /// The IMK whose schedule `imk_sched` holds in every lane, if any.
    imk_cached: Option<*const IssuerMasterKey>,
    key: B8,
    y: B8,
    r: B8,
    arqc: [[u8; 8]; LANES],
    /// The MAC and ARPC inputs, lane by lane (each lane's message is
    /// contiguous, so an item's parts are written in one pass).
    msg: [[[u8; 16]; MAX_MAC_BLOCKS]; LANES],
    arpc_in: [[[u8; 16]; MAX_ARPC_BLOCKS]; LANES],
    imk_sched: Sched,
    sched: Sched,
    /// AES-NI, if the feature is on, the CPU has it and the caller did not
    /// ask for the safe path; then the two schedules below are used instead
    /// of `imk_sched` and `sched`.
    #[cfg(feature = "batch-aesni")]
    ni: Option<tapcrypt_aes_lanes::AesNi>,
    #[cfg(feature = "batch-aesni")]
    ni_imk: tapcrypt_aes_lanes::Schedules,
    #[cfg(feature = "batch-aesni")]
    ni_sk: tapcrypt_aes_lanes::Schedules,
    /// Card key, session key, CMAC subkeys, AC, ARPC.
    mk: B8,
    sk: B8,
    k1: B8,
    k2: B8,
    ac: B8,
    ar: B8,
}

impl Chunk {
    /// `aesni`: use AES-NI if the `batch-aesni` feature is on and the CPU
    /// has it (ignored without the feature).
    pub(super) fn new(aesni: bool) -> Self {
        #[cfg(not(feature = "batch-aesni"))]
        let _ = aesni;
        let b = B8::default;
        Chunk {
            n: 0,
            idx: [0; LANES],
            arqc_cid: [0; LANES],
            imk_of: [core::ptr::null(); LANES],
            imk_cached: None,
            key: b(),
            y: b(),
            r: b(),
            arqc: [[0; 8]; LANES],
            msg: [[[0; 16]; MAX_MAC_BLOCKS]; LANES],
            arpc_in: [[[0; 16]; MAX_ARPC_BLOCKS]; LANES],
            imk_sched: core::array::from_fn(|_| b()),
            sched: core::array::from_fn(|_| b()),
            #[cfg(feature = "batch-aesni")]
            ni: if aesni {
                tapcrypt_aes_lanes::AesNi::detect()
            } else {
                None
            },
            #[cfg(feature = "batch-aesni")]
            ni_imk: tapcrypt_aes_lanes::Schedules::new(),
            #[cfg(feature = "batch-aesni")]
            ni_sk: tapcrypt_aes_lanes::Schedules::new(),
            mk: b(),
            sk: b(),
            k1: b(),
            k2: b(),
            ac: b(),
            ar: b(),
        }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.arqc.zeroize();
        for m in self.msg.iter_mut() {
            m.as_flattened_mut().zeroize();
        }
        for m in self.arpc_in.iter_mut() {
            m.as_flattened_mut().zeroize();
        }
        for b in [
            &mut self.key,
            &mut self.y,
            &mut self.r,
            &mut self.mk,
            &mut self.sk,
            &mut self.k1,
            &mut self.k2,
            &mut self.ac,
            &mut self.ar,
        ]
        .into_iter()
        .chain(self.imk_sched.iter_mut())
        .chain(self.sched.iter_mut())
        {
            wipe(b);
        }
    }
}

/// Writes a message into one lane's blocks: the fixed-size `head`, then
/// `tail`, then the padding bit `0x80` if `pad`, zeros after. The lane's
/// blocks are zeroed whole first (a fixed-size store) and the head is a
/// fixed-size copy, so the only length-dependent copy is the tail's; only
/// the first `blocks` blocks are used (lengths are public; `shape` checked
/// that the message fits, so nothing is dropped).
fn put_message<const M: usize, const H: usize>(
    dst: &mut [[u8; 16]; M],
    blocks: usize,
    head: &[u8; H],
    tail: &[u8],
    pad: bool,
) {
    *dst = [[0; 16]; M];
    let flat = dst.as_flattened_mut();
    let flat = flat.get_mut(..blocks * 16).unwrap_or(&mut []);
    let Some((h, rest)) = flat.split_first_chunk_mut::<H>() else {
        return;
    };
    *h = *head;
    let (t, rest) = rest.split_at_mut(tail.len().min(rest.len()));
    crate::ct::copy(t, tail);
    if let Some(first) = rest.first_mut() {
        *first = if pad { 0x80 } else { 0 };
    }
}

/// Writes an item's inputs into lane `l`. The item's shape was checked by
/// [`shape`]: nothing here fails.
fn prepare(a: &Authorisation<'_>, s: &Shape, c: &mut Chunk, l: usize) {
    let mut imk_of = core::ptr::null();
    match a.key {
        BatchKey::Issuer { imk, pan, psn } => {
            imk_of = imk;
            put(&mut c.key, l, imk.0.bytes());
            // Y's bytes are the value big-endian; `set` stores little-endian.
            let y = crate::emv::derive::option_c_y_value(pan, psn).swap_bytes();
            if let Some(x) = c.y.get_mut(l) {
                set(x, y);
            }
        }
        BatchKey::Card(mk) => put(&mut c.key, l, mk.0.bytes()),
    }
    if let Some(x) = c.imk_of.get_mut(l) {
        *x = imk_of;
    }
    // R = ATC ‖ 00…00 (the ATC is public).
    if let Some(x) = c.r.get_mut(l) {
        set(x, u128::from(u16::from_le_bytes(a.txn.atc.0)));
    }
    if let Some(x) = c.arqc.get_mut(l) {
        *x = a.arqc.0;
    }
    if let Some(x) = c.arqc_cid.get_mut(l) {
        *x = u8::from(a.cryptogram_type == CryptogramType::Arqc);
    }

    // The MAC input: minimum data ‖ card data, padded 10* (lengths public;
    // the terminal's data is public, the card data may hold a DPAN: both
    // stay in the chunk, wiped when the batch ends).
    if let Some(m) = c.msg.get_mut(l) {
        let head = a.txn.to_bytes();
        put_message(m, s.mac_blocks, &head, a.card_data.as_bytes(), !s.mac_full);
    }

    // The ARPC input: ARQC ‖ CSU ‖ proprietary, padded 10*.
    if let (ArpcResponse::Method2 { csu, proprietary }, Some(m)) =
        (a.response, c.arpc_in.get_mut(l))
    {
        let [q0, q1, q2, q3, q4, q5, q6, q7] = a.arqc.0;
        let [c0, c1, c2, c3] = csu.0;
        let head = [q0, q1, q2, q3, q4, q5, q6, q7, c0, c1, c2, c3];
        put_message(m, s.arpc_blocks, &head, proprietary, !s.arpc_full);
    }
}

/// Whether the IMK schedule must be (re)expanded for this run: not if
/// every lane shares the IMK whose schedule is cached. Updates the cache
/// record (the IMK objects' addresses are public: the issuer's selection).
fn imk_stale(c: &mut Chunk, n: usize) -> bool {
    let first = c.imk_of.first().copied().unwrap_or(core::ptr::null());
    let shared = c.imk_of.iter().take(n).all(|&p| core::ptr::eq(p, first));
    let stale = !(shared && c.imk_cached.is_some_and(|p| core::ptr::eq(p, first)));
    if stale {
        c.imk_cached = shared.then_some(first);
    }
    stale
}

/// The cipher work of a run on the safe path (`cipher_round_par`): card
/// key, session key, CMAC subkeys, the AC in `c.ac` and the ARPC in `c.ar`.
fn keys_and_macs(s: &Shape, c: &mut Chunk, n: usize) {
    // Card key: AES_IMK(Y) (Option C, AES-128), or the given card key. An
    // IMK that every lane of the run shares is expanded once per batch.
    if s.derive {
        if imk_stale(c, n) {
            expand(&c.key, &mut c.imk_sched);
        }
        c.mk.clone_from(&c.y);
        encrypt(&c.imk_sched, &mut c.mk);
    } else {
        c.mk.clone_from(&c.key);
    }
    // Session key: AES_MK(ATC ‖ 00…00).
    expand(&c.mk, &mut c.sched);
    c.sk.clone_from(&c.r);
    encrypt(&c.sched, &mut c.sk);
    expand(&c.sk, &mut c.sched);
    // CMAC subkeys: L = AES_SK(0), K1 = 2L, K2 = 4L (big-endian values).
    for b in c.k1.iter_mut() {
        set(b, 0);
    }
    encrypt(&c.sched, &mut c.k1);
    subkeys(&mut c.k1, &mut c.k2);
    // The AC and the ARPC, every lane.
    let sched = &c.sched;
    let mut enc = |x: &mut B8| encrypt(sched, x);
    let k = if s.mac_full { &c.k1 } else { &c.k2 };
    cmac(&mut enc, &c.msg, s.mac_blocks, k, &mut c.ac);
    let k = if s.arpc_full { &c.k1 } else { &c.k2 };
    cmac(&mut enc, &c.arpc_in, s.arpc_blocks, k, &mut c.ar);
}

/// The lane blocks as the plain arrays `tapcrypt_aes_lanes` takes (the
/// same memory: `Block8` is eight 16-byte arrays).
#[cfg(feature = "batch-aesni")]
fn lanes(b: &B8) -> Option<&[[u8; 16]; LANES]> {
    ::aes::cipher::array::Array::cast_slice_to_core(b.as_slice())
        .try_into()
        .ok()
}

#[cfg(feature = "batch-aesni")]
fn lanes_mut(b: &mut B8) -> Option<&mut [[u8; 16]; LANES]> {
    ::aes::cipher::array::Array::cast_slice_to_core_mut(b.as_mut_slice())
        .try_into()
        .ok()
}

/// [`keys_and_macs`] on AES-NI: the same steps and buffers, each step one
/// call that keeps the eight states (and, where the key is fresh, the
/// eight round keys) in registers.
#[cfg(feature = "batch-aesni")]
fn keys_and_macs_ni(ni: tapcrypt_aes_lanes::AesNi, s: &Shape, c: &mut Chunk, n: usize) {
    // The conversions cannot fail (eight lanes of 16 bytes each way); if
    // one did, the lanes would keep their inputs and every verdict fail.
    if s.derive {
        c.mk.clone_from(&c.y);
        if imk_stale(c, n) {
            if let (Some(k), Some(x)) = (lanes(&c.key), lanes_mut(&mut c.mk)) {
                ni.expand_encrypt(k, x, &mut c.ni_imk);
            }
        } else if let Some(x) = lanes_mut(&mut c.mk) {
            ni.encrypt(&c.ni_imk, x);
        }
    } else {
        c.mk.clone_from(&c.key);
    }
    // Session key AES_MK(ATC ‖ 00…00): the card key is used once, its
    // round keys never leave the registers.
    c.sk.clone_from(&c.r);
    if let (Some(k), Some(x)) = (lanes(&c.mk), lanes_mut(&mut c.sk)) {
        ni.encrypt_with_keys(k, x);
    }
    // L = AES_SK(0) while the session key is expanded.
    for b in c.k1.iter_mut() {
        set(b, 0);
    }
    if let (Some(k), Some(x)) = (lanes(&c.sk), lanes_mut(&mut c.k1)) {
        ni.expand_encrypt(k, x, &mut c.ni_sk);
    }
    subkeys(&mut c.k1, &mut c.k2);
    let sched = &c.ni_sk;
    let mut enc = |x: &mut B8| {
        if let Some(x) = lanes_mut(x) {
            ni.encrypt(sched, x);
        }
    };
    let k = if s.mac_full { &c.k1 } else { &c.k2 };
    cmac(&mut enc, &c.msg, s.mac_blocks, k, &mut c.ac);
    let k = if s.arpc_full { &c.k1 } else { &c.k2 };
    cmac(&mut enc, &c.arpc_in, s.arpc_blocks, k, &mut c.ar);
}

/// Runs the chunk's lanes and writes their outcomes.
fn run(s: &Shape, c: &mut Chunk, items: &[Authorisation<'_>], out: &mut [Outcome]) {
    let n = c.n.min(LANES);
    #[cfg(feature = "batch-aesni")]
    match c.ni {
        Some(ni) => keys_and_macs_ni(ni, s, c, n),
        None => keys_and_macs(s, c, n),
    }
    #[cfg(not(feature = "batch-aesni"))]
    keys_and_macs(s, c, n);

    for l in 0..n {
        let (Some(&i), Some(t), Some(a), Some(want), Some(&cid)) = (
            c.idx.get(l),
            c.ac.get(l),
            c.ar.get(l),
            c.arqc.get(l),
            c.arqc_cid.get(l),
        ) else {
            continue;
        };
        let (Some(item), Some(slot)) = (items.get(i), out.get_mut(i)) else {
            continue;
        };
        let t: &[u8; 16] = t.as_ref();
        let a: &[u8; 16] = a.as_ref();
        // The tag's first 8 bytes against the ARQC as one 64-bit compare,
        // a CID that does not say ARQC (public) folded in as a difference:
        // one `black_box`, where the byte-wise slice compare cost nine.
        let tag = t.first_chunk::<8>().copied().unwrap_or_default();
        let diff = u64::from_le_bytes(tag) ^ u64::from_le_bytes(*want) | u64::from(cid ^ 1);
        let ok = diff.ct_eq(&0);
        *slot = if crate::ct::public_verdict(ok) {
            Outcome::Verified(VerifiedItem {
                cvn: item.cvn,
                atc: item.txn.atc,
                arqc: item.arqc,
                arpc: Arpc::Method2([a[0], a[1], a[2], a[3]]),
                covered: Some(crate::emv::CoveredAmount::of(&item.txn)),
            })
        } else {
            Outcome::Rejected(VerifyError)
        };
    }
    c.n = 0;
}

/// Verifies every item whose slot is [`Outcome::Pending`] and that
/// [`shape`] accepts, one shape at a time, [`LANES`] items per run.
/// `aesni`: allow the AES-NI lanes (feature `batch-aesni`); `false` forces
/// the safe path (to compare the two).
pub(super) fn verify_pending(items: &[Authorisation<'_>], out: &mut [Outcome], aesni: bool) {
    // Built (and wiped on drop) only if an AES item is pending.
    let mut chunk: Option<Chunk> = None;
    let pending = |o: Option<&Outcome>| matches!(o, Some(Outcome::Pending));
    let mut start = 0;
    while let Some(first) = (start..items.len()).find(|&i| pending(out.get(i))) {
        start = first;
        let Some(s) = items.get(first).and_then(shape) else {
            start += 1;
            continue;
        };
        let c = chunk.get_or_insert_with(|| Chunk::new(aesni));
        for (j, item) in items.iter().enumerate().skip(first) {
            if !pending(out.get(j)) || shape(item) != Some(s) {
                continue;
            }
            let l = c.n;
            prepare(item, &s, c, l);
            if let Some(x) = c.idx.get_mut(l) {
                *x = j;
            }
            c.n += 1;
            if c.n == LANES {
                run(&s, c, items, out);
            }
        }
        if c.n > 0 {
            run(&s, c, items, out);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn h16(s: &str) -> [u8; 16] {
        let mut o = [0u8; 16];
        for (i, b) in o.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        o
    }

    /// FIPS-197 Appendix A.1: the AES-128 key expansion of
    /// 2b7e1516 28aed2a6 abf71588 09cf4f3c, in every lane.
    #[test]
    fn key_expansion_fips197_a1() {
        let key = h16("2b7e151628aed2a6abf7158809cf4f3c");
        let keys: B8 = core::array::from_fn::<_, 8, _>(|_| key.into()).into();
        let mut sched: Sched = core::array::from_fn(|_| B8::default());
        expand(&keys, &mut sched);
        let want = [
            (1, "a0fafe1788542cb123a339392a6c7605"),
            (2, "f2c295f27a96b9435935807a7359f67f"),
            (3, "3d80477d4716fe3e1e237e446d7a883b"),
            (9, "ac7766f319fadc2128d12941575c006e"),
            (10, "d014f9a8c9ee2589e13f0cc8b6630ca6"),
        ];
        for (r, hex) in want {
            for lane in sched[r].iter() {
                assert_eq!(AsRef::<[u8; 16]>::as_ref(lane), &h16(hex), "round {r}");
            }
        }
    }

    /// FIPS-197 Appendix C.1 (AES-128) in one lane, and in every lane a
    /// different key checked against the `aes` crate's own `Aes128`.
    #[test]
    fn encrypt_fips197_c1_and_aes_crate() {
        use ::aes::cipher::{BlockCipherEncrypt, KeyInit};
        let mut keys = B8::default();
        let mut x = B8::default();
        for (l, (k, b)) in keys.iter_mut().zip(x.iter_mut()).enumerate() {
            if l == 0 {
                *k = h16("000102030405060708090a0b0c0d0e0f").into();
                *b = h16("00112233445566778899aabbccddeeff").into();
            } else {
                *k = [(l as u8).wrapping_mul(37).wrapping_add(1); 16].into();
                *b = core::array::from_fn::<u8, 16, _>(|i| (i * l) as u8).into();
            }
        }
        let mut want = x;
        for (k, b) in keys.iter().zip(want.iter_mut()) {
            ::aes::Aes128::new(k).encrypt_block(b);
        }
        let mut sched: Sched = core::array::from_fn(|_| B8::default());
        expand(&keys, &mut sched);
        encrypt(&sched, &mut x);
        assert_eq!(
            AsRef::<[u8; 16]>::as_ref(&x[0]),
            &h16("69c4e0d86a7b0430d8cdb78070b4c55a")
        );
        assert_eq!(x, want);
    }

    /// RFC 4493 §4 examples 1–4 (AES-CMAC, key 2b7e1516…), one per lane.
    #[test]
    fn cmac_rfc4493() {
        let key = h16("2b7e151628aed2a6abf7158809cf4f3c");
        let keys: B8 = core::array::from_fn::<_, 8, _>(|_| key.into()).into();
        let mut sched: Sched = core::array::from_fn(|_| B8::default());
        expand(&keys, &mut sched);
        let mut k1 = B8::default();
        encrypt(&sched, &mut k1);
        let mut k2 = B8::default();
        for (a, b) in k1.iter_mut().zip(k2.iter_mut()) {
            let l = get(a).swap_bytes();
            set(a, dbl(l).swap_bytes());
            set(b, dbl(dbl(l)).swap_bytes());
        }
        assert_eq!(
            AsRef::<[u8; 16]>::as_ref(&k1[0]),
            &h16("fbeed618357133667c85e08f7236a8de")
        );
        assert_eq!(
            AsRef::<[u8; 16]>::as_ref(&k2[0]),
            &h16("f7ddac306ae266ccf90bc11ee46d513b")
        );
        // Example 2: 16 bytes (one full block, K1).
        let m = [[h16("6bc1bee22e409f96e93d7e117393172a")]; LANES];
        let mut t = B8::default();
        let mut enc = |x: &mut B8| encrypt(&sched, x);
        cmac(&mut enc, &m, 1, &k1, &mut t);
        assert_eq!(
            AsRef::<[u8; 16]>::as_ref(&t[3]),
            &h16("070a16b46b4d4144f79bdd9dd04a287c")
        );
        // Example 1: empty message (one padded block, K2).
        let mut p = [0u8; 16];
        p[0] = 0x80;
        cmac(&mut enc, &[[p]; LANES], 1, &k2, &mut t);
        assert_eq!(
            AsRef::<[u8; 16]>::as_ref(&t[7]),
            &h16("bb1d6929e95937287fa37d129b756746")
        );
    }
}
