//! Secret keys, one type per role.
//!
//! An issuer master key, a card master key and a session key are different
//! types, so an IMK cannot be passed where a session key is expected. Every key
//! type follows one recipe (the crate-private `secret_key!` macro): a private fixed-size
//! buffer, zeroized on drop, a `Debug` that prints only the algorithm, no
//! `Clone`/`Copy`, equality only in constant time, and byte access only through
//! the explicitly named [`expose_secret`](IssuerMasterKey::expose_secret).
//!
//! The algorithm (TDES-2, TDES-3, AES-128/192/256) is public: it decides
//! lengths and control flow. The key bytes are secret.

use zeroize::Zeroize;

use crate::Error;
use crate::cipher::BlockKey;

/// Block cipher and key length of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
///
/// Each variant exists only with its cipher's Cargo feature (`tdes`, `aes`;
/// both on by default), so code for a cipher that is compiled out cannot
/// name it and no key of it can exist.
pub enum Algorithm {
    /// Two-key triple DES (K1 ‖ K2, 16 bytes; K3 = K1).
    #[cfg(feature = "tdes")]
    Tdes2,
    /// Three-key triple DES (24 bytes).
    #[cfg(feature = "tdes")]
    Tdes3,
    /// AES with a 16-byte key.
    #[cfg(feature = "aes")]
    Aes128,
    /// AES with a 24-byte key (feature `aes192`).
    #[cfg(feature = "aes192")]
    Aes192,
    /// AES with a 32-byte key (feature `aes256`).
    #[cfg(feature = "aes256")]
    Aes256,
}

impl Algorithm {
    /// Key length in bytes.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            #[cfg(feature = "tdes")]
            Algorithm::Tdes2 => 16,
            #[cfg(feature = "tdes")]
            Algorithm::Tdes3 => 24,
            #[cfg(feature = "aes")]
            Algorithm::Aes128 => 16,
            #[cfg(feature = "aes192")]
            Algorithm::Aes192 => 24,
            #[cfg(feature = "aes256")]
            Algorithm::Aes256 => 32,
        }
    }

    /// Block length in bytes (8 for TDES, 16 for AES).
    #[must_use]
    pub const fn block_len(self) -> usize {
        if self.is_tdes() { 8 } else { 16 }
    }

    /// True for the TDES variants.
    #[must_use]
    pub const fn is_tdes(self) -> bool {
        #[cfg(feature = "tdes")]
        {
            matches!(self, Algorithm::Tdes2 | Algorithm::Tdes3)
        }
        #[cfg(not(feature = "tdes"))]
        {
            let _ = self;
            false
        }
    }

    /// The AES variant whose key length is `len`, if any (`None` when the
    /// `aes` feature is off).
    #[must_use]
    pub const fn aes_for_len(len: usize) -> Option<Algorithm> {
        match len {
            #[cfg(feature = "aes")]
            16 => Some(Algorithm::Aes128),
            #[cfg(feature = "aes192")]
            24 => Some(Algorithm::Aes192),
            #[cfg(feature = "aes256")]
            32 => Some(Algorithm::Aes256),
            _ => None,
        }
    }

    /// The TDES variant whose key length is `len`, if any (`None` when the
    /// `tdes` feature is off).
    #[must_use]
    pub const fn tdes_for_len(len: usize) -> Option<Algorithm> {
        match len {
            #[cfg(feature = "tdes")]
            16 => Some(Algorithm::Tdes2),
            #[cfg(feature = "tdes")]
            24 => Some(Algorithm::Tdes3),
            _ => None,
        }
    }

    pub(crate) const fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "tdes")]
            Algorithm::Tdes2 => "TDES-2key",
            #[cfg(feature = "tdes")]
            Algorithm::Tdes3 => "TDES-3key",
            #[cfg(feature = "aes")]
            Algorithm::Aes128 => "AES-128",
            #[cfg(feature = "aes192")]
            Algorithm::Aes192 => "AES-192",
            #[cfg(feature = "aes256")]
            Algorithm::Aes256 => "AES-256",
        }
    }
}

/// The raw material behind every key type: algorithm (public) and bytes (secret).
///
/// Stored in a 32-byte buffer whatever the length so that moving between roles
/// never reallocates; the unused tail stays zero. Word-aligned: a key is
/// moved a few times on its way out of a derivation (`Result`, `Option`,
/// the transaction keys), and on a 32-bit core a byte-aligned 33-byte move
/// is a call to the generic `memcpy` (≈ 170 instructions on Cortex-M4),
/// an aligned one a few word loads and stores.
#[repr(align(4))]
pub(crate) struct KeyMaterial {
    alg: Algorithm,
    bytes: [u8; 32],
}

impl KeyMaterial {
    pub(crate) fn new(alg: Algorithm, key: &[u8]) -> Result<Self, Error> {
        let mut bytes = [0u8; 32];
        match bytes.get_mut(..alg.key_len()) {
            Some(dst) if key.len() == alg.key_len() => {
                // `ct::copy`, not `copy_from_slice`: with the struct
                // word-aligned, LLVM at opt-level "s" no longer proved the two
                // lengths equal and kept `copy_from_slice`'s panic path.
                crate::ct::copy(dst, key);
            }
            _ => {
                return Err(Error::KeyLength {
                    algorithm: alg.name(),
                    got: key.len(),
                });
            }
        }
        Ok(KeyMaterial { alg, bytes })
    }

    /// Builds from a hex string without branching on its contents.
    pub(crate) fn from_hex(alg: Algorithm, hex: &str) -> Result<Self, Error> {
        let mut bytes = [0u8; 32];
        let n = alg.key_len();
        if hex.len() != 2 * n {
            return Err(Error::KeyLength {
                algorithm: alg.name(),
                got: hex.len() / 2,
            });
        }
        let dst = bytes
            .get_mut(..n)
            .ok_or(Error::Parameter { what: "key length" })?;
        let r = crate::ct::hex_decode(hex.as_bytes(), dst);
        if let Err(e) = r {
            bytes.zeroize();
            return Err(e);
        }
        Ok(KeyMaterial { alg, bytes })
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        self.alg
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        // key_len() <= 32 always holds; the fallback is unreachable.
        self.bytes.get(..self.alg.key_len()).unwrap_or(&[])
    }

    /// Takes ownership of a freshly derived buffer (already the right length).
    pub(crate) fn from_array<const N: usize>(alg: Algorithm, mut src: [u8; N]) -> Self {
        let mut bytes = [0u8; 32];
        if let Some(dst) = bytes.get_mut(..N) {
            dst.copy_from_slice(&src);
        }
        src.zeroize();
        KeyMaterial { alg, bytes }
    }

    /// Re-labels as `alg` keeping the first `alg.key_len()` bytes and zeroing
    /// the rest (used when a derivation produced more bytes than the key needs).
    pub(crate) fn truncated(mut self, alg: Algorithm) -> Self {
        if let Some(tail) = self.bytes.get_mut(alg.key_len()..) {
            tail.zeroize();
        }
        self.alg = alg;
        self
    }

    pub(crate) fn block_key(&self) -> BlockKey {
        BlockKey::new(self.alg, self.bytes())
    }

    #[cfg(feature = "tdes")]
    fn tdes_kcv(&self) -> [u8; 3] {
        let mut block = [0u8; 16];
        self.block_key().encrypt_zero_block(&mut block);
        [block[0], block[1], block[2]]
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for KeyMaterial {}

/// A key check value: the leftmost 3 bytes of a public function of the key.
///
/// It is not secret (it is printed on key ceremony forms), so it is `Copy` and
/// compares with `==`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kcv(pub [u8; 3]);

/// Declares a secret key type for one role. See the module docs for the recipe.
macro_rules! secret_key {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Zeroized on drop; `Debug` prints only the algorithm; not `Clone` or `Copy`.
        pub struct $name(pub(crate) $crate::keys::KeyMaterial);

        impl $name {
            /// A key of algorithm `alg` from raw bytes.
            ///
            /// # Errors
            /// [`Error::KeyLength`](crate::Error::KeyLength) if `key` is not
            /// `alg.key_len()` bytes long.
            pub fn new(alg: $crate::Algorithm, key: &[u8]) -> Result<Self, $crate::Error> {
                Ok($name($crate::keys::KeyMaterial::new(alg, key)?))
            }

            /// A key of algorithm `alg` from a hex string (decoded in constant time).
            ///
            /// # Errors
            /// [`Error::KeyLength`](crate::Error::KeyLength),
            /// [`Error::OddHex`](crate::Error::OddHex) or
            /// [`Error::NotHex`](crate::Error::NotHex).
            pub fn from_hex(alg: $crate::Algorithm, hex: &str) -> Result<Self, $crate::Error> {
                Ok($name($crate::keys::KeyMaterial::from_hex(alg, hex)?))
            }

            /// A two-key TDES key (K1 ‖ K2).
            #[cfg(feature = "tdes")]
            #[must_use]
            pub fn tdes2(key: &[u8; 16]) -> Self {
                $name($crate::keys::KeyMaterial::from_array($crate::Algorithm::Tdes2, *key))
            }

            /// An AES-128 key.
            #[cfg(feature = "aes")]
            #[must_use]
            pub fn aes128(key: &[u8; 16]) -> Self {
                $name($crate::keys::KeyMaterial::from_array($crate::Algorithm::Aes128, *key))
            }

            /// The key's algorithm (public).
            #[must_use]
            pub fn algorithm(&self) -> $crate::Algorithm {
                self.0.algorithm()
            }

            /// The raw key bytes.
            ///
            /// # Security warning
            /// The returned slice is the secret itself. Copying it out defeats
            /// zeroize-on-drop; use it only to hand the key to an HSM or a
            /// key block, never to log it.
            #[must_use]
            pub fn expose_secret(&self) -> &[u8] {
                self.0.bytes()
            }

            /// The key check value by the ANSI X9.24 convention for the
            /// algorithm: TDES → E(00*8), AES → CMAC(00*16); leftmost 3 bytes.
            #[must_use]
            pub fn kcv(&self) -> $crate::keys::Kcv {
                $crate::keys::kcv(&self.0)
            }

            /// AES only: the older "encrypt a zero block" KCV, E(00*16), leftmost
            /// 3 bytes. For TDES this is the same as [`kcv`](Self::kcv).
            #[must_use]
            pub fn kcv_ecb_zero(&self) -> $crate::keys::Kcv {
                $crate::keys::kcv_ecb_zero(&self.0)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("algorithm", &self.0.algorithm())
                    .finish_non_exhaustive()
            }
        }

        impl ::subtle::ConstantTimeEq for $name {
            fn ct_eq(&self, other: &Self) -> ::subtle::Choice {
                let a = self.0.bytes();
                let b = other.0.bytes();
                // Lengths are public (they follow from the algorithm).
                let same_alg = ::subtle::Choice::from(u8::from(
                    self.0.algorithm() == other.0.algorithm(),
                ));
                if a.len() != b.len() {
                    return ::subtle::Choice::from(0);
                }
                same_alg & a.ct_eq(b)
            }
        }

        impl ::zeroize::ZeroizeOnDrop for $name {}
    };
}
pub(crate) use secret_key;

pub(crate) fn kcv(k: &KeyMaterial) -> Kcv {
    #[cfg(feature = "tdes")]
    if k.algorithm().is_tdes() {
        return Kcv(k.tdes_kcv());
    }
    #[cfg(feature = "aes")]
    {
        let t = crate::mac::aes_cmac_full(k, &[0u8; 16]);
        Kcv([t[0], t[1], t[2]])
    }
    // Only TDES keys can exist without `aes`.
    #[cfg(not(feature = "aes"))]
    Kcv(k.tdes_kcv())
}

pub(crate) fn kcv_ecb_zero(k: &KeyMaterial) -> Kcv {
    let mut block = [0u8; 16];
    k.block_key().encrypt_zero_block(&mut block);
    Kcv([block[0], block[1], block[2]])
}

secret_key!(
    /// An issuer master key for application cryptograms (IMK-AC): derives
    /// one [`CardMasterKey`] (ICC MK-AC) per PAN/PSN.
    IssuerMasterKey
);
secret_key!(
    /// The **ICC MK** (ICC master key for application cryptograms, MK-AC).
    ///
    /// What EMV Book 2 and HSM manuals call the "ICC MK", "MK-AC" or "UDK":
    /// derived from an [`IssuerMasterKey`] with EMV Option A, B or C.
    /// Computes ARQC/TC/AAC (directly for Visa CVN 10, else through a
    /// [`SessionKey`]) and, for some CVNs, the ARPC. TR-31 key usage `E0`.
    CardMasterKey
);
secret_key!(
    /// A session key for application cryptograms: derived from a
    /// [`CardMasterKey`] for one ATC. Computes ACs and ARPCs.
    SessionKey
);
secret_key!(
    /// An issuer master key for secure-messaging integrity (IMK-SMI):
    /// derives one [`CardMacKey`] per PAN/PSN.
    IssuerMacKey
);
secret_key!(
    /// A card (ICC) master key for secure-messaging integrity, **MK-SMI**:
    /// derives the [`ScriptMacKey`] of each issuer script. TR-31 key usage
    /// `E2`.
    CardMacKey
);
secret_key!(
    /// An issuer master key for secure-messaging confidentiality (IMK-SMC):
    /// derives one [`CardEncKey`] per PAN/PSN.
    IssuerEncKey
);
secret_key!(
    /// A card (ICC) master key for secure-messaging confidentiality,
    /// **MK-SMC**: derives the [`ScriptEncKey`] of each issuer script. TR-31
    /// key usage `E1`.
    CardEncKey
);
secret_key!(
    /// A script session key for integrity, **SK-SMI**: MACs issuer script
    /// commands. Derived from a [`CardMacKey`] only.
    ScriptMacKey
);
secret_key!(
    /// A script session key for confidentiality, **SK-SMC**: encrypts issuer
    /// script command data (PIN blocks). Derived from a [`CardEncKey`] only.
    ScriptEncKey
);
secret_key!(
    /// An issuer master key for CVC3 (IMK-CVC3): derives one [`Cvc3Key`] per
    /// PAN/PSN.
    IssuerCvc3Key
);
secret_key!(
    /// A card (ICC) master key for Mastercard CVC3, **MK-CVC3** (computes
    /// IVCVC3 and CVC3 directly). TR-31 key usage `E4` (EMV master key for
    /// dynamic numbers).
    Cvc3Key
);
secret_key!(
    /// An issuer master key for Visa dCVV (IMK-DCVV; for Visa the IMK-AC,
    /// used with PSN 00): derives one [`DcvvKey`] per PAN.
    IssuerDcvvKey
);
secret_key!(
    /// A card key for Visa dCVV, **MK-DCVV** (computes the dCVV directly).
    /// TR-31 key usage `E6` (EMV master key, other): a tapcrypt convention,
    /// as no usage is defined for dCVV.
    DcvvKey
);

/// Crate-private access to a role type's key material.
#[allow(private_interfaces)]
pub(crate) mod role_sealed {
    /// Builds a role type from material and reads it back. Sealed: the
    /// trait lives in a private module, so no other crate implements it or
    /// calls its methods.
    pub trait Role: Sized {
        fn from_material(m: crate::keys::KeyMaterial) -> Self;
        fn material(&self) -> &crate::keys::KeyMaterial;
    }
}

macro_rules! role {
    ($($t:ident),*) => {$(
        #[allow(private_interfaces)]
        impl role_sealed::Role for $t {
            fn from_material(m: KeyMaterial) -> Self {
                $t(m)
            }
            fn material(&self) -> &KeyMaterial {
                &self.0
            }
        }
    )*};
}
role!(
    IssuerMasterKey,
    CardMasterKey,
    SessionKey,
    IssuerMacKey,
    CardMacKey,
    IssuerEncKey,
    CardEncKey,
    ScriptMacKey,
    ScriptEncKey,
    IssuerCvc3Key,
    Cvc3Key,
    IssuerDcvvKey,
    DcvvKey
);

/// An issuer master key of one key family, and the ICC key type it
/// derives (EMV Options A/B/C give each family its own role type:
/// IMK-AC → MK-AC, IMK-SMI → MK-SMI, …). Sealed.
pub trait IssuerKey: role_sealed::Role {
    /// The ICC master key this issuer key derives.
    type Card: role_sealed::Role;
}
impl IssuerKey for IssuerMasterKey {
    type Card = CardMasterKey;
}
impl IssuerKey for IssuerMacKey {
    type Card = CardMacKey;
}
impl IssuerKey for IssuerEncKey {
    type Card = CardEncKey;
}
impl IssuerKey for IssuerCvc3Key {
    type Card = Cvc3Key;
}
impl IssuerKey for IssuerDcvvKey {
    type Card = DcvvKey;
}

/// An ICC secure-messaging master key and the script session key it
/// derives: MK-SMI → SK-SMI ([`ScriptMacKey`]), MK-SMC → SK-SMC
/// ([`ScriptEncKey`]). Sealed.
pub trait ScriptMasterKey: role_sealed::Role {
    /// The script session key this master key derives.
    type Session: role_sealed::Role;
}
impl ScriptMasterKey for CardMacKey {
    type Session = ScriptMacKey;
}
impl ScriptMasterKey for CardEncKey {
    type Session = ScriptEncKey;
}

/// Odd-parity adjust arbitrary key bytes (constant time).
///
/// DES ignores the parity bits, so this never changes what a key computes; it
/// changes the bytes, and every published EMV vector holds parity-adjusted keys.
pub fn odd_parity_adjust(key: &mut [u8]) {
    crate::ct::odd_parity(key);
}
