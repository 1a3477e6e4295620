//! The signed provisioning envelope, **tapcrypt profile v2**.
//!
//! The token service builds one envelope per (device, provisioning
//! request); the device verifies it against a pinned token-service key,
//! checks that it answers the request the device has outstanding, and
//! installs its content atomically.
//!
//! # Byte layout (all integers big-endian)
//!
//! ```text
//! offset  size  field
//! 0       4     magic "TCPE"
//! 4       1     profile version = 0x02
//! 5       1     KDF: 0x01 SP 800-56C one-step SHA-256, 0x02 HKDF-SHA256
//! 6       1     KBPK algorithm: 0x01 AES-128, 0x02 AES-192, 0x03 AES-256
//! 7       1     reserved, 0x00
//! 8       8     envelope counter, u64, >= 1; strictly increasing per device
//! 16      32    device key id = SHA-256(device public key, 65-byte SEC1)
//! 48      32    request hash: SHA-256 of the complete signed request this
//!               envelope answers (super::request::request_hash)
//! 80      65    token-service ephemeral public key, SEC1 uncompressed 04‖X‖Y
//! 145     1     context length c, 0..=64
//! 146     c     context (bound into the KBPK derivation)
//! ..      1     number of key blocks k, 1..=16
//!               k × { u16 length m (16..=MAX_KEY_BLOCK_LEN) ‖ m bytes:
//!                     TR-31 key block, version D, ASCII }
//! ..      1     number of DPANs n, 0..=255
//!               n × { u8 digit count d (13..=19) ‖ d ASCII digits, Luhn-valid }
//! end-64  64    ECDSA P-256/SHA-256 signature r‖s (P1363, low-S) over
//!               "tapcrypt/envelope/v2" ‖ bytes[0 .. end-64]
//! ```
//!
//! Nothing may follow the signature. Version 0x01 (no request hash) is
//! refused with its own error; its signature domain differs too, so a v1
//! signature never verifies as v2. The KBPK is derived as described in
//! [`super::keypair`] with the envelope's KDF, KBPK algorithm and context;
//! every key block is then unwrapped under it.
//!
//! # What the device checks, in order
//!
//! 1. structure: magic, version, every length and count, reserved byte, the
//!    ephemeral point (strict SEC1), DPAN digits and Luhn — typed
//!    [`Error`]s;
//! 2. the signature (low S only) under the **pinned** token-service key over the exact
//!    received bytes — opaque [`VerifyError`](crate::VerifyError);
//! 3. replay: the counter must exceed the last installed one —
//!    [`ProvisionError::Replay`];
//! 4. binding: the request hash must be the device's outstanding request —
//!    [`ProvisionError::NotRequested`] if it is another one or none is
//!    outstanding;
//! 5. the device key id must be this device's;
//! 6. capacity: the key and DPAN counts fit the store (public counts);
//! 7. ECDH + KDF → KBPK; unwrap every key block (MAC checked before use);
//!    key usages unique.
//!
//! Only when all of that succeeded is the new credential set swapped in
//! ([`CredentialStore::install`]): on any error nothing changes and the
//! previous keys and DPANs stay usable. For power-loss safety the caller
//! persists [`Credentials`] (which carries the counter) with one atomic write
//! (A/B slots) after `install` returns `Ok`.
//!
//! # The device's request state machine
//!
//! The device keeps at most one **outstanding request**: the
//! [`request_hash`](super::request::request_hash) of the last request it
//! sent. It lives in [`Credentials`] and is persisted with them (state
//! header, below). States and transitions:
//!
//! * **idle** (nothing outstanding): every envelope is refused
//!   ([`ProvisionError::NotRequested`]). This is also where a device lands
//!   whose state was lost — it restarts from [`Credentials::empty()`]
//!   (counter unknown, 0) — so it refuses every old envelope and spent
//!   DPANs cannot come back; it installs again only after it re-attests.
//! * [`CredentialStore::begin_request`] (idle or outstanding → outstanding):
//!   draws a fresh device nonce, builds and signs the request, records its
//!   hash, replacing any earlier outstanding request (whose answer will
//!   then be refused). The firmware **persists the state
//!   ([`Credentials::to_bytes`]) and waits until the write is durable
//!   before sending the request**.
//! * [`CredentialStore::install`] of the envelope that answers it
//!   (outstanding → idle): the new credentials have nothing outstanding;
//!   the firmware persists them before using them.
//!
//! Power loss: before the request state is durable, the old state comes
//! back and the request was never sent. Between sending and installing, the
//! restored state still has the request outstanding, so its envelope still
//! installs once. After an install but before its state is durable, the
//! restored state still has the request outstanding and the old counter:
//! the same envelope installs again, and nothing of it was used yet. Once
//! the installed state is durable, the envelope is refused (its request is
//! no longer outstanding, and its counter is not above the installed one).
//!
//! # Persisted credentials
//!
//! [`Credentials::to_bytes`] writes a fixed-size state of
//! [`Credentials::STATE_BYTES`] bytes; [`Credentials::from_bytes`] reads it
//! back at boot:
//!
//! ```text
//! offset  size  field
//! 0       2     magic "TC"
//! 2       1     state version = 0x03
//! 3       1     flags: bit 0 = a request is outstanding; bits 1-7 zero
//! 4       8     envelope counter, u64 (replay protection survives a reboot)
//! 12      2     index of the next DPAN to take, u16, <= D
//! 14      32    outstanding request hash (all zero when flag bit 0 is clear)
//! 46      8     header check: SHA-256("tapcrypt/credentials/v3" ‖ bytes[0..46]),
//!               first 8 bytes
//! 54      K×39  key slots { present 0x00/0x01, usage (2), mode of use (1),
//!               key version (2), algorithm code (1: 0x01/0x02/0x03 AES-128/
//!               192/256, 0x11/0x12 TDES two/three-key), key (32, zero-padded) };
//!               an empty slot is all zeros
//! ..      D×20  DPAN slots { digit count (0, or 13..=19), digit values 0..=9
//!               (19, zero-padded) }; a spent or empty slot is all zeros
//! ```
//!
//! The encoding is canonical: `from_bytes` accepts only states `to_bytes`
//! can write for credentials an install can produce (keys packed from slot
//! 0 with unique usages, unspent DPANs packed from the next-DPAN index,
//! Luhn-valid, zero padding), checking secret bytes without early exits; the
//! `provision` fuzz target checks that whatever it accepts re-encodes to the
//! same bytes and hands out exactly `dpans_left()` DPANs.
//!
//! Every header byte is checked: magic, version and flags by value, the
//! counter, the next-DPAN index and the outstanding request hash through the
//! header check (no value of these is impossible by itself, and a counter
//! that silently restores lower would weaken replay protection). The check is
//! a keyless hash over public bytes, against torn writes and bit flips, not
//! an authenticator. Versions 0x01 (no check) and 0x02 (no outstanding
//! request) are refused with their own errors.
//! Beyond the header the state holds keys in clear and carries no checksum:
//! integrity and confidentiality at rest, and atomic writes, are the
//! secure-storage layer's job.
//!
//! # What is confidential
//!
//! The key blocks (TR-31: encrypted and MACed under the KBPK). The counter,
//! context and DPANs are signed, not encrypted: the relaying phone sees the
//! one-time DPANs before they are spent. A DPAN alone authorises nothing
//! (each tap needs a cryptogram under the card key) and is shown to the
//! terminal at its tap anyway; see SECURITY.md.
//!
//! The DPANs are the [`token`](crate::token) module's [`Dpan`]s: the token
//! service puts a batch from [`DpanRange::issue_batch`](crate::token::DpanRange::issue_batch)
//! in the envelope, and the device moves what it installed into its
//! [`DpanWallet`](crate::token::wallet::DpanWallet).

#[cfg(feature = "std")]
extern crate alloc;

use core::fmt;

use sha2::Digest as _;

use super::ProvisionError;
use super::ecdsa::{EcdsaSigningKey, EcdsaVerifyingKey};
use super::keypair::{
    self, DeviceKeyPair, EcPublicKey, EphemeralKeyPair, KbpkKdf, KbpkParams, SEC1_UNCOMPRESSED_LEN,
};
use super::request::{self, CHALLENGE_LEN, REQUEST_HASH_LEN, RequestContents};
use super::tr31::{self, KeyBlockHeader, KeyRole, UnwrappedKey, Version, WrapKey, check_role};
use super::wire::{Cursor, Writer, malformed};
use crate::keys::KeyMaterial;
use crate::token::Dpan;
use crate::{Algorithm, Error};

/// Envelope magic.
pub const MAGIC: [u8; 4] = *b"TCPE";
/// The profile version this module reads and writes.
pub const PROFILE_V2: u8 = 0x02;
/// Signature domain separation prefix.
pub const SIGNATURE_DOMAIN: &[u8; 20] = b"tapcrypt/envelope/v2";
/// Largest context.
pub const MAX_ENVELOPE_CONTEXT: usize = 64;
/// Largest number of key blocks in one envelope.
pub const MAX_KEY_BLOCKS: usize = 16;
/// Signature length.
const SIG_LEN: usize = 64;
/// Offset of the context length byte.
const CTX_LEN_OFF: usize = 145;

// ---------------------------------------------------------------------------
// DPANs

/// Parses one DPAN of an envelope: 13–19 ASCII digits with a right Luhn
/// check digit (the token service only ever sends issued DPANs, so a bad
/// check digit means a corrupted or forged envelope).
fn envelope_dpan(ascii: &[u8]) -> Result<Dpan, Error> {
    let d = Dpan::from_ascii(ascii)?;
    if d.luhn_ok() {
        Ok(d)
    } else {
        Err(malformed("DPAN check digit (Luhn) is wrong"))
    }
}

// ---------------------------------------------------------------------------
// Installed credentials (device side, fixed capacity)

/// One installed key with the header fields that say what it is for.
#[derive(Debug)]
pub struct InstalledKey {
    usage: [u8; 2],
    mode_of_use: u8,
    key_version: [u8; 2],
    key: UnwrappedKey,
}

impl InstalledKey {
    /// TR-31 key usage (`*b"E0"` = EMV MK for application cryptograms, …).
    #[must_use]
    pub fn usage(&self) -> [u8; 2] {
        self.usage
    }
    /// TR-31 mode of use.
    #[must_use]
    pub fn mode_of_use(&self) -> u8 {
        self.mode_of_use
    }
    /// TR-31 key version number field.
    #[must_use]
    pub fn key_version(&self) -> [u8; 2] {
        self.key_version
    }
    /// The key.
    #[must_use]
    pub fn key(&self) -> &UnwrappedKey {
        &self.key
    }

    /// A copy of the key as role `R` (e.g. the
    /// [`CardMasterKey`](crate::CardMasterKey) to expand into a
    /// [`CardKeySchedule`](crate::emv::CardKeySchedule)), once the
    /// authenticated header's usage and mode of use and the key's algorithm
    /// fit the role (table on [`KeyRole`]). The copy is made inside the
    /// crate: firmware never handles the key bytes.
    ///
    /// # Errors
    /// [`Error::KeyRole`] or [`Error::KeyAlgorithm`] as
    /// [`Unwrapped::into_role`](super::tr31::Unwrapped::into_role).
    pub fn to_role<R: KeyRole>(&self) -> Result<R, Error> {
        check_role::<R>(self.usage, self.mode_of_use, self.key.0.algorithm())?;
        Ok(R::from_material(KeyMaterial::new(
            self.key.0.algorithm(),
            self.key.0.bytes(),
        )?))
    }
}

/// A complete credential set: up to `K` keys and `D` DPANs, plus the counter
/// of the envelope they came from. No heap.
#[derive(Debug)]
pub struct Credentials<const K: usize, const D: usize> {
    counter: u64,
    keys: [Option<InstalledKey>; K],
    dpans: [Option<Dpan>; D],
    /// Index of the next unused DPAN (public).
    next_dpan: usize,
    /// Hash of the request the device sent and awaits an envelope for
    /// (public).
    outstanding: Option<[u8; REQUEST_HASH_LEN]>,
}

impl<const K: usize, const D: usize> Default for Credentials<K, D> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const K: usize, const D: usize> Credentials<K, D> {
    /// No keys, no DPANs, counter 0.
    #[must_use]
    pub fn empty() -> Self {
        Credentials {
            counter: 0,
            keys: core::array::from_fn(|_| None),
            dpans: core::array::from_fn(|_| None),
            next_dpan: 0,
            outstanding: None,
        }
    }

    /// The hash of the request this device awaits an envelope for, if any
    /// (see the module docs' state machine).
    #[must_use]
    pub fn outstanding_request(&self) -> Option<&[u8; REQUEST_HASH_LEN]> {
        self.outstanding.as_ref()
    }

    /// Counter of the envelope these credentials came from (0 = none yet).
    #[must_use]
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The installed key with this TR-31 usage, if any.
    #[must_use]
    pub fn key(&self, usage: [u8; 2]) -> Option<&InstalledKey> {
        self.keys.iter().flatten().find(|k| k.usage == usage)
    }

    /// The installed key with role `R`'s TR-31 usage, checked into that
    /// role ([`InstalledKey::to_role`]): the typed path from an envelope to
    /// e.g. the card's [`CardMasterKey`](crate::CardMasterKey) (`E0`) or
    /// [`CardMacKey`](crate::CardMacKey) (`E2`).
    ///
    /// # Errors
    /// [`Error::KeyRole`] if no key has that usage or its mode of use does
    /// not fit; [`Error::KeyAlgorithm`] for an algorithm the role refuses.
    pub fn role_key<R: KeyRole>(&self) -> Result<R, Error> {
        self.key(R::USAGE)
            .ok_or(Error::KeyRole {
                role: R::ROLE,
                problem: "no installed key has this role's TR-31 usage",
            })?
            .to_role()
    }

    /// All installed keys.
    pub fn keys(&self) -> impl Iterator<Item = &InstalledKey> {
        self.keys.iter().flatten()
    }

    /// Number of DPANs not yet consumed.
    #[must_use]
    pub fn dpans_left(&self) -> usize {
        self.dpans.iter().flatten().count()
    }

    /// Moves the next one-time DPAN out, to hand it to the device's
    /// [`DpanWallet`](crate::token::wallet::DpanWallet) (each is handed out
    /// once).
    ///
    /// Not for taps: a tap goes through the wallet's reserve → persist →
    /// take protocol, which survives a power loss. When moving DPANs to the
    /// wallet, persist these credentials (now without the DPANs) *before*
    /// the wallet: a power loss in between then loses DPANs (fail closed)
    /// instead of restoring them in both places.
    pub fn take_dpan(&mut self) -> Option<Dpan> {
        let d = self.dpans.get_mut(self.next_dpan)?.take();
        if d.is_some() {
            self.next_dpan += 1;
        }
        d
    }
}

// ---------------------------------------------------------------------------
// Persistence (device side)

/// Persisted credentials: magic "TC", version 3, flags, envelope counter
/// (u64), index of the next DPAN (u16), outstanding request hash (32),
/// header check (8).
const STATE_HEADER: usize = 54;
/// The header fields the check covers.
const STATE_HEADER_FIELDS: usize = 46;
/// Flags bit 0: a request is outstanding.
const STATE_FLAG_OUTSTANDING: u8 = 0x01;
/// Per key slot: present (0/1), usage (2), mode of use (1), key version (2),
/// algorithm code (1), key (32 bytes, zero-padded).
const STATE_KEY_SLOT: usize = 39;
/// Per DPAN slot: digit count (0 = empty or spent), digit values (19).
const STATE_DPAN_SLOT: usize = 20;
const STATE_MAGIC: [u8; 2] = *b"TC";
const STATE_V3: u8 = 3;
/// Domain separation for the header check.
const STATE_CHECK_DOMAIN: &[u8; 23] = b"tapcrypt/credentials/v3";

/// The header check: the first 8 bytes of
/// SHA-256("tapcrypt/credentials/v3" ‖ the 46 header bytes before it).
/// Public data only (magic, version, flags, counter, next-DPAN index,
/// outstanding request hash).
fn state_check(fields: &[u8]) -> [u8; 8] {
    let mut h = sha2::Sha256::new();
    h.update(STATE_CHECK_DOMAIN);
    h.update(fields);
    let d = h.finalize();
    let mut out = [0u8; 8];
    if let Some(c) = d.first_chunk::<8>() {
        out = *c;
    }
    out
}

impl<const K: usize, const D: usize> Credentials<K, D> {
    /// Length of the persisted state ([`to_bytes`](Self::to_bytes)).
    pub const STATE_BYTES: usize = STATE_HEADER + K * STATE_KEY_SLOT + D * STATE_DPAN_SLOT;

    /// The state to persist after a successful install or after
    /// [`take_dpan`](Self::take_dpan) calls: the
    /// envelope counter (so replay protection survives a reboot), the keys
    /// and the unspent DPANs. Byte layout: module source, `STATE_*`.
    ///
    /// # Security warning
    /// The keys are in clear in `out`: keep it where the device keeps its
    /// secrets, write it atomically (A/B slots), and wipe `out` afterwards.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` is shorter than [`STATE_BYTES`](Self::STATE_BYTES).
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, Error> {
        let got = out.len();
        let out = out.get_mut(..Self::STATE_BYTES).ok_or(Error::Length {
            field: "credential state buffer",
            expected: "at least Credentials::STATE_BYTES",
            got,
        })?;
        out.fill(0);
        let (hdr, rest) = out.split_at_mut(STATE_HEADER);
        let mut w = Writer {
            out: hdr,
            pos: 0,
            field: "credential state header",
            expected: "54 bytes",
        };
        let flags = if self.outstanding.is_some() {
            STATE_FLAG_OUTSTANDING
        } else {
            0
        };
        w.put(&STATE_MAGIC)?;
        w.put(&[STATE_V3, flags])?;
        w.put(&self.counter.to_be_bytes())?;
        let next = u16::try_from(self.next_dpan).map_err(|_| Error::Length {
            field: "credential DPAN slots",
            expected: "at most 65535",
            got: self.next_dpan,
        })?;
        w.put(&next.to_be_bytes())?;
        w.put(&self.outstanding.unwrap_or([0; REQUEST_HASH_LEN]))?;
        let check = state_check(w.written());
        w.put(&check)?;
        let (key_area, dpan_area) = rest.split_at_mut(K * STATE_KEY_SLOT);
        for (slot, k) in key_area.chunks_exact_mut(STATE_KEY_SLOT).zip(&self.keys) {
            let Some(k) = k else { continue };
            let (meta, key) = slot.split_at_mut(STATE_KEY_SLOT - 32);
            let alg = k.key.algorithm();
            let [u0, u1] = k.usage;
            let [v0, v1] = k.key_version;
            meta.copy_from_slice(&[1, u0, u1, k.mode_of_use, v0, v1, keypair::alg_code(alg)]);
            if let Some(dst) = key.get_mut(..alg.key_len()) {
                crate::ct::copy(dst, k.key.expose_secret());
            }
        }
        for (slot, d) in dpan_area.chunks_exact_mut(STATE_DPAN_SLOT).zip(&self.dpans) {
            let Some(d) = d else { continue };
            let (len, digits) = slot.split_at_mut(1);
            len.fill(d.len() as u8);
            crate::ct::copy(digits, d.values());
        }
        Ok(Self::STATE_BYTES)
    }

    /// Restores credentials persisted with [`to_bytes`](Self::to_bytes) (same
    /// `K` and `D`). The encoding is canonical: only bytes that `to_bytes`
    /// can have written for credentials [`open_envelope`] can have produced
    /// are accepted — every header byte checked (magic, version, flags, and
    /// the header check over the counter, next-DPAN index and outstanding
    /// request, so a flipped or torn counter is refused rather than
    /// restored; no outstanding request means an all-zero hash), keys in
    /// slots `0..k` with unique usages, `k ≥ 1`
    /// exactly when the counter is non-zero, unspent DPANs in consecutive
    /// slots from the next-DPAN index on, Luhn-valid, every padding byte
    /// zero. The secret bytes (key material, DPAN digits, and padding that a
    /// torn write could have filled with either) are checked without early
    /// exits, each group with one public verdict.
    ///
    /// # Errors
    /// [`Error::Malformed`] for anything else; a version-1 or version-2 state
    /// is refused with its own message.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bad = malformed("credential state");
        if bytes.len() != Self::STATE_BYTES {
            return Err(bad);
        }
        let (hdr, rest) = bytes.split_at_checked(STATE_HEADER).ok_or(bad)?;
        let mut c = Cursor::new(hdr);
        if c.array::<2>("credential state magic")? != STATE_MAGIC {
            return Err(bad);
        }
        let flags = match c.array::<2>("credential state version")? {
            [STATE_V3, f] if f & !STATE_FLAG_OUTSTANDING == 0 => f,
            [1 | 2, _] => {
                return Err(malformed(
                    "credential state version 1 or 2 (no outstanding request) is no \
                     longer read; version 3 required",
                ));
            }
            _ => return Err(bad),
        };
        let mut creds = Self::empty();
        creds.counter = c.u64("credential state counter")?;
        creds.next_dpan = usize::from(c.u16("credential state next DPAN")?);
        let outstanding = c.array::<REQUEST_HASH_LEN>("credential state outstanding request")?;
        if flags & STATE_FLAG_OUTSTANDING != 0 {
            creds.outstanding = Some(outstanding);
        } else if outstanding != [0; REQUEST_HASH_LEN] {
            return Err(bad);
        }
        let fields = hdr.get(..STATE_HEADER_FIELDS).ok_or(bad)?;
        // Public header bytes: a plain comparison.
        if c.array::<8>("credential state header check")? != state_check(fields) {
            return Err(bad);
        }
        if creds.next_dpan > D {
            return Err(bad);
        }
        let (key_area, dpan_area) = rest.split_at_checked(K * STATE_KEY_SLOT).ok_or(bad)?;
        // OR of every byte that must be zero: one verdict at the end.
        let mut nonzero = 0u8;
        let or_all = |b: &[u8]| b.iter().fold(0u8, |a, x| a | x);
        let mut ended = false;
        for (slot, out) in key_area
            .chunks_exact(STATE_KEY_SLOT)
            .zip(creds.keys.iter_mut())
        {
            let (meta, key) = slot.split_at_checked(STATE_KEY_SLOT - 32).ok_or(bad)?;
            let [present, u0, u1, mode, v0, v1, code] =
                <[u8; 7]>::try_from(meta).map_err(|_| bad)?;
            match (present, ended) {
                (0, _) => {
                    ended = true;
                    nonzero |= or_all(slot);
                    continue;
                }
                (1, false) => {}
                _ => return Err(bad),
            }
            let alg = keypair::alg_from_code(code).ok_or(bad)?;
            let (key, padding) = key.split_at_checked(alg.key_len()).ok_or(bad)?;
            nonzero |= or_all(padding);
            *out = Some(InstalledKey {
                usage: [u0, u1],
                mode_of_use: mode,
                key_version: [v0, v1],
                key: UnwrappedKey::new(alg, key)?,
            });
        }
        unique_usages(&creds.keys).map_err(|_| bad)?;
        let has_keys = creds.keys.iter().any(Option::is_some);
        if has_keys != (creds.counter > 0) || (!has_keys && creds.next_dpan > 0) {
            return Err(bad);
        }
        let mut luhn = subtle::Choice::from(1);
        let mut ended = false;
        for (i, (slot, out)) in dpan_area
            .chunks_exact(STATE_DPAN_SLOT)
            .zip(creds.dpans.iter_mut())
            .enumerate()
        {
            let (len, body) = slot.split_first().ok_or(bad)?;
            let len = usize::from(*len);
            if len == 0 {
                // Spent (below the next-DPAN index) or past the last one.
                ended |= i >= creds.next_dpan;
                nonzero |= or_all(body);
                continue;
            }
            if i < creds.next_dpan || ended {
                return Err(bad);
            }
            let (digits, padding) = body.split_at_checked(len).ok_or(bad)?;
            nonzero |= or_all(padding);
            // Checks the digit count (13..=19) and the digit values.
            let d = Dpan::from_stored_values(digits, "credential state")?;
            luhn &= crate::token::luhn::valid_values(d.values());
            *out = Some(d);
        }
        let zero = subtle::ConstantTimeEq::ct_eq(&nonzero, &0);
        if !crate::ct::public_verdict(zero & luhn) {
            return Err(bad);
        }
        Ok(creds)
    }
}

/// Key usages must be unique within a credential set (public header data).
fn unique_usages(keys: &[Option<InstalledKey>]) -> Result<(), Error> {
    for (i, a) in keys.iter().enumerate() {
        let Some(a) = a else { continue };
        if keys
            .iter()
            .skip(i + 1)
            .flatten()
            .any(|b| b.usage == a.usage)
        {
            return Err(malformed("two key blocks with the same key usage"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Parsing (public data only)

/// A structurally valid, not yet authenticated envelope.
struct Parsed<'a> {
    kdf: KbpkKdf,
    kbpk_alg: Algorithm,
    counter: u64,
    device_id: &'a [u8],
    request_hash: [u8; REQUEST_HASH_LEN],
    ephemeral: EcPublicKey,
    context: &'a [u8],
    n_keys: usize,
    keys_region: &'a [u8],
    n_dpans: usize,
    dpans_region: &'a [u8],
    signed: &'a [u8],
    signature: &'a [u8],
}

fn parse(env: &[u8]) -> Result<Parsed<'_>, Error> {
    let min = CTX_LEN_OFF + 1 + 1 + 1 + SIG_LEN;
    if env.len() < min {
        return Err(Error::Length {
            field: "provisioning envelope",
            expected: "at least 212",
            got: env.len(),
        });
    }
    let (signed, signature) = env.split_at(env.len() - SIG_LEN);
    let mut c = Cursor::new(signed);
    if c.take(4, "envelope magic")? != MAGIC {
        return Err(malformed("not a tapcrypt provisioning envelope"));
    }
    match c.u8("envelope version")? {
        PROFILE_V2 => {}
        0x01 => {
            return Err(malformed(
                "envelope profile v1 (not bound to a request) is no longer accepted; \
                 v2 required",
            ));
        }
        _ => return Err(malformed("unsupported envelope profile version")),
    }
    let kdf = KbpkKdf::from_code(c.u8("envelope KDF")?).ok_or(malformed("unknown envelope KDF"))?;
    let kbpk_alg = keypair::alg_from_code(c.u8("envelope KBPK algorithm")?)
        .filter(|a| !a.is_tdes())
        .ok_or(malformed("envelope KBPK algorithm must be AES"))?;
    if c.u8("envelope reserved byte")? != 0 {
        return Err(malformed("envelope reserved byte is not zero"));
    }
    let counter = c.u64("envelope counter")?;
    if counter == 0 {
        return Err(malformed("envelope counter must be at least 1"));
    }
    let device_id = c.take(32, "device key id")?;
    let request_hash = c.array::<REQUEST_HASH_LEN>("request hash")?;
    let ephemeral = EcPublicKey::from_sec1(c.take(SEC1_UNCOMPRESSED_LEN, "ephemeral key")?)?;
    let ctx_len = usize::from(c.u8("context length")?);
    if ctx_len > MAX_ENVELOPE_CONTEXT {
        return Err(malformed("envelope context longer than 64 bytes"));
    }
    let context = c.take(ctx_len, "envelope context")?;
    let n_keys = usize::from(c.u8("number of key blocks")?);
    if n_keys == 0 || n_keys > MAX_KEY_BLOCKS {
        return Err(malformed("envelope must carry 1 to 16 key blocks"));
    }
    let keys_start = c.pos;
    for _ in 0..n_keys {
        let m = usize::from(c.u16("key block length")?);
        if !(16..=tr31::MAX_KEY_BLOCK_LEN).contains(&m) {
            return Err(malformed("key block length out of range"));
        }
        let kb = c.take(m, "key block")?;
        if kb.first() != Some(&b'D') {
            return Err(malformed("envelope key blocks must be TR-31 version D"));
        }
    }
    let keys_region = signed.get(keys_start..c.pos).unwrap_or(&[]);
    let n_dpans = usize::from(c.u8("number of DPANs")?);
    let dpans_start = c.pos;
    for _ in 0..n_dpans {
        let d = usize::from(c.u8("DPAN length")?);
        envelope_dpan(c.take(d, "DPAN")?)?;
    }
    let dpans_region = signed.get(dpans_start..c.pos).unwrap_or(&[]);
    if c.pos != signed.len() {
        return Err(Error::Length {
            field: "provisioning envelope",
            expected: "no bytes between the DPANs and the signature",
            got: env.len(),
        });
    }
    Ok(Parsed {
        kdf,
        kbpk_alg,
        counter,
        device_id,
        request_hash,
        ephemeral,
        context,
        n_keys,
        keys_region,
        n_dpans,
        dpans_region,
        signed,
        signature,
    })
}

fn device_key_id(pk: &EcPublicKey) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&sha2::Sha256::digest(pk.to_sec1()));
    out
}

/// Verifies and opens an envelope into a fresh credential set (with no
/// request outstanding), without touching any state. `outstanding_request`
/// is the [`request_hash`](super::request::request_hash) of the request the
/// device awaits an answer to (`None`: none, and every envelope is refused).
/// See the module docs for the order of checks.
///
/// # Errors
/// [`ProvisionError::Input`] (structure, capacity, wrong device, duplicate
/// usages), [`ProvisionError::Verify`] (signature or key block MAC),
/// [`ProvisionError::Replay`], [`ProvisionError::NotRequested`].
pub fn open_envelope<const K: usize, const D: usize>(
    device: &DeviceKeyPair,
    token_service: &EcdsaVerifyingKey,
    last_counter: u64,
    outstanding_request: Option<&[u8; REQUEST_HASH_LEN]>,
    envelope: &[u8],
) -> Result<Credentials<K, D>, ProvisionError> {
    let p = parse(envelope)?;
    super::ecdsa::verify_profile_signature(token_service, SIGNATURE_DOMAIN, p.signed, p.signature)?;
    if p.counter <= last_counter {
        return Err(ProvisionError::Replay {
            envelope: p.counter,
            last_installed: last_counter,
        });
    }
    // Public values (the request hash travels in clear both ways).
    if outstanding_request != Some(&p.request_hash) {
        return Err(ProvisionError::NotRequested);
    }
    // The verdict is public (the envelope names its recipient in clear); it
    // goes through the one declassification point because memcheck rightly
    // sees the public key as computed from the secret scalar.
    let for_me =
        subtle::ConstantTimeEq::ct_eq(p.device_id, &device_key_id(&device.public_key())[..]);
    if !crate::ct::public_verdict(for_me) {
        return Err(malformed("envelope is addressed to another device").into());
    }
    if p.n_keys > K {
        return Err(Error::Exhausted { what: "key slots" }.into());
    }
    if p.n_dpans > D {
        return Err(Error::Exhausted { what: "DPAN slots" }.into());
    }
    let kbpk = device.derive_kbpk(
        &p.ephemeral,
        &KbpkParams {
            kdf: p.kdf,
            algorithm: p.kbpk_alg,
            context: p.context,
        },
    )?;
    let mut creds = Credentials::<K, D>::empty();
    creds.counter = p.counter;
    let mut c = Cursor::new(p.keys_region);
    for slot in creds.keys.iter_mut().take(p.n_keys) {
        let m = usize::from(c.u16("key block length")?);
        let u = tr31::unwrap(&kbpk, c.take(m, "key block")?)?;
        *slot = Some(InstalledKey {
            usage: u.header.key_usage(),
            mode_of_use: u.header.mode_of_use(),
            key_version: u.header.key_version(),
            key: u.key,
        });
    }
    unique_usages(&creds.keys)?;
    let mut c = Cursor::new(p.dpans_region);
    for slot in creds.dpans.iter_mut().take(p.n_dpans) {
        let d = usize::from(c.u8("DPAN length")?);
        *slot = Some(envelope_dpan(c.take(d, "DPAN")?)?);
    }
    Ok(creds)
}

/// Device-side store: the device key pair, the pinned token-service key and
/// the active credentials. [`install`](Self::install) is all-or-nothing.
///
/// The whole exchange: the band's signed request, the token service's
/// envelope (the ICC MK as a TR-31 block under an ECDH-derived KBPK, plus
/// one-time DPANs), the band's install, and a replay refused.
///
/// ```
/// use tapcrypt::provision::request::{CHALLENGE_LEN, MAX_REQUEST_LEN};
/// use tapcrypt::provision::tr31::Version;
/// use tapcrypt::provision::{
///     CredentialStore, Credentials, DeviceKeyPair, EcdsaSigningKey, EnvelopeContents,
///     EnvelopeKey, KbpkKdf, KeyBlockHeader, build_envelope, envelope::envelope_len, open_request,
/// };
/// use tapcrypt::{Algorithm, CardMasterKey};
/// # use tapcrypt::provision::rand_core::{TryCryptoRng, TryRng, UnwrapErr};
/// # struct OsRng(std::fs::File);
/// # impl TryRng for OsRng {
/// #     type Error = std::io::Error;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { let mut b = [0; 4]; self.try_fill_bytes(&mut b)?; Ok(u32::from_le_bytes(b)) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { let mut b = [0; 8]; self.try_fill_bytes(&mut b)?; Ok(u64::from_le_bytes(b)) }
/// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { std::io::Read::read_exact(&mut self.0, d) }
/// # }
/// # impl TryCryptoRng for OsRng {}
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mut rng = UnwrapErr(OsRng(std::fs::File::open("/dev/urandom")?));
/// // Any rand_core CryptoRng: the platform's, an HSM's, a TRNG-seeded DRBG.
/// let attestation = EcdsaSigningKey::generate(&mut rng);
/// let tsp = EcdsaSigningKey::generate(&mut rng);
/// let mut band: CredentialStore<1, 4> = CredentialStore::new(
///     DeviceKeyPair::generate(&mut rng),
///     tsp.verifying_key(),
///     Credentials::empty(),
/// );
/// let challenge = [7u8; CHALLENGE_LEN];
/// let mut req = [0u8; MAX_REQUEST_LEN];
/// let n = band.begin_request(&challenge, b"acct-1", &attestation, &mut rng, &mut req)?;
///
/// let request = open_request(&attestation.verifying_key(), &challenge, &req[..n])?;
/// let icc_mk = CardMasterKey::from_hex(Algorithm::Aes128, "2B7E151628AED2A6ABF7158809CF4F3C")?;
/// let header = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N')?;
/// let contents = EnvelopeContents {
///     counter: request.next_counter(0)?,
///     request_hash: request.request_hash,
///     kdf: KbpkKdf::OneStepSha256,
///     kbpk_algorithm: Algorithm::Aes256,
///     context: b"acct-1",
///     keys: &[EnvelopeKey { header: &header, key: &icc_mk }],
///     dpans: &[],
/// };
/// let mut envelope = vec![0u8; envelope_len(&contents)];
/// build_envelope(&contents, &request.device_key, &tsp, &mut rng, &mut envelope)?;
///
/// assert_eq!(band.install(&envelope)?.keys, 1);
/// assert!(band.install(&envelope).is_err()); // a replay
/// let mk = band.credentials().role_key::<CardMasterKey>()?;
/// assert_eq!(mk.kcv(), icc_mk.kcv());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct CredentialStore<const K: usize, const D: usize> {
    device: DeviceKeyPair,
    token_service: EcdsaVerifyingKey,
    active: Credentials<K, D>,
}

/// What an install put in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallSummary {
    /// The envelope counter now recorded.
    pub counter: u64,
    /// Keys installed.
    pub keys: usize,
    /// DPANs installed.
    pub dpans: usize,
}

impl<const K: usize, const D: usize> CredentialStore<K, D> {
    /// A store with the given (restored) credentials.
    #[must_use]
    pub fn new(
        device: DeviceKeyPair,
        pinned_token_service: EcdsaVerifyingKey,
        active: Credentials<K, D>,
    ) -> Self {
        CredentialStore {
            device,
            token_service: pinned_token_service,
            active,
        }
    }

    /// The device key pair.
    #[must_use]
    pub fn device(&self) -> &DeviceKeyPair {
        &self.device
    }

    /// The active credentials.
    #[must_use]
    pub fn credentials(&self) -> &Credentials<K, D> {
        &self.active
    }

    /// The active credentials, mutable (to take DPANs).
    pub fn credentials_mut(&mut self) -> &mut Credentials<K, D> {
        &mut self.active
    }

    /// Starts a provisioning request (device side, `no_std`): draws a fresh
    /// device nonce, builds and signs the request for `challenge` with the
    /// device's ECDH public key and its last installed counter, writes it
    /// into `out` (returns its length) and records its hash as the
    /// outstanding request, replacing any earlier one.
    ///
    /// **Persist [`credentials`](Self::credentials)`().to_bytes` and wait
    /// until the write is durable before sending the request** (module docs,
    /// state machine).
    ///
    /// # Errors
    /// As [`build_request`](super::request::build_request); on error the
    /// outstanding request is unchanged.
    pub fn begin_request<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        challenge: &[u8; CHALLENGE_LEN],
        context: &[u8],
        attestation: &EcdsaSigningKey,
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let contents = RequestContents {
            last_counter: self.active.counter,
            challenge,
            context,
        };
        let n =
            request::build_request(&contents, &self.device.public_key(), attestation, rng, out)?;
        let sent = out.get(..n).ok_or(malformed("request length"))?;
        self.active.outstanding = Some(request::request_hash(sent));
        Ok(n)
    }

    /// Verifies, decrypts and installs `envelope`, which must answer the
    /// outstanding request ([`begin_request`](Self::begin_request)). On
    /// success the new set replaces the old one (which is wiped) and nothing
    /// is outstanding any more; on any error nothing changes.
    ///
    /// # Errors
    /// As [`open_envelope`].
    pub fn install(&mut self, envelope: &[u8]) -> Result<InstallSummary, ProvisionError> {
        let staged = open_envelope::<K, D>(
            &self.device,
            &self.token_service,
            self.active.counter,
            self.active.outstanding.as_ref(),
            envelope,
        )?;
        let summary = InstallSummary {
            counter: staged.counter,
            keys: staged.keys().count(),
            dpans: staged.dpans_left(),
        };
        self.active = staged;
        Ok(summary)
    }
}

// ---------------------------------------------------------------------------
// Token-service side

/// One key to put in an envelope: its TR-31 header (version D) and the key.
#[derive(Clone, Copy)]
pub struct EnvelopeKey<'a> {
    /// Header; its algorithm must match the key (`A` AES, `T` TDES).
    pub header: &'a KeyBlockHeader,
    /// The key (any of the crate's secret key types).
    pub key: &'a dyn WrapKey,
}

impl fmt::Debug for EnvelopeKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvelopeKey")
            .field("header", self.header)
            .finish_non_exhaustive()
    }
}

/// What the token service puts in an envelope.
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeContents<'a> {
    /// Envelope counter for this device (>= 1, above every earlier one).
    pub counter: u64,
    /// The request this envelope answers:
    /// [`ProvisioningRequest::request_hash`](super::ProvisioningRequest::request_hash)
    /// of the request [`open_request`](super::open_request) accepted.
    pub request_hash: [u8; REQUEST_HASH_LEN],
    /// KDF for the KBPK.
    pub kdf: KbpkKdf,
    /// KBPK algorithm (AES-128/192/256).
    pub kbpk_algorithm: Algorithm,
    /// Context bound into the KBPK (≤ 64 bytes).
    pub context: &'a [u8],
    /// 1 to 16 keys.
    pub keys: &'a [EnvelopeKey<'a>],
    /// 0 to 255 DPANs (each must have a right Luhn check digit).
    pub dpans: &'a [Dpan],
}

/// Exact length of the envelope [`build_envelope`] writes for `contents`.
#[must_use]
pub fn envelope_len(contents: &EnvelopeContents<'_>) -> usize {
    let keys: usize = contents
        .keys
        .iter()
        .map(|k| 2 + tr31::wrapped_len(k.header, k.key.key_algorithm()))
        .sum();
    let dpans: usize = contents.dpans.iter().map(|d| 1 + d.len()).sum();
    CTX_LEN_OFF + 1 + contents.context.len() + 1 + keys + 1 + dpans + SIG_LEN
}

/// Builds and signs an envelope for `device` into `out`; returns its length.
///
/// A fresh ephemeral key is drawn from `rng` and destroyed after the KBPK is
/// derived; key-block padding and the hedged signature nonce also use `rng`.
///
/// # Errors
/// [`Error`] for contents outside the profile (counter 0, too many keys or
/// DPANs, long context, non-D headers, TDES KBPK, bad DPANs) or a short `out`.
pub fn build_envelope<R: rand_core::CryptoRng + ?Sized>(
    contents: &EnvelopeContents<'_>,
    device: &EcPublicKey,
    signer: &EcdsaSigningKey,
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize, Error> {
    if contents.counter == 0 {
        return Err(malformed("envelope counter must be at least 1"));
    }
    if contents.kbpk_algorithm.is_tdes() {
        return Err(Error::KeyAlgorithm {
            operation: "envelope KBPK",
            needs: "AES",
        });
    }
    if contents.context.len() > MAX_ENVELOPE_CONTEXT {
        return Err(Error::Length {
            field: "envelope context",
            expected: "at most 64",
            got: contents.context.len(),
        });
    }
    if contents.keys.is_empty() || contents.keys.len() > MAX_KEY_BLOCKS {
        return Err(Error::Length {
            field: "envelope keys",
            expected: "1 to 16",
            got: contents.keys.len(),
        });
    }
    if contents.dpans.len() > 255 {
        return Err(Error::Length {
            field: "envelope DPANs",
            expected: "at most 255",
            got: contents.dpans.len(),
        });
    }
    for k in contents.keys {
        if k.header.version() != Version::D {
            return Err(malformed("envelope key blocks must be TR-31 version D"));
        }
    }
    for d in contents.dpans {
        if !d.luhn_ok() {
            return Err(malformed("DPAN check digit (Luhn) is wrong"));
        }
    }
    let total = envelope_len(contents);
    if out.len() < total {
        return Err(Error::Length {
            field: "envelope output buffer",
            expected: "at least envelope_len(contents)",
            got: out.len(),
        });
    }

    let eph = EphemeralKeyPair::generate(rng);
    let eph_pub = eph.public_key();
    let kbpk = eph.derive_kbpk(
        device,
        &KbpkParams {
            kdf: contents.kdf,
            algorithm: contents.kbpk_algorithm,
            context: contents.context,
        },
    )?;

    let mut w = Writer {
        out,
        pos: 0,
        field: "envelope output buffer",
        expected: "at least envelope_len(contents)",
    };
    w.put(&MAGIC)?;
    w.put(&[
        PROFILE_V2,
        contents.kdf.code(),
        keypair::alg_code(contents.kbpk_algorithm),
        0,
    ])?;
    w.put(&contents.counter.to_be_bytes())?;
    w.put(&device_key_id(device))?;
    w.put(&contents.request_hash)?;
    w.put(&eph_pub.to_sec1())?;
    w.put(&[contents.context.len() as u8])?;
    w.put(contents.context)?;
    w.put(&[contents.keys.len() as u8])?;
    for k in contents.keys {
        let mut kb = [0u8; tr31::MAX_KEY_BLOCK_LEN];
        let m = tr31::wrap_with_rng(&kbpk, k.header, k.key, rng, &mut kb)?;
        w.put(&(m as u16).to_be_bytes())?;
        w.put(kb.get(..m).unwrap_or(&[]))?;
    }
    w.put(&[contents.dpans.len() as u8])?;
    for d in contents.dpans {
        let mut ascii = [0u8; 19];
        w.put(&[d.len() as u8])?;
        w.put(d.write_ascii(&mut ascii))?;
        zeroize::Zeroize::zeroize(&mut ascii);
    }
    let sig = signer.sign_parts_with_rng(rng, &[SIGNATURE_DOMAIN, w.written()]);
    w.put(&sig.to_p1363())?;
    Ok(w.pos)
}

/// [`build_envelope`] into a new `Vec` (token-service backends, `std`).
///
/// # Errors
/// As [`build_envelope`].
#[cfg(feature = "std")]
pub fn build_envelope_vec<R: rand_core::CryptoRng + ?Sized>(
    contents: &EnvelopeContents<'_>,
    device: &EcPublicKey,
    signer: &EcdsaSigningKey,
    rng: &mut R,
) -> Result<alloc::vec::Vec<u8>, Error> {
    let mut v = alloc::vec![0u8; envelope_len(contents)];
    let n = build_envelope(contents, device, signer, rng, &mut v)?;
    v.truncate(n);
    Ok(v)
}
