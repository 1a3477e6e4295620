//! Limited-use state on arbitrary input: the ATC replay window, the
//! key-use limits (device and backend) and the device ATC counter. Every
//! parser either refuses or round-trips byte for byte (canonical), and every
//! update agrees with a model written here from the module docs' rules: a
//! set of used ATCs for the window, u128 sums for the limits.
#![no_main]
use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use tapcrypt::emv::Atc;
use tapcrypt::hazmat::{atc_window_apply_unverified, backend_usage_record_unverified};
use tapcrypt::lifecycle::{
    AtcCounter, AtcVerdict, AtcWindow, BackendUsage, Currency, DeviceUsage, LimitError, LowWater,
    UseLimits,
};

struct Input<'a>(&'a [u8]);
impl Input<'_> {
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (h, t) = self.0.split_at_checked(N)?;
        self.0 = t;
        h.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        self.bytes::<1>().map(|[b]| b)
    }
    fn u16(&mut self) -> Option<u16> {
        self.bytes().map(u16::from_be_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.bytes().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.bytes().map(u64::from_be_bytes)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut inp = Input(rest);
    match mode % 3 {
        0 => window(mode, &mut inp),
        1 => limits(mode, &mut inp),
        _ => counter(&mut inp),
    }
});

/// The rules restated over the set of used ATCs.
fn model_verdict(used: &BTreeSet<u16>, max_jump: u16, a: u16) -> AtcVerdict {
    let h = used.last().copied().unwrap_or(0);
    if used.contains(&a) && h - a < 64 {
        return AtcVerdict::Replay;
    }
    if used.contains(&0xFFFF) {
        return AtcVerdict::Exhausted;
    }
    if a <= h {
        return if h - a >= 64 {
            AtcVerdict::TooOld
        } else {
            AtcVerdict::Accepted
        };
    }
    if a - h > max_jump {
        AtcVerdict::TooFarAhead
    } else {
        AtcVerdict::Accepted
    }
}

fn window(mode: u8, inp: &mut Input<'_>) {
    let w = if mode & 0x80 != 0 {
        // Stored bytes: refused, or canonical.
        let Some(b) = inp.bytes::<15>() else { return };
        match AtcWindow::from_bytes(&b) {
            Ok(w) => {
                assert_eq!(w.to_bytes(), b, "non-canonical bytes accepted");
                w
            }
            Err(_) => return,
        }
    } else {
        let (Some(j), Some(last)) = (inp.u16(), inp.u16()) else {
            return;
        };
        let built = if mode & 0x40 != 0 {
            AtcWindow::new(j)
        } else {
            AtcWindow::resume_after(Atc::from_u16(last), j)
        };
        match built {
            Ok(w) => w,
            Err(_) => {
                assert_eq!(j, 0);
                return;
            }
        }
    };
    // The model starts from what the map says: bit i ⇔ h − i used.
    let b = w.to_bytes();
    let h = u16::from_be_bytes([b[5], b[6]]);
    let seen = u64::from_be_bytes(b[7..15].try_into().unwrap());
    let mut used: BTreeSet<u16> = (0..64u16)
        .filter(|i| seen >> i & 1 == 1)
        .map(|i| h - i)
        .collect();
    let mut w = w;
    while let Some(x) = inp.u16() {
        // Steer most ATCs near the highest so every rule is reached.
        let top = used.last().copied().unwrap_or(0);
        let a = match x >> 14 {
            0 => x,
            1 => top.saturating_add(x & 0x7F),
            2 => top.saturating_sub(x & 0x7F),
            _ => 0xFFFF - (x & 0xF),
        };
        let want = model_verdict(&used, w.max_jump(), a);
        assert_eq!(w.check(Atc::from_u16(a)), want);
        let (next, got) = atc_window_apply_unverified(w, Atc::from_u16(a));
        assert_eq!(got, want, "ATC {a:#06x}");
        if got.is_accepted() {
            used.insert(a);
        } else {
            assert_eq!(next, w);
        }
        w = next;
        assert_eq!(AtcWindow::from_bytes(&w.to_bytes()), Ok(w));
        assert_eq!(w.highest().map(Atc::to_u16), used.last().copied());
    }
}

fn limits(mode: u8, inp: &mut Input<'_>) {
    let backend = mode & 0x40 != 0;
    let (dev, back) = if mode & 0x80 != 0 {
        let Some(b) = inp.bytes::<66>() else { return };
        if backend {
            match BackendUsage::from_bytes(&b) {
                Ok(u) => {
                    assert_eq!(u.to_bytes(), b);
                    assert!(DeviceUsage::from_bytes(&b).is_err());
                    (None, Some(u))
                }
                Err(_) => return,
            }
        } else {
            match DeviceUsage::from_bytes(&b) {
                Ok(u) => {
                    assert_eq!(u.to_bytes(), b);
                    assert!(BackendUsage::from_bytes(&b).is_err());
                    (Some(u), None)
                }
                Err(_) => return,
            }
        }
    } else {
        let (Some(max_uses), Some(nb), Some(span), Some(max_amount), Some(cur), Some(lw)) = (
            inp.u8(),
            inp.u32(),
            inp.u32(),
            inp.u64(),
            inp.bytes::<2>(),
            inp.bytes::<3>(),
        ) else {
            return;
        };
        let Ok(currency) = Currency::from_bcd(cur) else {
            return;
        };
        let l = UseLimits {
            max_uses: u32::from(max_uses),
            not_before: u64::from(nb),
            not_after: u64::from(nb) + u64::from(span),
            max_amount,
            currency,
            low_water: LowWater {
                uses: u32::from(lw[0]),
                seconds: u64::from(lw[1]) << 8,
                amount: u64::from(lw[2]) << 32,
            },
        };
        match (DeviceUsage::new(l), BackendUsage::new(l)) {
            (Ok(d), Ok(b)) => (Some(d), Some(b)),
            (Err(_), Err(_)) => {
                assert_eq!(max_uses, 0);
                return;
            }
            _ => panic!("device and backend disagree on the limits"),
        }
    };
    let l = *dev
        .as_ref()
        .map_or_else(|| back.as_ref().unwrap().limits(), |d| d.limits());
    let (mut dev, mut back) = (dev, back);
    let (mut used, mut spent) = dev
        .as_ref()
        .map(|d| (d.used(), u128::from(d.spent())))
        .or(back.as_ref().map(|b| (b.used(), u128::from(b.spent()))))
        .unwrap();
    while let (Some(now), Some(amount), Some(c)) = (inp.u32(), inp.u64(), inp.u8()) {
        let now = l
            .not_before
            .wrapping_add(u64::from(now))
            .wrapping_sub(1 << 20);
        let currency = if c == 0 {
            Currency::from_numeric(999).unwrap()
        } else {
            l.currency
        };
        let want = if now < l.not_before {
            Err(LimitError::NotYetValid)
        } else if now > l.not_after {
            Err(LimitError::Expired)
        } else if used >= l.max_uses {
            Err(LimitError::UsesExhausted)
        } else if currency != l.currency {
            Err(LimitError::WrongCurrency)
        } else if spent + u128::from(amount) > u128::from(l.max_amount) {
            Err(LimitError::AmountExceeded)
        } else {
            Ok(())
        };
        if let Some(d) = dev {
            let r = d.spend(now, amount, currency);
            assert_eq!(r.map(|_| ()), want);
            let _ = d.replenish(now);
            dev = Some(r.unwrap_or(d));
        }
        if let Some(b) = back {
            let r = backend_usage_record_unverified(b, now, amount, currency);
            assert_eq!(r.map(|_| ()), want);
            back = Some(r.unwrap_or(b));
        }
        if want.is_ok() {
            used += 1;
            spent += u128::from(amount);
        }
        for (u, s, bytes) in dev
            .iter()
            .map(|d| {
                (
                    d.used(),
                    d.spent(),
                    DeviceUsage::from_bytes(&d.to_bytes()).map(|x| x.to_bytes()),
                )
            })
            .chain(back.iter().map(|b| {
                (
                    b.used(),
                    b.spent(),
                    BackendUsage::from_bytes(&b.to_bytes()).map(|x| x.to_bytes()),
                )
            }))
        {
            assert_eq!((u, u128::from(s)), (used, spent));
            assert!(bytes.is_ok(), "a reachable state does not restore");
        }
    }
}

fn counter(inp: &mut Input<'_>) {
    let Some(b) = inp.bytes::<5>() else { return };
    let Ok(mut c) = AtcCounter::from_bytes(&b) else {
        return;
    };
    assert_eq!(c.to_bytes(), b);
    let mut last: Option<u16> = None;
    while let Some(op) = inp.u8() {
        let before = c.next_atc();
        match c.reserve() {
            Ok(r) => {
                let a = before.expect("reserved from an exhausted counter");
                if op & 1 == 0 {
                    c = AtcCounter::from_bytes(&c.to_bytes()).unwrap();
                }
                assert_eq!(c.take(r), Ok(a));
                assert!(last.is_none_or(|l| a.to_u16() > l));
                last = Some(a.to_u16());
            }
            Err(_) => {
                assert!(before.is_none() && c.is_exhausted());
            }
        }
    }
}
