//! Entry points for cargo-fuzz and the ctgrind harness. Not a stable API:
//! everything here may change in any release.

#[cfg(feature = "provision")]
pub use self::provision::*;

#[cfg(feature = "provision")]
mod provision {
    use crate::provision::ProvisionError;
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
}
