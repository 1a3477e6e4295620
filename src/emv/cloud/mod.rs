//! Cloud-based payment profiles: tokens whose keys live in software, not in a
//! secure element.
//!
//! * [`vcps`]: Visa Cloud-Based Payments, CVN '43': the limited-use key
//!   (LUK) bound to its key index, the qVSDC cryptogram, the MSD
//!   verification value, and the backend that re-derives the LUK from the
//!   key index in the IAD.
//! * [`mcbp`]: Mastercard Cloud-Based Payments (MCBP 1.0, M/Chip Mobile):
//!   single-use keys per ATC, the mobile-PIN unlock of the UMD key, the dual
//!   application cryptogram, the dual CVC3, DSRP (remote) cryptograms, and the
//!   backend that checks both cryptograms and reports PIN-verified (UMD) and
//!   device-only (MD) as distinct results.
//!
//! # Confidence labels
//!
//! Neither Visa's VCPS specification nor Mastercard's MCBP documents were
//! available; the constructions come from public code and its test values.
//! Each item below carries one of these labels:
//!
//! * **\[S\]** seen in source code **and** reproduced bit-exactly against
//!   values asserted by that source's own tests;
//! * **\[C\]** read in source code (one implementation, or two that agree),
//!   no asserted value;
//! * **\[U\]** inferred; a hypothesis, kept out of the default path.
//!
//! | item | status |
//! |---|---|
//! | VCPS UDK = Option A; LUK = TDES_UDK('1'‖KI‖8‖0…) ‖ TDES_UDK('2'‖KI‖8‖0…), no parity | \[S\] 2 BP-Tools examples (via CC); PAT shape |
//! | VCPS key index semantics Y/HHHH/CC and ranges | \[C\] STA |
//! | VCPS qVSDC AC = MAC3(LUK) pad 2 over 29 terminal bytes ‖ AIP ‖ ATC ‖ CVR(4) | \[S\] 1 example; \[C\] STG input |
//! | VCPS IAD: 1F 43 DKI CVR(4) … derivation data at \[13..17\] | \[C\] STG + 2 public samples; bytes 7–12, 17–31 \[U\] |
//! | VCPS MSD 3-digit value | \[S\] 3 examples (tool); meaning of DT, track-2 layout \[U\] |
//! | VCPS ARPC, separate MSD key | \[U\] |
//! | MCBP PIN unlock (ASCII≪1, 8 bytes, both halves) | \[S\] MCJ test; MCC agrees |
//! | MCBP AC_UMD / AC_MD over the 39-byte input, MAC3 pad 2 | \[S\] MCJ test; MCC agrees |
//! | MCBP IAD: CVR at 2, DAC/IDN at 8, AC_MD\[0..5\] at 11 | \[C\] MCJ = MCC; sample IAD `0114…` |
//! | MCBP CVC3: DES step | \[S\]; a/b/c arithmetic and response tags \[C\] MCJ = MCC |
//! | MCBP DSRP (RP keys, IAD\[8..10\] = 0000) | \[C\] |
//! | Random keys without CVM | \[C\] |
//! | Issuer derivation of SK_MD / SK_UMD from master keys; IDN derivation | \[U\] — not in public code |
//!
//! What tapcrypt ships from the \[U\] rows: nothing by default. The VCPS ARPC
//! and the separate MSD key are not implemented; the VCPS IAD bytes 7–12 are
//! carried as opaque wallet data; the issuer-side MCBP key derivation exists
//! only behind the cargo feature `mcbp-inferred-skd` (off by default) and is
//! named `..._inferred`. The MSD "device type" input is taken as given.
//!
//! # Rules these modules follow
//!
//! * Every key (UDK, LUK, single-use keys, masked UMD keys) and the mobile PIN
//!   live in types that zeroize on drop, print nothing secret and are not
//!   `Copy`. Single-use keys are consumed by value: a key set computes one
//!   tap and is gone.
//! * Constant time: no branch, index or division on a key, a PIN digit or
//!   length, or a cryptogram under verification. The CVC3's `mod 1000`,
//!   `mod 100` and `div 10` are multiply-shift (exhaustively checked).
//! * The caller pins the profile: the VCPS verifier accepts only a CVN '43'
//!   IAD; the MCBP verifier checks the IAD's KDI and CVN against the
//!   [`McbpProfile`](mcbp::McbpProfile) from the caller's records.
//! * Verification returns a proof (no public constructor) that implements
//!   the sealed [`VerifiedAtc`](crate::emv::VerifiedAtc), so the replay
//!   window consumes the tap's ATC only after a verification; MCBP
//!   single-use keys are spent only through a proof. No ARPC is offered:
//!   neither profile's ARPC is established (VCPS: \[U\]; MCBP: not in the
//!   spec).

pub mod mcbp;
pub mod vcps;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::cipher::Tdes;
use crate::mac::{Padding, RetailMac};

/// 16 secret bytes of a two-key TDES key used by the cloud profiles (LUK,
/// single-use keys). Zeroized on drop; no `Clone`/`Copy` (only the crate can
/// [`duplicate`](Key16::duplicate) one, for the issuer's key store).
pub(crate) struct Key16(pub(crate) [u8; 16]);

impl Key16 {
    pub(crate) fn tdes(&self) -> Tdes {
        Tdes::from_slice(&self.0)
    }

    pub(crate) fn duplicate(&self) -> Key16 {
        Key16(self.0)
    }

    pub(crate) fn from_hex(hex: &str) -> Result<Key16, crate::Error> {
        let mut k = Key16([0u8; 16]);
        if hex.len() != 32 {
            return Err(crate::Error::KeyLength {
                algorithm: "TDES-2key",
                got: hex.len() / 2,
            });
        }
        crate::ct::hex_decode(hex.as_bytes(), &mut k.0)?;
        Ok(k)
    }

    /// TDES KCV: E(00*8), leftmost 3 bytes.
    pub(crate) fn kcv(&self) -> crate::keys::Kcv {
        let mut b = [0u8; 8];
        self.tdes().encrypt_block(&mut b);
        crate::keys::Kcv([b[0], b[1], b[2]])
    }

    pub(crate) fn ct_eq(&self, other: &Key16) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl Drop for Key16 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// ISO 9797-1 MAC algorithm 3, padding method 2, over the concatenation of
/// `parts` (lengths public; bytes and key secret). The cloud keys are always
/// two-key TDES, so the retail MAC's three-key refusal cannot trigger; it is
/// still propagated rather than assumed away.
pub(crate) fn mac3(key: &Tdes, parts: &[&[u8]]) -> Result<[u8; 8], crate::Error> {
    let mut m = RetailMac::new(key, Padding::Method2, "a cloud-payment cryptogram")?;
    for p in parts {
        m.update(p);
    }
    Ok(m.finalize())
}

/// Declares a public 16-byte TDES key type for one role (the recipe of
/// `crate::keys`: zeroized, redacted `Debug`, not `Copy`, `==` only in
/// constant time, bytes only through `expose_secret`).
macro_rules! cloud_key {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Zeroized on drop; `Debug` prints nothing secret; not `Clone` or `Copy`.
        pub struct $name(pub(crate) $crate::emv::cloud::Key16);

        impl $name {
            /// From the 16 key bytes (two-key TDES, K1 ‖ K2, as delivered:
            /// not parity-adjusted).
            #[must_use]
            pub fn from_bytes(key: &[u8; 16]) -> Self {
                $name($crate::emv::cloud::Key16(*key))
            }

            /// From 32 hex characters (decoded in constant time).
            ///
            /// # Errors
            /// [`Error::KeyLength`](crate::Error::KeyLength),
            /// [`Error::OddHex`](crate::Error::OddHex) or
            /// [`Error::NotHex`](crate::Error::NotHex).
            pub fn from_hex(hex: &str) -> Result<Self, $crate::Error> {
                $crate::emv::cloud::Key16::from_hex(hex).map($name)
            }

            /// The raw key bytes.
            ///
            /// # Security warning
            /// The returned array is the secret itself. Copying it out defeats
            /// zeroize-on-drop; use it only to hand the key to an HSM or a key
            /// block, never to log it.
            #[must_use]
            pub fn expose_secret(&self) -> &[u8; 16] {
                &self.0.0
            }

            /// TDES key check value, E(00*8), leftmost 3 bytes.
            #[must_use]
            pub fn kcv(&self) -> $crate::keys::Kcv {
                self.0.kcv()
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl ::subtle::ConstantTimeEq for $name {
            fn ct_eq(&self, other: &Self) -> ::subtle::Choice {
                self.0.ct_eq(&other.0)
            }
        }

        impl ::zeroize::ZeroizeOnDrop for $name {}
    };
}
pub(crate) use cloud_key;

/// `x mod 1000` and `x div 1000` for `x` < 2^16 (secret), by multiply-shift:
/// `x div 1000 = (x·67109) >> 26` for every 16-bit `x` (checked
/// exhaustively for every 16-bit `x` in the tests). No division instruction.
#[inline]
pub(crate) fn divmod_1000(x: u16) -> (u32, u32) {
    let x = core::hint::black_box(u64::from(x));
    let q = ((x * 67_109) >> 26) as u32;
    (q, (x as u32).wrapping_sub(q * 1000))
}

/// `x mod 100` for `x` < 2^16: `x div 100 = (x·83887) >> 23`.
#[inline]
pub(crate) fn mod_100(x: u16) -> u32 {
    let x = core::hint::black_box(u64::from(x));
    let q = ((x * 83_887) >> 23) as u32;
    (x as u32).wrapping_sub(q * 100)
}

/// `(x div 10, x mod 10)` for `x` < 2^16: `x div 10 = (x·52429) >> 19`.
#[inline]
pub(crate) fn divmod_10(x: u32) -> (u32, u32) {
    let x = core::hint::black_box(u64::from(x));
    let q = ((x * 52_429) >> 19) as u32;
    (q, (x as u32).wrapping_sub(q * 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiply_shift_division_is_exact_for_every_u16() {
        for x in 0..=u16::MAX {
            let (q, r) = divmod_1000(x);
            assert_eq!((q, r), (u32::from(x) / 1000, u32::from(x) % 1000), "{x}");
            assert_eq!(mod_100(x), u32::from(x) % 100, "{x}");
            let (q, r) = divmod_10(u32::from(x));
            assert_eq!((q, r), (u32::from(x) / 10, u32::from(x) % 10), "{x}");
        }
    }
}
