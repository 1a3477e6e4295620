//! Differential: `mac::aes_cmac` and `mac_cryptogram` (AES) against the
//! `cmac` crate; `mac::retail_mac` and `mac_cryptogram` (TDES) against ISO
//! 9797-1 MAC algorithm 3 built here from the `des` crate.
#![no_main]

use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use libfuzzer_sys::fuzz_target;
use tapcrypt::hazmat::{mac_cryptogram, verify_mac_cryptogram};
use tapcrypt::mac::{self, MacKey, Padding};
use tapcrypt::{Algorithm, SessionKey};

fn cmac_ref(key: &[u8], data: &[u8]) -> [u8; 16] {
    fn run<M: cmac::Mac + cmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> [u8; 16] {
        let mut m = <M as cmac::digest::KeyInit>::new_from_slice(key).expect("key");
        m.update(data);
        m.finalize().into_bytes().as_slice().try_into().expect("16")
    }
    match key.len() {
        16 => run::<cmac::Cmac<aes::Aes128>>(key, data),
        24 => run::<cmac::Cmac<aes::Aes192>>(key, data),
        _ => run::<cmac::Cmac<aes::Aes256>>(key, data),
    }
}

fn retail_ref(key: &[u8], data: &[u8], padding: Padding) -> [u8; 8] {
    let k1 = des::Des::new_from_slice(&key[..8]).expect("8");
    let k2 = des::Des::new_from_slice(&key[8..16]).expect("8");
    let mut m = data.to_vec();
    match padding {
        Padding::Method1 => {
            if m.is_empty() {
                m.resize(8, 0);
            }
            m.resize(m.len().div_ceil(8) * 8, 0);
        }
        _ => {
            m.push(0x80);
            m.resize(m.len().div_ceil(8) * 8, 0);
        }
    }
    let mut h = Array::from([0u8; 8]);
    for blk in m.chunks(8) {
        for (x, y) in h.iter_mut().zip(blk) {
            *x ^= y;
        }
        k1.encrypt_block(&mut h);
    }
    k2.decrypt_block(&mut h);
    k1.encrypt_block(&mut h);
    h.into()
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let alg = [
        Algorithm::Tdes2,
        Algorithm::Aes128,
        Algorithm::Aes192,
        Algorithm::Aes256,
    ][usize::from(sel) % 4];
    let padding = if sel & 4 == 0 {
        Padding::Method1
    } else {
        Padding::Method2
    };
    if rest.len() < alg.key_len() {
        return;
    }
    let (key, msg) = rest.split_at(alg.key_len());
    let mk = MacKey::new(alg, key).expect("length");
    let sk = SessionKey::new(alg, key).expect("length");
    let ac = mac_cryptogram(&sk, msg, padding).expect("TDES2 or AES");
    if alg.is_tdes() {
        let want = retail_ref(key, msg, padding);
        assert_eq!(mac::retail_mac(&mk, msg, padding).expect("tdes"), want);
        assert_eq!(ac.0, want);
        assert!(mac::aes_cmac(&mk, msg).is_err());
    } else {
        let want = cmac_ref(key, msg);
        assert_eq!(mac::aes_cmac(&mk, msg).expect("aes"), want);
        assert_eq!(ac.0, want[..8]);
        assert!(mac::retail_mac(&mk, msg, padding).is_err());
    }
    assert!(verify_mac_cryptogram(&sk, msg, padding, &ac).is_ok());
    let mut bad = ac;
    bad.0[usize::from(sel >> 3) % 8] ^= 0x01;
    assert!(verify_mac_cryptogram(&sk, msg, padding, &bad).is_err());
});
