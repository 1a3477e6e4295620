//! Batch verification: known answers from pyemv (test-vectors/data/emv.json,
//! the `cvn_*` groups: IMK → card key → ARQC → ARPC for eight TDES CVNs),
//! every vector's one-bit ARQC flips batched with the genuine vectors (each
//! flip must fail only its own item), AES items cross-checked against the
//! single-item path, malformed items isolated, and the proof consumed by
//! the replay window.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::Value;
use tapcrypt::batch::{Authorisation, BatchKey, Outcome, VerifiedItem, verify_batch};
use tapcrypt::emv::{
    Arpc, ArpcResponse, Atc, Cryptogram, Csu, Cvn, EMV_COMMON_AES, INTERAC_CVN_133,
    MASTERCARD_CVN_16, MASTERCARD_CVN_17, MASTERCARD_CVN_20, MASTERCARD_CVN_21, ResponseCode,
    TAPCRYPT_DPAN_AES, TransactionData, UnpredictableNumber, VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
};
use tapcrypt::lifecycle::AtcWindow;
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const GROUPS: [(&str, &Cvn); 8] = [
    ("cvn_visa_10", &VISA_CVN_10),
    ("cvn_visa_18", &VISA_CVN_18),
    ("cvn_visa_22", &VISA_CVN_22),
    ("cvn_mc_16", &MASTERCARD_CVN_16),
    ("cvn_mc_17", &MASTERCARD_CVN_17),
    ("cvn_mc_20", &MASTERCARD_CVN_20),
    ("cvn_mc_21", &MASTERCARD_CVN_21),
    ("cvn_interac_133", &INTERAC_CVN_133),
];

/// One vector's owned inputs (the authorisation borrows from it).
struct Owned {
    cvn: &'static Cvn,
    imk: IssuerMasterKey,
    pan: Pan,
    psn: Psn,
    txn: TransactionData,
    card_data: Vec<u8>,
    arqc: [u8; 8],
    arc: Option<ResponseCode>,
    csu: Csu,
    prop: Vec<u8>,
    arpc: Vec<u8>,
    id: String,
}

fn load() -> Vec<Owned> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-vectors/data/emv.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (group, cvn) in GROUPS {
        let vs = doc["vectors"][group].as_array().unwrap();
        assert!(!vs.is_empty(), "{group}: no vectors");
        for v in vs {
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            let mut t = Vec::new();
            for tag in [
                "9f02", "9f03", "9f1a", "95", "5f2a", "9a", "9c", "9f37", "82", "9f36",
            ] {
                t.extend(hex(&s(&format!("tag_{tag}"))));
            }
            let card_data = if v.get("tag_9f10").is_some() {
                hex(&s("tag_9f10"))
            } else {
                let mut d = hex(&s("cvr"));
                if v.get("counters").is_some() {
                    d.extend(hex(&s("counters")));
                }
                d
            };
            let psn = v
                .get("psn")
                .and_then(Value::as_str)
                .map_or(Psn::ABSENT, |p| Psn::parse(p).unwrap());
            out.push(Owned {
                cvn,
                imk: IssuerMasterKey::new(Algorithm::Tdes2, &hex(&s("iss_mk_ac"))).unwrap(),
                pan: Pan::parse(&s("pan")).unwrap(),
                psn,
                txn: TransactionData::from_slice(&t).unwrap(),
                card_data,
                arqc: hex(&s("arqc")).try_into().unwrap(),
                arc: v
                    .get("arc")
                    .map(|a| ResponseCode::from_slice(&hex(a.as_str().unwrap())).unwrap()),
                csu: v.get("csu").map_or(Csu::default(), |c| {
                    Csu::from_slice(&hex(c.as_str().unwrap())).unwrap()
                }),
                prop: v
                    .get("prop_auth_data")
                    .map_or(Vec::new(), |p| hex(p.as_str().unwrap())),
                arpc: hex(&s("arpc")),
                id: s("id"),
            });
        }
    }
    out
}

fn auth(o: &Owned, arqc: [u8; 8]) -> Authorisation<'_> {
    Authorisation {
        cvn: o.cvn,
        key: BatchKey::Issuer {
            imk: &o.imk,
            pan: &o.pan,
            psn: o.psn,
        },
        txn: o.txn,
        card_data: o.cvn.card_data(&o.card_data).unwrap(),
        cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
        arqc: Cryptogram(arqc),
        response: match o.arc {
            Some(arc) => ArpcResponse::Method1 { arc },
            None => ArpcResponse::Method2 {
                csu: o.csu,
                proprietary: &o.prop,
            },
        },
    }
}

#[test]
fn pyemv_vectors_and_their_flips_in_one_batch() {
    let owned = load();
    assert!(owned.len() >= 8 * 9, "expected the eight cvn_* groups");
    // Genuine vectors interleaved with all 64 one-bit flips of each ARQC.
    let mut items = Vec::new();
    let mut genuine = Vec::new();
    for o in &owned {
        genuine.push(items.len());
        items.push(auth(o, o.arqc));
        for bit in 0..64 {
            let mut a = o.arqc;
            a[bit / 8] ^= 0x80 >> (bit % 8);
            items.push(auth(o, a));
        }
    }
    let mut out: Vec<Outcome> = (0..items.len()).map(|_| Outcome::Pending).collect();
    verify_batch(&items, &mut out).unwrap();
    for (i, o) in out.iter().enumerate() {
        let k = i / 65;
        let src = &owned[k];
        if genuine.contains(&i) {
            let v = o
                .verified()
                .unwrap_or_else(|| panic!("{}: genuine ARQC rejected: {o:?}", src.id));
            assert_eq!(v.arpc().as_bytes(), &src.arpc[..], "{}: ARPC", src.id);
            assert_eq!(v.arqc().0, src.arqc);
            assert_eq!(v.atc(), src.txn.atc);
            assert_eq!(v.cvn().id, src.cvn.id);
        } else {
            assert!(
                matches!(o, Outcome::Rejected(_)),
                "{}: flipped item {i} not rejected: {o:?}",
                src.id
            );
        }
    }
}

#[cfg(feature = "std")]
#[test]
fn outcomes_match_the_single_item_path() {
    let owned = load();
    let items: Vec<_> = owned.iter().map(|o| auth(o, o.arqc)).collect();
    let out = tapcrypt::batch::verify_batch_vec(&items);
    for (o, res) in owned.iter().zip(&out) {
        let mk = o.cvn.derive_card_key(&o.imk, &o.pan, o.psn).unwrap();
        let keys = o.cvn.transaction_keys(&mk, o.txn.atc, o.txn.un).unwrap();
        let cd = o.cvn.card_data(&o.card_data).unwrap();
        let single = keys.verify_arqc(&o.txn, &cd, &Cryptogram(o.arqc)).unwrap();
        let a = auth(o, o.arqc);
        assert_eq!(
            single.arpc(&a.response).unwrap(),
            *res.verified().unwrap().arpc()
        );
    }
}

fn aes_txn(atc: u16, un: u8) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x12, 0x50],
        amount_other: [0; 6],
        terminal_country: [0x08, 0x40],
        tvr: [0; 5],
        currency: [0x08, 0x40],
        date: [0x26, 0x12, 0x02],
        transaction_type: 0,
        un: UnpredictableNumber([un, 2, 3, 4]),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(atc),
    }
}

#[test]
fn aes_items_malformed_items_and_the_replay_window() {
    let imk = IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap();
    let tdes_imk = IssuerMasterKey::new(Algorithm::Tdes2, &[0x11; 16]).unwrap();
    let pans: Vec<Pan> = (0..6)
        .map(|i| Pan::parse(&format!("541333008901060{i}")).unwrap())
        .collect();
    let dpan = Pan::parse("4895370012345678").unwrap();
    let psn = Psn::parse("01").unwrap();
    let iad = [0x0F, 0xA5, 0x01, 0x03];
    let mut bound = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let bound_cd = TAPCRYPT_DPAN_AES
        .card_data_bound(&dpan, &iad, &mut bound)
        .unwrap();
    let plain_cd = EMV_COMMON_AES.card_data(&iad).unwrap();
    let prop = [0xAAu8; 2];
    let resp = ArpcResponse::Method2 {
        csu: Csu([0, 0, 0, 0x10]),
        proprietary: &prop,
    };
    // Device side: each card's AC from the single path.
    let mut items = Vec::new();
    for (i, pan) in pans.iter().enumerate() {
        let (cvn, cd, p) = if i % 2 == 0 {
            (&EMV_COMMON_AES, plain_cd, pan)
        } else {
            (&TAPCRYPT_DPAN_AES, bound_cd, &dpan)
        };
        let txn = aes_txn(0x100 + i as u16, i as u8);
        let mk = cvn.derive_card_key(&imk, p, psn).unwrap();
        let ac = cvn
            .transaction_keys(&mk, txn.atc, txn.un)
            .unwrap()
            .generate_ac(&txn, &cd)
            .unwrap();
        items.push(Authorisation {
            cvn,
            key: BatchKey::Issuer {
                imk: &imk,
                pan: p,
                psn,
            },
            txn,
            card_data: cd,
            cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
            arqc: ac,
            response: resp,
        });
    }
    // Item 1 rejected (ARQC flipped), item 3 malformed (TDES IMK for an AES
    // CVN), item 5 malformed (card data validated for another CVN).
    items[1].arqc.0[7] ^= 1;
    items[3].key = BatchKey::Issuer {
        imk: &tdes_imk,
        pan: &dpan,
        psn,
    };
    items[5].card_data = plain_cd;
    let mut out: [Outcome; 8] = Default::default();
    verify_batch(&items, &mut out).unwrap();
    assert!(out[0].is_verified() && out[2].is_verified() && out[4].is_verified());
    assert!(matches!(out[1], Outcome::Rejected(_)));
    assert!(matches!(out[3], Outcome::Malformed(_)));
    assert!(matches!(out[5], Outcome::Malformed(_)));
    assert!(matches!(out[6], Outcome::Pending) && matches!(out[7], Outcome::Pending));
    // The same items alone give the same verdicts and ARPCs.
    for (i, item) in items.iter().enumerate() {
        let mut one: [Outcome; 1] = Default::default();
        verify_batch(core::slice::from_ref(item), &mut one).unwrap();
        match (&one[0], &out[i]) {
            (Outcome::Verified(a), Outcome::Verified(b)) => {
                assert_eq!(a.arpc(), b.arpc());
                assert!(matches!(a.arpc(), Arpc::Method2(_)));
            }
            (Outcome::Rejected(_), Outcome::Rejected(_))
            | (Outcome::Malformed(_), Outcome::Malformed(_)) => {}
            (a, b) => panic!("item {i}: alone {a:?}, in batch {b:?}"),
        }
    }
    // The proof drives the replay window.
    let w = AtcWindow::resume_after(Atc::from_u16(0xFF), 16).unwrap();
    let (w, v) = w.consume(out[0].verified().unwrap());
    assert!(v.is_accepted());
    let (_, v) = w.consume(out[0].verified().unwrap());
    assert!(!v.is_accepted(), "same ATC twice must be a replay");
    // Too few output slots: refused whole.
    let mut short: [Outcome; 2] = Default::default();
    assert!(verify_batch(&items, &mut short).is_err());
}

#[test]
fn batch_types_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Authorisation<'static>>();
    both::<Outcome>();
    both::<VerifiedItem>();
}

/// The bitsliced TDES path against the single-item path, item by item, over
/// every TDES CVN, both key sources (IMK → card key here, or a card key
/// given), PANs of 16 and 19 digits (Option B's SHA-1 branch), every card
/// data length the CVN allows, Method 2 proprietary data of 0 to 8 bytes,
/// every seventh ARQC flipped, malformed items among them, and more items
/// than one bitsliced run holds (full and partial runs, shapes interleaved).
/// (`hazmat`: the reference computes the ARPC before the verdict, as the
/// batch does, to see the same response errors.)
#[cfg(feature = "hazmat")]
#[test]
fn tdes_lanes_match_the_single_item_path_across_shapes_and_runs() {
    let tdes_cvns: [&Cvn; 9] = [
        &VISA_CVN_10,
        &VISA_CVN_18,
        &VISA_CVN_22,
        &MASTERCARD_CVN_16,
        &MASTERCARD_CVN_17,
        &MASTERCARD_CVN_20,
        &MASTERCARD_CVN_21,
        &INTERAC_CVN_133,
        &tapcrypt::emv::EMV_COMMON_TDES,
    ];
    let imk =
        IssuerMasterKey::new(Algorithm::Tdes2, &hex("0123456789ABCDEFFEDCBA9876543210")).unwrap();
    let aes_imk = IssuerMasterKey::new(Algorithm::Aes128, &[0x2B; 16]).unwrap();
    let psn = Psn::parse("01").unwrap();
    let pans: Vec<Pan> = (0..40)
        .map(|i| {
            if i % 3 == 0 {
                Pan::parse(&format!("476173900101{:07}", i * 7919)).unwrap()
            } else {
                Pan::parse(&format!("54133300{:08}", i * 104_729)).unwrap()
            }
        })
        .collect();
    let card_keys: Vec<_> = pans
        .iter()
        .map(|p| VISA_CVN_18.derive_card_key(&imk, p, psn).unwrap())
        .collect();
    let props: Vec<Vec<u8>> = (0..=9u8)
        .map(|n| (0..n).map(|b| b ^ 0x5A).collect())
        .collect();
    let card_bytes: Vec<u8> = (0..64u8).map(|b| b.wrapping_mul(37)).collect();
    // (cvn, card data length) pairs the CVN accepts.
    let mut forms = Vec::new();
    for cvn in tdes_cvns {
        for len in 0..=40 {
            let mut cd = card_bytes[..len].to_vec();
            if len > 7 {
                cd[7] = (len - 8) as u8; // Visa IDD length byte
            }
            if cvn.card_data(&cd).is_ok() {
                forms.push((cvn, cd));
            }
        }
    }
    assert!(forms.len() >= 9);
    let n = 700;
    let txns: Vec<TransactionData> = (0..n).map(|i| aes_txn(i as u16, (i * 13) as u8)).collect();
    let mut items = Vec::new();
    for i in 0..n {
        let (cvn, cd) = &forms[i % forms.len()];
        let pan = &pans[i % pans.len()];
        let key = if i % 5 == 2 {
            BatchKey::Card(&card_keys[i % pans.len()])
        } else {
            BatchKey::Issuer {
                imk: &imk,
                pan,
                psn,
            }
        };
        let response = match cvn.arpc {
            tapcrypt::emv::ArpcMethod::Method1 => ArpcResponse::Method1 {
                arc: ResponseCode([0x30, (i % 10) as u8 + 0x30]),
            },
            tapcrypt::emv::ArpcMethod::Method2 => ArpcResponse::Method2 {
                csu: Csu([i as u8, 0, 0x80, 0x10]),
                proprietary: &props[i % 9],
            },
        };
        // The genuine AC from the single-item path.
        let derived;
        let card = match key {
            BatchKey::Issuer { imk, pan, psn } => {
                derived = cvn.derive_card_key(imk, pan, psn).unwrap();
                &derived
            }
            BatchKey::Card(k) => k,
        };
        let card_data = cvn.card_data(cd).unwrap();
        let mut arqc = cvn
            .transaction_keys(card, txns[i].atc, txns[i].un)
            .unwrap()
            .generate_ac(&txns[i], &card_data)
            .unwrap();
        if i % 7 == 3 {
            arqc.0[i % 8] ^= 1 << (i % 8);
        }
        let mut a = Authorisation {
            cvn,
            key,
            txn: txns[i],
            card_data,
            cryptogram_type: tapcrypt::emv::tlv::CryptogramType::Arqc,
            arqc,
            response,
        };
        match i % 50 {
            // Malformed: an AES IMK, a response of the other method,
            // proprietary data over 8 bytes, card data of another CVN.
            11 => {
                a.key = BatchKey::Issuer {
                    imk: &aes_imk,
                    pan,
                    psn,
                }
            }
            23 => {
                a.response = match a.response {
                    ArpcResponse::Method1 { .. } => ArpcResponse::Method2 {
                        csu: Csu::default(),
                        proprietary: &[],
                    },
                    ArpcResponse::Method2 { .. } => ArpcResponse::Method1 {
                        arc: ResponseCode(*b"00"),
                    },
                }
            }
            37 if cvn.arpc == tapcrypt::emv::ArpcMethod::Method2 => {
                a.response = ArpcResponse::Method2 {
                    csu: Csu::default(),
                    proprietary: &props[9],
                }
            }
            41 => {
                let other = forms.iter().find(|(c, _)| c.id != cvn.id).unwrap();
                a.card_data = other.0.card_data(&other.1).unwrap();
            }
            _ => {}
        }
        items.push(a);
    }
    let mut out: Vec<Outcome> = (0..n).map(|_| Outcome::Pending).collect();
    verify_batch(&items, &mut out).unwrap();
    let (mut ok, mut rejected, mut malformed) = (0, 0, 0);
    for (i, (a, o)) in items.iter().zip(&out).enumerate() {
        // The single-item path, step by step.
        let single = (|| {
            // The batch refuses card data validated for another CVN first
            // (the single-item verify would only reject it).
            if i % 50 == 41 {
                return Err(tapcrypt::Error::Parameter {
                    what: "card data was validated for a different CVN",
                });
            }
            let derived;
            let card = match a.key {
                BatchKey::Issuer { imk, pan, psn } => {
                    derived = a.cvn.derive_card_key(imk, pan, psn)?;
                    &derived
                }
                BatchKey::Card(k) => k,
            };
            let keys = a.cvn.transaction_keys(card, a.txn.atc, a.txn.un)?;
            // The response's method and length, as the hazmat ARPC checks them.
            let arpc = tapcrypt::hazmat::arpc_unverified(&keys, &a.arqc, &a.response)?;
            Ok::<_, tapcrypt::Error>(
                keys.verify_arqc(&a.txn, &a.card_data, &a.arqc)
                    .map(|_| arpc),
            )
        })();
        match (single, o) {
            (Ok(Ok(want)), Outcome::Verified(v)) => {
                assert_eq!(*v.arpc(), want, "item {i}: ARPC");
                assert_eq!(v.atc(), a.txn.atc);
                assert_eq!(v.arqc(), &a.arqc);
                assert_eq!(v.cvn().id, a.cvn.id);
                ok += 1;
            }
            (Ok(Err(_)), Outcome::Rejected(_)) => rejected += 1,
            (Err(e), Outcome::Malformed(f)) => {
                assert_eq!(e, *f, "item {i}: error");
                malformed += 1;
            }
            (s, o) => panic!("item {i} ({}): single {s:?}, batch {o:?}", a.cvn.name),
        }
    }
    assert!(
        ok > 400 && rejected > 50 && malformed > 20,
        "{ok} {rejected} {malformed}"
    );
}
