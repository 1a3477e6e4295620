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
    for s in [None, Some(Scheme::Visa), Some(Scheme::Mastercard), Some(Scheme::Interac)] {
        if let Ok(req) = AuthorisationRequest::parse(data, s) {
            let _ = req.card_data();
        }
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
