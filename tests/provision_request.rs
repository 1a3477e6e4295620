//! The signed provisioning request (device attestation): its byte layout as
//! documented, the round trip, and that every forged, replayed, malleated,
//! truncated or extended request is refused with the right error.
#![cfg(all(feature = "provision", feature = "__internal"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod provision_common;
use provision_common::*;

use tapcrypt::Error;
use tapcrypt::provision::envelope::SIGNATURE_DOMAIN;
use tapcrypt::provision::request::{
    self, CHALLENGE_LEN, MAX_REQUEST_LEN, REQUEST_SIGNATURE_DOMAIN, request_len,
};
use tapcrypt::provision::{
    DeviceKeyPair, EcdsaSigningKey, ProvisionError, RequestContents, build_request, open_request,
};

struct Device {
    ecdh: DeviceKeyPair,
    attestation: EcdsaSigningKey,
}

fn device() -> Device {
    let mut rng = TestRng::new(31);
    Device {
        ecdh: DeviceKeyPair::generate(&mut rng),
        attestation: EcdsaSigningKey::generate(&mut rng),
    }
}

const CHALLENGE: [u8; CHALLENGE_LEN] = [0xC7; CHALLENGE_LEN];
const CONTEXT: &[u8] = b"tokenref:DNITHE000000000001";

fn request(d: &Device, last_counter: u64, context: &[u8]) -> Vec<u8> {
    let mut out = [0u8; MAX_REQUEST_LEN];
    let n = build_request(
        &RequestContents {
            last_counter,
            challenge: &CHALLENGE,
            context,
        },
        &d.ecdh.public_key(),
        &d.attestation,
        &mut TestRng::new(5),
        &mut out,
    )
    .unwrap();
    out[..n].to_vec()
}

#[test]
fn layout_is_as_documented() {
    let d = device();
    let r = request(&d, 0x0102_0304_0506_0708, CONTEXT);
    assert_eq!(r.len(), request_len(CONTEXT.len()));
    assert_eq!(r.len(), 210 + CONTEXT.len());
    // The documented layout, assembled here field by field. The device
    // nonce is random: taken from the request, and checked to be what the
    // token service reads and to differ between two requests.
    let nonce = &r[113..145];
    let mut body = Vec::new();
    body.extend_from_slice(b"TCPR");
    body.extend_from_slice(&[0x02, 0, 0, 0]);
    body.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    body.extend_from_slice(&d.ecdh.public_key().to_sec1());
    body.extend_from_slice(&CHALLENGE);
    body.extend_from_slice(nonce);
    body.push(CONTEXT.len() as u8);
    body.extend_from_slice(CONTEXT);
    assert_eq!(&r[..r.len() - 64], &body[..]);
    // The signature is ECDSA P-256/SHA-256 over the domain and the body, r‖s
    // with low S, checked with the `p256` crate directly (not our wrapper).
    use p256::ecdsa::signature::Verifier as _;
    let mut msg = b"tapcrypt/request/v2".to_vec();
    msg.extend_from_slice(&body);
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        &d.attestation.verifying_key().public_key().to_sec1(),
    )
    .unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&r[r.len() - 64..]).unwrap();
    assert!(sig.normalize_s() == sig, "low-S");
    vk.verify(&msg, &sig).unwrap();
    assert_eq!(REQUEST_SIGNATURE_DOMAIN, b"tapcrypt/request/v2");
    // What the token service reads: the nonce, and the request hash as
    // SHA-256 of the whole request (the `sha2` crate directly).
    use sha2::Digest as _;
    let req = open_request(&d.attestation.verifying_key(), &CHALLENGE, &r).unwrap();
    assert_eq!(&req.device_nonce[..], nonce);
    assert_eq!(req.request_hash[..], sha2::Sha256::digest(&r)[..]);
    assert_eq!(req.request_hash, tapcrypt::provision::request_hash(&r));
    // A fresh nonce per request.
    let mut out = [0u8; MAX_REQUEST_LEN];
    let n = build_request(
        &RequestContents {
            last_counter: 0x0102_0304_0506_0708,
            challenge: &CHALLENGE,
            context: CONTEXT,
        },
        &d.ecdh.public_key(),
        &d.attestation,
        &mut TestRng::new(6),
        &mut out,
    )
    .unwrap();
    assert_ne!(&out[113..145], nonce);
    assert_ne!(
        tapcrypt::provision::request_hash(&out[..n]),
        req.request_hash
    );
    // A v1 request is refused with its own error.
    let mut v1 = r.clone();
    v1[4] = 1;
    assert!(matches!(
        open_request(&d.attestation.verifying_key(), &CHALLENGE, &v1),
        Err(ProvisionError::Input(Error::Malformed { what })) if what.contains("v1")
    ));
}

#[test]
fn round_trip_and_next_counter() {
    let d = device();
    for ctx in [&b""[..], CONTEXT, &[0x5A; 64]] {
        let r = request(&d, 7, ctx);
        let req = open_request(&d.attestation.verifying_key(), &CHALLENGE, &r).unwrap();
        assert_eq!(req.device_key, d.ecdh.public_key());
        assert_eq!(req.last_counter, 7);
        assert_eq!(req.context, ctx);
        assert_eq!(req.next_counter(3).unwrap(), 8);
        assert_eq!(req.next_counter(12).unwrap(), 13);
    }
    let r = request(&d, u64::MAX, b"");
    let req = open_request(&d.attestation.verifying_key(), &CHALLENGE, &r).unwrap();
    assert_eq!(
        req.next_counter(0),
        Err(Error::Exhausted {
            what: "envelope counter"
        })
    );
}

#[test]
fn every_bit_flip_truncation_and_extension_is_refused() {
    let d = device();
    let vk = d.attestation.verifying_key();
    let good = request(&d, 1, CONTEXT);
    for i in 0..good.len() {
        for bit in [0x01, 0x80] {
            let mut b = good.clone();
            b[i] ^= bit;
            assert!(
                open_request(&vk, &CHALLENGE, &b).is_err(),
                "flip {bit:#04x} at byte {i} accepted"
            );
        }
    }
    for cut in 0..good.len() {
        assert!(
            open_request(&vk, &CHALLENGE, &good[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let mut ext = good.clone();
    ext.push(0);
    assert!(open_request(&vk, &CHALLENGE, &ext).is_err());
    assert!(open_request(&vk, &CHALLENGE, &[good.clone(), good.clone()].concat()).is_err());
}

#[test]
fn forged_replayed_and_malleated_requests_get_the_right_error() {
    let d = device();
    let vk = d.attestation.verifying_key();
    let good = request(&d, 1, CONTEXT);
    let body = good.len() - 64;
    let verify_err = |r: &[u8]| {
        matches!(
            open_request(&vk, &CHALLENGE, r),
            Err(ProvisionError::Verify(_))
        )
    };

    // Another device's attestation key (a relay's own key).
    let rogue = EcdsaSigningKey::generate(&mut TestRng::new(99));
    let mut forged = good.clone();
    let sig = rogue.sign_parts(&[REQUEST_SIGNATURE_DOMAIN, &forged[..body]]);
    forged[body..].copy_from_slice(&sig.to_p1363());
    assert!(verify_err(&forged));
    assert!(matches!(
        open_request(&rogue.verifying_key(), &CHALLENGE, &good),
        Err(ProvisionError::Verify(_))
    ));

    // A relay swapping in its own ECDH key breaks the signature.
    let mut swapped = good.clone();
    swapped[16..81].copy_from_slice(
        &DeviceKeyPair::generate(&mut TestRng::new(3))
            .public_key()
            .to_sec1(),
    );
    assert!(verify_err(&swapped));

    // Signed under the envelope's domain, or with no domain: refused.
    for domain in [&SIGNATURE_DOMAIN[..], b""] {
        let mut other = good.clone();
        let sig = d.attestation.sign_parts(&[domain, &other[..body]]);
        other[body..].copy_from_slice(&sig.to_p1363());
        assert!(verify_err(&other), "domain {domain:?}");
    }

    // The high-S twin of a valid signature.
    let mut high = good.clone();
    malleate_p1363(&mut high[body..]);
    assert!(verify_err(&high));

    // A valid request for an earlier challenge.
    assert_eq!(
        open_request(&vk, &[0u8; CHALLENGE_LEN], &good),
        Err(ProvisionError::StaleChallenge)
    );
}

#[test]
fn malformed_fields_are_typed_input_errors() {
    let d = device();
    let vk = d.attestation.verifying_key();
    let good = request(&d, 1, CONTEXT);
    let input_err = |mutate: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        mutate(&mut b);
        match open_request(&vk, &CHALLENGE, &b) {
            Err(ProvisionError::Input(e)) => e,
            other => panic!("expected an input error, got {other:?}"),
        }
    };
    assert!(matches!(
        input_err(&|b| b[0] = b'X'),
        Error::Malformed { .. }
    ));
    assert!(matches!(input_err(&|b| b[4] = 3), Error::Malformed { .. }));
    assert!(matches!(input_err(&|b| b[6] = 1), Error::Malformed { .. }));
    // Compressed and off-curve device keys.
    assert_eq!(
        input_err(&|b| b[16] = 0x02),
        Error::Malformed {
            what: "compressed P-256 point not accepted"
        }
    );
    assert_eq!(
        input_err(&|b| b[80] ^= 1),
        Error::Malformed {
            what: "point not on the P-256 curve"
        }
    );
    // Context length beyond 64, and one that disagrees with the size.
    assert!(matches!(
        input_err(&|b| b[145] = 65),
        Error::Malformed { .. }
    ));
    assert!(matches!(input_err(&|b| b[145] -= 1), Error::Length { .. }));
}

#[test]
fn builder_rejects_long_context_and_short_buffer() {
    let d = device();
    let build = |ctx: &[u8], out: &mut [u8]| {
        build_request(
            &RequestContents {
                last_counter: 0,
                challenge: &CHALLENGE,
                context: ctx,
            },
            &d.ecdh.public_key(),
            &d.attestation,
            &mut TestRng::new(1),
            out,
        )
    };
    let mut big = [0u8; 512];
    assert!(matches!(
        build(&[0; 65], &mut big),
        Err(Error::Malformed { .. })
    ));
    let mut small = [0u8; request::MAX_REQUEST_LEN];
    assert!(matches!(
        build(CONTEXT, &mut small[..request_len(CONTEXT.len()) - 1]),
        Err(Error::Length { .. })
    ));
    assert_eq!(
        build(CONTEXT, &mut small).unwrap(),
        request_len(CONTEXT.len())
    );
}
