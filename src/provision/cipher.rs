//! Block cipher, CBC and CMAC over either AES or TDES, for key blocks.
//!
//! TR-31 versions B and D have the same shape with different block sizes, so
//! one CMAC/CBC implementation serves both. AES comes from the `aes` crate
//! (decryption is used here, which `crate::cipher::AesKey` does not wrap);
//! TDES is the crate's constant-time [`Tdes`].
//!
//! Secret: keys, all block contents. Public: block size, data lengths.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

use crate::Algorithm;
use crate::cipher::Tdes;
use crate::keys::KeyMaterial;

/// Largest block size (AES).
pub(crate) const MAX_BS: usize = 16;

/// An expanded block cipher key. The AES keys are zeroized on drop by the
/// `aes` crate (`zeroize` feature).
pub(crate) enum Kc {
    Aes128(aes::Aes128),
    Aes192(aes::Aes192),
    Aes256(aes::Aes256),
    Tdes(Tdes),
}

fn expand<C: KeyInit>(src: &[u8]) -> C {
    let mut k = aes::cipher::Key::<C>::default();
    for (o, s) in k.iter_mut().zip(src) {
        *o = *s;
    }
    let c = C::new(&k);
    k.as_mut_slice().zeroize();
    c
}

impl Kc {
    pub(crate) fn new(key: &KeyMaterial) -> Self {
        let b = key.bytes();
        match key.algorithm() {
            Algorithm::Aes128 => Kc::Aes128(expand(b)),
            Algorithm::Aes192 => Kc::Aes192(expand(b)),
            Algorithm::Aes256 => Kc::Aes256(expand(b)),
            _ => Kc::Tdes(Tdes::from_slice(b)),
        }
    }

    /// Block size in bytes (public).
    pub(crate) fn bs(&self) -> usize {
        match self {
            Kc::Tdes(_) => 8,
            _ => 16,
        }
    }

    /// Encrypts the first `bs()` bytes of `b` in place.
    fn enc(&self, b: &mut [u8; MAX_BS]) {
        match self {
            Kc::Aes128(k) => k.encrypt_block(b.into()),
            Kc::Aes192(k) => k.encrypt_block(b.into()),
            Kc::Aes256(k) => k.encrypt_block(b.into()),
            Kc::Tdes(t) => {
                let mut x = [0u8; 8];
                if let Some(h) = b.get(..8) {
                    x.copy_from_slice(h);
                }
                t.encrypt_block(&mut x);
                if let Some(h) = b.get_mut(..8) {
                    h.copy_from_slice(&x);
                }
                x.zeroize();
            }
        }
    }

    /// Decrypts the first `bs()` bytes of `b` in place.
    fn dec(&self, b: &mut [u8; MAX_BS]) {
        match self {
            Kc::Aes128(k) => k.decrypt_block(b.into()),
            Kc::Aes192(k) => k.decrypt_block(b.into()),
            Kc::Aes256(k) => k.decrypt_block(b.into()),
            Kc::Tdes(t) => {
                let mut x = [0u8; 8];
                if let Some(h) = b.get(..8) {
                    x.copy_from_slice(h);
                }
                t.decrypt_block(&mut x);
                if let Some(h) = b.get_mut(..8) {
                    h.copy_from_slice(&x);
                }
                x.zeroize();
            }
        }
    }

    /// CBC-encrypts `data` (a whole number of blocks; public length) in place.
    pub(crate) fn cbc_encrypt(&self, iv: &[u8], data: &mut [u8]) {
        let bs = self.bs();
        let mut chain = [0u8; MAX_BS];
        for (c, i) in chain.iter_mut().zip(iv) {
            *c = *i;
        }
        for blk in data.chunks_exact_mut(bs) {
            for (c, p) in chain.iter_mut().zip(blk.iter()) {
                *c ^= *p;
            }
            self.enc(&mut chain);
            for (p, c) in blk.iter_mut().zip(chain.iter()) {
                *p = *c;
            }
        }
        chain.zeroize();
    }

    /// CBC-decrypts `data` (a whole number of blocks; public length) in place.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8], data: &mut [u8]) {
        let bs = self.bs();
        let mut prev = [0u8; MAX_BS];
        for (c, i) in prev.iter_mut().zip(iv) {
            *c = *i;
        }
        let mut cur = [0u8; MAX_BS];
        let mut ct = [0u8; MAX_BS];
        for blk in data.chunks_exact_mut(bs) {
            for ((c, t), b) in cur.iter_mut().zip(ct.iter_mut()).zip(blk.iter()) {
                *c = *b;
                *t = *b;
            }
            self.dec(&mut cur);
            for ((b, c), p) in blk.iter_mut().zip(cur.iter()).zip(prev.iter()) {
                *b = *c ^ *p;
            }
            prev = ct;
        }
        prev.zeroize();
        cur.zeroize();
        ct.zeroize();
    }

    /// CMAC (NIST SP 800-38B) over the concatenation of `parts`. The first
    /// `bs()` bytes of the result are the tag.
    pub(crate) fn cmac(&self, parts: &[&[u8]]) -> [u8; MAX_BS] {
        let bs = self.bs();
        // Subkeys: L = E(0), K1 = dbl(L), K2 = dbl(K1); Rb = 0x87 (128-bit
        // blocks) or 0x1B (64-bit blocks).
        let rb: u8 = if bs == 16 { 0x87 } else { 0x1B };
        let mut k1 = [0u8; MAX_BS];
        self.enc(&mut k1);
        dbl(&mut k1, bs, rb);
        let mut k2 = k1;
        dbl(&mut k2, bs, rb);

        let mut x = [0u8; MAX_BS];
        let mut buf = [0u8; MAX_BS];
        let mut fill = 0usize; // public: depends on lengths only
        for part in parts {
            for &byte in part.iter() {
                if fill == bs {
                    for (a, b) in x.iter_mut().zip(buf.iter()) {
                        *a ^= *b;
                    }
                    self.enc(&mut x);
                    fill = 0;
                }
                if let Some(slot) = buf.get_mut(fill) {
                    *slot = byte;
                }
                fill += 1;
            }
        }
        let last_key = if fill == bs {
            &k1
        } else {
            if let Some(tail) = buf.get_mut(fill..bs) {
                tail.fill(0);
            }
            if let Some(b) = buf.get_mut(fill) {
                *b = 0x80;
            }
            &k2
        };
        for ((a, b), k) in x.iter_mut().zip(buf.iter()).zip(last_key.iter()).take(bs) {
            *a ^= *b ^ *k;
        }
        self.enc(&mut x);
        k1.zeroize();
        k2.zeroize();
        buf.zeroize();
        x
    }
}

/// Doubling in GF(2^n) over the first `bs` bytes, in constant time.
fn dbl(b: &mut [u8; MAX_BS], bs: usize, rb: u8) {
    let msb = b.first().map_or(0, |x| x >> 7);
    let mut carry = 0u8;
    for x in b.iter_mut().take(bs).rev() {
        let next = *x >> 7;
        *x = (*x << 1) | carry;
        carry = next;
    }
    if let Some(last) = b.get_mut(bs.wrapping_sub(1)) {
        *last ^= rb & msb.wrapping_neg();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmac_rfc4493_example_2() {
        let k = KeyMaterial::new(
            Algorithm::Aes128,
            &[
                0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf,
                0x4f, 0x3c,
            ],
        )
        .unwrap();
        let msg = [
            0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93,
            0x17, 0x2a,
        ];
        let t = Kc::new(&k).cmac(&[&msg[..5], &msg[5..]]);
        assert_eq!(
            t,
            [
                0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44, 0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a,
                0x28, 0x7c
            ]
        );
        // RFC 4493 example 1 (empty message).
        let t0 = Kc::new(&k).cmac(&[]);
        assert_eq!(
            t0,
            [
                0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28, 0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75,
                0x67, 0x46
            ]
        );
    }
}
