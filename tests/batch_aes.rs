//! The AES-128 items of `batch::verify_batch` (eight per run through the
//! `aes` crate's hazmat rounds): known answers from an independent Python
//! reference (test-vectors/data/dpan_binding.json, `ac_dpan_bound`: IMK →
//! Option C → common session key → CMAC AC), ARPCs checked against the
//! RustCrypto `cmac` crate under the vector's session key, every one-bit
//! flip failing only its own item; item-by-item agreement with the
//! single-item path across every shape (card data length, ARPC method,
//! proprietary length, key given or derived, AES-256 items that take the
//! single path) and run boundaries; and the CID (9F27) rule of review M1.
//! With `batch-aesni` (CI's `--all-features`) the lanes run on AES-NI and
//! are also compared with the safe lanes item by item.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use cmac::{KeyInit, Mac};
use serde_json::Value;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, verify_batch};
use tapcrypt::emv::tlv::CryptogramType;
use tapcrypt::emv::{
    Arpc, ArpcMethod, ArpcResponse, Atc, Cryptogram, Csu, Cvn, EMV_COMMON_AES, ResponseCode,
    TAPCRYPT_DPAN_AES, TransactionData, UnpredictableNumber, VISA_CVN_18,
};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// AES-CMAC by the RustCrypto `cmac` crate (not tapcrypt's code).
fn cmac_ref(key: &[u8], data: &[u8]) -> [u8; 16] {
    let mut m = <cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().into()
}

#[test]
fn dpan_bound_known_answers_and_flips_through_the_lanes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-vectors/data/dpan_binding.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vs = doc["vectors"]["ac_dpan_bound"].as_array().unwrap();
    struct V {
        imk: IssuerMasterKey,
        dpan: Pan,
        /// The account the card key is derived from: `pan` where the
        /// vector has one, else the DPAN (the file's note).
        pan: Pan,
        psn: Psn,
        txn: TransactionData,
        iad: Vec<u8>,
        card_data: Vec<u8>,
        sk: Vec<u8>,
        arqc: [u8; 8],
        prop: Vec<u8>,
    }
    let mut owned = Vec::new();
    for (k, v) in vs.iter().enumerate() {
        let s = |f: &str| v[f].as_str().unwrap().to_owned();
        let imk = hex(&s("imk"));
        if imk.len() != 16 {
            continue; // AES-192/256 IMKs take the single-item path (tests/batch.rs)
        }
        owned.push(V {
            imk: IssuerMasterKey::new(Algorithm::Aes128, &imk).unwrap(),
            dpan: Pan::parse(&s("dpan")).unwrap(),
            pan: Pan::parse(v.get("pan").map_or(&s("dpan"), |p| p.as_str().unwrap())).unwrap(),
            psn: v
                .get("psn")
                .and_then(Value::as_str)
                .map_or(Psn::ABSENT, |p| Psn::parse(p).unwrap()),
            txn: TransactionData::from_slice(&hex(&s("min_data"))).unwrap(),
            iad: hex(&s("iad")),
            card_data: hex(&s("card_data")),
            sk: hex(&s("session_key")),
            arqc: hex(&s("arqc")).try_into().unwrap(),
            prop: vec![0xA5; k % 9],
        });
    }
    assert!(
        owned.len() >= 4,
        "expected AES-128 vectors, got {}",
        owned.len()
    );
    let mut bufs = vec![[0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX]; owned.len()];
    let mut items = Vec::new();
    let mut whose = Vec::new();
    for (k, (o, buf)) in owned.iter().zip(bufs.iter_mut()).enumerate() {
        let cd = TAPCRYPT_DPAN_AES
            .card_data_bound(&o.dpan, &o.iad, buf)
            .unwrap();
        assert_eq!(cd.as_bytes(), &o.card_data[..], "card data layout");
        for bit in 0..=64usize {
            let mut arqc = o.arqc;
            if bit > 0 {
                arqc[(bit - 1) / 8] ^= 0x80 >> ((bit - 1) % 8);
            }
            items.push(Authorisation {
                cvn: &TAPCRYPT_DPAN_AES,
                key: BatchKey::Issuer {
                    imk: &o.imk,
                    pan: &o.pan,
                    psn: o.psn,
                },
                txn: o.txn,
                card_data: cd,
                cryptogram_type: CryptogramType::Arqc,
                arqc: Cryptogram(arqc),
                response: ArpcResponse::Method2 {
                    csu: Csu([0x12, 0x34, 0, k as u8]),
                    proprietary: &o.prop,
                },
            });
            whose.push((k, bit));
        }
    }
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
    verify_batch(&items, &mut out).unwrap();
    for ((k, bit), (o, item)) in whose.iter().zip(out.iter().zip(&items)) {
        let v = &owned[*k];
        if *bit == 0 {
            let p = o.verified().unwrap_or_else(|| panic!("vector {k}: {o:?}"));
            let mut data = v.arqc.to_vec();
            if let ArpcResponse::Method2 { csu, proprietary } = item.response {
                data.extend(csu.0);
                data.extend(proprietary);
            }
            let want = cmac_ref(&v.sk, &data);
            assert_eq!(p.arpc(), &Arpc::Method2(want[..4].try_into().unwrap()));
            // The AC known answer itself, by the `cmac` crate.
            let mut ac_in = v.txn.to_bytes().to_vec();
            ac_in.extend(&v.card_data);
            assert_eq!(cmac_ref(&v.sk, &ac_in)[..8], v.arqc);
        } else {
            assert!(
                matches!(o, Outcome::Rejected(_)),
                "vector {k} flip {bit}: {o:?}"
            );
        }
    }
}

fn txn(i: usize) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, (i % 100) as u8, 0x50],
        amount_other: [0; 6],
        terminal_country: [0x08, 0x40],
        tvr: [0, 0, (i >> 3) as u8, 0, 0],
        currency: [0x09, 0x78],
        date: [0x26, 0x12, 0x02],
        transaction_type: 0,
        un: UnpredictableNumber((i as u32).wrapping_mul(2_654_435_761).to_be_bytes()),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(0x10 + i as u16),
    }
}

/// The single-item path's answer: `None` malformed, `Some(None)` rejected,
/// `Some(Some(arpc))` verified.
fn single(a: &Authorisation<'_>) -> Option<Option<Arpc>> {
    let derived;
    let mk = match a.key {
        BatchKey::Card(k) => k,
        BatchKey::Issuer { imk, pan, psn } => {
            derived = a.cvn.derive_card_key(imk, pan, psn).ok()?;
            &derived
        }
    };
    let keys = a.cvn.transaction_keys(mk, a.txn.atc, a.txn.un).ok()?;
    let method = match a.response {
        ArpcResponse::Method1 { .. } => ArpcMethod::Method1,
        ArpcResponse::Method2 { .. } => ArpcMethod::Method2,
    };
    if method != a.cvn.arpc {
        return None;
    }
    let v = keys.verify_arqc(&a.txn, &a.card_data, &a.arqc).ok();
    if a.cryptogram_type != CryptogramType::Arqc {
        return Some(None);
    }
    Some(v.map(|p| p.arpc(&a.response).unwrap()))
}

fn check_against_single(items: &[Authorisation<'_>]) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
    verify_batch(items, &mut out).unwrap();
    for (i, (a, o)) in items.iter().zip(&out).enumerate() {
        match (single(a), o) {
            (None, Outcome::Malformed(_)) | (Some(None), Outcome::Rejected(_)) => {}
            (Some(Some(arpc)), Outcome::Verified(v)) => {
                assert_eq!(v.arpc(), &arpc, "item {i}");
                assert_eq!(v.atc(), a.txn.atc);
                assert_eq!(v.arqc(), &a.arqc);
            }
            (w, o) => panic!("item {i}: single path {w:?}, batch {o:?}"),
        }
    }
    out
}

#[test]
fn aes_lanes_match_the_single_item_path_across_shapes_and_runs() {
    let imks = [
        IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap(),
        IssuerMasterKey::new(Algorithm::Aes128, &hex("000102030405060708090A0B0C0D0E0F")).unwrap(),
        // AES-256: the single-item path, interleaved with the lane items.
        IssuerMasterKey::new(Algorithm::Aes256, &[0x5C; 32]).unwrap(),
    ];
    let n = 211; // several runs of 8 per shape, partial last runs
    let pans: Vec<Pan> = (0..n)
        .map(|i| Pan::parse(&format!("54133300{:08}", i * 7919)).unwrap())
        .collect();
    let cards: Vec<CardMasterKey> = (0..n)
        .map(|i| CardMasterKey::new(Algorithm::Aes128, &[(i * 13) as u8; 16]).unwrap())
        .collect();
    let iads: Vec<Vec<u8>> = (1..=32u8).map(|l| (0..l).collect()).collect();
    let props: Vec<Vec<u8>> = (0..=8u8).map(|l| vec![0x3C; l.into()]).collect();
    let psn = Psn::parse("01").unwrap();
    let mut items = Vec::new();
    for i in 0..n {
        let cvn: &'static Cvn = &EMV_COMMON_AES;
        // IAD lengths 1..32: MAC inputs of 34..65 bytes (3..5 blocks, full
        // last blocks at 15 and 31); proprietary 0..8 (full at 4).
        let cd = cvn.card_data(&iads[(i * 5) % 32]).unwrap();
        let key = match i % 5 {
            0 | 1 => BatchKey::Issuer {
                imk: &imks[i % 2],
                pan: &pans[i],
                psn,
            },
            2 => BatchKey::Issuer {
                imk: &imks[2],
                pan: &pans[i],
                psn,
            },
            _ => BatchKey::Card(&cards[i]),
        };
        // Method 1 is not the AES CVNs' method: malformed, on both paths.
        let response = if i % 13 == 0 {
            ArpcResponse::Method1 {
                arc: ResponseCode(*b"05"),
            }
        } else {
            ArpcResponse::Method2 {
                csu: Csu([0, 0, i as u8, 0x10]),
                proprietary: &props[(i / 3) % 9],
            }
        };
        let t = txn(i);
        let mut a = Authorisation {
            cvn,
            key,
            txn: t,
            card_data: cd,
            cryptogram_type: CryptogramType::Arqc,
            arqc: Cryptogram([0; 8]),
            response,
        };
        // The genuine AC, one bit flipped for every seventh item.
        let derived;
        let mk = match a.key {
            BatchKey::Card(k) => k,
            BatchKey::Issuer { imk, pan, psn } => {
                derived = cvn.derive_card_key(imk, pan, psn).unwrap();
                &derived
            }
        };
        a.arqc = cvn
            .transaction_keys(mk, t.atc, t.un)
            .unwrap()
            .generate_ac(&t, &cd)
            .unwrap();
        if i % 7 == 3 {
            a.arqc.0[i % 8] ^= 1 << (i % 8);
        }
        if i % 11 == 5 {
            a.cryptogram_type = CryptogramType::Tc;
        }
        items.push(a);
    }
    let out = check_against_single(&items);
    let verified = out.iter().filter(|o| o.is_verified()).count();
    let rejected = out
        .iter()
        .filter(|o| matches!(o, Outcome::Rejected(_)))
        .count();
    let malformed = out
        .iter()
        .filter(|o| matches!(o, Outcome::Malformed(_)))
        .count();
    assert!(
        verified > 140 && rejected > 35 && malformed > 10,
        "{verified} / {rejected} / {malformed}"
    );
    // With `batch-aesni` the lanes above ran on AES-NI (if this CPU has
    // it): the safe lanes give the same outcome for every item.
    #[cfg(all(feature = "batch-aesni", feature = "__internal"))]
    {
        let mut safe: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
        tapcrypt::__internal::verify_batch_safe_lanes(&items, &mut safe).unwrap();
        for (i, (x, y)) in safe.iter().zip(&out).enumerate() {
            match (x, y) {
                (Outcome::Verified(x), Outcome::Verified(y)) => assert_eq!(x.arpc(), y.arpc()),
                (Outcome::Rejected(_), Outcome::Rejected(_))
                | (Outcome::Malformed(_), Outcome::Malformed(_)) => {}
                (x, y) => panic!("item {i}: safe lanes {x:?}, AES-NI lanes {y:?}"),
            }
        }
    }
    // Each item alone: the same outcome (no item depends on its run-mates).
    for (i, a) in items.iter().enumerate().step_by(3) {
        let mut one: [Outcome; 1] = Default::default();
        verify_batch(core::slice::from_ref(a), &mut one).unwrap();
        match (&one[0], &out[i]) {
            (Outcome::Verified(x), Outcome::Verified(y)) => assert_eq!(x.arpc(), y.arpc()),
            (Outcome::Rejected(_), Outcome::Rejected(_))
            | (Outcome::Malformed(_), Outcome::Malformed(_)) => {}
            (x, y) => panic!("item {i}: alone {x:?}, in batch {y:?}"),
        }
    }
}

/// Review M1: a batch item carries its CID, and only an ARQC verifies —
/// on every path (TDES lanes, AES lanes with six AES-128 items, the
/// single-item path for AES-256), as `AuthorisationRequest::verify`
/// refuses a TC or AAC. The genuine ARQCs in the same batch are not
/// affected.
#[test]
fn only_an_arqc_cid_verifies_on_every_path() {
    let aes128 = IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap();
    let aes256 = IssuerMasterKey::new(Algorithm::Aes256, &[0x2B; 32]).unwrap();
    let tdes = IssuerMasterKey::new(Algorithm::Tdes2, &[0x11; 16]).unwrap();
    let pan = Pan::parse("4761739001010119").unwrap();
    let psn = Psn::parse("01").unwrap();
    let visa_iad = [6, 1, 0x12, 3, 0xA0, 0, 0];
    let aes_iad = [0x0F, 0xA5, 1, 3];
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &[],
    };
    let mut items = Vec::new();
    for (k, (cvn, imk, iad)) in [
        (&VISA_CVN_18, &tdes, &visa_iad[..]),
        (&EMV_COMMON_AES, &aes128, &aes_iad[..]),
        (&EMV_COMMON_AES, &aes256, &aes_iad[..]),
    ]
    .into_iter()
    .enumerate()
    {
        let cd = cvn.card_data(iad).unwrap();
        // Twice each CID: six AES-128 items, enough for the AES lanes.
        for (j, ct) in [
            CryptogramType::Arqc,
            CryptogramType::Tc,
            CryptogramType::Aac,
        ]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
        {
            let t = txn(6 * k + j);
            let mk = cvn.derive_card_key(imk, &pan, psn).unwrap();
            let keys = cvn.transaction_keys(&mk, t.atc, t.un).unwrap();
            let ac = keys.generate_ac(&t, &cd).unwrap();
            // The single path's view of the same cryptogram: it verifies as
            // an offline AC, which is what a TC/AAC item is.
            assert!(keys.verify_tc_or_aac(&t, &cd, &ac).is_ok());
            items.push(Authorisation {
                cvn,
                key: BatchKey::Issuer {
                    imk,
                    pan: &pan,
                    psn,
                },
                txn: t,
                card_data: cd,
                cryptogram_type: ct,
                arqc: ac,
                response: resp,
            });
        }
    }
    let out = check_against_single(&items);
    for (i, o) in out.iter().enumerate() {
        if i % 3 == 0 {
            assert!(o.is_verified(), "item {i}: {o:?}");
        } else {
            assert!(matches!(o, Outcome::Rejected(_)), "item {i}: {o:?}");
        }
    }
}

fn tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = if tag > 0xFF {
        (tag as u16).to_be_bytes().to_vec()
    } else {
        vec![tag as u8]
    };
    out.push(value.len() as u8);
    out.extend_from_slice(value);
    out
}

/// Review M1, from the message: `Authorisation::from_request` carries the
/// parsed CID, and the batch answers as `AuthorisationRequest::verify`
/// does — an ARQC (CID 80) verifies with the same ARPC, the same
/// cryptogram under CID 40 (TC) or 00 (AAC) does not.
#[test]
fn from_request_carries_the_cid_as_the_message_path_checks_it() {
    use tapcrypt::emv::tlv::AuthorisationRequest;
    let imk = IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap();
    let pan = Pan::parse("5413330089010608").unwrap();
    let psn = Psn::parse("01").unwrap();
    let iad = [0x0F, 0xA5, 0x01, 0x03];
    let t = txn(7);
    let mk = EMV_COMMON_AES.derive_card_key(&imk, &pan, psn).unwrap();
    let keys = EMV_COMMON_AES.transaction_keys(&mk, t.atc, t.un).unwrap();
    let ac = keys
        .generate_ac(&t, &EMV_COMMON_AES.card_data(&iad).unwrap())
        .unwrap();
    let b = t.to_bytes();
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &[],
    };
    let mut msgs = Vec::new();
    for cid in [0x80u8, 0x40, 0x00] {
        let mut m = Vec::new();
        for (tag, r) in [
            (0x9F02, 0..6),
            (0x9F03, 6..12),
            (0x9F1A, 12..14),
            (0x95, 14..19),
            (0x5F2A, 19..21),
            (0x9A, 21..24),
            (0x9C, 24..25),
            (0x9F37, 25..29),
            (0x82, 29..31),
            (0x9F36, 31..33),
        ] {
            m.extend(tlv(tag, &b[r]));
        }
        m.extend(tlv(0x9F10, &iad));
        m.extend(tlv(0x9F26, &ac.0));
        m.extend(tlv(0x9F27, &[cid]));
        msgs.push(m);
    }
    let reqs: Vec<AuthorisationRequest<'_>> = msgs
        .iter()
        .map(|m| AuthorisationRequest::parse(m, &EMV_COMMON_AES).unwrap())
        .collect();
    let key = BatchKey::Issuer {
        imk: &imk,
        pan: &pan,
        psn,
    };
    let items: Vec<Authorisation<'_>> = reqs
        .iter()
        .map(|r| Authorisation::from_request(r, key, resp).unwrap())
        .collect();
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
    verify_batch(&items, &mut out).unwrap();
    for (r, o) in reqs.iter().zip(&out) {
        match r.verify(&keys) {
            Ok(p) => assert_eq!(o.verified().unwrap().arpc(), &p.arpc(&resp).unwrap()),
            Err(_) => assert!(matches!(o, Outcome::Rejected(_)), "{o:?}"),
        }
    }
    assert!(out[0].is_verified());
    assert!(matches!(out[1], Outcome::Rejected(_)) && matches!(out[2], Outcome::Rejected(_)));
}
