//! splitmix64 (Steele, Lea, Flood 2014): the tests' deterministic,
//! dependency-free source of pseudo-random inputs, shared by the test
//! files that declare `mod splitmix;`. Not every file uses every method.
#![allow(dead_code)]

pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `L` bytes: successive outputs, big-endian.
    pub(crate) fn bytes<const L: usize>(&mut self) -> [u8; L] {
        let mut out = [0u8; L];
        for chunk in out.chunks_mut(8) {
            let v = self.next().to_be_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }

    /// `n` bytes: the low byte of each of `n` successive outputs.
    pub(crate) fn low_bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// A value below `n` (modulo bias is irrelevant for tests).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
