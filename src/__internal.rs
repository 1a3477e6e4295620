//! Entry points for cargo-fuzz and the ctgrind harness. Not a stable API:
//! everything here may change in any release.

use crate::cipher::Tdes;
use crate::{Error, Pan};

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

/// One block of TDES encryption (`E_K3(D_K2(E_K1(x)))`) with our
/// constant-time DES, on a raw 16- or 24-byte key.
///
/// # Errors
/// [`Error::KeyLength`] for any other key length.
pub fn tdes_encrypt_block(key: &[u8], block: &mut [u8; 8]) -> Result<(), Error> {
    tdes_key(key)?.encrypt_block(block);
    Ok(())
}

/// One block of TDES decryption (`D_K1(E_K2(D_K3(x)))`) on a raw 16- or
/// 24-byte key.
///
/// # Errors
/// [`Error::KeyLength`] for any other key length.
pub fn tdes_decrypt_block(key: &[u8], block: &mut [u8; 8]) -> Result<(), Error> {
    tdes_key(key)?.decrypt_block(block);
    Ok(())
}

/// The digit values (0–9) of a PAN, one per byte; the harness poisons them.
#[must_use]
pub fn pan_digit_values(pan: &Pan) -> &[u8] {
    pan.digit_values()
}
