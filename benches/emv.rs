//! EMV core benches: session key + AC generation and verify + ARPC, per CVN,
//! and the raw AES-CMAC AC. Run: `cargo bench --bench emv`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapcrypt::emv::{
    ArpcMethod, ArpcResponse, Atc, Csu, Cvn, EMV_COMMON_AES, EMV_COMMON_TDES, INTERAC_CVN_133,
    MASTERCARD_CVN_16, MASTERCARD_CVN_17, MASTERCARD_CVN_20, MASTERCARD_CVN_21, ResponseCode,
    TransactionData, UnpredictableNumber, VISA_CVN_10, VISA_CVN_18, VISA_CVN_22,
};
use tapcrypt::hazmat::mac_cryptogram;
use tapcrypt::mac::Padding;
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn, SessionKey};

fn txn() -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x12, 0x50],
        amount_other: [0; 6],
        terminal_country: [0x01, 0x56],
        tvr: [0; 5],
        currency: [0x01, 0x56],
        date: [0x26, 0x11, 0x23],
        transaction_type: 0,
        un: UnpredictableNumber([1, 2, 3, 4]),
        aip: [0x19, 0x80],
        atc: Atc::from_u16(0x42),
    }
}

fn card_data(cvn: &Cvn) -> &'static [u8] {
    const D: [u8; 32] = [0x06; 32];
    let n = cvn
        .card_data
        .min
        .max(if cvn.card_data.max >= 8 && cvn.card_data.only.is_none() {
            8
        } else {
            0
        });
    &D[..n]
}

fn bench_cvns(c: &mut Criterion) {
    let pan = Pan::parse("5413330089010608").unwrap();
    let psn = Psn::parse("01").unwrap();
    let t = txn();
    let cvns: [&Cvn; 10] = [
        &VISA_CVN_10,
        &VISA_CVN_18,
        &VISA_CVN_22,
        &MASTERCARD_CVN_16,
        &MASTERCARD_CVN_17,
        &MASTERCARD_CVN_20,
        &MASTERCARD_CVN_21,
        &INTERAC_CVN_133,
        &EMV_COMMON_TDES,
        &EMV_COMMON_AES,
    ];
    let mut g = c.benchmark_group("cvn");
    for cvn in cvns {
        let alg = if cvn.cipher == tapcrypt::emv::cryptogram::CipherFamily::Aes {
            Algorithm::Aes128
        } else {
            Algorithm::Tdes2
        };
        let imk = IssuerMasterKey::new(alg, &[0x11; 16]).unwrap();
        let mk = cvn.derive_card_key(&imk, &pan, psn).unwrap();
        let cd = cvn.card_data(card_data(cvn)).unwrap();
        g.bench_function(format!("{} / device: session key + AC", cvn.name), |b| {
            b.iter(|| {
                let k = cvn.transaction_keys(&mk, black_box(t.atc), t.un).unwrap();
                k.generate_ac(black_box(&t), &cd).unwrap()
            })
        });
        let keys = cvn.transaction_keys(&mk, t.atc, t.un).unwrap();
        let ac = keys.generate_ac(&t, &cd).unwrap();
        let prop = [0u8; 0];
        let resp = match cvn.arpc {
            ArpcMethod::Method1 => ArpcResponse::Method1 {
                arc: ResponseCode(*b"00"),
            },
            ArpcMethod::Method2 => ArpcResponse::Method2 {
                csu: Csu([0; 4]),
                proprietary: &prop,
            },
        };
        g.bench_function(
            format!("{} / backend: MK + SK + verify + ARPC", cvn.name),
            |b| {
                b.iter(|| {
                    let mk = cvn.derive_card_key(&imk, &pan, psn).unwrap();
                    let k = cvn.transaction_keys(&mk, t.atc, t.un).unwrap();
                    let v = k.verify_arqc(black_box(&t), &cd, black_box(&ac)).unwrap();
                    v.arpc(&resp).unwrap()
                })
            },
        );
    }
    g.finish();
}

fn bench_raw(c: &mut Criterion) {
    let data = [0x5Au8; 40];
    let aes = SessionKey::new(Algorithm::Aes128, &[7; 16]).unwrap();
    let tdes = SessionKey::new(Algorithm::Tdes2, &[7; 16]).unwrap();
    c.bench_function("AC over 40 bytes / AES-CMAC", |b| {
        b.iter(|| mac_cryptogram(&aes, black_box(&data), Padding::Method2).unwrap())
    });
    c.bench_function("AC over 40 bytes / retail MAC (TDES)", |b| {
        b.iter(|| mac_cryptogram(&tdes, black_box(&data), Padding::Method2).unwrap())
    });
}

criterion_group!(benches, bench_cvns, bench_raw);
criterion_main!(benches);
