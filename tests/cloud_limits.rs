//! The band's set of VCPS LUKs with key-use limits (`cloud_wallet`, on
//! `lifecycle`'s limit types): a LUK past its count, time or amount limit is
//! refused on the band, and the backend refuses the same tap with its own
//! record, counted only through a verification proof. And one tap that uses
//! both limited-use credentials: a one-time DPAN from the DPAN wallet and a
//! LUK from the LUK wallet, detokenized and verified end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tapcrypt::cloud_wallet::{LukWallet, TapRefused};
use tapcrypt::emv::cloud::vcps::{self, KeyIndex, Luk, LukBytes, VcpsIad, VcpsVerifier};
use tapcrypt::emv::{Atc, TransactionData, UnpredictableNumber};
use tapcrypt::lifecycle::{BackendUsage, Currency, DeviceUsage, LimitError, LowWater, UseLimits};
use tapcrypt::token::wallet::DpanWallet;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

const NOW: u64 = 1_796_194_800; // 2026-12-02 07:00 UTC

fn eur() -> Currency {
    Currency::from_numeric(978).unwrap()
}

fn limits(max_uses: u32, hours: u64, max_amount: u64) -> UseLimits {
    UseLimits {
        max_uses,
        not_before: NOW,
        not_after: NOW + hours * 3600,
        max_amount,
        currency: eur(),
        low_water: LowWater {
            uses: 1,
            ..LowWater::default()
        },
    }
}

fn txn(atc: u16, cents: u8) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x10, cents],
        currency: eur().to_bcd(),
        terminal_country: [0x02, 0x76],
        date: [0x26, 0x12, 0x02],
        un: UnpredictableNumber([1, 2, 3, atc as u8]),
        aip: [0x3C, 0x00],
        atc: Atc::from_u16(atc),
        ..TransactionData::default()
    }
}

fn udk() -> CardMasterKey {
    let imk =
        IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210").unwrap();
    vcps::derive_udk(&imk, &Pan::parse("4895370012345678").unwrap(), Psn::ABSENT).unwrap()
}

fn luk(udk: &CardMasterKey, counter: u8) -> Luk {
    let tsp = Luk::derive(udk, KeyIndex::new(6, 8048, counter).unwrap()).unwrap();
    // What the band receives: the bytes, bound to their index.
    Luk::new(LukBytes::from_bytes(tsp.expose_secret()), tsp.key_index())
}

fn band_tap<const N: usize>(
    w: &mut LukWallet<N>,
    now: u64,
    t: &TransactionData,
) -> Result<(tapcrypt::emv::Cryptogram, VcpsIad), TapRefused> {
    let r = w.reserve(now, t)?;
    let _persist = w.usage_bytes(r.slot()).unwrap();
    Ok(w.tap(r, t, 1, [0x03, 0xA0, 0, 0], [0; 6]).unwrap())
}

#[test]
fn luk_past_its_count_is_refused_on_the_band_and_at_the_backend() {
    let udk = udk();
    let mut w = LukWallet::<2>::new();
    w.install_new(luk(&udk, 1), limits(2, 24, 100_000)).unwrap();
    let issued = [KeyIndex::new(6, 8048, 1).unwrap()];
    let verifier = VcpsVerifier::new(&udk, &issued);
    let mut record = BackendUsage::new(limits(2, 24, 100_000)).unwrap();
    for atc in 1..=2u16 {
        let t = txn(atc, 0x00);
        let (ac, iad) = band_tap(&mut w, NOW, &t).unwrap();
        let proof = verifier
            .verify_qvsdc(&t, &VcpsIad::parse(&iad.to_bytes()).unwrap(), &ac)
            .unwrap();
        record = record.record(&proof, NOW).unwrap();
    }
    assert!(w.needs_replenish(NOW));
    // Third tap: the band refuses.
    let t3 = txn(3, 0);
    assert_eq!(
        band_tap(&mut w, NOW, &t3).unwrap_err(),
        TapRefused::Limit(LimitError::UsesExhausted)
    );
    // A tampered band that computes it anyway (same LUK): the cryptogram
    // verifies, and the backend's own record refuses it.
    let ki = issued[0];
    let iad = VcpsIad::new(1, [0x03, 0xA0, 0, 0], [0; 6], ki).unwrap();
    let ac = luk(&udk, 1).qvsdc_ac(&t3, &iad).unwrap();
    let proof = verifier.verify_qvsdc(&t3, &iad, &ac).unwrap();
    assert_eq!(
        record.record(&proof, NOW).unwrap_err(),
        LimitError::UsesExhausted
    );
    assert_eq!(w.retire_unusable(NOW), 1);
    assert_eq!(w.held(), 0);
    assert_eq!(band_tap(&mut w, NOW, &t3).unwrap_err(), TapRefused::NoKey);
}

#[test]
fn luk_past_its_time_or_amount_is_refused() {
    let udk = udk();
    let mut w = LukWallet::<2>::new();
    w.install_new(luk(&udk, 1), limits(10, 1, 2_500)).unwrap();
    // Not yet valid, expired.
    assert_eq!(
        band_tap(&mut w, NOW - 1, &txn(1, 0)).unwrap_err(),
        TapRefused::Limit(LimitError::NotYetValid)
    );
    assert_eq!(
        band_tap(&mut w, NOW + 3601, &txn(1, 0)).unwrap_err(),
        TapRefused::Limit(LimitError::Expired)
    );
    // 10.00 + 10.00 fit in 25.00; another 10.00 does not.
    band_tap(&mut w, NOW, &txn(1, 0)).unwrap();
    band_tap(&mut w, NOW + 3600, &txn(2, 0)).unwrap();
    assert_eq!(
        band_tap(&mut w, NOW, &txn(3, 0)).unwrap_err(),
        TapRefused::Limit(LimitError::AmountExceeded)
    );
    // Another currency.
    let mut usd = txn(3, 0);
    usd.currency = [0x08, 0x40];
    usd.amount_authorised = [0, 0, 0, 0, 0, 0x01];
    assert_eq!(
        band_tap(&mut w, NOW, &usd).unwrap_err(),
        TapRefused::Limit(LimitError::WrongCurrency)
    );
    // A refused tap spends nothing: 5.00 still fits.
    let mut small = txn(3, 0);
    small.amount_authorised = [0, 0, 0, 0, 0x05, 0x00];
    band_tap(&mut w, NOW, &small).unwrap();
    assert_eq!(w.usage(0).unwrap().spent(), 2_500);
    // Expired LUKs are retired; a fresh one takes over.
    assert_eq!(w.retire_unusable(NOW + 3601), 1);
    w.install_new(luk(&udk, 2), limits(10, 24, 100_000))
        .unwrap();
    let t = txn(4, 0);
    let (ac, iad) = band_tap(&mut w, NOW + 3601, &t).unwrap();
    assert_eq!(iad.key_index(), KeyIndex::new(6, 8048, 2).unwrap());
    let issued = [KeyIndex::new(6, 8048, 2).unwrap()];
    VcpsVerifier::new(&udk, &issued)
        .verify_qvsdc(&t, &iad, &ac)
        .unwrap();
}

#[test]
fn the_next_luk_serves_when_the_first_is_spent() {
    let udk = udk();
    let mut w = LukWallet::<3>::new();
    w.install_new(luk(&udk, 1), limits(1, 24, 100_000)).unwrap();
    w.install(
        luk(&udk, 2),
        DeviceUsage::new(limits(5, 24, 100_000)).unwrap(),
    )
    .unwrap();
    // The same key index twice is refused; a full wallet too.
    assert!(w.install_new(luk(&udk, 2), limits(1, 1, 1)).is_err());
    w.install_new(luk(&udk, 3), limits(1, 24, 1)).unwrap();
    assert!(w.install_new(luk(&udk, 4), limits(1, 24, 1)).is_err());
    let (_, iad1) = band_tap(&mut w, NOW, &txn(1, 0)).unwrap();
    let (_, iad2) = band_tap(&mut w, NOW, &txn(2, 0)).unwrap();
    assert_eq!(iad1.key_index().counter(), 1);
    assert_eq!(iad2.key_index().counter(), 2);
    // A reservation is for its tap's ATC only.
    let r = w.reserve(NOW, &txn(3, 0)).unwrap();
    assert!(w.tap(r, &txn(4, 0), 1, [0; 4], [0; 6]).is_err());
}

/// One tap with both limited-use credentials: a one-time DPAN (DPAN wallet)
/// and a LUK (LUK wallet). The backend detokenizes the DPAN to the token
/// account, derives that token's UDK and the LUK of the IAD's key index, and
/// verifies. CVN '43' does not MAC the PAN: a DPAN of *another* token fails
/// (another UDK), a DPAN of the same token is bound only by the vault.
#[test]
fn a_tap_with_a_one_time_dpan_and_a_limited_use_key() {
    // Token service.
    let range_key = DpanRangeKey::from_hex(
        Algorithm::Aes256,
        "DBCB420CDABE2A5495BEDAECFE69A89D1FE28C5309BC56AD6FF47C575002CBD2",
    )
    .unwrap();
    let mut range = DpanRange::new(Bin::parse("48953700").unwrap(), &range_key, 1, "", 0).unwrap();
    let mut batch: Vec<Dpan> = (0..3)
        .map(|_| Dpan::parse("0000000000000").unwrap())
        .collect();
    let first = range.issue_batch(&mut batch).unwrap();
    let token_a = Pan::parse("4895370012345678").unwrap();
    let token_b = Pan::parse("4895370087654321").unwrap();
    let vault = |seq: u64| {
        if (first..first + 3).contains(&seq) {
            &token_a
        } else {
            &token_b
        }
    };
    let imk =
        IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEFFEDCBA9876543210").unwrap();
    let udk_a = vcps::derive_udk(&imk, &token_a, Psn::ABSENT).unwrap();
    let ki = KeyIndex::new(6, 8048, 1).unwrap();
    let tsp_luk = Luk::derive(&udk_a, ki).unwrap();

    // Band: both wallets.
    let mut dpans = DpanWallet::<4>::new(Atc::from_u16(0x0020), 1);
    dpans.receive_batch(&batch).unwrap();
    let mut luks = LukWallet::<2>::new();
    luks.install_new(
        Luk::new(LukBytes::from_bytes(tsp_luk.expose_secret()), ki),
        limits(5, 24, 100_000),
    )
    .unwrap();

    // The tap: reserve both, persist both, then take the DPAN and compute.
    let dr = dpans.reserve().unwrap();
    let mut flash = vec![0u8; DpanWallet::<4>::STATE_BYTES];
    dpans.to_bytes(&mut flash).unwrap();
    let (dpan, atc) = dpans.take(dr).unwrap();
    let t = TransactionData {
        atc,
        ..txn(0, 0x50)
    };
    let lr = luks.reserve(NOW, &t).unwrap();
    let _persist = luks.usage_bytes(lr.slot()).unwrap();
    let (ac, iad) = luks.tap(lr, &t, 1, [0x03, 0xA0, 0, 0], [0; 6]).unwrap();

    // Backend: DPAN → sequence number → token account → UDK → LUK(key index).
    let seq = range.detokenize(&dpan).unwrap();
    let account = vault(seq);
    let udk = vcps::derive_udk(&imk, account, Psn::ABSENT).unwrap();
    let issued = [ki];
    let parsed = VcpsIad::parse(&iad.to_bytes()).unwrap();
    let proof = VcpsVerifier::new(&udk, &issued)
        .verify_qvsdc(&t, &parsed, &ac)
        .unwrap();
    assert_eq!(proof.atc(), Atc::from_u16(0x0020));
    let record = BackendUsage::new(limits(5, 24, 100_000)).unwrap();
    let record = record.record(&proof, NOW).unwrap();
    assert_eq!(record.used(), 1);
    // The same AC under another token's account (UDK): refused.
    let udk_b = vcps::derive_udk(&imk, &token_b, Psn::ABSENT).unwrap();
    assert!(
        VcpsVerifier::new(&udk_b, &issued)
            .verify_qvsdc(&t, &parsed, &ac)
            .is_err()
    );
    // The next tap takes the next DPAN and the next ATC.
    let (dpan2, atc2) = {
        let r = dpans.reserve().unwrap();
        dpans.take(r).unwrap()
    };
    assert_eq!(atc2, Atc::from_u16(0x0021));
    assert_ne!(range.detokenize(&dpan2).unwrap(), seq);
}

/// Review finding M6: a reservation charges one transaction's amount and
/// currency, so the tap must be that transaction. A larger amount (or
/// another currency) under the reserved ATC used to be MAC'd past what the
/// LUK's amount limit had left.
#[test]
fn a_reservation_serves_only_the_transaction_it_charged() {
    let udk = udk();
    let mut w = LukWallet::<1>::new();
    // 0.50 EUR of amount left on this LUK.
    w.install_new(luk(&udk, 1), limits(5, 24, 50)).unwrap();
    let small = txn(7, 0x00); // 10.00
    assert!(
        w.reserve(NOW, &small).is_err(),
        "10.00 is past the 0.50 left"
    );
    let mut cheap = txn(7, 0x00);
    cheap.amount_authorised = [0, 0, 0, 0, 0x00, 0x40]; // 0.40
    let r = w.reserve(NOW, &cheap).unwrap();
    let mut dear = cheap;
    dear.amount_authorised = [0, 0, 0, 0, 0x99, 0x99]; // 99.99, same ATC
    assert!(matches!(
        w.tap(r, &dear, 1, [0x03, 0xA0, 0, 0], [0; 6]),
        Err(tapcrypt::Error::Parameter { .. })
    ));
    // 0.20 would fit the 0.50 but not the 0.10 left after the 0.40 charge.
    let mut next = txn(8, 0);
    next.amount_authorised = [0, 0, 0, 0, 0x00, 0x20];
    assert!(
        w.reserve(NOW, &next).is_err(),
        "the 0.40 reservation was charged"
    );
}
