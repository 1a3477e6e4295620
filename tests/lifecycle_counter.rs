//! The device's ATC counter: reserve → persist → take, across power loss,
//! and the end of life at FFFF.

use std::collections::HashSet;

use tapcrypt::Error;
use tapcrypt::emv::Atc;
use tapcrypt::lifecycle::AtcCounter;

mod splitmix;
use splitmix::SplitMix as Rng;

/// A device that loses power at random points of the tap sequence. The
/// flash holds the last durable state; RAM is rebuilt from it after every
/// power loss. Whatever the crash points, no ATC is used twice, and every
/// ATC skipped is one that was persisted but lost before its tap.
#[test]
fn power_loss_never_reuses_an_atc() {
    let mut rng = Rng(0xA7C);
    let mut flash = AtcCounter::new(Atc::from_u16(1)).to_bytes();
    let mut ram = AtcCounter::from_bytes(&flash).unwrap();
    let mut used = HashSet::new();
    let mut lost_after_persist = 0u32;
    let mut last_used = 0u16;
    for _ in 0..20_000 {
        let r = ram.reserve().unwrap();
        match rng.next() % 4 {
            0 => {
                // Power lost before the write was durable: back to the old state.
                drop(r);
                ram = AtcCounter::from_bytes(&flash).unwrap();
            }
            1 => {
                // Durable write, then power lost before the tap.
                flash = ram.to_bytes();
                drop(r);
                ram = AtcCounter::from_bytes(&flash).unwrap();
                lost_after_persist += 1;
            }
            _ => {
                flash = ram.to_bytes();
                let atc = ram.take(r).unwrap().to_u16();
                assert!(used.insert(atc), "ATC {atc:#06x} used twice");
                assert!(atc > last_used, "ATCs go up");
                last_used = atc;
            }
        }
    }
    // Every ATC handed out is distinct; the gaps are exactly the taps lost
    // after their state was persisted (the window tolerates those).
    let next = ram.next_atc().unwrap().to_u16();
    assert_eq!(u32::from(next) - 1, used.len() as u32 + lost_after_persist);
    assert!(used.len() > 9_000);
}

#[test]
fn end_of_life_at_ffff() {
    let mut c = AtcCounter::new(Atc::from_u16(0xFFFE));
    let r = c.reserve().unwrap();
    assert_eq!(c.take(r).unwrap(), Atc::from_u16(0xFFFE));
    let r = c.reserve().unwrap();
    assert!(c.is_exhausted());
    assert_eq!(c.next_atc(), None);
    assert_eq!(c.to_bytes(), [0x41, 0x43, 0x02, 0xFF, 0xFF]);
    assert_eq!(c.take(r).unwrap(), Atc::from_u16(0xFFFF));
    for _ in 0..3 {
        assert!(matches!(c.reserve(), Err(Error::Exhausted { .. })));
    }
    // Still exhausted after a reboot; never wraps to 0.
    let mut back = AtcCounter::from_bytes(&c.to_bytes()).unwrap();
    assert!(back.is_exhausted());
    assert!(back.reserve().is_err());
    // FFFF not yet reserved: a live state at FFFF.
    let live = AtcCounter::new(Atc::from_u16(0xFFFF));
    assert_eq!(live.to_bytes(), [0x41, 0x43, 0x01, 0xFF, 0xFF]);
    assert!(!live.is_exhausted());
}

#[test]
fn byte_layout_and_canonical_parsing() {
    let c = AtcCounter::new(Atc::from_u16(0x1234));
    assert_eq!(c.to_bytes(), [0x41, 0x43, 0x01, 0x12, 0x34]);
    assert_eq!(
        AtcCounter::from_bytes(&[0x41, 0x43, 0x01, 0x12, 0x34]).unwrap(),
        c
    );
    for bad in [
        &[0x41, 0x43, 0x00, 0x12, 0x34][..],
        &[0x41, 0x43, 0x03, 0x12, 0x34],
        &[0x41, 0x43, 0x02, 0x12, 0x34], // exhausted must say FFFF
        &[0x41, 0x43, 0x02, 0xFF, 0xFE],
        &[0x41, 0x57, 0x01, 0x12, 0x34],
    ] {
        assert!(
            matches!(AtcCounter::from_bytes(bad), Err(Error::Malformed { .. })),
            "{bad:02x?}"
        );
    }
    for bad in [
        &[0x41, 0x43, 0x01, 0x12][..],
        &[0x41, 0x43, 0x01, 0x12, 0x34, 0],
    ] {
        assert!(matches!(
            AtcCounter::from_bytes(bad),
            Err(Error::Length { .. })
        ));
    }
    // Every 5-byte string with the magic: accepted exactly when canonical,
    // and then re-encoded to itself.
    for state in 0..=3u8 {
        for atc in [0u16, 1, 0x1234, 0xFFFE, 0xFFFF] {
            let [a0, a1] = atc.to_be_bytes();
            let b = [0x41, 0x43, state, a0, a1];
            let valid = state == 1 || (state == 2 && atc == 0xFFFF);
            match AtcCounter::from_bytes(&b) {
                Ok(c) => {
                    assert!(valid);
                    assert_eq!(c.to_bytes(), b);
                }
                Err(_) => assert!(!valid, "{b:02x?}"),
            }
        }
    }
}

#[test]
fn take_refuses_a_reservation_the_counter_did_not_make() {
    let mut a = AtcCounter::new(Atc::from_u16(100));
    let mut b = AtcCounter::new(Atc::from_u16(5));
    let r = a.reserve().unwrap(); // ATC 100
    let _ = b.reserve().unwrap();
    assert!(matches!(b.take(r), Err(Error::Parameter { .. })));
}
