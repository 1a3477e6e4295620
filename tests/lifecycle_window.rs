//! The ATC replay window against an independent model, every verdict, the
//! stored byte layout and the end of the 16-bit counter.
#![cfg(feature = "hazmat")]

use std::collections::BTreeSet;

use tapcrypt::Error;
use tapcrypt::emv::Atc;
use tapcrypt::hazmat::atc_window_apply_unverified as atc_window_apply;
use tapcrypt::lifecycle::{AtcVerdict, AtcWindow};

mod common;

mod splitmix;
use splitmix::SplitMix as Rng;

/// The rules of the module docs restated over the set of every ATC ever
/// accepted (no bitmap, no shifting): the window must agree with it.
struct Model {
    used: BTreeSet<u16>,
    max_jump: u16,
}

impl Model {
    fn verdict(&self, a: u16) -> AtcVerdict {
        let h = self.used.last().copied().unwrap_or(0);
        if self.used.contains(&a) {
            // A replay is reported only while it is inside the map; older
            // used ATCs are "too old" (or exhausted) like any old ATC.
            if u32::from(h) - u32::from(a) < 64 {
                return AtcVerdict::Replay;
            }
        }
        if self.used.contains(&0xFFFF) {
            return AtcVerdict::Exhausted;
        }
        if a <= h {
            if u32::from(h) - u32::from(a) >= 64 {
                return AtcVerdict::TooOld;
            }
            return AtcVerdict::Accepted;
        }
        if u32::from(a) - u32::from(h) > u32::from(self.max_jump) {
            return AtcVerdict::TooFarAhead;
        }
        AtcVerdict::Accepted
    }

    fn apply(&mut self, a: u16) -> AtcVerdict {
        let v = self.verdict(a);
        if v == AtcVerdict::Accepted {
            assert!(self.used.insert(a), "model accepted {a:#06x} twice");
        }
        v
    }
}

fn atc(v: u16) -> Atc {
    Atc::from_u16(v)
}

/// One random run: a mix of fresh ATCs a little ahead, late ones a little
/// behind, replays of used ones, ATCs around the 64 boundary and far jumps.
fn run(seed: u64, start: Option<u16>, max_jump: u16, steps: usize) -> [usize; 5] {
    let mut rng = Rng(seed);
    let (mut w, mut model) = match start {
        None => (
            AtcWindow::new(max_jump).unwrap(),
            Model {
                used: BTreeSet::new(),
                max_jump,
            },
        ),
        Some(last) => (
            AtcWindow::resume_after(atc(last), max_jump).unwrap(),
            Model {
                used: (0..=last).collect(),
                max_jump,
            },
        ),
    };
    let mut counts = [0usize; 5];
    for step in 0..steps {
        let h = i64::from(model.used.last().copied().unwrap_or(0));
        let a = match rng.below(8) {
            0 | 1 => h + 1 + rng.below(4) as i64,
            2 => h - rng.below(70) as i64,
            3 => h + i64::from(max_jump) - 1 + rng.below(3) as i64,
            4 => h - 62 + rng.below(4) as i64,
            5 => {
                // A used ATC near the top (a replay, or too old to tell).
                let lo = (h - 80).max(0) as u16;
                let near: Vec<u16> = model.used.range(lo..).copied().collect();
                let k = rng.below(near.len().max(1) as u64) as usize;
                near.get(k).map_or(0, |v| i64::from(*v))
            }
            6 => rng.below(0x1_0000) as i64,
            _ => 0xFFFF - rng.below(3) as i64,
        };
        let a = a.clamp(0, 0xFFFF) as u16;
        let want = model.verdict(a);
        assert_eq!(
            w.check(atc(a)),
            want,
            "check, seed {seed} step {step} ATC {a:#06x}"
        );
        let before = w;
        let (next, got) = atc_window_apply(w, atc(a));
        assert_eq!(got, want, "seed {seed} step {step} ATC {a:#06x}");
        assert_eq!(model.apply(a), want);
        if got.is_accepted() {
            assert_ne!(next, before, "an accepted ATC must change the state");
        } else {
            assert_eq!(next, before, "a refused ATC must leave the state alone");
        }
        w = next;
        // The stored form round-trips and says what the model says.
        let bytes = w.to_bytes();
        assert_eq!(AtcWindow::from_bytes(&bytes).unwrap(), w);
        assert_eq!(w.highest().map(Atc::to_u16), model.used.last().copied());
        assert_eq!(w.is_exhausted(), model.used.contains(&0xFFFF));
        let idx = match got {
            AtcVerdict::Accepted => 0,
            AtcVerdict::Replay => 1,
            AtcVerdict::TooOld => 2,
            AtcVerdict::TooFarAhead => 3,
            AtcVerdict::Exhausted => 4,
        };
        counts[idx] += 1;
    }
    counts
}

#[test]
fn agrees_with_a_set_model_on_long_random_sequences() {
    let mut total = [0usize; 5];
    for seed in 0..40u64 {
        let max_jump = [1u16, 2, 16, 100, 0xFFFF][(seed % 5) as usize];
        let start = match seed % 4 {
            0 => None,
            1 => Some(seed as u16 * 7),
            2 => Some(0xFFFF - 300),
            _ => Some(0x8000),
        };
        let c = run(seed, start, max_jump, 5_000);
        for (t, c) in total.iter_mut().zip(c) {
            *t += c;
        }
    }
    // Every verdict kind was exercised many times (the run is not vacuous).
    for (k, n) in [
        "accepted",
        "replay",
        "too_old",
        "too_far_ahead",
        "exhausted",
    ]
    .iter()
    .zip(total)
    {
        assert!(n > 500, "{k} seen only {n} times");
    }
}

#[test]
fn each_verdict_by_hand() {
    let w = AtcWindow::resume_after(atc(100), 10).unwrap();
    assert_eq!(w.check(atc(100)), AtcVerdict::Replay);
    assert_eq!(w.check(atc(37)), AtcVerdict::Replay); // 100 - 63
    assert_eq!(w.check(atc(36)), AtcVerdict::TooOld); // 100 - 64
    assert_eq!(w.check(atc(0)), AtcVerdict::TooOld);
    assert_eq!(w.check(atc(101)), AtcVerdict::Accepted);
    assert_eq!(w.check(atc(110)), AtcVerdict::Accepted);
    assert_eq!(w.check(atc(111)), AtcVerdict::TooFarAhead);
    assert_eq!(w.check(atc(0xFFFF)), AtcVerdict::TooFarAhead);

    // Jump ahead, then a late ATC inside the map is accepted once.
    let (w, v) = atc_window_apply(w, atc(110));
    assert_eq!(v, AtcVerdict::Accepted);
    assert_eq!(w.highest(), Some(atc(110)));
    let (w, v) = atc_window_apply(w, atc(105));
    assert_eq!(v, AtcVerdict::Accepted);
    let (w, v) = atc_window_apply(w, atc(105));
    assert_eq!(v, AtcVerdict::Replay);
    assert_eq!(atc_window_apply(w, atc(46)).1, AtcVerdict::TooOld);
    assert_eq!(atc_window_apply(w, atc(47)).1, AtcVerdict::Replay); // spent by resume_after
    assert_eq!(atc_window_apply(w, atc(106)).1, AtcVerdict::Accepted);

    // A new window: ATC 0 once, the first ATC at most max_jump.
    let w = AtcWindow::new(5).unwrap();
    assert_eq!(w.highest(), None);
    assert_eq!(w.check(atc(6)), AtcVerdict::TooFarAhead);
    assert_eq!(w.check(atc(5)), AtcVerdict::Accepted);
    let (w, v) = atc_window_apply(w, atc(0));
    assert_eq!(v, AtcVerdict::Accepted);
    assert_eq!(w.highest(), Some(atc(0)));
    assert_eq!(atc_window_apply(w, atc(0)).1, AtcVerdict::Replay);

    // A jump of more than the map's span clears it.
    let w = AtcWindow::resume_after(atc(1000), 0xFFFF).unwrap();
    let (w, _) = atc_window_apply(w, atc(1200));
    assert_eq!(w.check(atc(1199)), AtcVerdict::Accepted);
    assert_eq!(w.check(atc(1137)), AtcVerdict::Accepted);
    assert_eq!(w.check(atc(1136)), AtcVerdict::TooOld);
    assert_eq!(w.check(atc(1000)), AtcVerdict::TooOld);

    for v in [
        AtcVerdict::Accepted,
        AtcVerdict::Replay,
        AtcVerdict::TooOld,
        AtcVerdict::TooFarAhead,
        AtcVerdict::Exhausted,
    ] {
        assert_eq!(v.is_accepted(), v == AtcVerdict::Accepted);
        assert!(!v.to_string().is_empty());
    }
    assert_eq!(AtcVerdict::TooFarAhead.code(), "too_far_ahead");
}

#[test]
fn end_of_life_at_ffff_never_wraps() {
    let w = AtcWindow::resume_after(atc(0xFFFD), 4).unwrap();
    let (w, v) = atc_window_apply(w, atc(0xFFFF));
    assert_eq!(
        v,
        AtcVerdict::Accepted,
        "FFFF is the card's last ATC, usable once"
    );
    assert!(w.is_exhausted());
    // Final: a replay is still named as one; everything else is Exhausted,
    // including the late FFFE and anything that would look like a wrap.
    assert_eq!(w.check(atc(0xFFFF)), AtcVerdict::Replay);
    assert_eq!(w.check(atc(0xFFFD)), AtcVerdict::Replay);
    for a in [0xFFFE, 0, 1, 3, 0x8000] {
        assert_eq!(w.check(atc(a)), AtcVerdict::Exhausted, "{a:#06x}");
        assert_eq!(atc_window_apply(w, atc(a)), (w, AtcVerdict::Exhausted));
    }
    assert!(
        AtcWindow::resume_after(atc(0xFFFF), 1)
            .unwrap()
            .is_exhausted()
    );
    // The exhausted state survives storage.
    assert!(AtcWindow::from_bytes(&w.to_bytes()).unwrap().is_exhausted());
}

#[test]
fn byte_layout_by_hand() {
    // Every byte written out from the module docs' table, not from to_bytes.
    let w = AtcWindow::new(0x0102).unwrap();
    assert_eq!(
        w.to_bytes(),
        [0x41, 0x57, 0x01, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    let w = AtcWindow::resume_after(atc(2), 16).unwrap();
    assert_eq!(
        w.to_bytes(),
        [
            0x41, 0x57, 0x01, 0x00, 0x10, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0b111
        ]
    );
    // resume_after(0x1230) marks 0x11F1..=0x1230 (all 64 bits); accepting
    // 0x1234 slides the map by 4: bits 4..63 stay set (0x11F5..=0x1230),
    // bits 1..3 (0x1231..=0x1233) are clear, bit 0 is 0x1234.
    let w = AtcWindow::resume_after(atc(0x1230), 0xFFFF).unwrap();
    let (w, _) = atc_window_apply(w, atc(0x1234));
    assert_eq!(
        w.to_bytes(),
        [
            0x41, 0x57, 0x01, 0xFF, 0xFF, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xF1
        ]
    );
    assert_eq!(AtcWindow::BYTES, 15);
    assert_eq!(AtcWindow::VERSION, 1);
}

#[test]
fn from_bytes_refuses_what_to_bytes_cannot_write() {
    let good = AtcWindow::resume_after(atc(10), 3).unwrap().to_bytes();
    assert!(AtcWindow::from_bytes(&good).is_ok());

    let len = |e: Error| matches!(e, Error::Length { .. });
    assert!(len(AtcWindow::from_bytes(&good[..14]).unwrap_err()));
    assert!(len(AtcWindow::from_bytes(
        &[good.as_slice(), &[0]].concat()
    )
    .unwrap_err()));
    assert!(len(AtcWindow::from_bytes(&[]).unwrap_err()));

    let bad = |f: &dyn Fn(&mut [u8; 15])| {
        let mut b = good;
        f(&mut b);
        match AtcWindow::from_bytes(&b) {
            Err(Error::Malformed { .. }) => {}
            other => panic!("{b:02x?} gave {other:?}"),
        }
    };
    bad(&|b| b[0] = b'X');
    bad(&|b| b[1] = b'X');
    bad(&|b| b[2] = 0);
    bad(&|b| b[2] = 2);
    bad(&|b| b[3..5].copy_from_slice(&[0, 0])); // max_jump 0
    bad(&|b| b[14] &= !1); // highest (10) not marked
    bad(&|b| b[13] |= 0x08); // bit 11: ATC 10 - 11 = -1 marked
    bad(&|b| b[7] = 0x80); // ATC 10 - 63 marked
    // h = 0: only an empty map or exactly bit 0.
    let mut b = AtcWindow::new(1).unwrap().to_bytes();
    assert!(AtcWindow::from_bytes(&b).is_ok());
    b[14] = 1;
    assert!(AtcWindow::from_bytes(&b).is_ok());
    b[14] = 2;
    assert!(AtcWindow::from_bytes(&b).is_err());
    // h = 63: every bit may be set; h = 62: the top bit may not.
    let mut b = AtcWindow::resume_after(atc(63), 1).unwrap().to_bytes();
    assert_eq!(&b[7..], &[0xFF; 8]);
    assert!(AtcWindow::from_bytes(&b).is_ok());
    b[5..7].copy_from_slice(&[0, 62]);
    assert!(AtcWindow::from_bytes(&b).is_err());

    // Exhaustive over a small space: every 15-byte string with a valid
    // header, h in 0..=70 and a map drawn from a few patterns decodes iff
    // it satisfies the rules, and re-encodes to itself.
    let mut rng = Rng(7);
    for h in 0..=70u16 {
        for _ in 0..200 {
            let seen = match rng.below(3) {
                0 => rng.next(),
                1 => {
                    rng.next()
                        & 1u64
                            .checked_shl(u32::from(h) + 1)
                            .unwrap_or(0)
                            .wrapping_sub(1)
                        | 1
                }
                _ => rng.next() >> rng.below(64),
            };
            let mut b = good;
            b[5..7].copy_from_slice(&h.to_be_bytes());
            b[7..].copy_from_slice(&seen.to_be_bytes());
            let ok_bits = if h >= 63 {
                u64::MAX
            } else {
                (1u64 << (h + 1)) - 1
            };
            let valid = seen & !ok_bits == 0 && (h == 0 || seen & 1 == 1);
            match AtcWindow::from_bytes(&b) {
                Ok(w) => {
                    assert!(valid, "accepted {b:02x?}");
                    assert_eq!(w.to_bytes(), b);
                }
                Err(_) => assert!(!valid, "refused {b:02x?}"),
            }
        }
    }
}

#[test]
fn max_jump_zero_is_refused() {
    assert!(matches!(AtcWindow::new(0), Err(Error::Parameter { .. })));
    assert!(AtcWindow::resume_after(atc(5), 0).is_err());
    let w = AtcWindow::new(1).unwrap();
    assert!(w.with_max_jump(0).is_err());
    assert_eq!(w.with_max_jump(9).unwrap().max_jump(), 9);
}

/// The public path with a real proof: the crate documentation's Visa CVN 18 tap (src/lib.md) (ARQC
/// 7A788EA6B8A3E733 from pyemv's HSM tests, ATC 001C). A verified ARQC is
/// consumed once; a recorded copy verifies again but is a replay; an ARQC
/// with one bit flipped yields no proof, so it cannot touch the window.
#[test]
fn consume_takes_a_verified_arqc() {
    use tapcrypt::emv::VISA_CVN_18;
    let mk = common::card_key();
    let txn = common::txn();
    let cd = VISA_CVN_18.card_data(&common::IAD).unwrap();
    let arqc = common::ARQC;
    let keys = VISA_CVN_18.transaction_keys(&mk, txn.atc, txn.un).unwrap();

    let w = AtcWindow::resume_after(atc(0x001B), 8).unwrap();
    let proof = keys.verify_arqc(&txn, &cd, &arqc).unwrap();
    let (w, v) = w.consume(&proof);
    assert_eq!(v, AtcVerdict::Accepted);
    assert_eq!(w.highest(), Some(atc(0x001C)));
    let again = keys.verify_arqc(&txn, &cd, &arqc).unwrap();
    assert_eq!(w.consume(&again), (w, AtcVerdict::Replay));

    // The backend's key-use count takes the same proof: a one-use
    // credential counts this tap and refuses the next.
    use tapcrypt::lifecycle::{BackendUsage, Currency, LimitError, LowWater, UseLimits};
    let cad = Currency::from_bcd(txn.currency).unwrap();
    let usage = BackendUsage::new(UseLimits {
        max_uses: 1,
        not_before: 0,
        not_after: u64::MAX,
        max_amount: 4_000,
        currency: cad,
        low_water: LowWater::default(),
    })
    .unwrap();
    let usage = usage.record(&proof, 1).unwrap();
    assert_eq!((usage.used(), usage.spent()), (1, 4_000));
    assert_eq!(usage.record(&again, 1), Err(LimitError::UsesExhausted));
    for bit in 0..64 {
        let mut bad = arqc;
        bad.0[bit / 8] ^= 1 << (bit % 8);
        assert!(keys.verify_arqc(&txn, &cd, &bad).is_err(), "bit {bit}");
    }
}
