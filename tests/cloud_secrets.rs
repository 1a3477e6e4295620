//! Secrets audit for the cloud-payment types (the recipe of
//! `secrets_audit.rs`): zeroized on drop, neither `Copy` nor `Clone`, and a
//! `Debug` that prints no key byte, PIN digit or PIN length. The first two
//! are compile-time proofs (this file does not build if a type loses
//! `ZeroizeOnDrop` or gains `Copy`/`Clone`).
#![allow(clippy::unwrap_used)]

use tapcrypt::cloud_wallet::LukWallet;
use tapcrypt::emv::Atc;
use tapcrypt::emv::cloud::mcbp::{
    IssuedKeyBatch, IssuedSingleUseKeys, MaskedUmdKey, MobilePin, SingleUseKey, SingleUseKeys,
    UnlockedKeys,
};
use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, LukBytes, MsdValue};
use zeroize::ZeroizeOnDrop;

fn assert_zeroize_on_drop<T: ZeroizeOnDrop + ?Sized>() {}

#[test]
fn cloud_secret_types_zeroize_on_drop() {
    assert_zeroize_on_drop::<Luk>();
    assert_zeroize_on_drop::<LukBytes>();
    assert_zeroize_on_drop::<MsdValue>();
    assert_zeroize_on_drop::<MobilePin>();
    assert_zeroize_on_drop::<SingleUseKey>();
    assert_zeroize_on_drop::<MaskedUmdKey>();
    assert_zeroize_on_drop::<SingleUseKeys>();
    assert_zeroize_on_drop::<UnlockedKeys>();
    assert_zeroize_on_drop::<IssuedSingleUseKeys>();
}

trait AmbiguousIfCopy<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfCopy<()> for T {}
impl<T: Copy> AmbiguousIfCopy<u8> for T {}

trait AmbiguousIfClone<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfClone<()> for T {}
impl<T: Clone> AmbiguousIfClone<u8> for T {}

macro_rules! neither_copy_nor_clone {
    ($($t:ty),* $(,)?) => {
        $(
            let _ = <$t as AmbiguousIfCopy<_>>::some_item;
            let _ = <$t as AmbiguousIfClone<_>>::some_item;
        )*
    };
}

#[test]
fn cloud_secret_types_are_neither_copy_nor_clone() {
    neither_copy_nor_clone!(
        Luk,
        LukBytes,
        MsdValue,
        MobilePin,
        SingleUseKey,
        MaskedUmdKey,
        SingleUseKeys,
        UnlockedKeys,
        IssuedSingleUseKeys,
        IssuedKeyBatch<2>,
        LukWallet<2>,
    );
}

const KEY: [u8; 16] = [
    0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E, 0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E,
];

fn assert_no_key_bytes(what: &str, dbg: &str) {
    let lower = dbg.to_lowercase();
    for b in KEY {
        for r in [format!("{b:02x}"), format!("{b}")] {
            assert!(
                !lower.contains(&r),
                "{what} Debug shows a key byte ({r}): {dbg}"
            );
        }
    }
}

#[test]
fn cloud_debug_prints_no_secret() {
    let ki = KeyIndex::parse("4034501").unwrap();
    let luk = Luk::new(LukBytes::from_bytes(&KEY), ki);
    assert_no_key_bytes("Luk", &format!("{luk:?}"));
    assert_no_key_bytes("LukBytes", &format!("{:?}", LukBytes::from_bytes(&KEY)));
    assert_eq!(
        format!("{:?}", luk.msd_value(Atc::from_u16(1), &[0; 8])),
        "MsdValue(..)"
    );
    let keys = || {
        SingleUseKeys::contactless(
            Atc::from_u16(7),
            SingleUseKey::from_bytes(&KEY),
            MaskedUmdKey::from_bytes(&KEY),
        )
        .with_remote(
            SingleUseKey::from_bytes(&KEY),
            MaskedUmdKey::from_bytes(&KEY),
        )
    };
    assert_no_key_bytes("SingleUseKeys", &format!("{:?}", keys()));
    let pin = || MobilePin::parse("98765432").unwrap();
    let dbg = format!("{:?}", pin());
    assert_eq!(dbg, "MobilePin(..)", "no digits, no length");
    assert_no_key_bytes("UnlockedKeys", &format!("{:?}", keys().unlock(pin())));
    let issued = IssuedSingleUseKeys::contactless(
        Atc::from_u16(7),
        SingleUseKey::from_bytes(&KEY),
        SingleUseKey::from_bytes(&KEY),
    );
    assert_no_key_bytes("IssuedSingleUseKeys", &format!("{issued:?}"));
    let mut batch = IssuedKeyBatch::<2>::new();
    batch.insert(issued).unwrap();
    assert_no_key_bytes("IssuedKeyBatch", &format!("{batch:?}"));
    let mut w = LukWallet::<2>::new();
    w.install_new(
        luk,
        tapcrypt::lifecycle::UseLimits {
            max_uses: 1,
            not_before: 0,
            not_after: 1,
            max_amount: 1,
            currency: tapcrypt::lifecycle::Currency::from_numeric(978).unwrap(),
            low_water: tapcrypt::lifecycle::LowWater::default(),
        },
    )
    .unwrap();
    assert_no_key_bytes("LukWallet", &format!("{w:?}"));
}
