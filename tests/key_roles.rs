//! Issue 13 item 11 (regression): every EMV key role has its own type, and
//! a key from a key block becomes a role type only through its
//! authenticated header (usage, mode of use, algorithm).
//!
//! Before the fix `UnwrappedKey::into_card_master_key` re-typed any key
//! (a `D0` data-encryption key became a `CardMasterKey`), and MK-AC, MK-SMI,
//! MK-SMC and MK-CVC3 were all `CardMasterKey`, SK-SMI and SK-SMC both
//! `SessionKey` (swappable in `pin_change_command`). The type-level half is
//! checked by `compile_fail` doctests (`emv::script`, `emv::cvv::cvc3`,
//! `provision::tr31::UnwrappedKey`); this file checks the runtime checks.
#![cfg(all(feature = "provision", feature = "std", feature = "__internal"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod provision_common;
use provision_common::*;

use tapcrypt::emv::derive::{self, MkDerivation};
use tapcrypt::emv::script;
use tapcrypt::emv::{Atc, CardKeySchedule, Cryptogram, MASTERCARD_CVN_16, VISA_CVN_10};
use tapcrypt::provision::envelope::{self, EnvelopeContents, EnvelopeKey, open_envelope};
use tapcrypt::provision::tr31::{self, KeyBlockProtectionKey, Version, WrapKey};
use tapcrypt::provision::{DeviceKeyPair, EcdsaSigningKey, KbpkKdf, KeyBlockHeader};
use tapcrypt::token::Dpan;
use tapcrypt::{
    Algorithm, CardEncKey, CardMacKey, CardMasterKey, Cvc3Key, DcvvKey, Error, IssuerEncKey,
    IssuerMacKey, IssuerMasterKey, Pan, Psn, ScriptEncKey, ScriptMacKey,
};

fn block(usage: &[u8; 2], alg: u8, mode: u8, key: &(impl WrapKey + ?Sized)) -> tr31::Unwrapped {
    let kbpk = KeyBlockProtectionKey::new(Algorithm::Aes256, &[0x5A; 32]).unwrap();
    let h = KeyBlockHeader::new(Version::D, *usage, alg, mode, *b"01", b'N').unwrap();
    let pad = vec![0u8; tr31::padding_len(Version::D, key.key_algorithm())];
    let mut out = [0u8; 512];
    let n = tr31::wrap_with_padding(&kbpk, &h, key, &pad, &mut out).unwrap();
    tr31::unwrap(&kbpk, &out[..n]).unwrap()
}

/// The hash of the request this envelope answers (any fixed value: the
/// request binding is not what this file tests).
const REQUEST_HASH: [u8; 32] = [0x52; 32];

fn tdes(b: u8) -> tr31::UnwrappedKey {
    tr31::UnwrappedKey::new(Algorithm::Tdes2, &[b; 16]).unwrap()
}

#[test]
fn key_block_usage_decides_the_role() {
    // The right usage and mode: the role type, same key.
    let mk = block(b"E0", b'T', b'X', &tdes(0x11))
        .into_role::<CardMasterKey>()
        .unwrap();
    assert_eq!(mk.expose_secret(), &[0x11; 16]);
    let ok = |r: Result<(), Error>| r.unwrap();
    ok(block(b"E2", b'T', b'X', &tdes(2))
        .into_role::<CardMacKey>()
        .map(drop));
    ok(block(b"E1", b'T', b'N', &tdes(3))
        .into_role::<CardEncKey>()
        .map(drop));
    ok(block(b"E4", b'T', b'X', &tdes(4))
        .into_role::<Cvc3Key>()
        .map(drop));
    ok(block(b"E4", b'T', b'G', &tdes(4))
        .into_role::<Cvc3Key>()
        .map(drop));
    ok(block(b"E6", b'T', b'C', &tdes(6))
        .into_role::<DcvvKey>()
        .map(drop));
    let aes = tr31::UnwrappedKey::new(Algorithm::Aes128, &[7; 16]).unwrap();
    ok(block(b"E0", b'A', b'X', &aes)
        .into_role::<CardMasterKey>()
        .map(drop));

    // The reviewer's case: a D0 (data encryption) key is not an MK-AC.
    let role_err = |e: Error| matches!(e, Error::KeyRole { .. });
    let e = block(b"D0", b'T', b'B', &tdes(0x11))
        .into_role::<CardMasterKey>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    // Another EMV role's usage: refused both ways.
    let e = block(b"E2", b'T', b'X', &tdes(2))
        .into_role::<CardEncKey>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    let e = block(b"E1", b'T', b'X', &tdes(3))
        .into_role::<CardMacKey>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    let e = block(b"E0", b'T', b'X', &tdes(1))
        .into_role::<Cvc3Key>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    // A mode of use the role does not allow (E = encrypt only).
    let e = block(b"E0", b'T', b'E', &tdes(1))
        .into_role::<CardMasterKey>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    let e = block(b"E2", b'T', b'G', &tdes(1))
        .into_role::<CardMacKey>()
        .unwrap_err();
    assert!(role_err(e), "{e:?}");
    // An algorithm the role does not allow: three-key TDES for any EMV
    // role, AES for CVC3.
    let t3 = tr31::UnwrappedKey::new(Algorithm::Tdes3, &[9; 24]).unwrap();
    let e = block(b"E0", b'T', b'X', &t3)
        .into_role::<CardMasterKey>()
        .unwrap_err();
    assert!(matches!(e, Error::KeyAlgorithm { .. }), "{e:?}");
    let e = block(b"E4", b'A', b'X', &aes)
        .into_role::<Cvc3Key>()
        .unwrap_err();
    assert!(matches!(e, Error::KeyAlgorithm { .. }), "{e:?}");
}

#[test]
fn installed_keys_reach_their_role_only_through_the_header() {
    let device = DeviceKeyPair::from_secret_bytes(&[0x4D; 32]).unwrap();
    let tsp = EcdsaSigningKey::from_secret_bytes(&[0x75; 32]).unwrap();
    let mk_ac = CardMasterKey::new(Algorithm::Aes128, &[0x11; 16]).unwrap();
    let mk_smi = CardMacKey::new(Algorithm::Tdes2, &[0x22; 16]).unwrap();
    let mk_smc = CardEncKey::new(Algorithm::Tdes2, &[0x33; 16]).unwrap();
    let other = tapcrypt::mac::MacKey::new(Algorithm::Tdes2, &[0x44; 16]).unwrap();
    let h_ac = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N').unwrap();
    let h_smi = KeyBlockHeader::new(Version::D, *b"E2", b'T', b'X', *b"01", b'N').unwrap();
    // MK-SMC installed with a mode of use that does not allow the role.
    let h_smc = KeyBlockHeader::new(Version::D, *b"E1", b'T', b'E', *b"01", b'N').unwrap();
    let h_m3 = KeyBlockHeader::new(Version::D, *b"M3", b'T', b'C', *b"01", b'N').unwrap();
    let keys = [
        EnvelopeKey {
            header: &h_ac,
            key: &mk_ac,
        },
        EnvelopeKey {
            header: &h_smi,
            key: &mk_smi,
        },
        EnvelopeKey {
            header: &h_smc,
            key: &mk_smc,
        },
        EnvelopeKey {
            header: &h_m3,
            key: &other,
        },
    ];
    let dpans = [Dpan::parse("4895370012345671").unwrap()];
    let contents = EnvelopeContents {
        counter: 1,
        kdf: KbpkKdf::OneStepSha256,
        kbpk_algorithm: Algorithm::Aes256,
        context: b"key roles",
        keys: &keys,
        dpans: &dpans,
        request_hash: REQUEST_HASH,
    };
    let env =
        envelope::build_envelope_vec(&contents, &device.public_key(), &tsp, &mut TestRng::new(7))
            .unwrap();
    let creds =
        open_envelope::<4, 2>(&device, &tsp.verifying_key(), 0, Some(&REQUEST_HASH), &env).unwrap();

    let ac = creds.role_key::<CardMasterKey>().unwrap();
    assert_eq!(ac.algorithm(), Algorithm::Aes128);
    assert_eq!(ac.kcv(), mk_ac.kcv());
    // The firmware's path: straight into the expanded schedule.
    let _device = CardKeySchedule::new(ac);
    let smi = creds.role_key::<CardMacKey>().unwrap();
    assert_eq!(smi.kcv(), mk_smi.kcv());
    // Usage E1 is there, but its mode (E) does not allow MK-SMC.
    assert!(matches!(
        creds.role_key::<CardEncKey>(),
        Err(Error::KeyRole { .. })
    ));
    // No key with usage E4 / E6.
    assert!(matches!(
        creds.role_key::<Cvc3Key>(),
        Err(Error::KeyRole { .. })
    ));
    assert!(matches!(
        creds.role_key::<DcvvKey>(),
        Err(Error::KeyRole { .. })
    ));
    // The M3 key is installed, and no EMV role takes it.
    let m3 = creds.key(*b"M3").unwrap();
    assert!(m3.to_role::<CardMasterKey>().is_err());
    assert!(m3.to_role::<CardMacKey>().is_err());
    // Same through the per-key call.
    assert!(creds.key(*b"E2").unwrap().to_role::<CardMacKey>().is_ok());
    assert!(creds.key(*b"E2").unwrap().to_role::<CardEncKey>().is_err());
}

/// Derivations produce the role type of their input: IMK-SMI → MK-SMI →
/// SK-SMI, IMK-SMC → MK-SMC → SK-SMC, and each fits only its own slot of a
/// PIN change. The keys equal what the untyped derivation produced (same
/// algorithm), so this is a re-typing, not a new computation: the values
/// themselves are pinned by the emv.json vectors (icc_mk_smi / icc_mk_smc).
#[test]
#[cfg(feature = "hazmat")] // raw-ATC/ARQC script calls
fn derivations_produce_role_types() {
    let pan = Pan::parse("5413330089010012").unwrap();
    let psn = Psn::parse("01").unwrap();
    let imk_ac = IssuerMasterKey::tdes2(&[0x10; 16]);
    let imk_smi = IssuerMacKey::tdes2(&[0x20; 16]);
    let imk_smc = IssuerEncKey::tdes2(&[0x40; 16]);
    let mk_ac: CardMasterKey =
        derive::derive_card_key(MkDerivation::OptionA, &imk_ac, &pan, psn).unwrap();
    let mk_smi: CardMacKey =
        derive::derive_card_key(MkDerivation::OptionA, &imk_smi, &pan, psn).unwrap();
    let mk_smc: CardEncKey =
        derive::derive_card_key(MkDerivation::OptionA, &imk_smc, &pan, psn).unwrap();
    // Same input bytes through the IMK-AC path give the same bytes: only
    // the type differs.
    let same: CardMasterKey = derive::derive_card_key(
        MkDerivation::OptionA,
        &IssuerMasterKey::tdes2(&[0x20; 16]),
        &pan,
        psn,
    )
    .unwrap();
    assert_eq!(same.expose_secret(), mk_smi.expose_secret());

    let arqc = Cryptogram([0x12, 0x34, 0x56, 0x78, 0x90, 0xAB, 0xCD, 0xEF]);
    let atc = Atc::from_u16(0x1C);
    for cvn in [&MASTERCARD_CVN_16, &VISA_CVN_10] {
        let p = &cvn.script;
        let sk_smi: ScriptMacKey =
            tapcrypt::hazmat::script_session_key(p, &mk_smi, atc, &arqc, 0).unwrap();
        let sk_smc: ScriptEncKey =
            tapcrypt::hazmat::script_session_key(p, &mk_smc, atc, &arqc, 0).unwrap();
        assert_ne!(sk_smi.expose_secret(), sk_smc.expose_secret());
        let pin = script::Pin::parse("1234").unwrap();
        let mut out = [0u8; 64];
        let n = tapcrypt::hazmat::pin_change_command(
            p, &mk_ac, &sk_smi, &sk_smc, atc, &arqc, &pin, None, &mut out,
        )
        .unwrap();
        // The command's MAC is under SK-SMI, its data under SK-SMC.
        let mut enc = [0u8; 24];
        let m = script::encrypt_command_data(
            &sk_smc,
            p.encryption,
            &script::iso9564_format2(&pin),
            &mut enc,
        );
        if cvn.script.pin_block == script::PinBlockFormat::Iso9564Format2 {
            let m = m.unwrap();
            assert_eq!(&out[5..5 + m], &enc[..m]);
        }
        let mac = tapcrypt::hazmat::script_command_mac(
            p,
            &sk_smi,
            out[..5].try_into().unwrap(),
            atc,
            &arqc,
            &out[5..n - 8],
        )
        .unwrap();
        assert_eq!(&out[n - 8..n], &mac);
    }
}
