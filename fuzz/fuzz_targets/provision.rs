//! Attacker-controlled provisioning input: TR-31 key blocks, SEC1 and SPKI
//! public keys, DER/P1363 signatures, whole envelopes and provisioning
//! requests, persisted credential state. Typed errors only, never a panic,
//! nothing installed from a forged envelope, nothing accepted from a forged
//! request, and credential state restores only if it is canonical.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use tapcrypt::Algorithm;
use tapcrypt::provision::tr31::{self, KeyBlockProtectionKey};
use tapcrypt::provision::{
    CredentialStore, Credentials, DeviceKeyPair, EcPublicKey, EcdsaSignature, EcdsaSigningKey,
    EcdsaVerifyingKey, open_request,
};

fuzz_target!(|data: &[u8]| {
    for (alg, k) in [
        (Algorithm::Aes256, &[0x7F; 32][..]),
        (Algorithm::Tdes2, &[0x3C; 16][..]),
    ] {
        let kbpk = KeyBlockProtectionKey::new(alg, k).unwrap();
        let _ = tr31::unwrap(&kbpk, data);
    }
    let _ = EcPublicKey::from_sec1(data);
    let _ = EcPublicKey::from_spki_der(data);
    let _ = EcdsaSignature::from_der(data);
    let _ = EcdsaSignature::from_p1363(data);
    // A device with a pinned token-service key (built once: scalar
    // multiplications are slow under ASan). No fuzzer input carries a valid
    // signature, so every install must fail and change nothing.
    static STORE: OnceLock<Mutex<CredentialStore<2, 4>>> = OnceLock::new();
    let store = STORE.get_or_init(|| {
        let device = DeviceKeyPair::from_secret_bytes(&[0x11; 32]).unwrap();
        let tsp = EcdsaSigningKey::from_secret_bytes(&[0x22; 32]).unwrap();
        Mutex::new(CredentialStore::new(
            device,
            tsp.verifying_key(),
            Credentials::empty(),
        ))
    });
    // The token service checking a request: no fuzzer input is signed by
    // the registered attestation key.
    static ATTESTATION: OnceLock<EcdsaVerifyingKey> = OnceLock::new();
    let att = ATTESTATION.get_or_init(|| {
        EcdsaSigningKey::from_secret_bytes(&[0x33; 32])
            .unwrap()
            .verifying_key()
    });
    assert!(open_request(att, &[0xC7; 32], data).is_err());
    // Persisted state read back from flash: accepted only if `to_bytes`
    // would write exactly these bytes, and only if it behaves like installed
    // credentials (keys exactly when a counter is set, every DPAN it counts
    // can be taken, in order).
    if let Ok(mut creds) = Credentials::<2, 4>::from_bytes(data) {
        let mut again = [0u8; Credentials::<2, 4>::STATE_BYTES];
        assert_eq!(creds.to_bytes(&mut again), Ok(again.len()));
        assert_eq!(&again[..], data);
        assert_eq!(creds.counter() == 0, creds.keys().count() == 0);
        for _ in 0..creds.dpans_left() {
            assert!(creds.take_dpan().unwrap().luhn_ok());
        }
        assert!(creds.take_dpan().is_none());
    }
    let mut store = store.lock().unwrap();
    assert!(store.install(data).is_err());
    assert_eq!(store.credentials().counter(), 0);
    assert_eq!(store.credentials().dpans_left(), 0);
});
