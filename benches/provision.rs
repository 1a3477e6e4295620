//! Provisioning benches: envelope build (token service), envelope verify +
//! install (device), ECDH → KBPK, ECDSA sign and verify, TR-31 unwrap.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tapcrypt::__internal::TestRng;
use tapcrypt::provision::envelope::{self, envelope_len};
use tapcrypt::provision::request::MAX_REQUEST_LEN;
use tapcrypt::provision::tr31::{self, Version};
use tapcrypt::provision::{
    CredentialStore, Credentials, DeviceKeyPair, EcdsaSigningKey, EnvelopeContents, EnvelopeKey,
    EphemeralKeyPair, KbpkKdf, KbpkParams, KeyBlockHeader, open_envelope,
};
use tapcrypt::provision::{RequestContents, build_request, open_request};
use tapcrypt::{Algorithm, CardMasterKey};

/// The shared deterministic RNG (benches only).
fn bench_rng() -> TestRng {
    TestRng::with_key(b"bench", 0)
}

const DPANS: [&[u8]; 3] = [
    b"4895370012345671",
    b"4895370012345689",
    b"4895370012345697",
];

fn benches(c: &mut Criterion) {
    let mut rng = bench_rng();
    let device = DeviceKeyPair::generate(&mut rng);
    let device_pub = device.public_key();
    let tsp = EcdsaSigningKey::generate(&mut rng);
    let tsp_vk = tsp.verifying_key();
    let mk_ac = CardMasterKey::new(Algorithm::Aes128, &[0x11; 16]).unwrap();
    let mk_smi = CardMasterKey::new(Algorithm::Aes128, &[0x22; 16]).unwrap();
    let mk_smc = CardMasterKey::new(Algorithm::Aes128, &[0x33; 16]).unwrap();
    let h0 = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N').unwrap();
    let h2 = KeyBlockHeader::new(Version::D, *b"E2", b'A', b'C', *b"01", b'N').unwrap();
    let h1 = KeyBlockHeader::new(Version::D, *b"E1", b'A', b'E', *b"01", b'N').unwrap();
    let keys = [
        EnvelopeKey {
            header: &h0,
            key: &mk_ac,
        },
        EnvelopeKey {
            header: &h2,
            key: &mk_smi,
        },
        EnvelopeKey {
            header: &h1,
            key: &mk_smc,
        },
    ];
    let dpans: Vec<tapcrypt::token::Dpan> = DPANS
        .iter()
        .map(|d| tapcrypt::token::Dpan::from_ascii(d).unwrap())
        .collect();
    // The device asks first: the envelope answers its outstanding request,
    // and the persisted state with that request is what each install starts
    // from.
    let mut asking = CredentialStore::<4, 8>::new(
        DeviceKeyPair::from_secret_bytes(&device.expose_secret_bytes()).unwrap(),
        tsp_vk,
        Credentials::empty(),
    );
    let mut req0 = [0u8; MAX_REQUEST_LEN];
    asking
        .begin_request(
            &[0xC7; 32],
            b"",
            &EcdsaSigningKey::generate(&mut rng),
            &mut rng,
            &mut req0,
        )
        .unwrap();
    let request_hash = *asking.credentials().outstanding_request().unwrap();
    let mut asked = vec![0u8; Credentials::<4, 8>::STATE_BYTES];
    asking.credentials().to_bytes(&mut asked).unwrap();
    let contents = EnvelopeContents {
        counter: 1,
        request_hash,
        kdf: KbpkKdf::OneStepSha256,
        kbpk_algorithm: Algorithm::Aes256,
        context: b"tokenref:DNITHE000000000001",
        keys: &keys,
        dpans: &dpans,
    };
    let mut buf = vec![0u8; envelope_len(&contents)];

    c.bench_function("envelope build (3 keys, 3 DPANs)", |b| {
        b.iter(|| {
            envelope::build_envelope(&contents, &device_pub, &tsp, &mut rng, &mut buf).unwrap()
        })
    });
    let env = envelope::build_envelope_vec(&contents, &device_pub, &tsp, &mut rng).unwrap();
    c.bench_function("envelope verify + open (device)", |b| {
        b.iter(|| {
            open_envelope::<4, 8>(&device, &tsp_vk, 0, Some(&request_hash), black_box(&env))
                .unwrap()
        })
    });
    let mut store = asking;
    c.bench_function("envelope install (store swap)", |b| {
        b.iter_batched(
            // The state with the request outstanding each time, so the
            // counter and binding checks pass (restored outside the timing).
            || Credentials::<4, 8>::from_bytes(&asked).unwrap(),
            |creds| {
                *store.credentials_mut() = creds;
                store.install(black_box(&env)).unwrap()
            },
            criterion::BatchSize::SmallInput,
        )
    });
    let eph_pub = EphemeralKeyPair::generate(&mut rng).public_key();
    let params = KbpkParams {
        kdf: KbpkKdf::OneStepSha256,
        algorithm: Algorithm::Aes256,
        context: b"ctx",
    };
    c.bench_function("ECDH + one-step KDF -> KBPK (device)", |b| {
        b.iter(|| device.derive_kbpk(black_box(&eph_pub), &params).unwrap())
    });
    let msg = [0x5Au8; 256];
    c.bench_function("ECDSA sign (RFC 6979, 256 B)", |b| {
        b.iter(|| tsp.sign(black_box(&msg)))
    });
    let sig = tsp.sign(&msg);
    c.bench_function("ECDSA verify (256 B)", |b| {
        b.iter(|| tsp_vk.verify(black_box(&msg), &sig).unwrap())
    });
    // The provisioning request: the device signs (hedged), the service checks.
    let attestation = EcdsaSigningKey::generate(&mut rng);
    let att_vk = attestation.verifying_key();
    let challenge = [0xC7u8; 32];
    let req_contents = RequestContents {
        last_counter: 0,
        challenge: &challenge,
        context: b"tokenref:DNITHE000000000001",
    };
    let mut req = [0u8; MAX_REQUEST_LEN];
    c.bench_function("request build (device, hedged ECDSA)", |b| {
        b.iter(|| {
            build_request(&req_contents, &device_pub, &attestation, &mut rng, &mut req).unwrap()
        })
    });
    let n_req =
        build_request(&req_contents, &device_pub, &attestation, &mut rng, &mut req).unwrap();
    c.bench_function("request open (token service)", |b| {
        b.iter(|| open_request(&att_vk, &challenge, black_box(&req[..n_req])).unwrap())
    });
    let kbpk = device.derive_kbpk(&eph_pub, &params).unwrap();
    let mut kb = [0u8; tr31::MAX_KEY_BLOCK_LEN];
    let n = tr31::wrap_with_rng(&kbpk, &h0, &mk_ac, &mut rng, &mut kb).unwrap();
    c.bench_function("TR-31 D unwrap (AES-256 KBPK)", |b| {
        b.iter(|| tr31::unwrap(&kbpk, black_box(&kb[..n])).unwrap())
    });
}

criterion_group!(provision, benches);
criterion_main!(provision);
