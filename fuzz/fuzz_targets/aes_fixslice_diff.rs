//! Differential: our fixsliced AES core (`cipher::aes_fixslice`, reached
//! through `__internal::aes_fixslice_encrypt`) against the `aes` crate, for
//! AES-128/192/256, paired and single-block calls. Input: a selector byte
//! (key size, paired or not), then key ‖ block A ‖ block B (short inputs are
//! zero-padded).
#![no_main]

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use libfuzzer_sys::fuzz_target;
use tapcrypt::__internal::aes_fixslice_encrypt;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let klen = [16usize, 24, 32][usize::from(sel % 3)];
    let paired = sel & 0x80 != 0;
    let mut buf = [0u8; 64];
    let n = rest.len().min(64);
    buf[..n].copy_from_slice(&rest[..n]);
    let key = &buf[..klen];
    let a0: [u8; 16] = buf[klen..klen + 16].try_into().expect("16");
    let b0: [u8; 16] = buf[klen + 16..klen + 32].try_into().expect("16");

    let (mut a, mut b) = (a0, b0);
    aes_fixslice_encrypt(key, &mut a, &mut b, paired).expect("valid key length");

    let (mut ra, mut rb) = (a0, b0);
    match klen {
        16 => {
            let c = aes::Aes128::new_from_slice(key).expect("16");
            c.encrypt_block((&mut ra).into());
            c.encrypt_block((&mut rb).into());
        }
        24 => {
            let c = aes::Aes192::new_from_slice(key).expect("24");
            c.encrypt_block((&mut ra).into());
            c.encrypt_block((&mut rb).into());
        }
        _ => {
            let c = aes::Aes256::new_from_slice(key).expect("32");
            c.encrypt_block((&mut ra).into());
            c.encrypt_block((&mut rb).into());
        }
    }
    assert_eq!(
        a, ra,
        "block A differs from the aes crate (key {klen} B, paired {paired})"
    );
    assert_eq!(
        b, rb,
        "block B differs from the aes crate (key {klen} B, paired {paired})"
    );

    // A wrong key length is refused, not a panic.
    let (mut x, mut y) = (a0, b0);
    assert!(aes_fixslice_encrypt(&buf[..klen - 1], &mut x, &mut y, paired).is_err());
});
