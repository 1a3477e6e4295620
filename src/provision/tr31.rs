//! TR-31 / ANSI X9.143 key blocks: versions **D** (AES key block protection
//! key) and **B** (TDES).
//!
//! A key block is printable ASCII:
//!
//! ```text
//! header (16 bytes + optional blocks) ‖ HEX(encrypted payload) ‖ HEX(MAC)
//!
//! header  0      version id           'D' or 'B'
//!         1..5   block length         4 decimal digits, the length of the whole block
//!         5..7   key usage            e.g. "E0" (EMV MK for ACs), "K0", "D0"
//!         7      algorithm            'A' (AES) or 'T' (TDES) for the keys this crate carries
//!         8      mode of use          e.g. 'X', 'E', 'B', 'C'
//!         9..11  key version number   two characters
//!         11     exportability        'N', 'E' or 'S'
//!         12..14 number of optional blocks  two decimal digits
//!         14..16 reserved             "00"
//!         16..   optional blocks      id (2) ‖ length (2 hex) ‖ data, or the extended
//!                                      form id ‖ "00" ‖ NN (2 hex: bytes of length) ‖
//!                                      length (2·NN hex) ‖ data; lengths count the block
//! payload (clear) = [key length in bits]_16 ‖ key ‖ padding (random)
//! ```
//!
//! Both versions derive an encryption key (KBEK) and a MAC key (KBMK) from the
//! KBPK with CMAC in counter mode (8-byte derivation data: counter ‖ usage
//! 0000/0001 ‖ 00 ‖ algorithm ‖ length in bits), compute the MAC (CMAC, full
//! block) over the header and the *clear* payload, and CBC-encrypt the payload
//! under the KBEK with the MAC as IV.
//!
//! Unwrapping decrypts, recomputes the MAC and compares it in constant time
//! **before** any byte of the decrypted payload is interpreted; on a mismatch
//! the buffer is wiped and an opaque [`VerifyError`] is
//! returned.
//!
//! The key length is hidden as psec and most HSMs do: the payload is padded as
//! if the key had the largest length for its algorithm (32 bytes for AES, 24
//! for TDES), so wrapping reproduces psec's block lengths exactly.
//!
//! Public: the header, all lengths, the ciphertext and the MAC. Secret: KBPK,
//! derived keys, the clear payload.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::ProvisionError;
use super::cipher::{Kc, MAX_BS};
use crate::keys::{KeyMaterial, secret_key};
use crate::{Algorithm, Error, VerifyError};

secret_key!(
    /// A key block protection key (KBPK): AES-128/192/256 for version D,
    /// two- or three-key TDES for version B. In provisioning it is derived
    /// from ECDH (see [`super::DeviceKeyPair::derive_kbpk`]).
    KeyBlockProtectionKey
);

secret_key!(
    /// A key that came out of (or goes into) a key block. The header that
    /// travelled with it says what it is for; it becomes a role type only
    /// through that header: [`Unwrapped::into_role`], or on the device
    /// [`InstalledKey::to_role`](super::envelope::InstalledKey::to_role) /
    /// [`Credentials::role_key`](super::envelope::Credentials::role_key),
    /// which check the usage, mode of use and algorithm ([`KeyRole`]). There
    /// is no unchecked conversion:
    ///
    /// ```compile_fail
    /// # fn f(u: tapcrypt::provision::tr31::Unwrapped) {
    /// let mk: tapcrypt::CardMasterKey = u.key.into_card_master_key();
    /// # }
    /// ```
    UnwrappedKey
);

/// A key role an installed key can be checked into: the TR-31 / ANSI X9.143
/// key usage it must carry, the modes of use allowed, and the algorithms.
/// Sealed: implemented by the crate's ICC key types only.
///
/// | role type | key | TR-31 usage | modes of use | algorithms |
/// | --- | --- | --- | --- | --- |
/// | [`CardMasterKey`](crate::CardMasterKey) | ICC MK-AC | `E0` (EMV/chip master key: application cryptograms) | `X`, `N` | TDES-2, AES |
/// | [`CardEncKey`](crate::CardEncKey) | ICC MK-SMC | `E1` (… secure messaging for confidentiality) | `X`, `N` | TDES-2, AES |
/// | [`CardMacKey`](crate::CardMacKey) | ICC MK-SMI | `E2` (… secure messaging for integrity) | `X`, `N` | TDES-2, AES |
/// | [`Cvc3Key`](crate::Cvc3Key) | ICC MK-CVC3 | `E4` (… dynamic numbers) | `X`, `N`, `G`, `C` | TDES-2 |
/// | [`DcvvKey`](crate::DcvvKey) | MK-DCVV | `E6` (… other; no dCVV usage is defined) | `X`, `N`, `G`, `C` | TDES-2 |
///
/// Usage values as ANSI X9.143 assigns them (IBM CCA's TR-31 keywords
/// EMVACMK/EMVSCMK/EMVSIMK/EMVDNMK; AWS Payment Cryptography creates its
/// DCVC3 master key as `E4`). Modes: `X` = derives other keys (an ICC MK
/// derives session keys), `N` = no special restriction; the CVC3/dCVV keys
/// compute values directly, so `G` (generate only) and `C` (generate and
/// verify) are accepted for them too. Three-key TDES fits no EMV role.
pub trait KeyRole: crate::keys::role_sealed::Role {
    /// Human name, for errors.
    const ROLE: &'static str;
    /// The TR-31 key usage.
    const USAGE: [u8; 2];
    /// The modes of use allowed.
    const MODES: &'static [u8];
    /// Whether AES keys fit the role (two-key TDES always does).
    const AES: bool;
}

macro_rules! key_role {
    ($t:ty, $role:expr, $usage:expr, $modes:expr, $aes:expr) => {
        impl KeyRole for $t {
            const ROLE: &'static str = $role;
            const USAGE: [u8; 2] = *$usage;
            const MODES: &'static [u8] = $modes;
            const AES: bool = $aes;
        }
    };
}
key_role!(
    crate::CardMasterKey,
    "ICC MK-AC (TR-31 E0)",
    b"E0",
    b"XN",
    true
);
key_role!(
    crate::CardEncKey,
    "ICC MK-SMC (TR-31 E1)",
    b"E1",
    b"XN",
    true
);
key_role!(
    crate::CardMacKey,
    "ICC MK-SMI (TR-31 E2)",
    b"E2",
    b"XN",
    true
);
key_role!(
    crate::Cvc3Key,
    "ICC MK-CVC3 (TR-31 E4)",
    b"E4",
    b"XNGC",
    false
);
key_role!(crate::DcvvKey, "MK-DCVV (TR-31 E6)", b"E6", b"XNGC", false);

/// Checks an authenticated header's usage and mode of use, and the key's
/// algorithm, against role `R` (all public data).
pub(crate) fn check_role<R: KeyRole>(
    usage: [u8; 2],
    mode_of_use: u8,
    alg: Algorithm,
) -> Result<(), Error> {
    if usage != R::USAGE {
        return Err(Error::KeyRole {
            role: R::ROLE,
            problem: "the key block's usage is another role's",
        });
    }
    if !R::MODES.contains(&mode_of_use) {
        return Err(Error::KeyRole {
            role: R::ROLE,
            problem: "the key block's mode of use does not allow this role",
        });
    }
    let alg_ok = alg == Algorithm::Tdes2 || (R::AES && !alg.is_tdes());
    if !alg_ok {
        return Err(Error::KeyAlgorithm {
            operation: R::ROLE,
            needs: if R::AES {
                "two-key TDES or AES"
            } else {
                "two-key TDES"
            },
        });
    }
    Ok(())
}

mod sealed {
    /// Opaque borrow of a key's material (no public way to read it).
    pub struct KeyRef<'a>(pub(crate) &'a crate::keys::KeyMaterial);

    impl core::fmt::Debug for KeyRef<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("KeyRef").finish_non_exhaustive()
        }
    }

    pub trait Sealed {
        fn key_ref(&self) -> KeyRef<'_>;
    }
}

/// Key types that can be wrapped into a key block (sealed: the crate's
/// secret key types).
pub trait WrapKey: sealed::Sealed {
    /// The key's algorithm (public).
    fn key_algorithm(&self) -> Algorithm {
        self.key_ref().0.algorithm()
    }
}

macro_rules! wrappable {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {
            fn key_ref(&self) -> sealed::KeyRef<'_> {
                sealed::KeyRef(&self.0)
            }
        }
        impl WrapKey for $t {}
    )*};
}
wrappable!(
    UnwrappedKey,
    KeyBlockProtectionKey,
    crate::CardMasterKey,
    crate::CardMacKey,
    crate::CardEncKey,
    crate::Cvc3Key,
    crate::DcvvKey,
    crate::IssuerMasterKey,
    crate::IssuerMacKey,
    crate::IssuerEncKey,
    crate::IssuerCvc3Key,
    crate::IssuerDcvvKey,
    crate::SessionKey,
    crate::mac::MacKey
);

/// Key block version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// Version B: TDES KBPK, CMAC-derived keys, 8-byte MAC.
    B,
    /// Version D: AES KBPK, CMAC-derived keys, 16-byte MAC.
    D,
}

impl Version {
    fn byte(self) -> u8 {
        match self {
            Version::B => b'B',
            Version::D => b'D',
        }
    }

    /// Cipher block size = MAC length in bytes.
    fn block_len(self) -> usize {
        match self {
            Version::B => 8,
            Version::D => 16,
        }
    }
}

/// Capacity for optional-block bytes kept in a [`KeyBlockHeader`].
pub const MAX_OPTIONAL_BYTES: usize = 240;
/// Largest encrypted payload accepted (bytes, after hex decoding).
pub const MAX_PAYLOAD: usize = 64;
/// Largest key block this module writes or reads (characters).
pub const MAX_KEY_BLOCK_LEN: usize = 16 + MAX_OPTIONAL_BYTES + 16 + 2 * MAX_PAYLOAD + 2 * 16;

/// A parsed or to-be-written key block header.
///
/// Optional blocks are kept (except the padding block `PB`, which
/// [`wrap_with_rng`] re-creates as needed) in a fixed buffer of
/// [`MAX_OPTIONAL_BYTES`].
#[derive(Clone, PartialEq, Eq)]
pub struct KeyBlockHeader {
    version: Version,
    key_usage: [u8; 2],
    algorithm: u8,
    mode_of_use: u8,
    key_version: [u8; 2],
    exportability: u8,
    n_opt: u8,
    opt: [u8; MAX_OPTIONAL_BYTES],
    opt_len: usize,
}

impl core::fmt::Debug for KeyBlockHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = |b: &[u8; 2]| {
            let [a, c] = *b;
            [a as char, c as char]
        };
        f.debug_struct("KeyBlockHeader")
            .field("version", &self.version)
            .field("key_usage", &s(&self.key_usage))
            .field("algorithm", &(self.algorithm as char))
            .field("mode_of_use", &(self.mode_of_use as char))
            .field("key_version", &s(&self.key_version))
            .field("exportability", &(self.exportability as char))
            .field("optional_blocks", &self.n_opt)
            .finish()
    }
}

/// One optional block of a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionalBlock<'a> {
    /// Two-character identifier, e.g. `*b"KS"`.
    pub id: [u8; 2],
    /// The block's data (printable ASCII).
    pub data: &'a [u8],
}

fn is_field_char(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

impl KeyBlockHeader {
    /// A header without optional blocks.
    ///
    /// `key_usage`, `algorithm`, `mode_of_use`, `key_version` and
    /// `exportability` must be ASCII letters or digits.
    ///
    /// # Errors
    /// [`Error::Malformed`] for any other character.
    pub fn new(
        version: Version,
        key_usage: [u8; 2],
        algorithm: u8,
        mode_of_use: u8,
        key_version: [u8; 2],
        exportability: u8,
    ) -> Result<Self, Error> {
        let fields = [
            key_usage[0],
            key_usage[1],
            algorithm,
            mode_of_use,
            key_version[0],
            key_version[1],
            exportability,
        ];
        if !fields.iter().all(|c| is_field_char(*c)) {
            return Err(malformed("key block header field is not alphanumeric"));
        }
        Ok(KeyBlockHeader {
            version,
            key_usage,
            algorithm,
            mode_of_use,
            key_version,
            exportability,
            n_opt: 0,
            opt: [0; MAX_OPTIONAL_BYTES],
            opt_len: 0,
        })
    }

    /// Appends an optional block (short length form: `4 + data.len() ≤ 255`).
    ///
    /// # Errors
    /// [`Error::Malformed`] for a non-alphanumeric id, the reserved id `PB`, or
    /// non-printable data; [`Error::Exhausted`] when the header is full.
    pub fn with_optional_block(mut self, id: [u8; 2], data: &[u8]) -> Result<Self, Error> {
        if !is_field_char(id[0]) || !is_field_char(id[1]) {
            return Err(malformed("optional block id is not alphanumeric"));
        }
        if &id == b"PB" {
            return Err(malformed("optional block PB is added automatically"));
        }
        if !data.iter().all(|c| (0x20..=0x7E).contains(c)) {
            return Err(malformed("optional block data is not printable ASCII"));
        }
        let total = 4 + data.len();
        if total > 255 || self.n_opt >= 98 {
            return Err(Error::Exhausted {
                what: "optional block space",
            });
        }
        let dst = self
            .opt
            .get_mut(self.opt_len..self.opt_len + total)
            .ok_or(Error::Exhausted {
                what: "optional block space",
            })?;
        let (head, body) = dst.split_at_mut(4);
        head.copy_from_slice(&[id[0], id[1], hex_upper(total >> 4), hex_upper(total & 15)]);
        body.copy_from_slice(data);
        self.opt_len += total;
        self.n_opt += 1;
        Ok(self)
    }

    /// Key block version.
    #[must_use]
    pub fn version(&self) -> Version {
        self.version
    }
    /// Key usage, e.g. `*b"E0"`.
    #[must_use]
    pub fn key_usage(&self) -> [u8; 2] {
        self.key_usage
    }
    /// Algorithm of the wrapped key (`b'A'`, `b'T'`, …).
    #[must_use]
    pub fn algorithm(&self) -> u8 {
        self.algorithm
    }
    /// Mode of use (`b'X'`, `b'E'`, …).
    #[must_use]
    pub fn mode_of_use(&self) -> u8 {
        self.mode_of_use
    }
    /// Key version number field.
    #[must_use]
    pub fn key_version(&self) -> [u8; 2] {
        self.key_version
    }
    /// Exportability (`b'N'`, `b'E'`, `b'S'`).
    #[must_use]
    pub fn exportability(&self) -> u8 {
        self.exportability
    }

    /// The optional blocks, in order (without `PB`).
    pub fn optional_blocks(&self) -> impl Iterator<Item = OptionalBlock<'_>> {
        OptIter {
            rest: self.opt.get(..self.opt_len).unwrap_or(&[]),
        }
    }

    /// Header length once serialised for `bs`-byte blocks, and the padding
    /// block length (0 = none).
    fn layout(&self, bs: usize) -> (usize, usize) {
        if self.n_opt == 0 {
            return (16, 0);
        }
        let raw = 16 + self.opt_len;
        let mut pb = (bs - raw % bs) % bs;
        if pb != 0 && pb < 4 {
            pb += bs;
        }
        (raw + pb, pb)
    }

    /// Writes the header for a block of `block_len` characters into `out`.
    fn write(&self, block_len: usize, out: &mut [u8]) -> Result<usize, Error> {
        let bs = self.version.block_len();
        let (hlen, pb) = self.layout(bs);
        let dst = out.get_mut(..hlen).ok_or(Error::Length {
            field: "key block output buffer",
            expected: "at least the key block length",
            got: 0,
        })?;
        let n_opt = usize::from(self.n_opt) + usize::from(pb != 0);
        let d = |n: usize, div: usize| b'0' + ((n / div) % 10) as u8;
        let fixed = [
            self.version.byte(),
            d(block_len, 1000),
            d(block_len, 100),
            d(block_len, 10),
            d(block_len, 1),
            self.key_usage[0],
            self.key_usage[1],
            self.algorithm,
            self.mode_of_use,
            self.key_version[0],
            self.key_version[1],
            self.exportability,
            d(n_opt, 10),
            d(n_opt, 1),
            b'0',
            b'0',
        ];
        let (f, rest) = dst.split_at_mut(16);
        f.copy_from_slice(&fixed);
        let (o, p) = rest.split_at_mut(self.opt_len);
        o.copy_from_slice(self.opt.get(..self.opt_len).unwrap_or(&[]));
        if pb != 0 {
            for (i, c) in p.iter_mut().enumerate() {
                *c = match i {
                    0 => b'P',
                    1 => b'B',
                    2 => hex_upper(pb >> 4),
                    3 => hex_upper(pb & 15),
                    _ => b'0',
                };
            }
        }
        Ok(hlen)
    }

    /// Parses the header at the start of `block`; returns it and its length.
    fn parse(block: &[u8]) -> Result<(Self, usize), Error> {
        let fixed: &[u8; 16] =
            block
                .get(..16)
                .and_then(|s| s.try_into().ok())
                .ok_or(Error::Length {
                    field: "key block",
                    expected: "at least 16",
                    got: block.len(),
                })?;
        let [
            v,
            l0,
            l1,
            l2,
            l3,
            u0,
            u1,
            alg,
            mode,
            kv0,
            kv1,
            exp,
            n0,
            n1,
            r0,
            r1,
        ] = *fixed;
        let version = match v {
            b'D' => Version::D,
            b'B' => Version::B,
            _ => return Err(malformed("unsupported key block version (only B and D)")),
        };
        let declared = decimal(&[l0, l1, l2, l3])
            .ok_or_else(|| malformed("key block length is not 4 decimal digits"))?;
        if declared != block.len() {
            return Err(Error::Length {
                field: "key block (declared length)",
                expected: "the length in the header",
                got: block.len(),
            });
        }
        let mut h = KeyBlockHeader::new(version, [u0, u1], alg, mode, [kv0, kv1], exp)?;
        let n_opt = decimal(&[n0, n1])
            .ok_or_else(|| malformed("number of optional blocks is not 2 decimal digits"))?;
        if [r0, r1] != *b"00" {
            return Err(malformed("reserved header field is not 00"));
        }
        let mut pos = 16usize;
        let mut saw_pb = false;
        for _ in 0..n_opt {
            let at = |i: usize| {
                block
                    .get(i)
                    .copied()
                    .ok_or(malformed("optional block truncated"))
            };
            let id = [at(pos)?, at(pos + 1)?];
            if !is_field_char(id[0]) || !is_field_char(id[1]) || saw_pb {
                return Err(malformed("optional block id invalid or after PB"));
            }
            let (data_off, len) = opt_block_bounds(block.get(pos..).unwrap_or(&[]))?;
            let data_start = pos + data_off;
            let end = pos
                .checked_add(len)
                .filter(|e| *e >= data_start)
                .ok_or(malformed("optional block length too small"))?;
            let data = block
                .get(data_start..end)
                .ok_or(malformed("optional block truncated"))?;
            if !data.iter().all(|c| (0x20..=0x7E).contains(c)) {
                return Err(malformed("optional block data is not printable ASCII"));
            }
            if &id == b"PB" {
                saw_pb = true;
            } else {
                let raw = block.get(pos..end).unwrap_or(&[]);
                let dst =
                    h.opt
                        .get_mut(h.opt_len..h.opt_len + raw.len())
                        .ok_or(Error::Exhausted {
                            what: "optional block space",
                        })?;
                dst.copy_from_slice(raw);
                h.opt_len += raw.len();
                h.n_opt += 1;
            }
            pos = end;
        }
        if n_opt > 0 && !pos.is_multiple_of(version.block_len()) {
            return Err(malformed(
                "key block header is not a whole number of cipher blocks",
            ));
        }
        Ok((h, pos))
    }
}

struct OptIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for OptIter<'a> {
    type Item = OptionalBlock<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        // Stored blocks were validated by `opt_block_bounds` (parse) or
        // written in the short form (`with_optional_block`); both forms are
        // read here, so an extended-length block neither ends the iteration
        // nor hides the blocks after it.
        let (&[i0, i1], _) = self.rest.split_first_chunk::<2>()?;
        let (start, len) = opt_block_bounds(self.rest).ok()?;
        let data = self.rest.get(start..len)?;
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        Some(OptionalBlock { id: [i0, i1], data })
    }
}

/// Where the data of the optional block at the start of `blk` begins, and
/// the block's whole length (both from the start of the block).
///
/// Short form: `id ‖ LL ‖ data`, `LL` (2 hex, `01`–`FF`) counting the whole
/// block. Extended form (ANSI X9.143 / TR-31:2018, as psec reads and writes
/// it): `id ‖ 00 ‖ NN ‖ length ‖ data`, where `NN` (2 hex) is the length of
/// `length` in *bytes* and `length` is `2·NN` hex digits counting the whole
/// block. `NN` is 1 or 2 here (a key block is at most 9999 characters).
fn opt_block_bounds(blk: &[u8]) -> Result<(usize, usize), Error> {
    let truncated = || malformed("optional block truncated");
    let not_hex = || malformed("optional block length is not hex");
    let short = hex_value(blk.get(2..4).ok_or_else(truncated)?).ok_or_else(not_hex)?;
    if short != 0 {
        return Ok((4, short));
    }
    let nn = hex_value(blk.get(4..6).ok_or_else(truncated)?).ok_or_else(not_hex)?;
    if nn == 0 || nn > 2 {
        return Err(malformed("optional block extended length invalid"));
    }
    let start = 6 + 2 * nn;
    let len = hex_value(blk.get(6..start).ok_or_else(truncated)?).ok_or_else(not_hex)?;
    Ok((start, len))
}

fn decimal(d: &[u8]) -> Option<usize> {
    d.iter().try_fold(0usize, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + usize::from(c - b'0'))
    })
}

/// Upper-case hex digit value (public data; lower case is refused so that
/// each key block has exactly one encoding).
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex_value(d: &[u8]) -> Option<usize> {
    d.iter().try_fold(0usize, |acc, c| {
        Some(acc * 16 + usize::from(hex_digit(*c)?))
    })
}

fn hex_upper(n: usize) -> u8 {
    let n = (n & 15) as u8;
    if n < 10 { b'0' + n } else { b'A' + n - 10 }
}

fn hex_decode_upper(src: &[u8], dst: &mut [u8]) -> Result<(), Error> {
    if src.len() != 2 * dst.len() {
        return Err(malformed("key block hex field has the wrong length"));
    }
    for (o, pair) in dst.iter_mut().zip(src.chunks_exact(2)) {
        let (Some(h), Some(l)) = (
            pair.first().copied().and_then(hex_digit),
            pair.get(1).copied().and_then(hex_digit),
        ) else {
            return Err(malformed(
                "key block contains a character that is not upper-case hex",
            ));
        };
        *o = (h << 4) | l;
    }
    Ok(())
}

fn hex_encode_upper(src: &[u8], dst: &mut [u8]) {
    for (b, pair) in src.iter().zip(dst.chunks_exact_mut(2)) {
        if let [h, l] = pair {
            *h = hex_upper(usize::from(*b >> 4));
            *l = hex_upper(usize::from(*b & 15));
        }
    }
}

/// Derives (KBEK, KBMK) from the KBPK (X9.143 / TR-31:2018 §5.3.2).
fn derive_keys(kbpk: &KeyMaterial) -> (KeyMaterial, KeyMaterial) {
    let alg = kbpk.algorithm();
    let (alg_ind, len_bits): (u8, u16) = match alg {
        Algorithm::Tdes2 => (0x00, 0x0080),
        Algorithm::Tdes3 => (0x01, 0x00C0),
        Algorithm::Aes128 => (0x02, 0x0080),
        Algorithm::Aes192 => (0x03, 0x00C0),
        Algorithm::Aes256 => (0x04, 0x0100),
    };
    let prf = Kc::new(kbpk);
    let bs = prf.bs();
    let n = alg.key_len();
    let derive = |usage: u8| {
        let mut out = [0u8; 32];
        let l = len_bits.to_be_bytes();
        for (i, chunk) in out.chunks_mut(bs).enumerate() {
            if i * bs >= n {
                break;
            }
            let data = [(i + 1) as u8, 0x00, usage, 0x00, 0x00, alg_ind, l[0], l[1]];
            let mut t = prf.cmac(&[&data]);
            chunk.copy_from_slice(t.get(..chunk.len()).unwrap_or(&[]));
            t.zeroize();
        }
        let km = KeyMaterial::new(alg, out.get(..n).unwrap_or(&[]));
        out.zeroize();
        km
    };
    let kbek = derive(0x00);
    let kbmk = derive(0x01);
    match (kbek, kbmk) {
        (Ok(e), Ok(m)) => (e, m),
        // Unreachable: `n` is the algorithm's own key length.
        _ => (
            KeyMaterial::from_array(alg, [0u8; 0]),
            KeyMaterial::from_array(alg, [0u8; 0]),
        ),
    }
}

fn check_kbpk(version: Version, kbpk: &KeyBlockProtectionKey) -> Result<(), Error> {
    let alg = kbpk.0.algorithm();
    match version {
        Version::D if !alg.is_tdes() => Ok(()),
        Version::B if alg.is_tdes() => Ok(()),
        Version::D => Err(Error::KeyAlgorithm {
            operation: "TR-31 version D",
            needs: "AES KBPK",
        }),
        Version::B => Err(Error::KeyAlgorithm {
            operation: "TR-31 version B",
            needs: "TDES KBPK",
        }),
    }
}

/// A key block after a successful unwrap.
#[derive(Debug)]
pub struct Unwrapped {
    /// The authenticated header.
    pub header: KeyBlockHeader,
    /// The key.
    pub key: UnwrappedKey,
}

impl Unwrapped {
    /// The key as role `R`, once its authenticated header's usage, mode of
    /// use and the key's algorithm fit the role (table on [`KeyRole`]).
    /// Consumes the key; no byte leaves the crate.
    ///
    /// # Errors
    /// [`Error::KeyRole`] for another usage or a mode of use the role does
    /// not allow; [`Error::KeyAlgorithm`] for an algorithm it does not
    /// allow.
    pub fn into_role<R: KeyRole>(self) -> Result<R, Error> {
        let h = &self.header;
        check_role::<R>(h.key_usage, h.mode_of_use, self.key.0.algorithm())?;
        let UnwrappedKey(m) = self.key;
        Ok(R::from_material(m))
    }
}

/// The clear payload of a verified key block (the caller wipes it).
struct ClearPayload {
    buf: [u8; MAX_PAYLOAD],
    len: usize,
}

impl Drop for ClearPayload {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// Decrypts and verifies; returns the header and the clear payload.
fn open(
    kbpk: &KeyBlockProtectionKey,
    block: &[u8],
) -> Result<(KeyBlockHeader, ClearPayload), ProvisionError> {
    let (header, hlen) = KeyBlockHeader::parse(block)?;
    let version = header.version;
    check_kbpk(version, kbpk)?;
    let bs = version.block_len();
    let body = block.get(hlen..).unwrap_or(&[]);
    let enc_hex_len = body
        .len()
        .checked_sub(2 * bs)
        .ok_or(malformed("key block too short for its MAC"))?;
    let enc_len = enc_hex_len / 2;
    if enc_hex_len % (2 * bs) != 0 || enc_len < bs || enc_len > MAX_PAYLOAD {
        return Err(Error::Length {
            field: "key block encrypted payload",
            expected: "a whole number of cipher blocks, at most 64 bytes",
            got: enc_len,
        }
        .into());
    }
    let (enc_hex, mac_hex) = body.split_at(enc_hex_len);
    let mut mac = [0u8; MAX_BS];
    hex_decode_upper(mac_hex, mac.get_mut(..bs).unwrap_or(&mut []))?;
    let mut clear = ClearPayload {
        buf: [0u8; MAX_PAYLOAD],
        len: enc_len,
    };
    let payload = clear.buf.get_mut(..enc_len).unwrap_or(&mut []);
    hex_decode_upper(enc_hex, payload)?;

    let (kbek, kbmk) = derive_keys(&kbpk.0);
    Kc::new(&kbek).cbc_decrypt(mac.get(..bs).unwrap_or(&[]), payload);
    let mut got = Kc::new(&kbmk).cmac(&[block.get(..hlen).unwrap_or(&[]), payload]);
    let ok = got
        .get(..bs)
        .unwrap_or(&[])
        .ct_eq(mac.get(..bs).unwrap_or(&[]));
    // The recomputed MAC is the valid tag for these bytes: wipe it.
    got.zeroize();
    if !crate::ct::public_verdict(ok) {
        // `clear` is wiped on drop.
        return Err(VerifyError.into());
    }
    Ok((header, clear))
}

/// Unwraps a version D or B key block under `kbpk`.
///
/// Order of checks: header syntax and lengths (public) → KBPK algorithm
/// matches the version → decrypt → MAC, compared in constant time → only then
/// is the payload's key length read. Keys are carried for algorithms `A`
/// (AES-128/192/256) and `T` (two- and three-key TDES) only.
///
/// # Errors
/// [`ProvisionError::Verify`] when the MAC does not match (wrong KBPK or a
/// modified block); [`ProvisionError::Input`] for everything malformed.
pub fn unwrap(kbpk: &KeyBlockProtectionKey, block: &[u8]) -> Result<Unwrapped, ProvisionError> {
    // Refuse unsupported key algorithms before any cryptography.
    if let Some(&alg) = block.get(7)
        && alg != b'A'
        && alg != b'T'
    {
        return Err(malformed("key block algorithm not supported (only A and T)").into());
    }
    let (header, clear) = open(kbpk, block)?;
    // MAC verified: the payload is authentic; its key length is not secret.
    let payload = clear.buf.get(..clear.len).unwrap_or(&[]);
    let (&[hi, lo], rest) = payload
        .split_first_chunk::<2>()
        .ok_or(malformed("key block payload too short"))?;
    // Declassified: after the MAC check the key length is public metadata
    // (the header already names the algorithm).
    let bits = usize::from(crate::ct::public_u16(u16::from_be_bytes([hi, lo])));
    let n = bits / 8;
    if bits % 8 != 0 || n > rest.len() {
        return Err(malformed("key block key length does not fit the payload").into());
    }
    let alg = match header.algorithm {
        b'A' => Algorithm::aes_for_len(n),
        _ => Algorithm::tdes_for_len(n),
    }
    .ok_or(Error::KeyLength {
        algorithm: "key in key block",
        got: n,
    })?;
    let key = KeyMaterial::new(alg, rest.get(..n).unwrap_or(&[]))?;
    Ok(Unwrapped {
        header,
        key: UnwrappedKey(key),
    })
}

/// Number of random padding bytes [`wrap_with_padding`] needs for a key of
/// algorithm `key_alg` in a block of version `version`.
#[must_use]
pub fn padding_len(version: Version, key_alg: Algorithm) -> usize {
    payload_len(version, key_alg) - 2 - key_alg.key_len()
}

fn payload_len(version: Version, key_alg: Algorithm) -> usize {
    let masked: usize = if key_alg.is_tdes() { 24 } else { 32 };
    (2 + masked).div_ceil(version.block_len()) * version.block_len()
}

/// Length in characters of the key block [`wrap_with_padding`] writes.
#[must_use]
pub fn wrapped_len(header: &KeyBlockHeader, key_alg: Algorithm) -> usize {
    let bs = header.version.block_len();
    header.layout(bs).0 + 2 * payload_len(header.version, key_alg) + 2 * bs
}

/// Wraps `key` under `kbpk` with random padding drawn from `rng`; writes the
/// key block into `out` and returns its length.
///
/// # Errors
/// As [`wrap_with_padding`].
pub fn wrap_with_rng<R: rand_core::CryptoRng + ?Sized>(
    kbpk: &KeyBlockProtectionKey,
    header: &KeyBlockHeader,
    key: &(impl WrapKey + ?Sized),
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut pad = [0u8; MAX_PAYLOAD];
    let n = padding_len(header.version, key.key_ref().0.algorithm());
    let p = pad.get_mut(..n).unwrap_or(&mut []);
    rng.fill_bytes(p);
    let r = wrap_with_padding(kbpk, header, key, p, out);
    pad.zeroize();
    r
}

/// Wraps `key` under `kbpk` with caller-supplied padding (exactly
/// [`padding_len`] bytes; use random bytes outside tests) into `out`, and
/// returns the key block length.
///
/// # Errors
/// [`Error::KeyAlgorithm`] if the KBPK does not fit the version or the key
/// does not fit the header's algorithm (`A` needs an AES key, `T` TDES);
/// [`Error::Length`] for wrong padding length or a short `out`.
pub fn wrap_with_padding(
    kbpk: &KeyBlockProtectionKey,
    header: &KeyBlockHeader,
    key: &(impl WrapKey + ?Sized),
    padding: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let version = header.version;
    check_kbpk(version, kbpk)?;
    let key = key.key_ref().0;
    let key_alg = key.algorithm();
    match header.algorithm {
        b'A' if !key_alg.is_tdes() => {}
        b'T' if key_alg.is_tdes() => {}
        _ => {
            return Err(Error::KeyAlgorithm {
                operation: "key block header algorithm",
                needs: "a key of that algorithm (A: AES, T: TDES)",
            });
        }
    }
    let bs = version.block_len();
    let plen = payload_len(version, key_alg);
    if padding.len() != plen - 2 - key_alg.key_len() {
        return Err(Error::Length {
            field: "key block padding",
            expected: "padding_len(version, algorithm)",
            got: padding.len(),
        });
    }
    let total = wrapped_len(header, key_alg);
    if total > 9999 || out.len() < total {
        return Err(Error::Length {
            field: "key block output buffer",
            expected: "at least wrapped_len(header, algorithm)",
            got: out.len(),
        });
    }
    let hlen = header.write(total, out)?;

    let mut payload = [0u8; MAX_PAYLOAD];
    {
        let p = payload.get_mut(..plen).unwrap_or(&mut []);
        let (len_field, rest) = p.split_at_mut(2);
        len_field.copy_from_slice(&((key_alg.key_len() * 8) as u16).to_be_bytes());
        let (k, pad) = rest.split_at_mut(key_alg.key_len());
        k.copy_from_slice(key.bytes());
        pad.copy_from_slice(padding);
    }
    let (kbek, kbmk) = derive_keys(&kbpk.0);
    let p = payload.get_mut(..plen).unwrap_or(&mut []);
    let mac = Kc::new(&kbmk).cmac(&[out.get(..hlen).unwrap_or(&[]), p]);
    let mac = mac.get(..bs).unwrap_or(&[]);
    Kc::new(&kbek).cbc_encrypt(mac, p);
    let (enc_out, mac_out) = out
        .get_mut(hlen..total)
        .unwrap_or(&mut [])
        .split_at_mut(2 * plen);
    hex_encode_upper(p, enc_out);
    hex_encode_upper(mac, mac_out);
    payload.zeroize();
    Ok(total)
}

#[cfg(feature = "__internal")]
pub(crate) fn clear_payload_for_tests(
    kbpk: &KeyBlockProtectionKey,
    block: &[u8],
    out: &mut [u8; MAX_PAYLOAD],
) -> Result<usize, ProvisionError> {
    let (_, clear) = open(kbpk, block)?;
    out.copy_from_slice(&clear.buf);
    Ok(clear.len)
}
