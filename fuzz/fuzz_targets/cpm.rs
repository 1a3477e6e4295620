//! EMV CPM payloads: any text decodes and parses to a canonical payload or a
//! typed error; a payload that parses is exactly what the builder makes from
//! its own fields (re-encoding is the identity), and the pinned-profile path
//! takes it without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tapcrypt::code::{base64, cpm};

fuzz_target!(|data: &[u8]| {
    // As text: base64 → TLV → payload.
    let mut buf = [0u8; cpm::MAX_PAYLOAD];
    if let Ok(tlv) = cpm::decode_base64(data, &mut buf) {
        let tlv = tlv.to_vec();
        // Strict base64: encoding the bytes gives the text back.
        let mut text = [0u8; cpm::MAX_TEXT];
        assert_eq!(base64::encode(&tlv, &mut text).ok(), Some(data));
        check(&tlv);
    }
    // As raw TLV bytes.
    check(data);
});

fn check(tlv: &[u8]) {
    let Ok(p) = cpm::CpmPayload::parse(tlv) else {
        return;
    };
    assert!(tlv.len() <= cpm::MAX_PAYLOAD);
    assert!(tlv.starts_with(b"\x85\x05CPV01\x61"));
    assert!((5..=16).contains(&p.aid().len()));
    for cvn in [
        &tapcrypt::emv::TAPCRYPT_DPAN_AES,
        &tapcrypt::emv::EMV_COMMON_AES,
    ] {
        // The harness resolves the token to the payload's own DPAN.
        if let Ok(req) = p.authorisation(cvn, p.dpan()) {
            assert_eq!(req.cvn().id, cvn.id);
            // Re-building from the parsed fields gives the same bytes.
            let c = cpm::CpmContents {
                aid: p.aid(),
                dpan: p.dpan(),
                transaction: req.transaction(),
                iad: req.iad(),
                cid: 0x80,
                ac: req.ac(),
            };
            let mut out = [0u8; cpm::MAX_PAYLOAD];
            assert_eq!(cpm::build(&c, &mut out).ok(), Some(tlv));
        }
    }
    // The cloud-profile readers: never a panic; what they accept has the
    // profile's IAD length.
    if let Ok(tap) = p.vcps(p.dpan()) {
        assert_eq!(tap.iad().to_bytes().len(), 32);
    }
    let profile = tapcrypt::emv::cloud::mcbp::McbpProfile {
        iad_template: [0x01, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        pin_iv_cvc3_track2: [0, 0],
    };
    if let Ok(tap) = p.mcbp(&profile, p.dpan()) {
        assert_eq!(tap.transaction().to_bytes().len(), 33);
    }
}
