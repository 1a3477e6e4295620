//! TR-31 / X9.143 key blocks: the psec vectors (unwrap, exact re-wrap with the
//! same padding, tampered blocks) and malformed-input cases.
#![cfg(feature = "provision")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod provision_common;
use provision_common::*;

use tapcrypt::provision::tr31::{self, KeyBlockHeader, Version};
use tapcrypt::provision::{KeyBlockProtectionKey, ProvisionError};
use tapcrypt::{Algorithm, Error, VerifyError};

const TR31: &str = include_str!("../test-vectors/data/tr31.json");

fn vectors() -> Vec<serde_json::Value> {
    json(TR31)["vectors"]["tr31"].as_array().unwrap().clone()
}

fn kbpk_for(version: &str, hexkey: &str) -> KeyBlockProtectionKey {
    let k = hex(hexkey);
    let alg = if version == "D" {
        Algorithm::aes_for_len(k.len()).unwrap()
    } else {
        Algorithm::tdes_for_len(k.len()).unwrap()
    };
    KeyBlockProtectionKey::new(alg, &k).unwrap()
}

fn run_version(version: &str) -> (usize, usize) {
    let (mut ok, mut rejected) = (0, 0);
    for v in vectors() {
        let id = v["id"].as_str().unwrap();
        let block = v["key_block"].as_str().unwrap();
        if !block.starts_with(version) {
            continue;
        }
        let kbpk = kbpk_for(version, v["kbpk"].as_str().unwrap());
        let r = tr31::unwrap(&kbpk, block.as_bytes());
        if v["result"] == "invalid" {
            assert_eq!(r.unwrap_err(), ProvisionError::Verify(VerifyError), "{id}");
            rejected += 1;
            continue;
        }
        let u = r.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(
            to_hex(u.key.expose_secret()),
            v["key"].as_str().unwrap().to_lowercase(),
            "{id}"
        );
        let h = &u.header;
        assert_eq!(
            h.key_usage(),
            v["key_usage"].as_str().unwrap().as_bytes(),
            "{id}"
        );
        assert_eq!(
            h.algorithm(),
            v["algorithm"].as_str().unwrap().as_bytes()[0]
        );
        assert_eq!(
            h.mode_of_use(),
            v["mode_of_use"].as_str().unwrap().as_bytes()[0]
        );

        // Re-wrap with the padding psec used: must reproduce the block exactly.
        let mut clear = [0u8; tr31::MAX_PAYLOAD];
        let n =
            tapcrypt::__internal::tr31_clear_payload(&kbpk, block.as_bytes(), &mut clear).unwrap();
        let key_len = u.key.expose_secret().len();
        let padding = &clear[2 + key_len..n];
        assert_eq!(
            padding.len(),
            tr31::padding_len(h.version(), u.key.algorithm()),
            "{id}"
        );
        let mut out = [0u8; tr31::MAX_KEY_BLOCK_LEN];
        let len = tr31::wrap_with_padding(&kbpk, h, &u.key, padding, &mut out).unwrap();
        assert_eq!(
            core::str::from_utf8(&out[..len]).unwrap(),
            block,
            "{id} re-wrap"
        );

        // Every single-character change anywhere in the block is rejected.
        for i in (0..block.len()).step_by(7) {
            let mut b = block.as_bytes().to_vec();
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
            assert!(tr31::unwrap(&kbpk, &b).is_err(), "{id} flip at {i}");
        }
        ok += 1;
    }
    (ok, rejected)
}

#[test]
fn psec_version_d() {
    assert_eq!(run_version("D"), (24, 8));
}

/// Version B: TDES KBPK (CMAC-TDES derivation, CBC-TDES, 8-byte MAC).
#[test]
fn psec_version_b() {
    assert_eq!(run_version("B"), (10, 0));
}

fn d_vector() -> (KeyBlockProtectionKey, String) {
    let v = &vectors()[0];
    (
        kbpk_for("D", v["kbpk"].as_str().unwrap()),
        v["key_block"].as_str().unwrap().to_owned(),
    )
}

fn input_err(r: Result<tr31::Unwrapped, ProvisionError>) -> Error {
    match r {
        Err(ProvisionError::Input(e)) => e,
        other => panic!("expected input error, got {other:?}"),
    }
}

#[test]
fn malformed_blocks_are_typed_errors() {
    let (kbpk, block) = d_vector();
    let b = block.as_bytes();
    // Truncated and extended.
    for cut in [0, 1, 15, 16, 17, b.len() - 1] {
        assert!(
            matches!(
                tr31::unwrap(&kbpk, &b[..cut]),
                Err(ProvisionError::Input(_))
            ),
            "cut {cut}"
        );
    }
    let mut ext = b.to_vec();
    ext.extend_from_slice(b"00");
    assert!(matches!(
        input_err(tr31::unwrap(&kbpk, &ext)),
        Error::Length { .. }
    ));
    // Extended, with the declared length fixed up: payload no longer whole blocks.
    let mut ext2 = b.to_vec();
    ext2.extend_from_slice(b"00");
    let l = format!("{:04}", ext2.len());
    ext2[1..5].copy_from_slice(l.as_bytes());
    assert!(tr31::unwrap(&kbpk, &ext2).is_err());
    // Unknown version.
    let mut v = b.to_vec();
    v[0] = b'A';
    assert!(matches!(
        input_err(tr31::unwrap(&kbpk, &v)),
        Error::Malformed { .. }
    ));
    // Lower-case hex is refused (one encoding per block).
    let lower = block.to_lowercase();
    let mut l = b[..16].to_vec();
    l.extend_from_slice(&lower.as_bytes()[16..]);
    assert!(matches!(
        input_err(tr31::unwrap(&kbpk, &l)),
        Error::Malformed { .. }
    ));
    // Unsupported key algorithm.
    let mut a = b.to_vec();
    a[7] = b'H';
    assert!(matches!(
        input_err(tr31::unwrap(&kbpk, &a)),
        Error::Malformed { .. }
    ));
    // Wrong KBPK type for the version.
    let tdes = KeyBlockProtectionKey::new(Algorithm::Tdes2, &[1; 16]).unwrap();
    assert!(matches!(
        input_err(tr31::unwrap(&tdes, b)),
        Error::KeyAlgorithm { .. }
    ));
    // Wrong KBPK: MAC failure, opaque.
    let other = KeyBlockProtectionKey::new(Algorithm::Aes192, &[7; 24]).unwrap();
    assert_eq!(
        tr31::unwrap(&other, b).unwrap_err(),
        ProvisionError::Verify(VerifyError)
    );
    // Non-digit number of optional blocks / reserved field.
    let mut o = b.to_vec();
    o[12] = b'X';
    assert!(tr31::unwrap(&kbpk, &o).is_err());
    let mut r = b.to_vec();
    r[15] = b'1';
    assert!(tr31::unwrap(&kbpk, &r).is_err());
}

#[test]
fn optional_blocks_round_trip_and_bind() {
    let kbpk = KeyBlockProtectionKey::new(Algorithm::Aes256, &[0x42; 32]).unwrap();
    let key = tapcrypt::CardMasterKey::new(Algorithm::Aes128, &[0x11; 16]).unwrap();
    let header = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N')
        .unwrap()
        .with_optional_block(*b"KS", b"FFFF9876543210E00001")
        .unwrap()
        .with_optional_block(*b"TS", b"20260101120000Z")
        .unwrap();
    let mut out = [0u8; tr31::MAX_KEY_BLOCK_LEN];
    let pad = vec![0xA5; tr31::padding_len(Version::D, Algorithm::Aes128)];
    let n = tr31::wrap_with_padding(&kbpk, &header, &key, &pad, &mut out).unwrap();
    let block = &out[..n];
    assert_eq!(n, tr31::wrapped_len(&header, Algorithm::Aes128));
    let s = core::str::from_utf8(block).unwrap();
    assert!(
        s.starts_with(&format!("D{n:04}E0AX01N0300KS18FFFF9876543210E00001TS13")),
        "{s}"
    );
    let hlen = s.find("PB").unwrap();
    let pb_len = usize::from_str_radix(&s[hlen + 2..hlen + 4], 16).unwrap();
    assert_eq!((hlen + pb_len) % 16, 0);
    let u = tr31::unwrap(&kbpk, block).unwrap();
    assert_eq!(u.header, header);
    let opts: Vec<_> = u
        .header
        .optional_blocks()
        .map(|o| (o.id, o.data.to_vec()))
        .collect();
    assert_eq!(
        opts,
        vec![
            (*b"KS", b"FFFF9876543210E00001".to_vec()),
            (*b"TS", b"20260101120000Z".to_vec())
        ]
    );
    assert_eq!(u.key.expose_secret(), &[0x11; 16]);
    // The header is authenticated: change one optional-block character.
    let mut t = block.to_vec();
    t[20] = b'E';
    assert_eq!(
        tr31::unwrap(&kbpk, &t).unwrap_err(),
        ProvisionError::Verify(VerifyError)
    );
    // Optional-block length pointing past the header.
    let mut t = block.to_vec();
    t[18] = b'F';
    t[19] = b'F';
    assert!(matches!(
        tr31::unwrap(&kbpk, &t),
        Err(ProvisionError::Input(_))
    ));
}

#[test]
fn wrap_rejects_mismatches() {
    let kbpk = KeyBlockProtectionKey::new(Algorithm::Aes128, &[1; 16]).unwrap();
    let aes_key = tapcrypt::CardMasterKey::new(Algorithm::Aes128, &[2; 16]).unwrap();
    let t_header = KeyBlockHeader::new(Version::D, *b"E0", b'T', b'X', *b"00", b'N').unwrap();
    let mut out = [0u8; 256];
    assert!(matches!(
        tr31::wrap_with_padding(&kbpk, &t_header, &aes_key, &[0; 30], &mut out),
        Err(Error::KeyAlgorithm { .. })
    ));
    let a_header = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"00", b'N').unwrap();
    assert!(matches!(
        tr31::wrap_with_padding(&kbpk, &a_header, &aes_key, &[0; 29], &mut out),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        tr31::wrap_with_padding(&kbpk, &a_header, &aes_key, &[0; 30], &mut out[..100]),
        Err(Error::Length { .. })
    ));
    assert!(KeyBlockHeader::new(Version::D, *b"E ", b'A', b'X', *b"00", b'N').is_err());
    assert!(a_header.clone().with_optional_block(*b"PB", b"00").is_err());
    let n = tr31::wrap_with_padding(&kbpk, &a_header, &aes_key, &[0; 30], &mut out).unwrap();
    assert_eq!(n, 144);
}

/// Issue 13 item 7: optional blocks in the *extended* length form (`00`, a
/// 2-hex-digit length of the length in bytes, then the length; X9.143 /
/// TR-31:2018, as psec reads and writes it). Key blocks wrapped by psec over
/// headers built by `test-vectors/gen/tr31_extended_psec.py`; psec's own
/// unwrap gave the expected blocks. Before the fix the parser read the
/// length of the length as a count of hex *digits* (so psec's blocks were
/// refused), and `optional_blocks()` stopped at the first extended block,
/// hiding it and every authenticated block after it.
#[test]
fn extended_length_optional_blocks_psec() {
    let doc = json(include_str!("../test-vectors/data/tr31_extended.json"));
    let kbpk = kbpk_for("D", doc["meta"]["kbpk"].as_str().unwrap());
    let key = doc["meta"]["key"].as_str().unwrap().to_lowercase();
    let vs = doc["vectors"].as_array().unwrap();
    assert_eq!(vs.len(), 3);
    for v in vs {
        let id = v["id"].as_str().unwrap();
        let block = v["key_block"].as_str().unwrap().as_bytes();
        let u = tr31::unwrap(&kbpk, block).unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(to_hex(u.key.expose_secret()), key, "{id}");
        let got: Vec<(String, String)> = u
            .header
            .optional_blocks()
            .map(|o| {
                (
                    String::from_utf8(o.id.to_vec()).unwrap(),
                    String::from_utf8(o.data.to_vec()).unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = v["optional_blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{id}");
        // Re-wrapping keeps the header verbatim (extended form included);
        // only the total length (characters 1..5) may differ, as tapcrypt
        // pads the key to the algorithm's largest key.
        let hlen = 16
            + block[16..]
                .windows(2)
                .position(|w| w == b"PB")
                .map(|p| {
                    p + usize::from_str_radix(
                        core::str::from_utf8(&block[18 + p..20 + p]).unwrap(),
                        16,
                    )
                    .unwrap()
                })
                .unwrap();
        let mut out = [0u8; tr31::MAX_KEY_BLOCK_LEN];
        let k = tapcrypt::CardMasterKey::new(Algorithm::Aes128, &hex(&key)).unwrap();
        let pad = vec![0u8; tr31::padding_len(Version::D, Algorithm::Aes128)];
        let n = tr31::wrap_with_padding(&kbpk, &u.header, &k, &pad, &mut out).unwrap();
        assert_eq!(n, tr31::wrapped_len(&u.header, Algorithm::Aes128), "{id}");
        assert_eq!(&out[5..hlen], &block[5..hlen], "{id}");
        // One bit flipped in the last data character of the extended block
        // (inside the authenticated header): refused.
        let (eid, edata) = got
            .iter()
            .find(|(i, _)| {
                let at = block
                    .windows(4)
                    .position(|w| w[..2] == *i.as_bytes())
                    .unwrap();
                &block[at + 2..at + 4] == b"00"
            })
            .unwrap();
        let at = block.windows(2).position(|w| w == eid.as_bytes()).unwrap();
        let last = block[at..]
            .windows(edata.len())
            .position(|w| w == edata.as_bytes())
            .unwrap()
            + at
            + edata.len()
            - 1;
        let mut t = block.to_vec();
        t[last] ^= 0x01;
        assert!(tr31::unwrap(&kbpk, &t).is_err(), "{id}");
    }
}
