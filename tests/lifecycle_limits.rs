//! Key-use limits: the N+1-th tap refused on the device and on the backend,
//! validity time, cumulative amount, currency, replenishment, and the stored
//! byte layout.
#![cfg(feature = "hazmat")]

use tapcrypt::Error;
use tapcrypt::hazmat::backend_usage_record_unverified as backend_usage_record;
use tapcrypt::lifecycle::{
    BackendUsage, Currency, DeviceUsage, LimitError, LowWater, UseLimits, amount_from_bcd,
};

const EUR: [u8; 2] = [0x09, 0x78];
const USD: [u8; 2] = [0x08, 0x40];

fn eur() -> Currency {
    Currency::from_bcd(EUR).unwrap()
}

fn limits(max_uses: u32, max_amount: u64) -> UseLimits {
    UseLimits {
        max_uses,
        not_before: 1_700_000_000,
        not_after: 1_700_086_400, // one day later
        max_amount,
        currency: eur(),
        low_water: LowWater {
            uses: 2,
            seconds: 3_600,
            amount: 1_000,
        },
    }
}

const NOW: u64 = 1_700_000_100;

#[test]
fn n_plus_first_tap_is_refused_on_device_and_backend() {
    for n in [1u32, 2, 5, 30] {
        let mut dev = DeviceUsage::new(limits(n, u64::MAX)).unwrap();
        let mut back = BackendUsage::new(limits(n, u64::MAX)).unwrap();
        for i in 0..n {
            dev = dev.spend(NOW + u64::from(i), 100, eur()).unwrap();
            back = backend_usage_record(back, NOW + u64::from(i), 100, eur()).unwrap();
        }
        assert_eq!((dev.used(), back.used()), (n, n));
        assert_eq!(dev.remaining_uses(), 0);
        assert_eq!(dev.spend(NOW, 0, eur()), Err(LimitError::UsesExhausted));
        assert_eq!(
            backend_usage_record(back, NOW, 0, eur()),
            Err(LimitError::UsesExhausted)
        );
        // The refused tap changed nothing; both sides agree on what was spent.
        assert_eq!(dev.spent(), u64::from(n) * 100);
        assert_eq!(back.spent(), dev.spent());
    }
}

#[test]
fn validity_bounds_are_inclusive() {
    let l = limits(10, 10_000);
    let dev = DeviceUsage::new(l).unwrap();
    assert_eq!(
        dev.check(l.not_before - 1, 1, eur()),
        Err(LimitError::NotYetValid)
    );
    assert_eq!(dev.check(0, 1, eur()), Err(LimitError::NotYetValid));
    assert!(dev.check(l.not_before, 1, eur()).is_ok());
    assert!(dev.check(l.not_after, 1, eur()).is_ok());
    assert_eq!(
        dev.check(l.not_after + 1, 1, eur()),
        Err(LimitError::Expired)
    );
    assert_eq!(dev.check(u64::MAX, 1, eur()), Err(LimitError::Expired));
    let back = BackendUsage::new(l).unwrap();
    assert_eq!(
        backend_usage_record(back, l.not_after + 1, 1, eur()),
        Err(LimitError::Expired)
    );
}

#[test]
fn cumulative_amount_and_currency() {
    let dev = DeviceUsage::new(limits(100, 5_000)).unwrap();
    let dev = dev.spend(NOW, 3_000, eur()).unwrap();
    assert_eq!(
        dev.spend(NOW, 2_001, eur()),
        Err(LimitError::AmountExceeded)
    );
    let dev = dev.spend(NOW, 2_000, eur()).unwrap();
    assert_eq!(dev.remaining_amount(), 0);
    assert_eq!(dev.spend(NOW, 1, eur()), Err(LimitError::AmountExceeded));
    // A zero amount still counts a use and is allowed at the limit.
    let dev = dev.spend(NOW, 0, eur()).unwrap();
    assert_eq!((dev.used(), dev.spent()), (3, 5_000));
    let usd = Currency::from_bcd(USD).unwrap();
    assert_eq!(dev.spend(NOW, 0, usd), Err(LimitError::WrongCurrency));

    // No overflow panic near u64::MAX: the sum is checked.
    let big = DeviceUsage::new(limits(10, u64::MAX)).unwrap();
    let big = big.spend(NOW, u64::MAX - 5, eur()).unwrap();
    assert_eq!(
        big.spend(NOW, u64::MAX, eur()),
        Err(LimitError::AmountExceeded)
    );
    assert_eq!(big.spend(NOW, 6, eur()), Err(LimitError::AmountExceeded));
    assert!(big.spend(NOW, 5, eur()).is_ok());
}

#[test]
fn refusals_in_the_documented_order() {
    let l = limits(1, 10);
    let spent = DeviceUsage::new(l).unwrap().spend(NOW, 10, eur()).unwrap();
    let usd = Currency::from_bcd(USD).unwrap();
    // Everything wrong at once: time first, then uses, currency, amount.
    assert_eq!(spent.check(0, 99, usd), Err(LimitError::NotYetValid));
    assert_eq!(spent.check(u64::MAX, 99, usd), Err(LimitError::Expired));
    assert_eq!(spent.check(NOW, 99, usd), Err(LimitError::UsesExhausted));
    let fresh = DeviceUsage::new(l).unwrap();
    assert_eq!(fresh.check(NOW, 99, usd), Err(LimitError::WrongCurrency));
    assert_eq!(fresh.check(NOW, 99, eur()), Err(LimitError::AmountExceeded));
    for (e, code) in [
        (LimitError::NotYetValid, "not_yet_valid"),
        (LimitError::Expired, "expired"),
        (LimitError::UsesExhausted, "uses_exhausted"),
        (LimitError::WrongCurrency, "wrong_currency"),
        (LimitError::AmountExceeded, "amount_exceeded"),
    ] {
        assert_eq!(e.code(), code);
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn replenishment_trigger() {
    let l = limits(5, 10_000);
    let mut dev = DeviceUsage::new(l).unwrap();
    assert!(!dev.replenish(NOW).any());
    // Uses: 5 → 2 remaining reaches the low-water mark of 2.
    for _ in 0..2 {
        dev = dev.spend(NOW, 10, eur()).unwrap();
        assert!(!dev.replenish(NOW).uses);
    }
    dev = dev.spend(NOW, 10, eur()).unwrap();
    assert!(dev.replenish(NOW).uses);
    // Time: within an hour of not_after, and after it.
    let fresh = DeviceUsage::new(l).unwrap();
    assert!(!fresh.replenish(l.not_after - 3_601).time);
    assert!(fresh.replenish(l.not_after - 3_600).time);
    assert!(fresh.replenish(l.not_after + 10).time);
    assert_eq!(fresh.remaining_seconds(l.not_after + 10), 0);
    assert_eq!(fresh.remaining_seconds(0), 86_400);
    // Amount: at most 1 000 left.
    let back = BackendUsage::new(l).unwrap();
    let back = backend_usage_record(back, NOW, 8_999, eur()).unwrap();
    assert!(!back.replenish(NOW).amount);
    let back = backend_usage_record(back, NOW, 1, eur()).unwrap();
    let r = back.replenish(NOW);
    assert!(r.amount && !r.uses && !r.time && r.any());
}

#[test]
fn bad_limits_are_refused() {
    let mut l = limits(0, 1);
    assert!(matches!(DeviceUsage::new(l), Err(Error::Parameter { .. })));
    l.max_uses = 1;
    l.not_before = l.not_after + 1;
    assert!(matches!(BackendUsage::new(l), Err(Error::Parameter { .. })));
}

#[test]
fn bcd_helpers() {
    // 9F02 "000000004000" is 40.00 in minor units (the crate documentation's tap, src/lib.md).
    assert_eq!(amount_from_bcd(&[0, 0, 0, 0, 0x40, 0x00]), Ok(4_000));
    assert_eq!(
        amount_from_bcd(&[0x99, 0x99, 0x99, 0x99, 0x99, 0x99]),
        Ok(999_999_999_999)
    );
    assert_eq!(
        amount_from_bcd(&[0x12, 0x34, 0x56, 0x78, 0x90, 0x12]),
        Ok(123_456_789_012)
    );
    assert!(amount_from_bcd(&[0, 0, 0, 0, 0, 0x0A]).is_err());
    assert!(amount_from_bcd(&[0xA0, 0, 0, 0, 0, 0]).is_err());
    assert_eq!(Currency::from_numeric(978).unwrap().to_bcd(), EUR);
    assert_eq!(Currency::from_numeric(840).unwrap().to_bcd(), USD);
    assert_eq!(Currency::from_numeric(8).unwrap().to_bcd(), [0x00, 0x08]);
    assert_eq!(Currency::from_numeric(999).unwrap().to_bcd(), [0x09, 0x99]);
    assert!(Currency::from_numeric(1000).is_err());
    assert_eq!(eur().numeric(), 978);
    for bad in [[0x10, 0x00], [0x0A, 0x00], [0x00, 0xA0], [0x00, 0x0A]] {
        assert!(Currency::from_bcd(bad).is_err(), "{bad:02x?}");
    }
}

/// The layout written out from the module docs' table, byte by byte.
#[test]
fn byte_layout_by_hand() {
    let l = UseLimits {
        max_uses: 0x0102_0304,
        not_before: 0x1112_1314_1516_1718,
        not_after: 0x2122_2324_2526_2728,
        max_amount: 0x3132_3334_3536_3738,
        currency: eur(),
        low_water: LowWater {
            uses: 0x4142_4344,
            seconds: 0x5152_5354_5556_5758,
            amount: 0x6162_6364_6566_6768,
        },
    };
    let dev = DeviceUsage::new(l)
        .unwrap()
        .spend(0x2000_0000_0000_0000, 0x0000_0000_0000_0505, eur())
        .unwrap();
    let want: Vec<u8> = [
        &b"KU"[..],
        &[0x01, b'D'],
        &[0x01, 0x02, 0x03, 0x04],
        &[0, 0, 0, 1],
        &[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18],
        &[0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28],
        &[0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38],
        &[0, 0, 0, 0, 0, 0, 0x05, 0x05],
        &[0x09, 0x78],
        &[0x41, 0x42, 0x43, 0x44],
        &[0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58],
        &[0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68],
    ]
    .concat();
    assert_eq!(want.len(), 66);
    assert_eq!(dev.to_bytes().as_slice(), want.as_slice());
    assert_eq!(DeviceUsage::from_bytes(&want).unwrap(), dev);
    // The same counts stored by the backend differ only in the side byte.
    let back = backend_usage_record(
        BackendUsage::new(l).unwrap(),
        0x2000_0000_0000_0000,
        0x505,
        eur(),
    )
    .unwrap();
    let mut want_b = want.clone();
    want_b[3] = b'B';
    assert_eq!(back.to_bytes().as_slice(), want_b.as_slice());
    // One side's state is not the other's.
    assert!(BackendUsage::from_bytes(&want).is_err());
    assert!(DeviceUsage::from_bytes(&want_b).is_err());
}

#[test]
fn from_bytes_refuses_what_to_bytes_cannot_write() {
    let good = DeviceUsage::new(limits(10, 1_000))
        .unwrap()
        .spend(NOW, 100, eur())
        .unwrap()
        .to_bytes();
    assert!(DeviceUsage::from_bytes(&good).is_ok());
    assert!(matches!(
        DeviceUsage::from_bytes(&good[..65]),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        DeviceUsage::from_bytes(&[good.as_slice(), &[0]].concat()),
        Err(Error::Length { .. })
    ));
    let put = |b: &mut [u8; 66], at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    type Mutation = Box<dyn Fn(&mut [u8; 66])>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("magic", Box::new(|b| b[0] = b'X')),
        ("version 0", Box::new(|b| b[2] = 0)),
        ("version 2", Box::new(|b| b[2] = 2)),
        ("side", Box::new(|b| b[3] = b'X')),
        ("max_uses 0", Box::new(move |b| put(b, 4, &[0; 4]))),
        (
            "used > max",
            Box::new(move |b| put(b, 8, &11u32.to_be_bytes())),
        ),
        (
            "nb > na",
            Box::new(move |b| put(b, 12, &u64::MAX.to_be_bytes())),
        ),
        (
            "spent > max",
            Box::new(move |b| put(b, 36, &1_001u64.to_be_bytes())),
        ),
        ("currency nibble", Box::new(|b| b[45] = 0x7A)),
        ("currency first nibble", Box::new(|b| b[44] = 0x19)),
        (
            "spent without a use",
            Box::new(move |b| put(b, 8, &0u32.to_be_bytes())),
        ),
    ];
    for (name, f) in cases {
        let mut b = good;
        f(&mut b);
        assert!(
            matches!(DeviceUsage::from_bytes(&b), Err(Error::Malformed { .. })),
            "{name}"
        );
    }
    // Boundary values that are reachable are accepted.
    let mut b = good;
    put(&mut b, 8, &10u32.to_be_bytes()); // used = max_uses
    put(&mut b, 36, &1_000u64.to_be_bytes()); // spent = max_amount
    put(&mut b, 12, &1_700_086_400u64.to_be_bytes()); // nb = na
    assert_eq!(DeviceUsage::from_bytes(&b).unwrap().to_bytes(), b);
}

mod splitmix;
use splitmix::SplitMix as Rng;

/// Random taps against a model kept in u128 (no overflow to worry about):
/// the device and the backend agree with it and with each other.
#[test]
fn device_and_backend_agree_with_a_model() {
    let mut rng = Rng(15);
    for round in 0..200 {
        let max_uses = 1 + (rng.next() % 20) as u32;
        let max_amount = match round % 3 {
            0 => rng.next() % 10_000,
            1 => u64::MAX - rng.next() % 10,
            _ => rng.next(),
        };
        let l = limits(max_uses, max_amount);
        let (mut dev, mut back) = (DeviceUsage::new(l).unwrap(), BackendUsage::new(l).unwrap());
        let (mut used, mut spent) = (0u32, 0u128);
        for _ in 0..40 {
            let now = l.not_before - 10 + rng.next() % 86_420;
            let amount = match rng.next() % 4 {
                0 => 0,
                1 => rng.next() % 3_000,
                2 => rng.next(),
                _ => max_amount.wrapping_sub(spent as u64),
            };
            let cur = if rng.next().is_multiple_of(10) {
                Currency::from_bcd(USD).unwrap()
            } else {
                eur()
            };
            let want = if now < l.not_before {
                Err(LimitError::NotYetValid)
            } else if now > l.not_after {
                Err(LimitError::Expired)
            } else if used == max_uses {
                Err(LimitError::UsesExhausted)
            } else if cur != eur() {
                Err(LimitError::WrongCurrency)
            } else if spent + u128::from(amount) > u128::from(max_amount) {
                Err(LimitError::AmountExceeded)
            } else {
                Ok(())
            };
            let d = dev.spend(now, amount, cur);
            let b = backend_usage_record(back, now, amount, cur);
            assert_eq!(d.map(|_| ()), want);
            assert_eq!(b.map(|_| ()), want);
            if want.is_ok() {
                used += 1;
                spent += u128::from(amount);
                dev = d.unwrap();
                back = b.unwrap();
            }
            assert_eq!((dev.used(), u128::from(dev.spent())), (used, spent));
            assert_eq!((back.used(), back.spent()), (dev.used(), dev.spent()));
            assert_eq!(DeviceUsage::from_bytes(&dev.to_bytes()).unwrap(), dev);
            assert_eq!(BackendUsage::from_bytes(&back.to_bytes()).unwrap(), back);
        }
    }
}
