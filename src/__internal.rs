//! Entry points for cargo-fuzz and the ctgrind harness. Not a stable API:
//! everything here may change in any release.

#[cfg(feature = "tdes")]
use crate::cipher::Tdes;
use crate::{Error, Pan};

#[cfg(feature = "tdes")]
fn tdes_key(key: &[u8]) -> Result<Tdes, Error> {
    if key.len() == 16 || key.len() == 24 {
        Ok(Tdes::from_slice(key))
    } else {
        Err(Error::KeyLength {
            algorithm: "TDES",
            got: key.len(),
        })
    }
}

#[cfg(feature = "tdes")]
/// One block of TDES encryption (`E_K3(D_K2(E_K1(x)))`) with our
/// constant-time DES, on a raw 16- or 24-byte key.
///
/// # Errors
/// [`Error::KeyLength`] for any other key length.
pub fn tdes_encrypt_block(key: &[u8], block: &mut [u8; 8]) -> Result<(), Error> {
    tdes_key(key)?.encrypt_block(block);
    Ok(())
}

#[cfg(feature = "tdes")]
/// One block of TDES decryption (`D_K1(E_K2(D_K3(x)))`) on a raw 16- or
/// 24-byte key.
///
/// # Errors
/// [`Error::KeyLength`] for any other key length.
pub fn tdes_decrypt_block(key: &[u8], block: &mut [u8; 8]) -> Result<(), Error> {
    tdes_key(key)?.decrypt_block(block);
    Ok(())
}

#[cfg(feature = "tdes")]
/// Two-key TDES (EDE) of `blocks[i]` under `keys[i]`, every lane at once,
/// through the bitsliced DES (`cipher::des_bitsliced`): 64-lane `u64`
/// planes for up to 64 items, `[u64; 4]` planes (256 lanes) beyond that.
/// Decrypts instead when `decrypt`. `keys` and `blocks` pair up; extra
/// entries of the longer one are ignored.
///
/// # Errors
/// [`Error::Length`] for more than 256 lanes.
pub fn tdes2_lanes(keys: &[[u8; 16]], blocks: &mut [[u8; 8]], decrypt: bool) -> Result<(), Error> {
    let n = keys.len().min(blocks.len());
    if n > 256 {
        return Err(Error::Length {
            field: "bitsliced lanes",
            expected: "at most 256",
            got: n,
        });
    }
    tdes2_lanes_in(if n <= 64 { 1 } else { 4 }, keys, blocks, decrypt)
}

/// [`tdes2_lanes`] with the lane word chosen: `words` = 1 (`u64`, 64
/// lanes), 2 (`[u64; 2]`, 128 lanes) or 4 (`[u64; 4]`, 256 lanes); for the
/// benches that compare them.
///
/// # Errors
/// [`Error::Parameter`] for another `words`; [`Error::Length`] for more
/// lanes than the word holds.
pub fn tdes2_lanes_in(
    words: usize,
    keys: &[[u8; 16]],
    blocks: &mut [[u8; 8]],
    decrypt: bool,
) -> Result<(), Error> {
    use crate::cipher::des_bitsliced::{Wide, Word};
    let n = keys.len().min(blocks.len());
    if n > 64 * words {
        return Err(Error::Length {
            field: "bitsliced lanes",
            expected: "at most 64 per word",
            got: n,
        });
    }
    fn run<W: Word>(keys: &[[u8; 16]], blocks: &mut [[u8; 8]], decrypt: bool) {
        use crate::cipher::des_bitsliced as bs;
        let k1: [[u8; 8]; 256] = core::array::from_fn(|i| {
            keys.get(i)
                .map_or([0; 8], |k| [k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]])
        });
        let k2: [[u8; 8]; 256] = core::array::from_fn(|i| {
            keys.get(i).map_or([0; 8], |k| {
                [k[8], k[9], k[10], k[11], k[12], k[13], k[14], k[15]]
            })
        });
        let n = keys.len().min(blocks.len());
        let (mut p1, mut p2, mut b) = ([W::default(); 64], [W::default(); 64], [W::default(); 64]);
        bs::load(k1.get(..n).unwrap_or(&[]), &mut p1);
        bs::load(k2.get(..n).unwrap_or(&[]), &mut p2);
        bs::load(blocks.get(..n).unwrap_or(&[]), &mut b);
        if decrypt {
            bs::tdes2_decrypt(&p1, &p2, &mut b);
        } else {
            bs::tdes2_encrypt(&p1, &p2, &mut b);
        }
        bs::store(&b, blocks.get_mut(..n).unwrap_or(&mut []));
    }
    match words {
        1 => run::<u64>(keys, blocks, decrypt),
        2 => run::<Wide<2>>(keys, blocks, decrypt),
        4 => run::<Wide<4>>(keys, blocks, decrypt),
        _ => {
            return Err(Error::Parameter {
                what: "lane words must be 1, 2 or 4",
            });
        }
    }
    Ok(())
}

/// The digit values (0–9) of a PAN, one per byte; the harness poisons them.
#[must_use]
pub fn pan_digit_values(pan: &Pan) -> &[u8] {
    pan.digit_values()
}

#[cfg(feature = "provision")]
pub use self::provision::*;

#[cfg(feature = "provision")]
mod provision {
    use crate::Error;
    use crate::provision::ProvisionError;
    use crate::provision::keypair::{self, EcPublicKey};
    use crate::provision::tr31::{self, KeyBlockProtectionKey};

    /// Decrypts and MAC-checks a key block and copies out its clear payload
    /// (`[len]_16 ‖ key ‖ padding`), for tests that re-wrap with the same
    /// padding and compare byte for byte. Test use only.
    ///
    /// # Errors
    /// As [`tr31::unwrap`].
    pub fn tr31_clear_payload(
        kbpk: &KeyBlockProtectionKey,
        block: &[u8],
        out: &mut [u8; tr31::MAX_PAYLOAD],
    ) -> Result<usize, ProvisionError> {
        tr31::clear_payload_for_tests(kbpk, block, out)
    }

    /// How the peer key of an ECDH vector is encoded.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PeerKeyEncoding {
        /// SEC1 point (Wycheproof `ecpoint` files).
        Sec1,
        /// X.509 SubjectPublicKeyInfo DER (Wycheproof `ecdh_secp256r1_test`).
        SpkiDer,
    }

    /// Raw ECDH shared secret `x(d·Q)` for Wycheproof checks. **Never use
    /// outside vector tests**: the production API only ever returns a KBPK.
    ///
    /// `private` is big-endian and may carry leading zero bytes (Wycheproof's
    /// ASN.1 sign byte); it is reduced to 32 bytes.
    ///
    /// # Errors
    /// Any decoding error of the peer key or the scalar.
    pub fn ecdh_shared_secret_for_vectors(
        private: &[u8],
        peer: &[u8],
        encoding: PeerKeyEncoding,
    ) -> Result<[u8; 32], Error> {
        let mut s = private;
        while s.len() > 32 {
            match s.split_first() {
                Some((0, rest)) => s = rest,
                _ => {
                    return Err(Error::Length {
                        field: "private scalar",
                        expected: "at most 32 significant bytes",
                        got: private.len(),
                    });
                }
            }
        }
        let mut d = zeroize::Zeroizing::new([0u8; 32]);
        if let Some(dst) = d.get_mut(32 - s.len()..) {
            dst.copy_from_slice(s);
        }
        let q = match encoding {
            PeerKeyEncoding::Sec1 => EcPublicKey::from_sec1(peer)?,
            PeerKeyEncoding::SpkiDer => EcPublicKey::from_spki_der(peer)?,
        };
        keypair::raw_ecdh_for_vectors(&d, &q)
    }

    /// A deterministic RNG for tests, benches and the ctgrind and firmware
    /// harnesses: block *i* is HMAC-SHA256(key, *i* as u64 big-endian).
    ///
    /// **Not a DRBG**: no entropy, no reseeding, no backtracking resistance.
    /// It exists so that every harness draws the same reproducible bytes
    /// from one implementation. Never use it for real keys.
    #[derive(Debug)]
    pub struct TestRng {
        key: [u8; 32],
        ctr: u64,
    }

    impl TestRng {
        /// Key `[seed; 32]`, counter 0.
        #[must_use]
        pub fn new(seed: u8) -> Self {
            Self::with_key(&[seed; 32], 0)
        }

        /// Any HMAC key (up to 32 bytes, zero-padded) and starting counter.
        #[must_use]
        pub fn with_key(key: &[u8], ctr: u64) -> Self {
            let mut k = [0u8; 32];
            for (d, s) in k.iter_mut().zip(key) {
                *d = *s;
            }
            TestRng { key: k, ctr }
        }
    }

    impl rand_core::TryRng for TestRng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0u8; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0u8; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for chunk in dst.chunks_mut(32) {
                self.ctr = self.ctr.wrapping_add(1);
                let block = crate::kdf::hmac_sha256(&self.key, &self.ctr.to_be_bytes());
                for (d, s) in chunk.iter_mut().zip(block.iter()) {
                    *d = *s;
                }
            }
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for TestRng {}
}

#[cfg(feature = "aes")]
/// Our fixsliced AES core (`cipher::aes_fixslice`), whatever the
/// `aes-fixslice` feature says: encrypts `a` and `b` under a raw 16-, 24- or
/// 32-byte key, as one paired call when `paired`, else as two single-block
/// calls. For the differential fuzz target and ctgrind.
///
/// # Errors
/// [`Error::KeyLength`] for any other key length.
pub fn aes_fixslice_encrypt(
    key: &[u8],
    a: &mut [u8; 16],
    b: &mut [u8; 16],
    paired: bool,
) -> Result<(), Error> {
    use crate::cipher::aes_fixslice::{Fixslice128, Fixslice192, Fixslice256, FixsliceKey};
    fn run<const R: usize>(k: &FixsliceKey<R>, a: &mut [u8; 16], b: &mut [u8; 16], paired: bool) {
        if paired {
            k.encrypt_pair(a, b);
        } else {
            k.encrypt_block(a);
            k.encrypt_block(b);
        }
    }
    match key.len() {
        16 => run(&Fixslice128::new(key), a, b, paired),
        24 => run(&Fixslice192::new(key), a, b, paired),
        32 => run(&Fixslice256::new(key), a, b, paired),
        got => {
            return Err(Error::KeyLength {
                algorithm: "AES",
                got,
            });
        }
    }
    Ok(())
}

/// `batch::verify_batch` with the AES lanes kept on the safe
/// (`cipher_round_par`) path even with the `batch-aesni` feature: the
/// tests and benches compare the two paths in one build.
///
/// # Errors
/// As `batch::verify_batch`.
#[cfg(feature = "batch-aes")]
pub fn verify_batch_safe_lanes(
    items: &[crate::batch::Authorisation<'_>],
    out: &mut [crate::batch::Outcome],
) -> Result<(), Error> {
    crate::batch::verify_batch_with(items, out, false)
}
