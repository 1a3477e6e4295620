//! The provisioning envelope the Cortex-M firmware opens in its KAT and bench
//! (`tests/fixtures/`). The host builds it once with a seeded RNG
//! (`cargo test --all-features --test firmware_fixture -- --ignored` rewrites
//! it); this test checks the committed bytes still open on the host to the
//! keys and DPANs that were put in, so the firmware KAT compares against
//! chosen inputs, not against our own outputs.
#![cfg(all(feature = "provision", feature = "std", feature = "__internal"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod provision_common;
use provision_common::*;

use tapcrypt::provision::envelope::{self, EnvelopeContents, EnvelopeKey, open_envelope};
use tapcrypt::provision::tr31::Version;
use tapcrypt::provision::{
    DeviceKeyPair, EcdsaSigningKey, EcdsaVerifyingKey, KbpkKdf, KeyBlockHeader,
};
use tapcrypt::token::Dpan;
use tapcrypt::{Algorithm, CardMasterKey};

/// Also in `no_std-check/src/ops.rs`.
const DEVICE_SECRET: [u8; 32] = [0x4D; 32];
const TSP_SECRET: [u8; 32] = [0x75; 32];
const MK_AC: [u8; 16] = [0x11; 16];
const DPANS: [&str; 3] = ["4895370012345671", "4895370012345689", "4895370012345697"];
/// The hash of the request the fixture envelope answers (a constant: the
/// firmware KAT opens the envelope with it as the outstanding request; it
/// does not sign a request of its own).
const FIXTURE_REQUEST_HASH: [u8; 32] = [0x52; 32];

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

#[test]
fn committed_fixture_opens_to_what_was_put_in() {
    let env = std::fs::read(format!("{DIR}envelope.bin")).unwrap();
    let tsp_pub = std::fs::read(format!("{DIR}tsp_public.bin")).unwrap();
    let tsp = EcdsaSigningKey::from_secret_bytes(&TSP_SECRET).unwrap();
    assert_eq!(tsp_pub, tsp.verifying_key().public_key().to_sec1());
    let device = DeviceKeyPair::from_secret_bytes(&DEVICE_SECRET).unwrap();
    let vk = EcdsaVerifyingKey::from_sec1(&tsp_pub).unwrap();
    let mut creds =
        open_envelope::<2, 4>(&device, &vk, 0, Some(&FIXTURE_REQUEST_HASH), &env).unwrap();
    assert_eq!(&env[48..80], &FIXTURE_REQUEST_HASH);
    assert_eq!(creds.counter(), 1);
    assert_eq!(creds.key(*b"E0").unwrap().key().expose_secret(), &MK_AC);
    for want in DPANS {
        let d = creds.take_dpan().unwrap();
        let mut b = [0u8; 19];
        assert_eq!(d.write_ascii(&mut b), want.as_bytes());
    }
    assert!(creds.take_dpan().is_none());
}

#[test]
#[ignore = "rewrites tests/fixtures/"]
fn regenerate_fixture() {
    let device = DeviceKeyPair::from_secret_bytes(&DEVICE_SECRET).unwrap();
    let tsp = EcdsaSigningKey::from_secret_bytes(&TSP_SECRET).unwrap();
    let mk = CardMasterKey::new(Algorithm::Aes128, &MK_AC).unwrap();
    let h = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N').unwrap();
    let keys = [EnvelopeKey {
        header: &h,
        key: &mk,
    }];
    let dpans: Vec<Dpan> = DPANS.iter().map(|d| Dpan::parse(d).unwrap()).collect();
    let contents = EnvelopeContents {
        counter: 1,
        request_hash: FIXTURE_REQUEST_HASH,
        kdf: KbpkKdf::OneStepSha256,
        kbpk_algorithm: Algorithm::Aes256,
        context: b"tapcrypt firmware fixture",
        keys: &keys,
        dpans: &dpans,
    };
    let env =
        envelope::build_envelope_vec(&contents, &device.public_key(), &tsp, &mut TestRng::new(42))
            .unwrap();
    std::fs::write(format!("{DIR}envelope.bin"), env).unwrap();
    std::fs::write(
        format!("{DIR}tsp_public.bin"),
        tsp.verifying_key().public_key().to_sec1(),
    )
    .unwrap();
}
