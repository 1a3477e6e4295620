//! Secrets audit, run-time half (the compile-time half, `ZeroizeOnDrop`, not
//! `Copy`/`Clone`, no secret in `Debug`, is `tests/secrets_audit.rs` at the
//! crate root). Dropping a secret must wipe the bytes it occupied. Reading a
//! value's storage after its drop takes `unsafe`, which the library package
//! forbids in every target, so this test lives in the test-only crate that
//! is already allowed it.

use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan};

/// Drops `v` in place and checks that `secret`, which must be stored inline
/// in `v` beforehand (checked, so the test cannot pass vacuously), is no
/// longer anywhere in the bytes `v` occupied. `ZeroizeOnDrop` is a marker a
/// type can claim; this shows the drop really wipes.
fn wiped_on_drop<T>(what: &str, v: T, secret: &[u8]) {
    let mut slot = core::mem::ManuallyDrop::new(v);
    let p = core::ptr::from_ref::<T>(&slot).cast::<u8>();
    let holds = |p: *const u8| {
        // SAFETY: `p` points at the `size_of::<T>()` bytes of `slot`, which
        // stays alive (ManuallyDrop) until the end of this function.
        // Volatile byte reads, so the check after the drop is not folded;
        // padding bytes only ever widen the search.
        let bytes: Vec<u8> = (0..size_of::<T>())
            .map(|i| unsafe { core::ptr::read_volatile(p.add(i)) })
            .collect();
        bytes.windows(secret.len()).any(|w| w == secret)
    };
    assert!(holds(p), "{what}: the secret is not stored inline");
    // SAFETY: dropped exactly once, never used afterwards except by `holds`.
    unsafe { core::mem::ManuallyDrop::drop(&mut slot) };
    assert!(!holds(p), "{what}: secret bytes survive the drop");
}

#[test]
fn dropping_a_secret_wipes_its_bytes() {
    let k16 = [
        0x3B, 0x91, 0xC4, 0x0D, 0xE7, 0x52, 0xA8, 0x6F, 0x15, 0xD9, 0x80, 0x2C, 0x47, 0xBE, 0x63,
        0xFA,
    ];
    let k32 = [0xA5u8; 32].map(|b| b ^ 0x0F);
    wiped_on_drop(
        "IssuerMasterKey",
        IssuerMasterKey::new(Algorithm::Tdes2, &k16).unwrap(),
        &k16,
    );
    wiped_on_drop(
        "CardMasterKey",
        CardMasterKey::new(Algorithm::Aes128, &k16).unwrap(),
        &k16,
    );
    wiped_on_drop(
        "DpanRangeKey",
        tapcrypt::token::DpanRangeKey::new(Algorithm::Aes256, &k32).unwrap(),
        &k32,
    );
    // Digits are stored as values 0-9.
    let values = [5u8, 4, 1, 3, 3, 3, 0, 0, 8, 9, 0, 1, 0, 0, 1, 2];
    wiped_on_drop("Pan", Pan::parse("5413330089010012").unwrap(), &values);
    wiped_on_drop(
        "Dpan",
        tapcrypt::token::Dpan::parse("5413330089010012").unwrap(),
        &values,
    );
    wiped_on_drop(
        "Pin",
        tapcrypt::emv::script::Pin::parse("84917305").unwrap(),
        &[8, 4, 9, 1, 7, 3, 0, 5],
    );
}
