//! Regression tests for constant-time fixes found by the ctgrind harness
//! (`ctgrind/run.sh`). Each fix replaced a branch on secret data with masks;
//! these tests pin down that the masked code still rejects what the branchy
//! code rejected. The constant-time property itself is checked by the
//! matching ctgrind case.

use tapcrypt::Algorithm;
use tapcrypt::emv::Atc;
use tapcrypt::token::wallet::DpanWallet;
use tapcrypt::token::{Bin, DpanRange, DpanRangeKey};

/// ctgrind `wallet_restore`: `DpanWallet::from_bytes` checked the stored
/// DPAN digits with `iter().any(|d| *d > 9)`, an early exit on secret
/// digits. Now a masked fold decided once; every out-of-range digit value in
/// every position must still be refused, and intact state restored.
#[test]
fn wallet_restore_rejects_any_non_digit_in_any_position() {
    let key = DpanRangeKey::new(Algorithm::Aes128, &[7; 16]).unwrap();
    let r = DpanRange::new(Bin::parse("53999912").unwrap(), &key, 1, "", 0).unwrap();
    let mut w: DpanWallet<2> = DpanWallet::new(Atc::from_u16(1), 0);
    w.receive_batch(&[r.dpan_for(5).unwrap()]).unwrap();
    let mut flash = vec![0u8; DpanWallet::<2>::STATE_BYTES];
    w.to_bytes(&mut flash).unwrap();
    assert!(DpanWallet::<2>::from_bytes(&flash).is_ok());
    // Header 11 bytes, then per slot: length byte, 19 digit bytes.
    let first_digit = 11 + 1;
    for pos in first_digit..first_digit + 16 {
        for v in [10u8, 0x0F, 0x30, 0x80, 0xFF] {
            let mut bad = flash.clone();
            bad[pos] = v;
            assert!(
                DpanWallet::<2>::from_bytes(&bad).is_err(),
                "digit value {v:#04x} at byte {pos} accepted"
            );
        }
    }
}
