//! MACs: ISO/IEC 9797-1 padding methods 1 and 2, MAC algorithm 3 with DES
//! (the "retail MAC", ANSI X9.19) and AES-CMAC (NIST SP 800-38B).
//!
//! Both MACs stream: the state is one block plus one partial block, so no
//! buffer of the whole message is ever needed. Message *lengths* are public
//! (they decide the padding); message bytes and keys are secret.

#[cfg(feature = "aes")]
use aes::cipher::KeyInit;
#[cfg(feature = "aes")]
use cmac::Mac as _;
use zeroize::Zeroize;

#[cfg(feature = "aes")]
use crate::Algorithm;
use crate::Error;
#[cfg(feature = "aes")]
use crate::cipher::AesKey;
use crate::cipher::BlockKey;
#[cfg(feature = "tdes")]
use crate::cipher::Tdes;
#[cfg(feature = "aes")]
use crate::keys::KeyMaterial;
use crate::keys::secret_key;

/// ISO/IEC 9797-1 padding method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Method 1: zero bytes up to a block boundary (nothing if aligned; one
    /// zero block for empty data).
    Method1,
    /// Method 2: `80`, then zero bytes up to a block boundary (always adds).
    Method2,
}

impl Padding {
    /// From the number used in ISO 9797-1 (1 or 2).
    ///
    /// # Errors
    /// [`Error::Parameter`] for any other number.
    pub fn from_number(n: u64) -> Result<Self, Error> {
        match n {
            1 => Ok(Padding::Method1),
            2 => Ok(Padding::Method2),
            _ => Err(Error::Parameter {
                what: "ISO 9797-1 padding method must be 1 or 2",
            }),
        }
    }

    /// Length of `data_len` bytes after padding to `block` bytes, for a
    /// power-of-two block (8 for DES, 16 for AES).
    ///
    /// Computed with masks rather than a division: a runtime divisor compiles
    /// to `UDIV` or a library call on Cortex-M, which the firmware's
    /// no-division check rejects, lengths being public or not.
    #[must_use]
    pub const fn padded_len(self, data_len: usize, block: usize) -> usize {
        let mask = block.wrapping_sub(1);
        match self {
            Padding::Method1 if data_len == 0 => block,
            Padding::Method1 => data_len.wrapping_add(mask) & !mask,
            Padding::Method2 => data_len.wrapping_add(block) & !mask,
        }
    }
}

/// Writes `data` padded with `method` to blocks of `block` bytes into `out`
/// and returns the padded length.
///
/// # Errors
/// [`Error::Parameter`] unless `block` is 8 or 16; [`Error::Length`] if
/// `out` is too small.
pub fn pad(data: &[u8], method: Padding, block: usize, out: &mut [u8]) -> Result<usize, Error> {
    if block != 8 && block != 16 {
        return Err(Error::Parameter {
            what: "ISO 9797-1 block length must be 8 (DES) or 16 (AES)",
        });
    }
    let n = method.padded_len(data.len(), block);
    let got = out.len();
    let dst = out.get_mut(..n).ok_or(Error::Length {
        field: "padding output buffer",
        expected: "at least the padded length",
        got,
    })?;
    dst.fill(0);
    let (head, tail) = dst.split_at_mut(data.len());
    head.copy_from_slice(data);
    if let (Padding::Method2, Some(b)) = (method, tail.first_mut()) {
        *b = 0x80;
    }
    Ok(n)
}

secret_key!(
    /// A general MAC or data key, for callers that MAC or encrypt with a key
    /// whose EMV role this crate does not model (and for test vectors).
    MacKey
);

/// ISO 9797-1 MAC algorithm 3 with DES, streaming.
///
/// CBC-MAC under single DES with K1; the last block goes through
/// `DES_K1(DES⁻¹_K2(·))`. Not the same as TDES-CBC over every block.
#[cfg(feature = "tdes")]
pub(crate) struct RetailMac<'k> {
    key: &'k Tdes,
    /// The CBC state with the pending (last) block already XORed in, as
    /// `EmvCmac` keeps it: the message is XORed straight into the state,
    /// so no block buffer is copied or wiped (issue 17: a TDES tap's
    /// retail MAC called `memcpy` once per `update`).
    state: [u8; 8],
    /// Bytes of the pending block in `state` (public: depends only on
    /// message length).
    fill: usize,
    padding: Padding,
}

#[cfg(feature = "tdes")]
impl<'k> RetailMac<'k> {
    /// A retail MAC under a *two-key* TDES key. ISO 9797-1 MAC algorithm 3
    /// is defined over two DES keys; given a three-key key it would use K1
    /// and K2 and silently drop K3, so that key is refused, naming
    /// `operation` (every public retail-MAC path comes through here).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] for a three-key TDES key.
    pub(crate) fn new(
        key: &'k Tdes,
        padding: Padding,
        operation: &'static str,
    ) -> Result<Self, Error> {
        if key.is_three_key() {
            return Err(Error::KeyAlgorithm {
                operation,
                needs: "two-key TDES (the retail MAC uses K1 and K2 only; K3 would be ignored)",
            });
        }
        Ok(Self::with_tdes(key, padding))
    }

    /// Unchecked: for [`EmvMac::new`], whose cryptogram callers refuse a
    /// three-key key before they expand it.
    fn with_tdes(key: &'k Tdes, padding: Padding) -> Self {
        RetailMac {
            key,
            state: [0; 8],
            fill: 0,
            padding,
        }
    }

    /// Encrypts the state (a complete pending block) under K1.
    fn absorb_block(&mut self) {
        self.key.k1().encrypt_block(&mut self.state);
        self.fill = 0;
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.fill == 8 {
                // Only absorb a full block once more data arrives, so the last
                // block is still pending at finalize (padding method 1 of
                // aligned data adds nothing).
                self.absorb_block();
            }
            if self.fill == 0
                && let Some((block, rest)) = data.split_first_chunk::<8>()
            {
                self.state =
                    (u64::from_ne_bytes(self.state) ^ u64::from_ne_bytes(*block)).to_ne_bytes();
                self.fill = 8;
                data = rest;
                continue;
            }
            let take = core::cmp::min(8 - self.fill, data.len());
            let (now, rest) = data.split_at(take);
            if let Some(dst) = self.state.get_mut(self.fill..) {
                for (s, d) in dst.iter_mut().zip(now) {
                    *s ^= *d;
                }
            }
            self.fill += take;
            data = rest;
        }
    }

    pub(crate) fn finalize(mut self) -> [u8; 8] {
        match self.padding {
            // Zero padding changes nothing in the state: the pending block
            // (or, for an empty message, one block of zeros) is complete.
            Padding::Method1 => {}
            Padding::Method2 => {
                if self.fill == 8 {
                    self.absorb_block();
                }
                if let Some(b) = self.state.get_mut(self.fill) {
                    *b ^= 0x80;
                }
            }
        }
        self.absorb_block();
        self.key.k2().decrypt_block(&mut self.state);
        self.key.k1().encrypt_block(&mut self.state);
        // A copy out; `Drop` wipes the state.
        self.state
    }
}

#[cfg(feature = "tdes")]
impl Drop for RetailMac<'_> {
    fn drop(&mut self) {
        self.state.zeroize();
    }
}

/// AES-CMAC over any of the three key sizes, streaming.
#[cfg(feature = "aes")]
pub(crate) enum Cmac {
    Aes128(cmac::Cmac<aes::Aes128>),
    #[cfg(feature = "aes192")]
    Aes192(cmac::Cmac<aes::Aes192>),
    #[cfg(feature = "aes256")]
    Aes256(cmac::Cmac<aes::Aes256>),
}

#[cfg(feature = "aes")]
impl Cmac {
    pub(crate) fn new(key: &KeyMaterial) -> Result<Self, Error> {
        let k = key.bytes();
        let bad = || Error::KeyAlgorithm {
            operation: "AES-CMAC",
            needs: "AES",
        };
        match key.algorithm() {
            Algorithm::Aes128 => cmac::Cmac::new_from_slice(k).map(Cmac::Aes128),
            #[cfg(feature = "aes192")]
            Algorithm::Aes192 => cmac::Cmac::new_from_slice(k).map(Cmac::Aes192),
            #[cfg(feature = "aes256")]
            Algorithm::Aes256 => cmac::Cmac::new_from_slice(k).map(Cmac::Aes256),
            _ => return Err(bad()),
        }
        .map_err(|_| bad())
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Cmac::Aes128(m) => m.update(data),
            #[cfg(feature = "aes192")]
            Cmac::Aes192(m) => m.update(data),
            #[cfg(feature = "aes256")]
            Cmac::Aes256(m) => m.update(data),
        }
    }

    pub(crate) fn finalize(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut t = match self {
            Cmac::Aes128(m) => m.finalize().into_bytes(),
            #[cfg(feature = "aes192")]
            Cmac::Aes192(m) => m.finalize().into_bytes(),
            #[cfg(feature = "aes256")]
            Cmac::Aes256(m) => m.finalize().into_bytes(),
        };
        out.copy_from_slice(&t);
        // The tag may be key material (SP 800-108 blocks, the AES KCV's
        // full CMAC): wipe the temporary, the caller owns `out`.
        zeroize::Zeroize::zeroize(&mut t[..]);
        out
    }
}

/// AES-CMAC for EMV cryptograms, streaming, with one saving over a textbook
/// implementation: the subkey block `L = AES_K(0)` is computed in the same
/// cipher call as the first CBC block `AES_K(M1)` (both depend only on the
/// key). On Cortex-M our fixsliced core encrypts two blocks per call
/// whatever you ask for, so this removes one of the four to five block
/// operations of a tap. Cross-checked against the `cmac` crate in the tests.
///
/// The message is XORed straight into the CBC state (no block buffer, so
/// nothing is copied and only the state is wiped): whole 16-byte blocks as
/// one 128-bit XOR, the pieces around them byte by byte. The state's last
/// block is encrypted only when more data follows, so `finalize` can add the
/// subkey (and the padding) to it.
#[cfg(feature = "aes")]
pub(crate) struct EmvCmac<'k> {
    key: &'k AesKey,
    /// The CBC state with the pending (last) block already XORed in.
    state: [u8; 16],
    /// Bytes of the pending block in `state` (public: depends only on
    /// message length).
    fill: usize,
    /// `L`, once computed (whether it has been is public).
    l: Option<[u8; 16]>,
}

#[cfg(feature = "aes")]
impl<'k> EmvCmac<'k> {
    pub(crate) fn new(key: &'k AesKey) -> Self {
        EmvCmac {
            key,
            state: [0; 16],
            fill: 0,
            l: None,
        }
    }

    /// Encrypts the state (a complete pending block), with `L = E_K(0)` in
    /// the other lane the first time.
    fn absorb_block(&mut self) {
        if self.l.is_none() {
            let mut l = [0u8; 16];
            self.key.encrypt_pair(&mut self.state, &mut l);
            self.l = Some(l);
        } else {
            self.key.encrypt_block(&mut self.state);
        }
        self.fill = 0;
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.fill == 16 {
                // Keep the last block for finalize: absorb only when more follows.
                self.absorb_block();
            }
            if self.fill == 0
                && let Some((block, rest)) = data.split_first_chunk::<16>()
            {
                xor_into(&mut self.state, block);
                self.fill = 16;
                data = rest;
                continue;
            }
            let take = core::cmp::min(16 - self.fill, data.len());
            let (now, rest) = data.split_at(take);
            if let Some(dst) = self.state.get_mut(self.fill..) {
                for (s, d) in dst.iter_mut().zip(now) {
                    *s ^= *d;
                }
            }
            self.fill += take;
            data = rest;
        }
    }

    pub(crate) fn finalize(mut self) -> [u8; 16] {
        let mut l = match self.l.take() {
            Some(l) => l,
            None => {
                let mut l = [0u8; 16];
                self.key.encrypt_block(&mut l);
                l
            }
        };
        let mut k = dbl(&l);
        if self.fill != 16 {
            // Pad with 80 00..00 (the zeros change nothing in the state)
            // and use K2 = dbl(K1).
            if let Some(b) = self.state.get_mut(self.fill) {
                *b ^= 0x80;
            }
            k = dbl(&k);
        }
        xor_into(&mut self.state, &k);
        self.key.encrypt_block(&mut self.state);
        l.zeroize();
        k.zeroize();
        // A copy out; `Drop` wipes the state.
        self.state
    }
}

#[cfg(feature = "aes")]
impl Drop for EmvCmac<'_> {
    fn drop(&mut self) {
        self.state.zeroize();
        if let Some(l) = self.l.as_mut() {
            l.zeroize();
        }
    }
}

/// `acc ^= x` on 16 bytes, as one 128-bit XOR (four word operations on a
/// 32-bit core instead of sixteen byte ones).
#[cfg(feature = "aes")]
#[inline(always)]
fn xor_into(acc: &mut [u8; 16], x: &[u8; 16]) {
    *acc = (u128::from_ne_bytes(*acc) ^ u128::from_ne_bytes(*x)).to_ne_bytes();
}

/// Doubling in GF(2^128) (SP 800-38B subkey step), without branching on the
/// secret top bit: one 128-bit shift, `0x87` folded in under a mask.
#[cfg(feature = "aes")]
pub(crate) fn dbl(x: &[u8; 16]) -> [u8; 16] {
    let v = u128::from_be_bytes(*x);
    let top = v >> 127;
    ((v << 1) ^ (0x87 & 0u128.wrapping_sub(top))).to_be_bytes()
}

/// The MAC an EMV cryptogram uses: retail MAC for TDES keys, CMAC for AES.
// Lives on the stack for one operation; boxing is not an option without alloc.
#[allow(clippy::large_enum_variant)]
pub(crate) enum EmvMac<'k> {
    #[cfg(feature = "tdes")]
    Retail(RetailMac<'k>),
    #[cfg(feature = "aes")]
    Cmac(EmvCmac<'k>),
}

impl<'k> EmvMac<'k> {
    /// MACs with an already expanded key. `padding` applies to TDES only;
    /// CMAC pads internally. Does not check the TDES key's length: the
    /// cryptogram paths refuse a three-key key before expanding it
    /// (`CryptogramKey` users call [`EmvMac::checked`]).
    pub(crate) fn new(key: &'k BlockKey, padding: Padding) -> Self {
        match key {
            #[cfg(feature = "tdes")]
            BlockKey::Tdes(t) => EmvMac::Retail(RetailMac::with_tdes(t, padding)),
            #[cfg(feature = "aes")]
            BlockKey::Aes(a) => {
                let _ = padding;
                EmvMac::Cmac(EmvCmac::new(a))
            }
        }
    }

    /// As [`EmvMac::new`], refusing a three-key TDES key (see
    /// [`RetailMac::new`]).
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] for a three-key TDES key.
    pub(crate) fn checked(
        key: &'k BlockKey,
        padding: Padding,
        operation: &'static str,
    ) -> Result<Self, Error> {
        Ok(match key {
            #[cfg(feature = "tdes")]
            BlockKey::Tdes(t) => EmvMac::Retail(RetailMac::new(t, padding, operation)?),
            #[cfg(feature = "aes")]
            BlockKey::Aes(a) => {
                let _ = (padding, operation);
                EmvMac::Cmac(EmvCmac::new(a))
            }
        })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "tdes")]
            EmvMac::Retail(m) => m.update(data),
            #[cfg(feature = "aes")]
            EmvMac::Cmac(m) => m.update(data),
        }
    }

    /// The leftmost 8 bytes of the MAC.
    pub(crate) fn finalize8(self) -> [u8; 8] {
        match self {
            #[cfg(feature = "tdes")]
            EmvMac::Retail(m) => m.finalize(),
            #[cfg(feature = "aes")]
            EmvMac::Cmac(m) => {
                let mut out = [0u8; 8];
                let mut t = m.finalize();
                out.copy_from_slice(t.get(..8).unwrap_or(&[0; 8]));
                t.zeroize();
                out
            }
        }
    }
}

/// Full 16-byte AES-CMAC of `data` (for KCVs and tests). Panics never: a
/// non-AES key yields the CMAC of nothing under an all-zero key's slot, which
/// callers rule out by checking the algorithm first.
#[cfg(feature = "aes")]
pub(crate) fn aes_cmac_full(key: &KeyMaterial, data: &[u8]) -> [u8; 16] {
    match Cmac::new(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize()
        }
        Err(_) => [0u8; 16],
    }
}

/// ISO 9797-1 MAC algorithm 3 (retail MAC) with DES over `data`, full 8 bytes.
///
/// # Errors
/// [`Error::KeyAlgorithm`] if `key` is not a two-key TDES key (MAC algorithm
/// 3 uses K1 and K2; a three-key key's K3 would be ignored, so it is refused).
#[cfg(feature = "tdes")]
pub fn retail_mac(key: &MacKey, data: &[u8], padding: Padding) -> Result<[u8; 8], Error> {
    let BlockKey::Tdes(t) = key.0.block_key() else {
        return Err(Error::KeyAlgorithm {
            operation: "the retail MAC (ISO 9797-1 alg. 3)",
            needs: "TDES",
        });
    };
    let mut m = RetailMac::new(&t, padding, "the retail MAC (ISO 9797-1 alg. 3)")?;
    m.update(data);
    Ok(m.finalize())
}

/// AES-CMAC (SP 800-38B) over `data`, full 16 bytes.
///
/// # Errors
/// [`Error::KeyAlgorithm`] if `key` is not an AES key.
#[cfg(feature = "aes")]
pub fn aes_cmac(key: &MacKey, data: &[u8]) -> Result<[u8; 16], Error> {
    let mut m = Cmac::new(&key.0)?;
    m.update(data);
    Ok(m.finalize())
}

/// Encrypts one block with the key's cipher (TDES: 8 bytes, AES: 16 bytes)
/// into the first `block_len` bytes of `block`.
pub(crate) fn encrypt_block(key: &BlockKey, block: &mut [u8; 16]) {
    match key {
        #[cfg(feature = "tdes")]
        BlockKey::Tdes(t) => {
            let mut b = [0u8; 8];
            b.copy_from_slice(block.get(..8).unwrap_or(&[0; 8]));
            t.encrypt_block(&mut b);
            if let Some(dst) = block.get_mut(..8) {
                dst.copy_from_slice(&b);
            }
            b.zeroize();
        }
        #[cfg(feature = "aes")]
        BlockKey::Aes(a) => a.encrypt_block(block),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic test bytes (splitmix64).
    fn bytes(seed: &mut u64, out: &mut [u8]) {
        for b in out.iter_mut() {
            *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *b = (z ^ (z >> 31)) as u8;
        }
    }

    #[test]
    fn emv_cmac_matches_cmac_crate() {
        let mut seed = 7;
        for alg in [Algorithm::Aes128, Algorithm::Aes192, Algorithm::Aes256] {
            for len in 0..100 {
                let mut k = [0u8; 32];
                bytes(&mut seed, &mut k);
                let key = KeyMaterial::new(alg, &k[..alg.key_len()]).unwrap();
                let mut data = [0u8; 100];
                bytes(&mut seed, &mut data);
                let want = aes_cmac_full(&key, &data[..len]);
                // Feed in uneven pieces to exercise the streaming.
                let BlockKey::Aes(ak) = key.block_key() else {
                    panic!()
                };
                let mut m = EmvCmac::new(&ak);
                let (a, b) = data[..len].split_at(len / 3);
                m.update(a);
                m.update(b);
                assert_eq!(m.finalize(), want, "{alg:?} len {len}");
            }
        }
    }

    /// NIST SP 800-38B Appendix D.1 (AES-128) and D.3 (AES-256) through the
    /// tap's CMAC (`EmvCmac`, which pairs `L = E_K(0)` with the first block):
    /// with `aes-fixslice` this is our fixsliced core on the tap path.
    #[test]
    fn emv_cmac_sp800_38b_appendix_d() {
        fn unhex(s: &str) -> [u8; 64] {
            let mut out = [0u8; 64];
            for (i, o) in out.iter_mut().take(s.len() / 2).enumerate() {
                *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
            }
            out
        }
        let msg = unhex(concat!(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
        ));
        type Case<'a> = (Algorithm, &'a str, [(usize, &'a str); 4]);
        let cases: [Case; 2] = [
            (
                Algorithm::Aes128,
                "2b7e151628aed2a6abf7158809cf4f3c",
                [
                    (0, "bb1d6929e95937287fa37d129b756746"),
                    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
                    (40, "dfa66747de9ae63030ca32611497c827"),
                    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
                ],
            ),
            (
                Algorithm::Aes256,
                "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
                [
                    (0, "028962f61b7bf89efc6b551f4667d983"),
                    (16, "28a7023f452e8f82bd4bf28d8c37c35c"),
                    (40, "aaf3d8f1de5640c232f5b169b9c911e6"),
                    (64, "e1992190549f6ed5696a2c056c315410"),
                ],
            ),
        ];
        for (alg, k, vectors) in cases {
            let k = unhex(k);
            let key = KeyMaterial::new(alg, &k[..alg.key_len()]).unwrap();
            let BlockKey::Aes(ak) = key.block_key() else {
                panic!()
            };
            for (len, tag) in vectors {
                let mut m = EmvCmac::new(&ak);
                m.update(&msg[..len]);
                assert_eq!(
                    m.finalize()[..],
                    unhex(tag)[..16],
                    "{alg:?} Mlen {len} bytes"
                );
            }
        }
    }

    #[test]
    fn dbl_matches_sp800_38b_example() {
        // SP 800-38B D.1: L = 7df76b0c1ab899b33e42f047b91b546f, K1 = fbeed618357133667c85e08f7236a8de.
        let l = [
            0x7d, 0xf7, 0x6b, 0x0c, 0x1a, 0xb8, 0x99, 0xb3, 0x3e, 0x42, 0xf0, 0x47, 0xb9, 0x1b,
            0x54, 0x6f,
        ];
        let k1 = [
            0xfb, 0xee, 0xd6, 0x18, 0x35, 0x71, 0x33, 0x66, 0x7c, 0x85, 0xe0, 0x8f, 0x72, 0x36,
            0xa8, 0xde,
        ];
        let k2 = [
            0xf7, 0xdd, 0xac, 0x30, 0x6a, 0xe2, 0x66, 0xcc, 0xf9, 0x0b, 0xc1, 0x1e, 0xe4, 0x6d,
            0x51, 0x3b,
        ];
        assert_eq!(dbl(&l), k1);
        assert_eq!(dbl(&k1), k2);
    }

    /// The streaming retail MAC (state XORed in place, no block buffer)
    /// against ISO 9797-1 MAC algorithm 3 built from the `des` crate (the
    /// test oracle): random two-key keys, every length 0..=41, both
    /// paddings, the message fed whole and in three uneven pieces.
    #[cfg(feature = "tdes")]
    #[test]
    fn retail_mac_matches_des_crate() {
        use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit as _};
        let mut seed = 17;
        for len in 0..=41usize {
            for padding in [Padding::Method1, Padding::Method2] {
                let mut k = [0u8; 16];
                bytes(&mut seed, &mut k);
                let mut data = [0u8; 41];
                bytes(&mut seed, &mut data);
                let msg = &data[..len];
                // Oracle: pad, CBC-MAC under DES K1, then D_K2, E_K1.
                let mut padded = [0u8; 48];
                let n = pad(msg, padding, 8, &mut padded).unwrap();
                let k1 = des::Des::new_from_slice(&k[..8]).unwrap();
                let k2 = des::Des::new_from_slice(&k[8..]).unwrap();
                let mut st = Array::from([0u8; 8]);
                for block in padded[..n].chunks_exact(8) {
                    for (s, b) in st.iter_mut().zip(block) {
                        *s ^= *b;
                    }
                    k1.encrypt_block(&mut st);
                }
                k2.decrypt_block(&mut st);
                k1.encrypt_block(&mut st);
                let want: [u8; 8] = st.into();

                let t = Tdes::from_slice(&k);
                let mut whole = RetailMac::new(&t, padding, "test").unwrap();
                whole.update(msg);
                assert_eq!(whole.finalize(), want, "len {len} {padding:?} whole");
                let mut pieces = RetailMac::new(&t, padding, "test").unwrap();
                let (a, rest) = msg.split_at(len / 3);
                let (b, c) = rest.split_at(rest.len() / 2);
                pieces.update(a);
                pieces.update(b);
                pieces.update(&[]);
                pieces.update(c);
                assert_eq!(pieces.finalize(), want, "len {len} {padding:?} pieces");
            }
        }
    }
}
