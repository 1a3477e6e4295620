//! DPAN properties, FF1 against the `fpe` crate, and the wallet's
//! never-twice guarantee across power loss.

use std::collections::HashSet;

use fpe::ff1::{FF1, FlexibleNumeralString};
use tapcrypt::Algorithm;
use tapcrypt::emv::Atc;
use tapcrypt::token::ff1::Ff1;
use tapcrypt::token::wallet::DpanWallet;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey, luhn};

mod splitmix;
use splitmix::SplitMix as Rng;

fn ascii(d: &Dpan) -> String {
    let mut b = [0u8; 19];
    String::from_utf8(d.write_ascii(&mut b).to_vec()).unwrap()
}

#[test]
fn ff1_matches_fpe_on_every_length() {
    let mut rng = Rng(0xF1F1);
    for n in 6..=38 {
        for (klen, tlen) in [(16, 0), (24, 7), (32, 16), (16, 33)] {
            let key = rng.low_bytes(klen);
            let tweak = rng.low_bytes(tlen);
            let digits: Vec<u16> = (0..n).map(|_| (rng.next() % 10) as u16).collect();
            let ours =
                Ff1::new(&DpanRangeKey::new(Algorithm::aes_for_len(klen).unwrap(), &key).unwrap())
                    .unwrap();
            let want: Vec<u16> = match klen {
                16 => FF1::<aes::Aes128>::new(&key, 10)
                    .unwrap()
                    .encrypt(&tweak, &FlexibleNumeralString::from(digits.clone()))
                    .unwrap()
                    .into(),
                24 => FF1::<aes::Aes192>::new(&key, 10)
                    .unwrap()
                    .encrypt(&tweak, &FlexibleNumeralString::from(digits.clone()))
                    .unwrap()
                    .into(),
                _ => FF1::<aes::Aes256>::new(&key, 10)
                    .unwrap()
                    .encrypt(&tweak, &FlexibleNumeralString::from(digits.clone()))
                    .unwrap()
                    .into(),
            };
            let input: Vec<u8> = digits.iter().map(|d| *d as u8).collect();
            let mut out = vec![0u8; n];
            ours.encrypt_digits(&tweak, &input, &mut out).unwrap();
            let out16: Vec<u16> = out.iter().map(|d| u16::from(*d)).collect();
            assert_eq!(out16, want, "n={n} key={klen} tweak={tlen}");
            let mut back = vec![0u8; n];
            ours.decrypt_digits(&tweak, &out, &mut back).unwrap();
            assert_eq!(back, input, "round trip n={n}");
        }
    }
}

#[test]
fn ff1_rejects_bad_input() {
    let key = DpanRangeKey::new(Algorithm::Aes128, &[7; 16]).unwrap();
    let f = Ff1::new(&key).unwrap();
    let mut out = [0u8; 64];
    assert!(f.encrypt_str(b"", "12345", &mut out).is_err());
    assert!(f.encrypt_str(b"", &"1".repeat(39), &mut out).is_err());
    assert!(f.encrypt_str(b"", "12345x", &mut out).is_err());
    assert!(f.encrypt_str(&[0; 257], "123456", &mut out).is_err());
    assert!(f.encrypt_str(&[0; 256], "123456", &mut out).is_ok());
    assert!(
        f.encrypt_digits(b"", &[1, 2, 3, 4, 5, 10], &mut [0; 6])
            .is_err()
    );
    assert!(
        f.encrypt_digits(b"", &[1, 2, 3, 4, 5, 6], &mut [0; 7])
            .is_err()
    );
    let tdes = DpanRangeKey::new(Algorithm::Tdes2, &[7; 16]).unwrap();
    assert!(Ff1::new(&tdes).is_err());
}

fn range(bin: &str) -> DpanRange {
    let key = DpanRangeKey::new(Algorithm::Aes256, &[0x42; 32]).unwrap();
    DpanRange::new(Bin::parse(bin).unwrap(), &key, 3, "wrist", 0).unwrap()
}

#[test]
fn hundred_thousand_consecutive_dpans_are_distinct_luhn_valid_and_in_the_bin() {
    let r = range("53999912");
    let mut seen = HashSet::new();
    for seq in 0..100_000u64 {
        let d = r.dpan_for(seq).unwrap();
        let s = ascii(&d);
        assert_eq!(s.len(), 16);
        assert!(s.starts_with("53999912"), "{s}");
        assert!(luhn::is_valid(&s).unwrap(), "{s}");
        assert!(seen.insert(s), "duplicate DPAN at {seq}");
    }
}

#[test]
fn any_single_digit_change_fails_luhn_or_detokenizes_elsewhere() {
    for bin in ["411111", "53999912"] {
        let r = range(bin);
        for seq in [0u64, 1, 9_999, 1_234_567] {
            let d = r.dpan_for(seq).unwrap();
            assert_eq!(r.detokenize(&d).unwrap(), seq);
            let s = ascii(&d);
            for pos in 0..16 {
                for digit in b'0'..=b'9' {
                    let mut t = s.clone().into_bytes();
                    if t[pos] == digit {
                        continue;
                    }
                    t[pos] = digit;
                    let changed = Dpan::parse(std::str::from_utf8(&t).unwrap()).unwrap();
                    match r.detokenize(&changed) {
                        Err(_) => {}
                        Ok(other) => assert_ne!(other, seq, "{bin} pos {pos}"),
                    }
                }
            }
        }
    }
}

#[test]
fn range_errors_and_exhaustion() {
    let key = DpanRangeKey::new(Algorithm::Aes128, &[1; 16]).unwrap();
    let bin = Bin::parse("53999912").unwrap();
    let mut r = DpanRange::new(bin, &key, 1, "", 9_999_998).unwrap();
    assert_eq!(r.capacity(), 10_000_000);
    r.issue_next().unwrap();
    r.issue_next().unwrap();
    assert!(matches!(
        r.issue_next(),
        Err(tapcrypt::Error::Exhausted { .. })
    ));
    assert!(DpanRange::new(bin, &key, 1, "", 10_000_001).is_err());
    let mut r = DpanRange::new(bin, &key, 1, "", 0).unwrap();
    let mut batch: Vec<Dpan> = (0..5)
        .map(|_| Dpan::parse("0000000000000").unwrap())
        .collect();
    assert_eq!(r.issue_batch(&mut batch).unwrap(), 0);
    assert_eq!(r.next_sequence(), 5);
    for (i, d) in batch.iter().enumerate() {
        assert_eq!(r.detokenize(d).unwrap(), i as u64);
    }
    // Wrong BIN, wrong length, bad Luhn.
    let other = DpanRange::new(Bin::parse("411111").unwrap(), &key, 1, "", 0).unwrap();
    assert!(matches!(
        other.detokenize(&batch[0]),
        Err(tapcrypt::Error::Malformed { .. })
    ));
    assert!(
        r.detokenize(&Dpan::parse("5399991200000001234").unwrap())
            .is_err()
    );
    let mut s = ascii(&batch[0]).into_bytes();
    s[15] = if s[15] == b'0' { b'1' } else { b'0' };
    let bad = Dpan::parse(std::str::from_utf8(&s).unwrap()).unwrap();
    assert!(!bad.luhn_ok());
    assert_eq!(
        r.detokenize(&bad).unwrap_err(),
        tapcrypt::Error::Malformed {
            what: "DPAN Luhn check digit is wrong"
        }
    );
    assert!(Bin::parse("1234567").is_err());
    assert!(Dpan::parse("123456789012").is_err());
    assert!(DpanRange::new(bin, &key, 1, &"x".repeat(33), 0).is_err());
    // Different key versions are different permutations.
    let v2 = DpanRange::new(bin, &key, 2, "", 0).unwrap();
    assert_ne!(
        ascii(&v2.dpan_for(0).unwrap()),
        ascii(&r.dpan_for(0).unwrap())
    );
}

#[test]
fn wallet_never_hands_out_a_dpan_twice_across_power_loss() {
    let mut r = range("53999912");
    let mut batch: Vec<Dpan> = (0..8)
        .map(|_| Dpan::parse("0000000000000").unwrap())
        .collect();
    r.issue_batch(&mut batch).unwrap();
    let mut w: DpanWallet<8> = DpanWallet::new(Atc::from_u16(0x10), 2);
    w.receive_batch(&batch).unwrap();
    let mut flash = vec![0u8; DpanWallet::<8>::STATE_BYTES];
    w.to_bytes(&mut flash).unwrap();

    let mut used_dpans = HashSet::new();
    let mut used_atcs = HashSet::new();
    let mut spend = |w: &mut DpanWallet<8>, flash: &mut Vec<u8>, lose: u8| -> Option<()> {
        let res = w.reserve().ok()?;
        match lose {
            // Power lost before the state reached flash: restart from the old state.
            1 => {
                *w = DpanWallet::from_bytes(flash).unwrap();
                return Some(());
            }
            // Power lost after the write but before the DPAN was used.
            2 => {
                w.to_bytes(flash).unwrap();
                *w = DpanWallet::from_bytes(flash).unwrap();
                return Some(());
            }
            _ => {}
        }
        w.to_bytes(flash).unwrap();
        let (d, atc) = w.take(res).unwrap();
        assert!(used_dpans.insert(ascii(&d)), "DPAN handed out twice");
        assert!(used_atcs.insert(atc.to_u16()), "ATC used twice");
        Some(())
    };
    for lose in [0, 1, 0, 2, 2, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0] {
        spend(&mut w, &mut flash, lose);
    }
    // 8 DPANs: 3 skipped by the power losses after the write (lose = 2),
    // 5 spent; the losses before the write (lose = 1) cost nothing.
    assert_eq!(used_dpans.len(), 5);
    assert_eq!(w.remaining(), 0);
    assert!(w.needs_replenish());
    assert!(
        matches!(w.reserve(), Err(tapcrypt::Error::Exhausted { .. })),
        "fails closed"
    );
    // Every DPAN spent belongs to the batch and detokenizes.
    for s in &used_dpans {
        r.detokenize(&Dpan::parse(s).unwrap()).unwrap();
    }
    // Replenish and keep going; ATCs continue, never repeat.
    let mut more: Vec<Dpan> = (0..3)
        .map(|_| Dpan::parse("0000000000000").unwrap())
        .collect();
    r.issue_batch(&mut more).unwrap();
    w.receive_batch(&more).unwrap();
    assert_eq!(w.remaining(), 3);
    let res = w.reserve().unwrap();
    let (d, atc) = w.take(res).unwrap();
    assert!(used_dpans.insert(ascii(&d)));
    assert!(used_atcs.insert(atc.to_u16()));
    // A batch that does not fit is refused whole.
    let big: Vec<Dpan> = (0..9)
        .map(|_| Dpan::parse("0000000000000").unwrap())
        .collect();
    assert!(w.receive_batch(&big).is_err());
    assert_eq!(w.remaining(), 2);
    // Corrupt state is rejected.
    assert!(DpanWallet::<8>::from_bytes(&flash[..10]).is_err());
    let mut bad = flash.clone();
    bad[0] = b'X';
    assert!(DpanWallet::<8>::from_bytes(&bad).is_err());
}

#[test]
fn wallet_fails_closed_on_atc_exhaustion() {
    let r = range("411111");
    let batch = [r.dpan_for(1).unwrap(), r.dpan_for(2).unwrap()];
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(0xFFFF), 0);
    w.receive_batch(&batch).unwrap();
    let res = w.reserve().unwrap();
    assert_eq!(w.take(res).unwrap().1, Atc::from_u16(0xFFFF));
    assert!(matches!(
        w.reserve(),
        Err(tapcrypt::Error::Exhausted { .. })
    ));
    let mut flash = vec![0u8; DpanWallet::<4>::STATE_BYTES];
    w.to_bytes(&mut flash).unwrap();
    let mut w2 = DpanWallet::<4>::from_bytes(&flash).unwrap();
    assert!(w2.reserve().is_err(), "exhausted ATC survives a restart");
}

/// A batch compacts the slots; a reservation made before it would otherwise
/// name a different DPAN (one never reserved) and hand it out. It is refused,
/// its DPAN is never handed out, and the state stays restorable.
#[test]
fn reservation_made_before_a_batch_is_refused() {
    let r = range("411111");
    let first = [r.dpan_for(1).unwrap(), r.dpan_for(2).unwrap()];
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(1), 0);
    w.receive_batch(&first).unwrap();
    let stale = w.reserve().unwrap();
    w.receive_batch(&[r.dpan_for(3).unwrap()]).unwrap();
    assert!(matches!(
        w.take(stale),
        Err(tapcrypt::Error::Parameter { .. })
    ));
    // The unreserved DPAN #2 is still next, with the next ATC.
    let res = w.reserve().unwrap();
    let (d, atc) = w.take(res).unwrap();
    assert_eq!(ascii(&d), ascii(&first[1]));
    assert_eq!(atc, Atc::from_u16(2));
    let mut flash = vec![0u8; DpanWallet::<4>::STATE_BYTES];
    w.to_bytes(&mut flash).unwrap();
    let mut back = DpanWallet::<4>::from_bytes(&flash).unwrap();
    assert_eq!(back.remaining(), 1);
    let res = back.reserve().unwrap();
    assert_eq!(
        ascii(&back.take(res).unwrap().0),
        ascii(&r.dpan_for(3).unwrap())
    );
}

/// Issue 13 item 8: the batch generation survives a reload. A reservation
/// made before a batch is refused after the wallet was persisted and
/// restored (and after the restored wallet received a batch of its own),
/// so it cannot pair the compacted slot's DPAN with the older ATC it was
/// reserved with. Before the fix the restored wallet restarted its
/// generation at 0 and handed out `first[1]` with ATC 1, the ATC already
/// reserved for `first[0]`.
#[test]
fn stale_reservation_is_refused_after_a_reload() {
    let r = range("411111");
    let first = [r.dpan_for(1).unwrap(), r.dpan_for(2).unwrap()];
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(1), 0);
    w.receive_batch(&first).unwrap();
    let stale = w.reserve().unwrap(); // first[0], ATC 1
    w.receive_batch(&[r.dpan_for(3).unwrap()]).unwrap();
    let mut flash = vec![0u8; DpanWallet::<4>::STATE_BYTES];
    w.to_bytes(&mut flash).unwrap();
    let mut back = DpanWallet::<4>::from_bytes(&flash).unwrap();
    back.receive_batch(&[r.dpan_for(4).unwrap()]).unwrap();
    let fresh = back.reserve().unwrap(); // first[1], ATC 2
    assert!(
        matches!(back.take(stale), Err(tapcrypt::Error::Parameter { .. })),
        "a reservation from before the reload is refused"
    );
    let (d, atc) = back.take(fresh).unwrap();
    assert_eq!(ascii(&d), ascii(&first[1]));
    assert_eq!(atc, Atc::from_u16(2));

    // Without a batch after the reload, too.
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(1), 0);
    w.receive_batch(&first).unwrap();
    let stale = w.reserve().unwrap();
    w.receive_batch(&[r.dpan_for(3).unwrap()]).unwrap();
    w.to_bytes(&mut flash).unwrap();
    let mut back = DpanWallet::<4>::from_bytes(&flash).unwrap();
    let _fresh = back.reserve().unwrap();
    assert!(back.take(stale).is_err());
}

/// The version-3 wallet header, byte by byte as documented in
/// `token::wallet`, and the refusals: an old-version state (with its own
/// error), unknown flag bits, an exhausted flag whose ATC field is not FFFF.
#[test]
fn wallet_state_v3_layout_and_refusals() {
    let r = range("411111");
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(0x0102), 3);
    w.receive_batch(&[r.dpan_for(1).unwrap(), r.dpan_for(2).unwrap()])
        .unwrap();
    w.receive_batch(&[r.dpan_for(3).unwrap()]).unwrap();
    let res = w.reserve().unwrap();
    let mut flash = vec![0u8; DpanWallet::<4>::STATE_BYTES];
    assert_eq!(flash.len(), 16 + 4 * 20);
    w.to_bytes(&mut flash).unwrap();
    assert_eq!(
        &flash[..16],
        &[
            b'T', b'W', 3, 0, // magic, version, flags
            0, 0, 0, 2, // generation: two batches
            0, 3, 0, 1, // count 3, cursor 1
            0x01, 0x03, 0, 3, // next ATC 0103, low water 3
        ]
    );
    assert_eq!(&flash[16..36], &[0; 20], "reserved slot is not persisted");
    assert_eq!(flash[36], 16);
    drop(res);
    assert!(DpanWallet::<4>::from_bytes(&flash).is_ok());
    let mut v1 = flash.clone();
    v1[2] = 1;
    assert!(matches!(
        DpanWallet::<4>::from_bytes(&v1),
        Err(tapcrypt::Error::Malformed { what }) if what.contains("version 1")
    ));
    for bit in 1..8 {
        let mut b = flash.clone();
        b[3] = 1 << bit;
        assert!(DpanWallet::<4>::from_bytes(&b).is_err(), "flag bit {bit}");
    }
    let mut b = flash.clone();
    b[3] = 1; // exhausted, but the ATC field says 0103
    assert!(DpanWallet::<4>::from_bytes(&b).is_err());
    b[12..14].copy_from_slice(&[0xFF, 0xFF]);
    let mut ex = DpanWallet::<4>::from_bytes(&b).unwrap();
    assert!(ex.reserve().is_err(), "exhausted ATC");
    // The fuzz seed is a version-3 state (written by hand from the layout).
    // The fuzz corpus is in the repository, not in the published package
    // (fuzz/ is its own crate): there the seed must exist; in the package
    // there is none to check.
    let root = env!("CARGO_MANIFEST_DIR");
    if !std::path::Path::new(&format!("{root}/fuzz/Cargo.toml")).exists() {
        eprintln!("no fuzz/ beside the crate (published package): seed not checked");
        return;
    }
    let seed = std::fs::read(format!("{root}/fuzz/corpus/dpan/wallet4")).unwrap();
    let mut s = DpanWallet::<4>::from_bytes(&seed).unwrap();
    assert_eq!(s.remaining(), 2);
    let res = s.reserve().unwrap();
    assert_eq!(s.take(res).unwrap().1, Atc::from_u16(5));
}

/// `take` checks the reservation's ATC against the one this wallet reserved
/// for the slot: a reservation from another wallet with the same generation
/// and slot but another ATC is refused.
#[test]
fn reservation_with_another_atc_is_refused() {
    let r = range("411111");
    let mut a: DpanWallet<4> = DpanWallet::new(Atc::from_u16(100), 0);
    let mut b: DpanWallet<4> = DpanWallet::new(Atc::from_u16(1), 0);
    a.receive_batch(&[r.dpan_for(1).unwrap()]).unwrap();
    b.receive_batch(&[r.dpan_for(2).unwrap()]).unwrap();
    let from_a = a.reserve().unwrap();
    let from_b = b.reserve().unwrap();
    assert!(b.take(from_a).is_err());
    assert_eq!(b.take(from_b).unwrap().1, Atc::from_u16(1));
}
