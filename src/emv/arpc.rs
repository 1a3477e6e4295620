//! ARPC: the issuer's response cryptogram (EMV Book 2 §8.2).
//!
//! * Method 1: `ARPC = E_K(ARQC ⊕ ARC‖00…)`, 8 bytes. TDES is verified
//!   against published values. **The AES variant is inferred, not verified**
//!   (EMV Book 2 §8.2.1 defines Method 1 for TDES; this AES form is inferred): `leftmost 8 bytes of AES_K((ARQC ‖ 00*8) ⊕ (ARC ‖ 00*14))`.
//!   No scheme document or HSM vector confirmed it; confirm with a scheme test
//!   card or HSM before relying on it in production.
//! * Method 2: `ARPC = leftmost 4 bytes of MAC_K(ARQC ‖ CSU ‖ proprietary data)`,
//!   retail MAC (padding 2) for TDES, CMAC for AES.
//!
//! An issuer computes an ARPC only from a verified ARQC:
//! [`VerifiedArqc::arpc`](super::VerifiedArqc::arpc). The raw generators
//! (an ARPC for any 8 bytes) are in `hazmat` (feature `hazmat`). The device's
//! check of the issuer's answer, [`verify`], stays here: it reveals only a
//! verdict.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::CryptogramKey;
use super::types::{Cryptogram, Csu, ResponseCode};
use crate::cipher::BlockKey;
use crate::mac::{EmvMac, Padding, encrypt_block};
use crate::{Error, VerifyError};

/// Which ARPC method a CVN uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArpcMethod {
    /// ARQC ⊕ ARC, block-encrypted; 8-byte ARPC.
    Method1,
    /// MAC over ARQC ‖ CSU ‖ proprietary data; 4-byte ARPC.
    Method2,
}

/// What the issuer answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpcResponse<'a> {
    /// Method 1 input: the authorisation response code.
    Method1 {
        /// Authorisation Response Code (e.g. `3030` = "00").
        arc: ResponseCode,
    },
    /// Method 2 input: card status update and up to 8 bytes of proprietary data.
    Method2 {
        /// Card Status Update.
        csu: Csu,
        /// Proprietary Authentication Data, 0 to 8 bytes.
        proprietary: &'a [u8],
    },
}

/// An ARPC. The method fixes the length: 8 bytes for Method 1, 4 for Method 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arpc {
    /// Method 1 ARPC, 8 bytes.
    Method1([u8; 8]),
    /// Method 2 ARPC, 4 bytes.
    Method2([u8; 4]),
}

impl Arpc {
    /// The ARPC bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Arpc::Method1(b) => b,
            Arpc::Method2(b) => b,
        }
    }

    /// Issuer Authentication Data (tag 91) for this ARPC and its response:
    /// `ARPC ‖ ARC` (10 bytes) or `ARPC ‖ CSU ‖ proprietary data` (8–16 bytes).
    /// Writes into `out` and returns the used prefix.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the response's method differs from the ARPC's;
    /// [`Error::Length`] if the proprietary data is over 8 bytes.
    pub fn issuer_authentication_data<'o>(
        &self,
        response: &ArpcResponse<'_>,
        out: &'o mut [u8; 16],
    ) -> Result<&'o [u8], Error> {
        let parts: [&[u8]; 3] = match (self, response) {
            (Arpc::Method1(a), ArpcResponse::Method1 { arc }) => [a, &arc.0, &[]],
            (Arpc::Method2(a), ArpcResponse::Method2 { csu, proprietary }) => {
                check_proprietary(proprietary)?;
                [a, &csu.0, proprietary]
            }
            _ => {
                return Err(Error::Parameter {
                    what: "ARPC and response use different methods",
                });
            }
        };
        let mut n = 0;
        for p in parts {
            if let Some(dst) = out.get_mut(n..n + p.len()) {
                dst.copy_from_slice(p);
            }
            n += p.len();
        }
        Ok(out.get(..n).unwrap_or(&[]))
    }
}

pub(crate) fn check_proprietary(p: &[u8]) -> Result<(), Error> {
    if p.len() > 8 {
        return Err(Error::Length {
            field: "proprietary authentication data",
            expected: "0 to 8",
            got: p.len(),
        });
    }
    Ok(())
}

/// ARPC Method 1 under `key` (TDES; AES is the inferred construction).
/// Public only through [`crate::hazmat`].
#[must_use]
#[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
pub(crate) fn method1<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    arc: ResponseCode,
) -> [u8; 8] {
    method1_with(&key.material().block_key(), arqc, arc)
}

pub(crate) fn method1_with(key: &BlockKey, arqc: &Cryptogram, arc: ResponseCode) -> [u8; 8] {
    let mut block = [0u8; 16];
    block[..8].copy_from_slice(&arqc.0);
    block[0] ^= arc.0[0];
    block[1] ^= arc.0[1];
    encrypt_block(key, &mut block);
    let mut out = [0u8; 8];
    out.copy_from_slice(&block[..8]);
    block.zeroize();
    out
}

/// ARPC Method 2 under `key`. Public only through [`crate::hazmat`].
///
/// # Errors
/// [`Error::Length`] if `proprietary` is over 8 bytes;
/// [`Error::KeyAlgorithm`] for a three-key TDES key (the retail MAC would
/// ignore K3).
#[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
pub(crate) fn method2<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    csu: Csu,
    proprietary: &[u8],
) -> Result<[u8; 4], Error> {
    method2_with(&key.material().block_key(), arqc, csu, proprietary)
}

pub(crate) fn method2_with(
    key: &BlockKey,
    arqc: &Cryptogram,
    csu: Csu,
    proprietary: &[u8],
) -> Result<[u8; 4], Error> {
    check_proprietary(proprietary)?;
    let mut m = EmvMac::checked(key, Padding::Method2, "ARPC Method 2")?;
    m.update(&arqc.0);
    m.update(&csu.0);
    m.update(proprietary);
    let mut t = m.finalize8();
    let out = [t[0], t[1], t[2], t[3]];
    t.zeroize();
    Ok(out)
}

/// Computes the ARPC for `response` with `key`. Public only through
/// [`crate::hazmat`].
///
/// # Errors
/// As [`method2`].
#[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
pub(crate) fn generate<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
) -> Result<Arpc, Error> {
    generate_with(&key.material().block_key(), arqc, response)
}

pub(crate) fn generate_with(
    key: &BlockKey,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
) -> Result<Arpc, Error> {
    match *response {
        ArpcResponse::Method1 { arc } => Ok(Arpc::Method1(method1_with(key, arqc, arc))),
        ArpcResponse::Method2 { csu, proprietary } => {
            method2_with(key, arqc, csu, proprietary).map(Arpc::Method2)
        }
    }
}

/// Device side: recomputes the ARPC and compares all of it in constant time.
///
/// # Errors
/// [`VerifyError`] on any mismatch (including a method mismatch or malformed
/// proprietary data), with no detail.
pub fn verify<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
    arpc: &Arpc,
) -> Result<(), VerifyError> {
    verify_with(&key.material().block_key(), arqc, response, arpc)
}

pub(crate) fn verify_with(
    key: &BlockKey,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
    arpc: &Arpc,
) -> Result<(), VerifyError> {
    let ok = match (generate_with(key, arqc, response), arpc) {
        (Ok(Arpc::Method1(mut want)), Arpc::Method1(got)) => {
            let c = want.ct_eq(got);
            want.zeroize();
            c
        }
        (Ok(Arpc::Method2(mut want)), Arpc::Method2(got)) => {
            let c = want.ct_eq(got);
            want.zeroize();
            c
        }
        _ => subtle::Choice::from(0),
    };
    if crate::ct::public_verdict(ok) {
        Ok(())
    } else {
        Err(VerifyError)
    }
}
