//! Differential: our constant-time FF1 against the fpe crate, and
//! decrypt(encrypt(x)) = x, on arbitrary keys, tweaks and digit strings.
#![no_main]
use fpe::ff1::{FF1, FlexibleNumeralString};
use libfuzzer_sys::fuzz_target;
use tapcrypt::Algorithm;
use tapcrypt::token::{DpanRangeKey, ff1::Ff1};

fuzz_target!(|data: &[u8]| {
    if data.len() < 18 {
        return;
    }
    let klen = [16usize, 24, 32][usize::from(data[0]) % 3];
    let tlen = usize::from(data[1]) % 40;
    let rest = &data[2..];
    if rest.len() < klen + tlen {
        return;
    }
    let (key, rest) = rest.split_at(klen);
    let (tweak, digits) = rest.split_at(tlen);
    let digits: Vec<u8> = digits.iter().take(38).map(|b| b % 10).collect();
    let ours =
        Ff1::new(&DpanRangeKey::new(Algorithm::aes_for_len(klen).unwrap(), key).unwrap()).unwrap();
    let mut ct = vec![0u8; digits.len()];
    let r = ours.encrypt_digits(tweak, &digits, &mut ct);
    if !(6..=38).contains(&digits.len()) {
        assert!(r.is_err());
        return;
    }
    r.unwrap();
    let ns = FlexibleNumeralString::from(digits.iter().map(|d| u16::from(*d)).collect::<Vec<_>>());
    let want: Vec<u16> = match klen {
        16 => FF1::<aes::Aes128>::new(key, 10)
            .unwrap()
            .encrypt(tweak, &ns)
            .unwrap()
            .into(),
        24 => FF1::<aes::Aes192>::new(key, 10)
            .unwrap()
            .encrypt(tweak, &ns)
            .unwrap()
            .into(),
        _ => FF1::<aes::Aes256>::new(key, 10)
            .unwrap()
            .encrypt(tweak, &ns)
            .unwrap()
            .into(),
    };
    assert_eq!(ct.iter().map(|d| u16::from(*d)).collect::<Vec<_>>(), want);
    let mut back = vec![0u8; digits.len()];
    ours.decrypt_digits(tweak, &ct, &mut back).unwrap();
    assert_eq!(back, digits);
});
