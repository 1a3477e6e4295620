//! dudect (Reparaz, Balasch, Verbauwhede 2017) timing tests for tapcrypt.
//!
//! Two input classes, randomly interleaved, timed with `Instant`; Welch's
//! t-test on the two timing distributions. |t| > 5 suggests a leak, but on a
//! shared 2-vCPU VM this tool has false positives, so it is advisory: the
//! gating constant-time check is `ctgrind/run.sh`.
//!
//! ```text
//! cd ctgrind/dudect && cargo run --release                      # all benches, 100k samples each
//! cargo run --release -- --filter verify_ac
//! timeout -s INT 60 cargo run --release -- --continuous csk_aes  # accumulate
//! ```
//! The fixed class is a random-looking constant, not all zeros.

use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};
use rand::RngExt;
use std::hint::black_box;
use tapcrypt::emv::derive;
use tapcrypt::emv::{
    Atc, CardData, Cryptogram, EMV_COMMON_AES, TransactionData, UnpredictableNumber, VISA_CVN_18,
};
use tapcrypt::{Algorithm, CardMasterKey};

const N: usize = 100_000;

const FIXED: [u8; 32] = [
    0x3B, 0x91, 0xC4, 0x0E, 0x7A, 0xD5, 0x28, 0x6F, 0xE2, 0x13, 0x59, 0xAC, 0x84, 0xF7, 0x0B, 0x66,
    0x9D, 0x42, 0xB8, 0x1F, 0x75, 0xCA, 0x30, 0xE9, 0x57, 0x8A, 0x24, 0xDB, 0x6E, 0x01, 0xBF, 0x93,
];

fn txn() -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x40, 0],
        un: UnpredictableNumber([0x52, 0xBF, 0x45, 0x85]),
        atc: Atc::from_u16(0x1C),
        ..TransactionData::default()
    }
}

/// AC verify: class Left = the matching cryptogram, Right = a random one.
fn verify_ac(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    cvn: &'static tapcrypt::emv::Cvn,
    alg: Algorithm,
) {
    let card = CardMasterKey::new(alg, &FIXED[..alg.key_len()]).expect("key");
    let t = txn();
    let iad = [0x06, 0x01, 0x12, 0x03, 0xA0, 0xB8, 0x00];
    let cd: CardData<'_> = cvn.card_data(&iad).expect("card data");
    let keys = cvn.transaction_keys(&card, t.atc, t.un).expect("keys");
    let good = keys.generate_ac(&t, &cd).expect("ac");
    let mut inputs = Vec::with_capacity(N);
    for _ in 0..N {
        if rng.random::<bool>() {
            inputs.push((Class::Left, good));
        } else {
            inputs.push((Class::Right, Cryptogram(rng.random())));
        }
    }
    for (class, ac) in inputs {
        runner.run_one(class, || {
            black_box(keys.verify_arqc(&t, &cd, black_box(&ac)).is_ok())
        });
    }
}

fn verify_ac_tdes(runner: &mut CtRunner, rng: &mut BenchRng) {
    verify_ac(runner, rng, &VISA_CVN_18, Algorithm::Tdes2);
}

fn verify_ac_aes(runner: &mut CtRunner, rng: &mut BenchRng) {
    verify_ac(runner, rng, &EMV_COMMON_AES, Algorithm::Aes128);
}

/// Session-key derivation: class Left = a fixed card key, Right = random keys.
fn csk(runner: &mut CtRunner, rng: &mut BenchRng, alg: Algorithm) {
    let mut inputs = Vec::with_capacity(N);
    for _ in 0..N {
        let mut k = [0u8; 32];
        let class = if rng.random::<bool>() {
            k = FIXED;
            Class::Left
        } else {
            rng.fill(&mut k[..]);
            Class::Right
        };
        inputs.push((
            class,
            CardMasterKey::new(alg, &k[..alg.key_len()]).expect("key"),
        ));
    }
    let r = [0x00, 0x1C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (class, mk) in inputs {
        runner.run_one(class, || {
            black_box(derive::common_session_key(black_box(&mk), &r[..alg.block_len()]).is_ok())
        });
    }
}

fn csk_tdes(runner: &mut CtRunner, rng: &mut BenchRng) {
    csk(runner, rng, Algorithm::Tdes2);
}

fn csk_aes(runner: &mut CtRunner, rng: &mut BenchRng) {
    csk(runner, rng, Algorithm::Aes128);
}

/// FF1 (DPAN issue/detokenize core): one AES-256 range key; class Left = a
/// fixed 16-digit numeral string, Right = random digits. Encrypt and decrypt.
fn ff1(runner: &mut CtRunner, rng: &mut BenchRng, encrypt: bool) {
    use tapcrypt::token::{DpanRangeKey, ff1::Ff1};
    let key = DpanRangeKey::new(Algorithm::Aes256, &FIXED).expect("key");
    let f = Ff1::new(&key).expect("ff1");
    let fixed: [u8; 16] = core::array::from_fn(|i| FIXED[i] % 10);
    let mut inputs = Vec::with_capacity(N);
    for _ in 0..N {
        if rng.random::<bool>() {
            inputs.push((Class::Left, fixed));
        } else {
            let d: [u8; 16] = core::array::from_fn(|_| rng.random_range(0..10u8));
            inputs.push((Class::Right, d));
        }
    }
    for (class, x) in inputs {
        runner.run_one(class, || {
            let mut out = [0u8; 16];
            let r = if encrypt {
                f.encrypt_digits(b"53999912|v1", black_box(&x), &mut out)
            } else {
                f.decrypt_digits(b"53999912|v1", black_box(&x), &mut out)
            };
            black_box((r.is_ok(), out))
        });
    }
}

fn ff1_encrypt(runner: &mut CtRunner, rng: &mut BenchRng) {
    ff1(runner, rng, true);
}

fn ff1_decrypt(runner: &mut CtRunner, rng: &mut BenchRng) {
    ff1(runner, rng, false);
}

/// Control: an early-exit comparison must show a large |t|.
fn control_leaky_eq(runner: &mut CtRunner, rng: &mut BenchRng) {
    fn leaky(a: &[u8; 64], b: &[u8; 64]) -> bool {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
    let secret = [0x5Au8; 64];
    let mut inputs = Vec::with_capacity(N);
    for _ in 0..N {
        if rng.random::<bool>() {
            inputs.push((Class::Left, secret));
        } else {
            let mut x = secret;
            x[0] ^= 1;
            inputs.push((Class::Right, x));
        }
    }
    for (class, x) in inputs {
        runner.run_one(class, || {
            black_box(leaky(black_box(&secret), black_box(&x)))
        });
    }
}

ctbench_main!(
    verify_ac_tdes,
    verify_ac_aes,
    csk_tdes,
    csk_aes,
    ff1_encrypt,
    ff1_decrypt,
    control_leaky_eq
);
