//! Primitives that skip one of tapcrypt's safety rules (cargo feature
//! `hazmat`).
//!
//! Everything here is correct cryptography; what it lacks is a guard that the
//! safe API enforces by construction. Each item says which rule it skips.
//! Use them for test harnesses, HSM cross-checks and calculators, never on
//! an issuer's authorisation path:
//!
//! * [`arpc_unverified`], [`arpc_method1`], [`arpc_method2`], [`arpc_generate`]
//!   skip **"no ARPC without a verified ARQC"**. An ARPC over bytes nobody
//!   verified is a chosen-plaintext oracle under the ARPC key; for Visa CVN 10
//!   and Mastercard CVN 16/17 that key is the ICC master key itself, so two
//!   answered messages recover a session key for any ATC/UN the attacker
//!   picks (SECURITY.md, threat model). The safe path is
//!   [`TransactionKeys::verify_arqc`] → [`VerifiedArqc::arpc`](crate::emv::VerifiedArqc::arpc).
//! * [`script_session_key`], [`script_command_mac`] and
//!   [`pin_change_command`] skip **"whatever follows a verification takes
//!   the proof"**: they take the ATC and ARQC as raw values, so they MAC and
//!   encrypt issuer scripts under keys diversified by values nobody
//!   verified. The safe path is the same calls on
//!   [`VerifiedArqc`](crate::emv::VerifiedArqc).
//! * [`mac_cryptogram`] and [`verify_mac_cryptogram`] skip **"the caller pins
//!   the profile"**: the caller supplies the assembled input, the key role and
//!   the padding, so nothing ties them to a CVN. They are the raw MAC behind
//!   every cryptogram, for CDOL-assembled data the CVN catalogue does not
//!   describe.
//! * [`atc_window_apply_unverified`] and [`backend_usage_record_unverified`]
//!   skip **"consuming an ATC, spending a limited-use key takes the proof of
//!   a verified cryptogram"**: they mark an ATC used, or count a tap, for
//!   any value. On an authorisation path that lets an unverified (forged)
//!   message burn a card's ATCs or its credential's uses — a denial of
//!   service against the cardholder. For tools that rebuild a window from
//!   a log of already-verified ATCs, and for tests. The safe paths are
//!   [`AtcWindow::consume`](crate::lifecycle::AtcWindow::consume) and
//!   [`BackendUsage::record`](crate::lifecycle::BackendUsage::record).

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::emv::arpc::{self, Arpc, ArpcResponse};
use crate::emv::types::Cryptogram;
use crate::emv::{CryptogramKey, Csu, ResponseCode, TransactionKeys};
use crate::mac::{EmvMac, Padding};
use crate::{Error, VerifyError};

/// **Hazmat (skips "no ARPC without a verified ARQC").** The ARPC of
/// `keys`' CVN for `arqc`, verified or not.
///
/// # Errors
/// [`Error::Parameter`] if the response's method is not the CVN's;
/// [`Error::Length`] for proprietary data over 8 bytes.
pub fn arpc_unverified(
    keys: &TransactionKeys<'_>,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
) -> Result<Arpc, Error> {
    keys.arpc_unverified(arqc, response)
}

/// **Hazmat (skips "no ARPC without a verified ARQC").** ARPC Method 1
/// under `key` (TDES; AES is the inferred construction, see
/// [`crate::emv::arpc`]).
#[must_use]
pub fn arpc_method1<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    arc: ResponseCode,
) -> [u8; 8] {
    arpc::method1(key, arqc, arc)
}

/// **Hazmat (skips "no ARPC without a verified ARQC").** ARPC Method 2
/// under `key`.
///
/// # Errors
/// [`Error::Length`] if `proprietary` is over 8 bytes;
/// [`Error::KeyAlgorithm`] for a three-key TDES key (the retail MAC would
/// ignore K3).
pub fn arpc_method2<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    csu: Csu,
    proprietary: &[u8],
) -> Result<[u8; 4], Error> {
    arpc::method2(key, arqc, csu, proprietary)
}

/// **Hazmat (skips "no ARPC without a verified ARQC").** The ARPC for
/// `response` under `key`.
///
/// # Errors
/// As [`arpc_method2`].
pub fn arpc_generate<K: CryptogramKey + ?Sized>(
    key: &K,
    arqc: &Cryptogram,
    response: &ArpcResponse<'_>,
) -> Result<Arpc, Error> {
    arpc::generate(key, arqc, response)
}

/// **Hazmat (skips "the caller pins the profile").** An 8-byte AC over
/// already-assembled input `data` (e.g. built from a CDOL) with `key`:
/// retail MAC with `padding` for TDES, CMAC for AES.
///
/// # Errors
/// [`Error::KeyAlgorithm`] for a three-key TDES key.
pub fn mac_cryptogram<K: CryptogramKey + ?Sized>(
    key: &K,
    data: &[u8],
    padding: Padding,
) -> Result<Cryptogram, Error> {
    #[cfg(feature = "tdes")]
    if key.material().algorithm() == crate::Algorithm::Tdes3 {
        return Err(Error::KeyAlgorithm {
            operation: "an EMV cryptogram",
            needs: "two-key TDES or AES",
        });
    }
    let schedule = key.material().block_key();
    let mut m = EmvMac::new(&schedule, padding);
    m.update(data);
    Ok(Cryptogram(m.finalize8()))
}

/// **Hazmat (skips "the caller pins the profile").** Verifies an 8-byte AC
/// over `data` in constant time.
///
/// # Errors
/// [`VerifyError`] on any mismatch.
pub fn verify_mac_cryptogram<K: CryptogramKey + ?Sized>(
    key: &K,
    data: &[u8],
    padding: Padding,
    ac: &Cryptogram,
) -> Result<(), VerifyError> {
    let ok = match mac_cryptogram(key, data, padding) {
        Ok(mut want) => {
            let c = want.0.ct_eq(&ac.0);
            want.0.zeroize();
            c
        }
        Err(_) => subtle::Choice::from(0),
    };
    if crate::ct::public_verdict(ok) {
        Ok(())
    } else {
        Err(VerifyError)
    }
}

/// **Hazmat (skips "consuming an ATC takes the proof of a verified
/// cryptogram").** The replay window's pure update on a raw ATC.
pub fn atc_window_apply_unverified(
    window: crate::lifecycle::AtcWindow,
    atc: crate::emv::Atc,
) -> (crate::lifecycle::AtcWindow, crate::lifecycle::AtcVerdict) {
    window.apply(atc)
}

/// **Hazmat (skips "spending a limited-use key takes the proof of a
/// verified cryptogram").** The backend's key-use update on a raw tap.
///
/// # Errors
/// The [`LimitError`](crate::lifecycle::LimitError) refusing the tap.
pub fn backend_usage_record_unverified(
    usage: crate::lifecycle::BackendUsage,
    now: u64,
    amount: u64,
    currency: crate::lifecycle::Currency,
) -> Result<crate::lifecycle::BackendUsage, crate::lifecycle::LimitError> {
    usage.record_unverified(now, amount, currency)
}

#[cfg(feature = "tdes")]
/// **Hazmat (skips "whatever follows a verification takes the proof").**
/// The script session key for a raw ATC and ARQC; see
/// [`VerifiedArqc::script_session_key`](crate::emv::VerifiedArqc::script_session_key).
///
/// # Errors
/// As the underlying derivation.
pub fn script_session_key<K: crate::keys::ScriptMasterKey>(
    profile: &crate::emv::script::ScriptProfile,
    mk: &K,
    atc: crate::emv::Atc,
    arqc: &Cryptogram,
    index: u8,
) -> Result<K::Session, Error> {
    crate::emv::script::script_session_key(profile, mk, atc, arqc, index)
}

#[cfg(feature = "tdes")]
/// **Hazmat (skips "whatever follows a verification takes the proof").**
/// A script command MAC for a raw ATC and ARQC; see
/// [`VerifiedArqc::script_command_mac`](crate::emv::VerifiedArqc::script_command_mac).
///
/// # Errors
/// Key algorithm errors.
pub fn script_command_mac(
    profile: &crate::emv::script::ScriptProfile,
    sk_smi: &crate::ScriptMacKey,
    header: &[u8; 5],
    atc: crate::emv::Atc,
    arqc: &Cryptogram,
    data: &[u8],
) -> Result<[u8; 8], Error> {
    crate::emv::script::script_command_mac(profile, sk_smi, header, atc, arqc, data)
}

#[cfg(feature = "tdes")]
/// **Hazmat (skips "whatever follows a verification takes the proof").**
/// A PIN-change command for a raw ATC and ARQC; see
/// [`VerifiedArqc::pin_change_command`](crate::emv::VerifiedArqc::pin_change_command).
///
/// Keys are typed by role; SK-SMC and SK-SMI swapped do not compile:
///
/// ```compile_fail
/// # use tapcrypt::emv::{script, Atc, Cryptogram, MASTERCARD_CVN_16};
/// # use tapcrypt::{CardMasterKey, ScriptEncKey, ScriptMacKey};
/// # let mk_ac = CardMasterKey::tdes2(&[1; 16]);
/// # let sk_smi = ScriptMacKey::tdes2(&[2; 16]);
/// # let sk_smc = ScriptEncKey::tdes2(&[3; 16]);
/// # let pin = script::Pin::parse("1234").unwrap();
/// # let mut out = [0u8; 64];
/// tapcrypt::hazmat::pin_change_command(&MASTERCARD_CVN_16.script, &mk_ac, &sk_smc, &sk_smi,
///     Atc::from_u16(1), &Cryptogram([0; 8]), &pin, None, &mut out);
/// ```
///
/// The same call in the right order compiles and runs:
///
/// ```
/// # use tapcrypt::emv::{script, Atc, Cryptogram, MASTERCARD_CVN_16};
/// # use tapcrypt::{CardMasterKey, ScriptEncKey, ScriptMacKey};
/// # let mk_ac = CardMasterKey::tdes2(&[1; 16]);
/// # let sk_smi = ScriptMacKey::tdes2(&[2; 16]);
/// # let sk_smc = ScriptEncKey::tdes2(&[3; 16]);
/// # let pin = script::Pin::parse("1234").unwrap();
/// # let mut out = [0u8; 64];
/// tapcrypt::hazmat::pin_change_command(&MASTERCARD_CVN_16.script, &mk_ac, &sk_smi, &sk_smc,
///     Atc::from_u16(1), &Cryptogram([0; 8]), &pin, None, &mut out).unwrap();
/// ```
///
/// # Errors
/// Key algorithm errors; [`Error::Length`] if `out` is too small.
#[allow(clippy::too_many_arguments)]
pub fn pin_change_command(
    profile: &crate::emv::script::ScriptProfile,
    mk_ac: &crate::CardMasterKey,
    sk_smi: &crate::ScriptMacKey,
    sk_smc: &crate::ScriptEncKey,
    atc: crate::emv::Atc,
    arqc: &Cryptogram,
    new_pin: &crate::emv::script::Pin,
    current_pin: Option<&crate::emv::script::Pin>,
    out: &mut [u8],
) -> Result<usize, Error> {
    crate::emv::script::pin_change_command(
        profile,
        mk_ac,
        sk_smi,
        sk_smc,
        atc,
        arqc,
        new_pin,
        current_pin,
        out,
    )
}
