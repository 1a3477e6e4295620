//! DPAN parsing, Luhn and detokenization on arbitrary input, the
//! issue/detokenize round trip on arbitrary sequence numbers, and restoring a
//! device wallet from arbitrary flash contents.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tapcrypt::Algorithm;
use tapcrypt::token::wallet::DpanWallet;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey, luhn};

fuzz_target!(|data: &[u8]| {
    let key = DpanRangeKey::new(Algorithm::Aes128, &[0x42; 16]).unwrap();
    let ranges = [
        DpanRange::new(Bin::parse("411111").unwrap(), &key, 1, "", 0).unwrap(),
        DpanRange::new(Bin::parse("53999912").unwrap(), &key, 2, "wrist", 0).unwrap(),
    ];
    if let Ok(s) = core::str::from_utf8(data) {
        let _ = luhn::check_digit(s);
        let _ = luhn::is_valid(s);
        let _ = Bin::parse(s);
        if let Ok(d) = Dpan::parse(s) {
            let _ = d.luhn_ok();
            let _ = d.to_pan();
            for r in &ranges {
                if let Ok(seq) = r.detokenize(&d) {
                    // Whatever detokenizes must issue back to the same DPAN.
                    let again = r.dpan_for(seq).unwrap();
                    assert!(again == d, "detokenize/issue mismatch");
                }
            }
        }
    }
    if data.len() >= 8 {
        let seq = u64::from_le_bytes(data[..8].try_into().unwrap());
        for r in &ranges {
            match r.dpan_for(seq) {
                Ok(d) => {
                    assert!(d.luhn_ok());
                    assert_eq!(r.detokenize(&d).unwrap(), seq);
                }
                Err(_) => assert!(seq >= r.capacity()),
            }
        }
    }
    // Flash state: any bytes restore or are refused; what restores
    // serialises back to state that restores to the same wallet.
    if let Ok(w) = DpanWallet::<4>::from_bytes(data) {
        let mut buf = [0u8; DpanWallet::<4>::STATE_BYTES];
        w.to_bytes(&mut buf).unwrap();
        let w2 = DpanWallet::<4>::from_bytes(&buf).unwrap();
        assert_eq!(w.remaining(), w2.remaining());
        let mut buf2 = [0u8; DpanWallet::<4>::STATE_BYTES];
        w2.to_bytes(&mut buf2).unwrap();
        assert_eq!(buf, buf2, "wallet state does not round-trip");
    }
});
