//! Review L3 (issue 18): what the code module prints in `Debug` carries no
//! cryptogram byte, no IAD byte (an MCBP IAD holds part of a cryptogram) and
//! no DPAN digits beyond the length; `QrBuffers` (which hold the last text
//! encoded) print nothing of their contents. Checked the way
//! tests/secrets_audit.rs checks keys: every rendering of every byte.
#![cfg(feature = "code")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tapcrypt::code::cpm::{self, CpmContents, CpmPayload};
use tapcrypt::emv::{Atc, Cryptogram, TransactionData, UnpredictableNumber};
use tapcrypt::token::Dpan;

/// Bytes whose every rendering is distinctive (three-digit decimals, hex
/// pairs that spell nothing in a type or field name).
const AC: [u8; 8] = [0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E];
const IAD: [u8; 8] = [0x0F, 0x02, 0xD7, 0xE9, 0xCB, 0xB6, 0x8D, 0xAE];
const DPAN: &str = "5399991247011610";

fn assert_no_bytes(what: &str, dbg: &str, secret: &[u8]) {
    for b in secret {
        for needle in [
            format!("{b:02x}"),
            format!("{b:02X}"),
            format!("{b}"),
            format!("{b:#x}"),
            format!("{b:08b}"),
        ] {
            assert!(
                !dbg.contains(&needle),
                "{what}: Debug {dbg:?} contains {needle:?} (a rendering of {b:#04x})"
            );
        }
    }
}

fn assert_no_dpan(what: &str, dbg: &str) {
    // Any 5 consecutive digits of the DPAN (a receipt shows the last 4), and
    // the BCD bytes as a derived Debug would print them.
    for w in DPAN.as_bytes().windows(5) {
        let needle = std::str::from_utf8(w).unwrap();
        assert!(
            !dbg.contains(needle),
            "{what}: Debug {dbg:?} contains {needle}"
        );
    }
    for needle in ["83, 153", "153, 153", "0x53, 0x99", "[83"] {
        assert!(
            !dbg.contains(needle),
            "{what}: Debug {dbg:?} contains {needle}"
        );
    }
}

fn txn() -> TransactionData {
    TransactionData {
        atc: Atc::from_u16(0x0031),
        un: UnpredictableNumber([0x11, 0x22, 0x33, 0x44]),
        aip: [0x19, 0x80],
        terminal_country: [0x01, 0x56],
        currency: [0x01, 0x56],
        date: [0x26, 0x12, 0x02],
        ..TransactionData::default()
    }
}

#[test]
fn cpm_debug_prints_no_cryptogram_iad_or_dpan() {
    let dpan = Dpan::parse(DPAN).unwrap();
    let t = txn();
    let ac = Cryptogram(AC);
    let c = CpmContents {
        aid: &[0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10],
        dpan: &dpan,
        transaction: &t,
        iad: &IAD,
        cid: 0x80,
        ac: &ac,
    };
    let dbg = format!("{c:?} {c:#?}");
    assert_no_bytes("CpmContents", &dbg, &AC);
    assert_no_bytes("CpmContents", &dbg, &IAD[2..]);
    assert_no_dpan("CpmContents", &dbg);
    assert!(dbg.contains("dpan_len: 16"), "{dbg}");

    let mut out = [0u8; cpm::MAX_PAYLOAD];
    let tlv = cpm::build(&c, &mut out).unwrap();
    assert!(tlv.windows(8).any(|w| w == AC), "the cryptogram is inside");
    let p = CpmPayload::parse(tlv).unwrap();
    let dbg = format!("{p:?} {p:#?}");
    assert_no_bytes("CpmPayload", &dbg, &AC);
    assert_no_bytes("CpmPayload", &dbg, &IAD[2..]);
    assert_no_dpan("CpmPayload", &dbg);
    assert!(dbg.contains("dpan_len: 16"), "{dbg}");

    // The request made from it is emv::tlv's (its Debug shows the AC, as
    // every AuthorisationRequest does); the reading for the cloud profiles
    // is this module's.
    let r = p.vcps(&dpan);
    let dbg = format!("{r:?}");
    assert_no_bytes("CpmPayload::vcps result", &dbg, &AC);
}

#[cfg(feature = "qr")]
#[test]
fn qr_buffers_print_nothing_of_their_contents() {
    use tapcrypt::code::render::{QrBuffers, qr_matrix};
    let dpan = Dpan::parse(DPAN).unwrap();
    let t = txn();
    let ac = Cryptogram(AC);
    let c = CpmContents {
        aid: &[0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10],
        dpan: &dpan,
        transaction: &t,
        iad: &IAD,
        cid: 0x80,
        ac: &ac,
    };
    let mut text = [0u8; cpm::MAX_TEXT];
    let text = cpm::build_base64(&c, &mut text).unwrap();
    let mut bufs = Box::new(QrBuffers::new());
    let m = qr_matrix(text, None, &mut bufs).unwrap();
    let dbg_m = format!("{m:?}");
    assert!(dbg_m.starts_with("QrMatrix"), "{dbg_m}");
    // The buffers now hold the encoded payload (the cryptogram in it).
    let dbg = format!("{bufs:?} {bufs:#?}");
    assert_eq!(dbg, "QrBuffers { .. } QrBuffers { .. }");
    assert!(!dbg.chars().any(|ch| ch.is_ascii_digit()), "{dbg}");
}
