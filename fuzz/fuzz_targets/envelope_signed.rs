//! Envelopes *behind* the signature. The `provision` target can never get
//! past the signature check; here every input long enough to carry one is
//! re-signed with the pinned token-service key first, so the replay check,
//! the device-id check, capacity, ECDH + KDF, every TR-31 unwrap and the
//! key-usage check run on fuzzer bytes.
//!
//! The store starts each run from real installed credentials (the firmware
//! fixture, counter 1) with a request outstanding. Every input long enough
//! gets that request's hash written into its request-hash field (bytes
//! 48..80) before it is re-signed, so the checks behind the binding run too
//! (the binding itself: `tests/provision_envelope.rs`). A failed install
//! must leave the state byte-for-byte as it was; a successful one must have
//! installed exactly what its summary says, with nothing outstanding, and
//! that state must persist and restore.
//!
//! Each run that reaches the signature costs an ECDSA sign and verify and an
//! ECDH (three scalar multiplications), so this target is far slower than
//! the others.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use tapcrypt::__internal::TestRng;
use tapcrypt::provision::envelope::SIGNATURE_DOMAIN;
use tapcrypt::provision::request::MAX_REQUEST_LEN;
use tapcrypt::provision::{
    CredentialStore, Credentials, DeviceKeyPair, EcdsaSigningKey, EcdsaVerifyingKey, open_envelope,
};

type Creds = Credentials<2, 4>;
const STATE: usize = Creds::STATE_BYTES;

struct World {
    tsp: EcdsaSigningKey,
    store: Mutex<CredentialStore<2, 4>>,
    before: [u8; STATE],
    outstanding: [u8; 32],
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        // The firmware fixture's keys (no_std-check/src/ops.rs).
        let device = DeviceKeyPair::from_secret_bytes(&[0x4D; 32]).unwrap();
        let tsp = EcdsaSigningKey::from_secret_bytes(&[0x75; 32]).unwrap();
        let pinned =
            EcdsaVerifyingKey::from_sec1(include_bytes!("../../tests/fixtures/tsp_public.bin"))
                .unwrap();
        // The fixture answers the request with hash 52…52
        // (tests/firmware_fixture.rs).
        let installed = open_envelope::<2, 4>(
            &device,
            &pinned,
            0,
            Some(&[0x52; 32]),
            include_bytes!("../../tests/fixtures/envelope.bin"),
        )
        .unwrap();
        let mut store = CredentialStore::new(device, pinned, installed);
        let attestation = EcdsaSigningKey::from_secret_bytes(&[0x33; 32]).unwrap();
        let mut req = [0u8; MAX_REQUEST_LEN];
        store
            .begin_request(
                &[0xC7; 32],
                b"",
                &attestation,
                &mut TestRng::new(1),
                &mut req,
            )
            .unwrap();
        let outstanding = *store.credentials().outstanding_request().unwrap();
        let mut before = [0u8; STATE];
        store.credentials().to_bytes(&mut before).unwrap();
        World {
            tsp,
            store: Mutex::new(store),
            before,
            outstanding,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let mut store = w.store.lock().unwrap();
    *store.credentials_mut() = Creds::from_bytes(&w.before).unwrap();
    let mut env = data.to_vec();
    if env.len() >= 80 + 64 {
        env[48..80].copy_from_slice(&w.outstanding);
    }
    if let Some(body_len) = env.len().checked_sub(64) {
        let sig = w.tsp.sign_parts(&[SIGNATURE_DOMAIN, &env[..body_len]]);
        env.truncate(body_len);
        env.extend_from_slice(&sig.to_p1363());
    }
    let mut after = [0u8; STATE];
    match store.install(&env) {
        Err(_) => {
            store.credentials().to_bytes(&mut after).unwrap();
            assert_eq!(after, w.before, "a failed install changed the credentials");
        }
        Ok(summary) => {
            let c = store.credentials();
            assert!(summary.counter > 1);
            assert_eq!(c.counter(), summary.counter);
            assert_eq!(c.keys().count(), summary.keys);
            assert_eq!(c.dpans_left(), summary.dpans);
            assert!(c.outstanding_request().is_none());
            c.to_bytes(&mut after).unwrap();
            let back = Creds::from_bytes(&after).unwrap();
            assert_eq!(back.counter(), summary.counter);
        }
    }
});
