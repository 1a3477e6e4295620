//! Secrets audit: every secret type is zeroized on drop, is neither `Copy` nor
//! `Clone` (so no silent, un-zeroized copies), and prints no secret in `Debug`.
//! (That a drop really wipes the bytes is checked at run time in
//! `ctgrind/tests/wiped_on_drop.rs`, which may use `unsafe`.)
//!
//! The first two are compile-time proofs: this file does not build if a secret
//! type loses `ZeroizeOnDrop` or gains `Copy`/`Clone`. To see the check fail,
//! add `tapcrypt::Kcv` (a public, `Copy` type) to the `not_copy!` list below:
//! rustc stops with E0283 "type annotations needed" on that line, because two
//! impls of `AmbiguousIfImpl<_>` then apply.

use tapcrypt::emv::cryptogram::{CardKeySchedule, TransactionKeys};
use tapcrypt::emv::{Atc, UnpredictableNumber, VISA_CVN_18};
use tapcrypt::mac::MacKey;
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, SessionKey};
use zeroize::ZeroizeOnDrop;

// ---------------------------------------------------------------- ZeroizeOnDrop

fn assert_zeroize_on_drop<T: ZeroizeOnDrop + ?Sized>() {}

/// Compile-time: each secret type implements `ZeroizeOnDrop`.
#[test]
fn secret_types_zeroize_on_drop() {
    assert_zeroize_on_drop::<IssuerMasterKey>();
    assert_zeroize_on_drop::<CardMasterKey>();
    assert_zeroize_on_drop::<SessionKey>();
    assert_zeroize_on_drop::<tapcrypt::CardMacKey>();
    assert_zeroize_on_drop::<tapcrypt::CardEncKey>();
    assert_zeroize_on_drop::<tapcrypt::Cvc3Key>();
    assert_zeroize_on_drop::<tapcrypt::DcvvKey>();
    assert_zeroize_on_drop::<tapcrypt::ScriptMacKey>();
    assert_zeroize_on_drop::<tapcrypt::ScriptEncKey>();
    assert_zeroize_on_drop::<tapcrypt::IssuerMacKey>();
    assert_zeroize_on_drop::<tapcrypt::IssuerEncKey>();
    assert_zeroize_on_drop::<tapcrypt::IssuerCvc3Key>();
    assert_zeroize_on_drop::<tapcrypt::IssuerDcvvKey>();
    assert_zeroize_on_drop::<MacKey>();
    assert_zeroize_on_drop::<Pan>();
    assert_zeroize_on_drop::<CardKeySchedule>();
    assert_zeroize_on_drop::<tapcrypt::token::DpanRangeKey>();
    assert_zeroize_on_drop::<tapcrypt::token::Dpan>();
    assert_zeroize_on_drop::<tapcrypt::token::ff1::Ff1>();
    assert_zeroize_on_drop::<tapcrypt::emv::cvv::CardVerificationKey>();
    assert_zeroize_on_drop::<tapcrypt::emv::cvv::Digits<3>>();
    assert_zeroize_on_drop::<tapcrypt::emv::script::Pin>();
}

// ---------------------------------------------------------------- not Copy, not Clone

/// `<T as AmbiguousIfCopy<_>>::some_item` resolves only if exactly one impl
/// applies: the blanket `()` impl always does, the `u8` impl only if `T`
/// implements the trait under test. Two candidates = a compile error.
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

macro_rules! not_copy {
    ($($t:ty),* $(,)?) => {
        $( let _ = <$t as AmbiguousIfCopy<_>>::some_item; )*
    };
}

macro_rules! not_clone {
    ($($t:ty),* $(,)?) => {
        $( let _ = <$t as AmbiguousIfClone<_>>::some_item; )*
    };
}

/// Compile-time: no secret type is `Copy`.
#[test]
fn secret_types_are_not_copy() {
    not_copy!(
        IssuerMasterKey,
        CardMasterKey,
        SessionKey,
        tapcrypt::CardMacKey,
        tapcrypt::CardEncKey,
        tapcrypt::Cvc3Key,
        tapcrypt::DcvvKey,
        tapcrypt::ScriptMacKey,
        tapcrypt::ScriptEncKey,
        tapcrypt::IssuerMacKey,
        tapcrypt::IssuerEncKey,
        tapcrypt::IssuerCvc3Key,
        tapcrypt::IssuerDcvvKey,
        MacKey,
        Pan,
        CardKeySchedule,
        TransactionKeys<'static>,
        tapcrypt::token::DpanRangeKey,
        tapcrypt::token::Dpan,
        tapcrypt::token::ff1::Ff1,
        tapcrypt::emv::cvv::CardVerificationKey,
        tapcrypt::emv::cvv::Digits<3>,
        tapcrypt::emv::script::Pin,
    );
}

/// Compile-time: no secret type is `Clone`. (`Dpan` is deliberately `Clone`:
/// the device wallet copies a provisioning batch into its slots; every copy
/// zeroizes itself on drop.)
#[test]
fn secret_types_are_not_clone() {
    not_clone!(
        IssuerMasterKey,
        CardMasterKey,
        SessionKey,
        tapcrypt::CardMacKey,
        tapcrypt::CardEncKey,
        tapcrypt::Cvc3Key,
        tapcrypt::DcvvKey,
        tapcrypt::ScriptMacKey,
        tapcrypt::ScriptEncKey,
        tapcrypt::IssuerMacKey,
        tapcrypt::IssuerEncKey,
        tapcrypt::IssuerCvc3Key,
        tapcrypt::IssuerDcvvKey,
        MacKey,
        Pan,
        CardKeySchedule,
        TransactionKeys<'static>,
        tapcrypt::token::DpanRangeKey,
        tapcrypt::token::ff1::Ff1,
        tapcrypt::emv::cvv::CardVerificationKey,
        tapcrypt::emv::cvv::Digits<3>,
        tapcrypt::emv::script::Pin,
    );
}

// ---------------------------------------------------------------- Debug

/// Key bytes whose every rendering is distinctive: decimals of three digits,
/// hex pairs that spell nothing in a type or field name.
const KEY: [u8; 32] = [
    0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E, 0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E,
    0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E, 0xA5, 0xC3, 0xE7, 0xB4, 0xD2, 0xF1, 0x9C, 0x8E,
];

fn assert_no_key_bytes(what: &str, dbg: &str, key: &[u8]) {
    for b in key {
        for needle in [
            format!("{b:02x}"),
            format!("{b:02X}"),
            format!("{b}"),
            format!("{b:#x}"),
            format!("{b:08b}"),
        ] {
            assert!(
                !dbg.contains(&needle),
                "{what}: Debug output {dbg:?} contains {needle:?} (a rendering of key byte {b:#04x})"
            );
        }
    }
}

#[test]
fn key_debug_prints_no_key_bytes() {
    for alg in [
        Algorithm::Tdes2,
        Algorithm::Tdes3,
        Algorithm::Aes128,
        Algorithm::Aes192,
        Algorithm::Aes256,
    ] {
        let k = &KEY[..alg.key_len()];
        let imk = IssuerMasterKey::new(alg, k).unwrap();
        let cmk = CardMasterKey::new(alg, k).unwrap();
        let sk = SessionKey::new(alg, k).unwrap();
        let mk = MacKey::new(alg, k).unwrap();
        // The role types share one recipe (secret_key!): check each anyway.
        for (what, dbg) in [
            (
                "CardMacKey",
                format!("{:?}", tapcrypt::CardMacKey::new(alg, k).unwrap()),
            ),
            (
                "CardEncKey",
                format!("{:?}", tapcrypt::CardEncKey::new(alg, k).unwrap()),
            ),
            (
                "Cvc3Key",
                format!("{:?}", tapcrypt::Cvc3Key::new(alg, k).unwrap()),
            ),
            (
                "DcvvKey",
                format!("{:?}", tapcrypt::DcvvKey::new(alg, k).unwrap()),
            ),
            (
                "ScriptMacKey",
                format!("{:?}", tapcrypt::ScriptMacKey::new(alg, k).unwrap()),
            ),
            (
                "ScriptEncKey",
                format!("{:?}", tapcrypt::ScriptEncKey::new(alg, k).unwrap()),
            ),
            (
                "IssuerMacKey",
                format!("{:?}", tapcrypt::IssuerMacKey::new(alg, k).unwrap()),
            ),
            (
                "IssuerEncKey",
                format!("{:?}", tapcrypt::IssuerEncKey::new(alg, k).unwrap()),
            ),
            (
                "IssuerCvc3Key",
                format!("{:?}", tapcrypt::IssuerCvc3Key::new(alg, k).unwrap()),
            ),
            (
                "IssuerDcvvKey",
                format!("{:?}", tapcrypt::IssuerDcvvKey::new(alg, k).unwrap()),
            ),
        ] {
            // The type name itself ("Cvc3") would match the needle "c3".
            assert_no_key_bytes(what, &dbg.replace(what, ""), k);
            assert!(dbg.contains(&format!("{alg:?}")), "{what}: {dbg}");
        }
        for (what, dbg) in [
            ("IssuerMasterKey", format!("{imk:?}")),
            ("IssuerMasterKey (alternate)", format!("{imk:#?}")),
            ("CardMasterKey", format!("{cmk:?}")),
            ("SessionKey", format!("{sk:?}")),
            ("MacKey", format!("{mk:#?}")),
        ] {
            assert_no_key_bytes(what, &dbg, k);
            assert!(dbg.contains(&format!("{alg:?}")), "{what}: {dbg}");
        }
        let sched = CardKeySchedule::new(cmk);
        assert_no_key_bytes("CardKeySchedule", &format!("{sched:?}"), k);
        assert_no_key_bytes("CardKeySchedule (alternate)", &format!("{sched:#?}"), k);
    }

    // Transaction keys hold a derived session key: nothing of it in Debug.
    let cmk = CardMasterKey::new(Algorithm::Tdes2, &KEY[..16]).unwrap();
    let keys = VISA_CVN_18
        .transaction_keys(&cmk, Atc::from_u16(1), UnpredictableNumber([0; 4]))
        .unwrap();
    let sk = keys.session_key().unwrap().expose_secret().to_vec();
    let dbg = format!("{keys:?}");
    assert_no_key_bytes("TransactionKeys (card key)", &dbg, &KEY[..16]);
    // The session key's bytes are pseudo-random: check only 2-byte hex runs.
    for w in sk.windows(2) {
        for needle in [
            format!("{:02x}{:02x}", w[0], w[1]),
            format!("{:02X}{:02X}", w[0], w[1]),
            format!("{}, {}", w[0], w[1]),
        ] {
            assert!(!dbg.contains(&needle), "TransactionKeys: {dbg}");
        }
    }
}

#[test]
fn pan_debug_prints_no_digits() {
    let digits = "4761739001010010123";
    let pan = Pan::parse(digits).unwrap();
    for dbg in [format!("{pan:?}"), format!("{pan:#?}")] {
        // No run of 4 or more consecutive PAN digits (BIN, last four, ...).
        for n in 4..=digits.len() {
            for w in digits.as_bytes().windows(n) {
                let w = core::str::from_utf8(w).unwrap();
                assert!(!dbg.contains(w), "Pan Debug {dbg:?} contains {w:?}");
            }
        }
        assert!(dbg.contains("19"), "length is public: {dbg}");
    }
}

/// `Dpan`, `Pin` and CVV digits print no digits either.
#[test]
fn dpan_pin_and_cvv_debug_print_no_digits() {
    let d = tapcrypt::token::Dpan::parse("5399991247011610").unwrap();
    let s = format!("{d:?} {d:#?}");
    for needle in ["5399991247011610", "53999912", "4701", "1610"] {
        assert!(!s.contains(needle), "Dpan Debug leaks digits: {s}");
    }
    let p = tapcrypt::emv::script::Pin::parse("739182").unwrap();
    let s = format!("{p:?}");
    assert!(
        !s.contains("7391") && !s.contains("9182"),
        "Pin Debug leaks digits: {s}"
    );
    let cvk = tapcrypt::emv::cvv::CardVerificationKey::new(tapcrypt::Algorithm::Tdes2, &[0x11; 16])
        .unwrap();
    let v = tapcrypt::emv::cvv::cvv(
        &cvk,
        &Pan::parse("4123456789012345").unwrap(),
        "8701",
        "101",
    )
    .unwrap();
    let digits = String::from_utf8(v.to_ascii().to_vec()).unwrap();
    let s = format!("{v:?}");
    assert!(!s.contains(&digits), "CVV Debug leaks the value: {s}");
}

// ---------------------------------------------------------------- provisioning

/// Provisioning secrets: the KBPK and every unwrapped key, the device's and
/// the token service's P-256 secrets, and the DPANs an envelope installs.
/// Compile-time, like the checks above.
#[cfg(feature = "provision")]
#[test]
fn provisioning_secret_types_zeroize_and_are_not_copy_or_clone() {
    // The DPANs an envelope installs are `token::Dpan`s, audited above.
    use tapcrypt::provision::envelope::{CredentialStore, Credentials, InstalledKey};
    use tapcrypt::provision::{
        DeviceKeyPair, EcdsaSigningKey, EphemeralKeyPair, KeyBlockProtectionKey, UnwrappedKey,
    };
    assert_zeroize_on_drop::<KeyBlockProtectionKey>();
    assert_zeroize_on_drop::<UnwrappedKey>();
    assert_zeroize_on_drop::<DeviceKeyPair>();
    assert_zeroize_on_drop::<EphemeralKeyPair>();
    assert_zeroize_on_drop::<EcdsaSigningKey>();
    // Containers of those (they hold only self-zeroizing values).
    not_copy!(
        KeyBlockProtectionKey,
        UnwrappedKey,
        DeviceKeyPair,
        EphemeralKeyPair,
        EcdsaSigningKey,
        InstalledKey,
        Credentials<2, 2>,
        CredentialStore<2, 2>,
        tapcrypt::token::wallet::DpanWallet<2>,
    );
    not_clone!(
        KeyBlockProtectionKey,
        UnwrappedKey,
        DeviceKeyPair,
        EphemeralKeyPair,
        EcdsaSigningKey,
        InstalledKey,
        Credentials<2, 2>,
        CredentialStore<2, 2>,
        tapcrypt::token::wallet::DpanWallet<2>,
    );
}

/// The KBPK, unwrapped keys and P-256 secret keys print no secret bytes;
/// the P-256 key pairs print only their public key.
#[cfg(feature = "provision")]
#[test]
fn provisioning_debug_prints_no_secret_bytes() {
    use tapcrypt::provision::{
        DeviceKeyPair, EcdsaSigningKey, EphemeralKeyPair, KeyBlockProtectionKey, UnwrappedKey,
    };
    for alg in [Algorithm::Aes128, Algorithm::Aes256, Algorithm::Tdes2] {
        let k = &KEY[..alg.key_len()];
        let kbpk = KeyBlockProtectionKey::new(alg, k).unwrap();
        let uk = UnwrappedKey::new(alg, k).unwrap();
        assert_no_key_bytes("KeyBlockProtectionKey", &format!("{kbpk:?} {kbpk:#?}"), k);
        assert_no_key_bytes("UnwrappedKey", &format!("{uk:?} {uk:#?}"), k);
    }
    // A valid P-256 scalar (< n) with distinctive bytes.
    let mut d = KEY;
    d[0] = 0x7A;
    let sk = EcdsaSigningKey::from_secret_bytes(&d).unwrap();
    let dev = DeviceKeyPair::from_secret_bytes(&d).unwrap();
    let eph = EphemeralKeyPair::from_secret_bytes_for_tests(&d).unwrap();
    for (what, dbg) in [
        ("EcdsaSigningKey", format!("{sk:?} {sk:#?}")),
        ("DeviceKeyPair", format!("{dev:?} {dev:#?}")),
        ("EphemeralKeyPair", format!("{eph:?} {eph:#?}")),
    ] {
        // The public key is printed in hex, so single bytes can collide by
        // chance: check that no 3-byte run of the secret appears instead.
        for w in d.windows(3) {
            let hex = format!("{:02x}{:02x}{:02x}", w[0], w[1], w[2]);
            assert!(
                !dbg.to_lowercase().contains(&hex),
                "{what}: Debug {dbg:?} contains secret bytes {hex}"
            );
        }
        assert!(dbg.contains("public"), "{what}: {dbg}");
    }
}

/// The device wallet prints no DPAN digits.
#[test]
fn wallet_prints_no_dpan_digits() {
    let mut w: tapcrypt::token::wallet::DpanWallet<2> =
        tapcrypt::token::wallet::DpanWallet::new(Atc::from_u16(1), 0);
    w.receive_batch(&[tapcrypt::token::Dpan::parse("5399991247011610").unwrap()])
        .unwrap();
    let s = format!("{w:?} {w:#?}");
    for needle in ["53999912", "99912470", "2470116"] {
        assert!(!s.contains(needle), "DpanWallet Debug leaks digits: {s}");
    }
}

/// DPAN-bound card data carries n ‖ BCD(DPAN): its `Debug` shows CVN and length.
#[test]
fn dpan_bound_card_data_debug_prints_no_digits() {
    let dpan = Pan::parse("5413330089010012").unwrap();
    let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let cd = tapcrypt::emv::TAPCRYPT_DPAN_AES
        .card_data_bound(&dpan, &[0x01, 0x02], &mut buf)
        .unwrap();
    assert_eq!(&cd.as_bytes()[..3], &[0x10, 0x54, 0x13], "BCD DPAN inside");
    let s = format!("{cd:?}");
    for needle in ["5413", "0089", "84, 19", "[84"] {
        assert!(!s.contains(needle), "CardData Debug leaks the DPAN: {s}");
    }
}
