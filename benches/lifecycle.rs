//! The backend's per-authorisation state work, next to a bare ARQC verify:
//! parse the stored window and usage, apply the tap, serialise both back.
//! Run: `cargo bench --bench lifecycle --features hazmat`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapcrypt::emv::{Atc, TransactionData, UnpredictableNumber, VISA_CVN_18};
use tapcrypt::hazmat::{atc_window_apply_unverified, backend_usage_record_unverified};
use tapcrypt::lifecycle::{AtcWindow, BackendUsage, Currency, LowWater, UseLimits};
use tapcrypt::{Algorithm, CardMasterKey};

fn lifecycle(c: &mut Criterion) {
    let eur = Currency::from_numeric(978).unwrap();
    let limits = UseLimits {
        max_uses: u32::MAX,
        not_before: 0,
        not_after: u64::MAX,
        max_amount: u64::MAX,
        currency: eur,
        low_water: LowWater::default(),
    };
    let window = AtcWindow::resume_after(Atc::from_u16(100), 64)
        .unwrap()
        .to_bytes();
    let usage = BackendUsage::new(limits).unwrap().to_bytes();
    let mut g = c.benchmark_group("lifecycle");
    g.bench_function("window: from_bytes, apply, to_bytes", |b| {
        b.iter(|| {
            let w = AtcWindow::from_bytes(black_box(&window)).unwrap();
            let (w, v) = atc_window_apply_unverified(w, black_box(Atc::from_u16(101)));
            (w.to_bytes(), v)
        })
    });
    g.bench_function("usage: from_bytes, record, to_bytes", |b| {
        b.iter(|| {
            let u = BackendUsage::from_bytes(black_box(&usage)).unwrap();
            backend_usage_record_unverified(u, black_box(1_000), black_box(4_000), eur)
                .map(|u| u.to_bytes())
        })
    });
    // For scale: the stateless verify the state work follows (Visa CVN 18,
    // session key derivation + retail MAC, card key already derived).
    let mk = CardMasterKey::new(Algorithm::Tdes2, &[0x15; 16]).unwrap();
    let txn = TransactionData {
        un: UnpredictableNumber([1, 2, 3, 4]),
        atc: Atc::from_u16(101),
        ..TransactionData::default()
    };
    let card_data = VISA_CVN_18
        .card_data(&[0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00])
        .unwrap();
    let arqc = VISA_CVN_18
        .transaction_keys(&mk, txn.atc, txn.un)
        .unwrap()
        .generate_ac(&txn, &card_data)
        .unwrap();
    g.bench_function("verify_arqc Visa CVN 18 (for scale)", |b| {
        b.iter(|| {
            let keys = VISA_CVN_18.transaction_keys(&mk, txn.atc, txn.un).unwrap();
            keys.verify_arqc(black_box(&txn), &card_data, black_box(&arqc))
                .is_ok()
        })
    });
    g.finish();
}

criterion_group!(benches, lifecycle);
criterion_main!(benches);
