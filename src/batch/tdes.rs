//! The TDES items of a batch, bitsliced across lanes
//! ([`crate::cipher::des_bitsliced`]).
//!
//! Items of one public *shape* (whether the card key is derived here,
//! whether a session key is, the MAC's block count, the ARPC's method, key
//! and block count) run together, [`LANES`] at a time:
//!
//! ```text
//! IMK planes ──TDES(Y), TDES(Y ⊕ FF..)──▶ card key planes
//!            ──TDES(F1), TDES(F2)──────▶ session key planes
//!            ──retail MAC (ISO 9797-1 alg. 3) over the padded data──▶ AC planes
//!            ──⊕ ARQC planes, OR over the 64 planes──▶ one mismatch bit per lane
//!            ──ARPC (Method 1: TDES; Method 2: retail MAC)──▶ ARPC planes
//! ```
//!
//! Keys never leave plane form between the stages: a derived key's planes
//! are the next stage's key planes (the odd-parity adjustment the
//! single-item path applies only touches the parity bits, which DES never
//! reads). Only the inputs (IMK, `Y`, `R`, data, ARQC) are transposed in
//! and only the ARPCs out.
//!
//! Every lane of a run does the same operations whatever its key, data or
//! verdict; the ARPC is computed for every lane and dropped for a lane that
//! failed; the verdicts are declassified one lane at a time through
//! `ct::public_verdict`. Lanes past the end of a partial run hold zeros and
//! are ignored. Which items share a run depends only on public structure.

use subtle::Choice;
use zeroize::Zeroize;

use super::{Authorisation, BatchKey, Outcome, VerifiedItem};
use crate::cipher::des_bitsliced::{self as bs, Planes, Wide, Word};
use crate::emv::arpc::{self, Arpc, ArpcResponse};
use crate::emv::cryptogram::{AcKeyMethod, ArpcKeySource, CipherFamily};
use crate::emv::derive;
use crate::emv::tlv::CryptogramType;
use crate::mac::Padding;
use crate::{Error, VerifyError};

/// The lane word: two `u64`s (128 lanes), one SSE2 register on x86-64
/// (BENCHMARKS.md compares `u64`, `[u64; 2]` and `[u64; 4]`).
type W = Wide<2>;

/// Lanes per run.
pub(super) const LANES: usize = <W as Word>::LANES;

/// Largest MAC input this path takes, in 8-byte blocks (the 33-byte
/// minimum data set plus card data, padded); longer card data goes to the
/// single-item path.
const MAX_MAC_BLOCKS: usize = 16;

/// ARPC Method 2 input: ARQC ‖ CSU ‖ up to 8 bytes, padded: 3 blocks.
const MAX_ARPC_BLOCKS: usize = 3;

/// What decides the work of an item: public structure only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    derive: bool,
    session: bool,
    mac_blocks: usize,
    arpc_card_key: bool,
    /// 0 for ARPC Method 1.
    arpc_blocks: usize,
}

/// The shape of a TDES item, or `None` for an item the single-item path
/// takes (AES, or card data too long for this path).
pub(super) fn shape(a: &Authorisation<'_>) -> Option<Shape> {
    if a.cvn.cipher != CipherFamily::Tdes {
        return None;
    }
    let data = 33 + a.card_data.as_bytes().len();
    let mac_blocks = a.cvn.padding.padded_len(data, 8) >> 3;
    if mac_blocks > MAX_MAC_BLOCKS {
        return None;
    }
    let arpc_blocks = match a.response {
        ArpcResponse::Method1 { .. } => 0,
        // An over-long proprietary field is refused by `prepare`.
        ArpcResponse::Method2 { proprietary, .. } => {
            Padding::Method2.padded_len(12 + proprietary.len().min(8), 8) >> 3
        }
    };
    Some(Shape {
        derive: matches!(a.key, BatchKey::Issuer { .. }),
        session: !matches!(a.cvn.ac_key, AcKeyMethod::CardKey),
        mac_blocks,
        arpc_card_key: a.cvn.arpc_key == ArpcKeySource::CardKey,
        arpc_blocks,
    })
}

type Rows = [[u8; 8]; LANES];

/// One run's inputs, row per lane, before transposition (secret: keys, PAN
/// derived `Y`, data). Zeroized after every run.
pub(super) struct Chunk {
    n: usize,
    idx: [usize; LANES],
    k1: Rows,
    k2: Rows,
    y: Rows,
    r: Rows,
    arqc: Rows,
    msg: [Rows; MAX_MAC_BLOCKS],
    arpc_in: [Rows; MAX_ARPC_BLOCKS],
}

impl Chunk {
    pub(super) fn new() -> Self {
        Chunk {
            n: 0,
            idx: [0; LANES],
            k1: [[0; 8]; LANES],
            k2: [[0; 8]; LANES],
            y: [[0; 8]; LANES],
            r: [[0; 8]; LANES],
            arqc: [[0; 8]; LANES],
            msg: [[[0; 8]; LANES]; MAX_MAC_BLOCKS],
            arpc_in: [[[0; 8]; LANES]; MAX_ARPC_BLOCKS],
        }
    }

    /// Wipes the rows a run used: its `n` lanes of its `mac_blocks` and
    /// `arpc_blocks` (a run writes nothing else; `Drop` wipes everything).
    fn wipe_used(&mut self, s: &Shape) {
        let n = self.n.min(LANES);
        for rows in [
            &mut self.k1,
            &mut self.k2,
            &mut self.y,
            &mut self.r,
            &mut self.arqc,
        ]
        .into_iter()
        .chain(self.msg.iter_mut().take(s.mac_blocks))
        .chain(self.arpc_in.iter_mut().take(s.arpc_blocks.max(1)))
        {
            for r in rows.iter_mut().take(n) {
                r.zeroize();
            }
        }
        self.n = 0;
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.k1.zeroize();
        self.k2.zeroize();
        self.y.zeroize();
        self.r.zeroize();
        self.arqc.zeroize();
        self.msg.zeroize();
        self.arpc_in.zeroize();
    }
}

/// Writes `v` into lane `l`'s row (a lane past the end is ignored; the
/// caller keeps `l < LANES`).
fn put(rows: &mut Rows, l: usize, v: &[u8]) {
    if let Some(r) = rows.get_mut(l) {
        crate::ct::copy(r, v);
    }
}

/// Checks one item as the single-item path does (same errors, same order)
/// and writes its inputs into lane `l`. Nothing is written on error.
fn prepare(a: &Authorisation<'_>, s: &Shape, c: &mut Chunk, l: usize) -> Result<(), Error> {
    let cvn = a.cvn;
    if a.card_data.cvn_id() != cvn.id {
        return Err(Error::Parameter {
            what: "card data was validated for a different CVN",
        });
    }
    let (key, y) = match a.key {
        BatchKey::Issuer { imk, pan, psn } => {
            cvn.check_key(&imk.0, "this CVN's issuer master key")?;
            (
                imk.0.bytes(),
                Some(derive::tdes_card_key_y(cvn.mk_derivation, pan, psn)?),
            )
        }
        BatchKey::Card(mk) => {
            cvn.check_key(&mk.0, "this CVN's card master key")?;
            (mk.0.bytes(), None)
        }
    };
    cvn.check_method(&a.response)?;
    if let ArpcResponse::Method2 { proprietary, .. } = a.response {
        arpc::check_proprietary(proprietary)?;
    }

    // From here on nothing fails. `key` is two-key TDES (checked): 16 bytes.
    let (h1, h2) = key.split_at(key.len().min(8));
    put(&mut c.k1, l, h1);
    put(&mut c.k2, l, h2);
    if let Some(mut y) = y {
        put(&mut c.y, l, &y);
        y.zeroize();
    }
    let atc = a.txn.atc.0;
    let un = a.txn.un.0;
    let r = match cvn.ac_key {
        AcKeyMethod::MastercardSkd => [atc[0], atc[1], 0, 0, un[0], un[1], un[2], un[3]],
        _ => [atc[0], atc[1], 0, 0, 0, 0, 0, 0],
    };
    put(&mut c.r, l, &r);
    put(&mut c.arqc, l, &a.arqc.0);

    // The MAC input: minimum data ‖ card data, padded (lengths public).
    let mut buf = [0u8; 8 * MAX_MAC_BLOCKS];
    let mut min = a.txn.to_bytes();
    let cd = a.card_data.as_bytes();
    crate::ct::copy(buf.get_mut(..33).unwrap_or(&mut []), &min);
    crate::ct::copy(buf.get_mut(33..33 + cd.len()).unwrap_or(&mut []), cd);
    if let (Padding::Method2, Some(b)) = (cvn.padding, buf.get_mut(33 + cd.len())) {
        *b = 0x80;
    }
    for (b, chunk) in buf.chunks_exact(8).take(s.mac_blocks).enumerate() {
        if let Some(rows) = c.msg.get_mut(b) {
            put(rows, l, chunk);
        }
    }
    buf.zeroize();
    min.zeroize();

    // The ARPC input.
    let mut ab = [0u8; 8 * MAX_ARPC_BLOCKS];
    match a.response {
        ArpcResponse::Method1 { arc } => {
            crate::ct::copy(ab.get_mut(..8).unwrap_or(&mut []), &a.arqc.0);
            ab[0] ^= arc.0[0];
            ab[1] ^= arc.0[1];
        }
        ArpcResponse::Method2 { csu, proprietary } => {
            crate::ct::copy(ab.get_mut(..8).unwrap_or(&mut []), &a.arqc.0);
            crate::ct::copy(ab.get_mut(8..12).unwrap_or(&mut []), &csu.0);
            crate::ct::copy(
                ab.get_mut(12..12 + proprietary.len()).unwrap_or(&mut []),
                proprietary,
            );
            if let Some(b) = ab.get_mut(12 + proprietary.len()) {
                *b = 0x80;
            }
        }
    }
    for (b, chunk) in ab.chunks_exact(8).enumerate() {
        if let Some(rows) = c.arpc_in.get_mut(b) {
            put(rows, l, chunk);
        }
    }
    ab.zeroize();
    Ok(())
}

/// ISO 9797-1 MAC algorithm 3 (padding already applied), every lane:
/// CBC-MAC under K1, then `DES_K1(DES⁻¹_K2(·))` on the last state.
fn retail_mac<'r>(
    k1: &Planes<W>,
    k2: &Planes<W>,
    blocks: impl Iterator<Item = &'r Rows>,
    n: usize,
    out: &mut Planes<W>,
) {
    *out = [W::default(); 64];
    let mut m = [W::default(); 64];
    for rows in blocks {
        bs::load(rows.get(..n).unwrap_or(&[]), &mut m);
        for (s, x) in out.iter_mut().zip(m.iter()) {
            *s = *s ^ *x;
        }
        bs::des_encrypt(k1, out);
    }
    bs::des_decrypt(k2, out);
    bs::des_encrypt(k1, out);
    m.zeroize();
}

/// Sets plane bits 17..24 (byte 2) of every lane to the constant `v` (public).
fn set_byte2(p: &mut Planes<W>, v: u8) {
    for (i, plane) in p.iter_mut().skip(16).take(8).enumerate() {
        *plane = if (v >> (7 - i)) & 1 == 1 {
            !W::default()
        } else {
            W::default()
        };
    }
}

/// Runs the chunk's lanes and writes their outcomes.
fn run(s: &Shape, c: &mut Chunk, items: &[Authorisation<'_>], out: &mut [Outcome]) {
    let n = c.n.min(LANES);
    let z = [W::default(); 64];
    let (mut k1, mut k2) = (z, z);
    bs::load(c.k1.get(..n).unwrap_or(&[]), &mut k1);
    bs::load(c.k2.get(..n).unwrap_or(&[]), &mut k2);

    // Card key: TDES_IMK(Y) ‖ TDES_IMK(Y ⊕ FF..FF).
    let (mut mk1, mut mk2) = (k1, k2);
    if s.derive {
        bs::load(c.y.get(..n).unwrap_or(&[]), &mut mk1);
        for (r, l) in mk2.iter_mut().zip(mk1.iter()) {
            *r = !*l;
        }
        bs::tdes2_encrypt(&k1, &k2, &mut mk1);
        bs::tdes2_encrypt(&k1, &k2, &mut mk2);
    }
    // Session key: TDES_MK(F1) ‖ TDES_MK(F2), F1/F2 = R with byte 2 = F0/0F.
    let (mut ak1, mut ak2) = (mk1, mk2);
    if s.session {
        bs::load(c.r.get(..n).unwrap_or(&[]), &mut ak1);
        ak2 = ak1;
        set_byte2(&mut ak1, 0xF0);
        set_byte2(&mut ak2, 0x0F);
        bs::tdes2_encrypt(&mk1, &mk2, &mut ak1);
        bs::tdes2_encrypt(&mk1, &mk2, &mut ak2);
    }
    // The AC, compared with the ARQC in every lane.
    let mut mac = z;
    retail_mac(&ak1, &ak2, c.msg.iter().take(s.mac_blocks), n, &mut mac);
    let mut arqc = z;
    bs::load(c.arqc.get(..n).unwrap_or(&[]), &mut arqc);
    let mut bad = bs::differ(&mac, &arqc);
    // The ARPC, for every lane.
    let (pk1, pk2) = if s.arpc_card_key {
        (&mk1, &mk2)
    } else {
        (&ak1, &ak2)
    };
    let mut ar = z;
    if s.arpc_blocks == 0 {
        bs::load(
            c.arpc_in.first().and_then(|r| r.get(..n)).unwrap_or(&[]),
            &mut ar,
        );
        bs::tdes2_encrypt(pk1, pk2, &mut ar);
    } else {
        retail_mac(pk1, pk2, c.arpc_in.iter().take(s.arpc_blocks), n, &mut ar);
    }
    let mut arpcs: Rows = [[0; 8]; LANES];
    bs::store(&ar, arpcs.get_mut(..n).unwrap_or(&mut []));

    for l in 0..n {
        let (Some(&i), Some(a)) = (c.idx.get(l), arpcs.get(l)) else {
            continue;
        };
        let (Some(item), Some(slot)) = (items.get(i), out.get_mut(i)) else {
            continue;
        };
        // Lane l's mismatch bit (shift by a public amount).
        let miss = (bad.word(l >> 6) >> (l & 63)) & 1;
        // An item whose CID is not ARQC never verifies (public; same work).
        let cid = u8::from(item.cryptogram_type == CryptogramType::Arqc);
        let ok = Choice::from((miss ^ 1) as u8) & Choice::from(cid);
        *slot = if crate::ct::public_verdict(ok) {
            let arpc = if s.arpc_blocks == 0 {
                Arpc::Method1(*a)
            } else {
                Arpc::Method2([a[0], a[1], a[2], a[3]])
            };
            Outcome::Verified(VerifiedItem {
                cvn: item.cvn,
                atc: item.txn.atc,
                arqc: item.arqc,
                arpc,
                covered: Some(crate::emv::CoveredAmount::of(&item.txn)),
            })
        } else {
            Outcome::Rejected(VerifyError)
        };
    }
    for p in [
        &mut k1, &mut k2, &mut mk1, &mut mk2, &mut ak1, &mut ak2, &mut mac, &mut arqc, &mut ar,
    ] {
        p.zeroize();
    }
    bad.zeroize();
    arpcs.zeroize();
    c.wipe_used(s);
}

/// Verifies every item whose slot is [`Outcome::Pending`] (the TDES items
/// [`shape`] accepted), one shape at a time, [`LANES`] items per run.
pub(super) fn verify_pending(items: &[Authorisation<'_>], out: &mut [Outcome]) {
    // Built (and wiped on drop) only if a TDES item is pending: it is
    // ~19 KiB, whose wipe an AES-only batch should not pay.
    let mut chunk: Option<Chunk> = None;
    let pending = |o: Option<&Outcome>| matches!(o, Some(Outcome::Pending));
    let mut start = 0;
    while let Some(first) = (start..items.len()).find(|&i| pending(out.get(i))) {
        start = first;
        let Some(s) = items.get(first).and_then(shape) else {
            // Not a TDES item: cannot be pending; leave it as the caller set it.
            start += 1;
            continue;
        };
        let c = chunk.get_or_insert_with(Chunk::new);
        for (j, item) in items.iter().enumerate().skip(first) {
            if !pending(out.get(j)) || shape(item) != Some(s) {
                continue;
            }
            let l = c.n;
            match prepare(item, &s, c, l) {
                Ok(()) => {
                    if let Some(x) = c.idx.get_mut(l) {
                        *x = j;
                    }
                    c.n += 1;
                }
                Err(e) => {
                    if let Some(slot) = out.get_mut(j) {
                        *slot = Outcome::Malformed(e);
                    }
                }
            }
            if c.n == LANES {
                run(&s, c, items, out);
            }
        }
        if c.n > 0 {
            run(&s, c, items, out);
        }
    }
}
