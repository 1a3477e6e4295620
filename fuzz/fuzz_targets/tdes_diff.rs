//! Differential: tapcrypt's constant-time TDES against the table-driven `des`
//! crate, single blocks, two- and three-key, both directions.
#![no_main]

use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use libfuzzer_sys::fuzz_target;
use tapcrypt::__internal::{tdes_decrypt_block, tdes_encrypt_block};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let klen = if sel & 1 == 0 { 16 } else { 24 };
    if rest.len() < klen + 8 {
        // Any other key length is refused, not mangled.
        let mut b = [0u8; 8];
        if rest.len() != 16 && rest.len() != 24 {
            assert!(tdes_encrypt_block(rest, &mut b).is_err());
            assert!(tdes_decrypt_block(rest, &mut b).is_err());
        }
        return;
    }
    let (key, rest) = rest.split_at(klen);
    let block: [u8; 8] = rest[..8].try_into().expect("8");

    let mut ours = block;
    tdes_encrypt_block(key, &mut ours).expect("key length");
    let mut theirs = Array::from(block);
    let mut back = block;
    let mut theirs_d = Array::from(block);
    if klen == 16 {
        let c = des::TdesEde2::new_from_slice(key).expect("16");
        c.encrypt_block(&mut theirs);
        c.decrypt_block(&mut theirs_d);
    } else {
        let c = des::TdesEde3::new_from_slice(key).expect("24");
        c.encrypt_block(&mut theirs);
        c.decrypt_block(&mut theirs_d);
    }
    assert_eq!(ours, <[u8; 8]>::from(theirs), "encrypt differs");
    tdes_decrypt_block(key, &mut back).expect("key length");
    assert_eq!(back, <[u8; 8]>::from(theirs_d), "decrypt differs");
    tdes_decrypt_block(key, &mut ours).expect("key length");
    assert_eq!(ours, block, "decrypt(encrypt(x)) != x");
});
