//! BER-TLV, DOLs and authorisation messages: any bytes give a value or a
//! typed error, never a panic or a read past the buffer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tapcrypt::emv::tlv::{self, AuthorisationRequest, GenerateAcResponse, Scheme};

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    let _ = tlv::walk(data, |t| {
        n += t.value.len();
        let _ = t.is_constructed();
    });
    for t in tlv::siblings(data).take(64) {
        let _ = t;
    }
    let _ = tlv::find_unique(data, 0x9F26);
    let _ = GenerateAcResponse::parse(data);
    // Every pinned CVN: a request parses only with the CVN its IAD declares
    // (where the layout declares one).
    for cvn in tapcrypt::emv::cryptogram::ALL_CVNS {
        if let Ok(req) = AuthorisationRequest::parse(data, cvn) {
            assert_eq!(req.cvn().id, cvn.id);
            if let Ok(Some(declared)) = cvn.iad_layout.declared_cvn(req.iad()) {
                assert_eq!(declared, cvn.id);
            }
            let _ = req.card_data();
        }
    }
    let allowed = [&tapcrypt::emv::VISA_CVN_18, &tapcrypt::emv::VISA_CVN_22];
    if let Ok(req) = AuthorisationRequest::parse_allowed(data, &allowed) {
        assert!(allowed.iter().any(|c| c.id == req.cvn().id));
    }
    // Use the input as a DOL against itself as the tag source.
    let mut out = [0u8; 256];
    let _ = tlv::assemble_dol(data, |t| tlv::find_unique(data, t).ok().flatten(), &mut out);
    let mut buf = [0u8; 32];
    for cvn in tapcrypt::emv::cryptogram::ALL_CVNS {
        let _ = tlv::card_data_from_iad(cvn, data, &mut buf);
    }
    let _ = tlv::detect_cvn(Scheme::Visa, data);
    let _ = tlv::detect_cvn(Scheme::Mastercard, data);
});
