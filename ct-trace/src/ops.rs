//! The device entry points. Each reads its secrets from `CT_*` buffers,
//! takes public inputs from constants and writes its public output.
//!
//! Known answers: `test-vectors/data/emv.json` (pyemv 1.5.0 and an
//! independent Python reference), `dpan_binding.json`, the NIST SP 800-38G
//! FF1 samples, Wycheproof and RFC 6979 (the same values as
//! `no_std-check/src/ops.rs`).

use core::hint::black_box;
use core::ptr::addr_of;

use tapcrypt::emv::derive::session_key_ac;
use tapcrypt::emv::{
    ArpcResponse, Atc, CardKeySchedule, Cryptogram, Csu, Cvn, TransactionData, arpc,
};
use tapcrypt::hazmat::mac_cryptogram;
use tapcrypt::mac::Padding;
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn, SessionKey};

use crate::{get, out, out_err, secret};

/// Hex at compile time (a bad literal is a compile error).
pub const fn h<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() == 2 * N, "hex length");
    let mut o = [0u8; N];
    let mut i = 0;
    while i < N {
        o[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    o
}

const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not hex"),
    }
}

fn out_ac(r: Option<Cryptogram>) {
    match r {
        Some(ac) => out(&ac.0),
        None => out_err(),
    }
}

// ------------------------------------------------------------- TDES CVNs

// cvn_visa_10/18/22-001, cvn_mc_16/17/20/21-001, cvn_interac_133-001
// (emv.json, pyemv 1.5.0): ICC MK-AC 154F…10C1.
secret!(CT_TDES_MK, 16, h("154F349D8585CB7F6B0798E9839B10C1"));
const VISA_MIN: [u8; 33] = h("0000000040000000000000000124800004800001241911050152BF45851800001C");
const VISA_IAD: [u8; 7] = h("06011203A0B800");
pub const VISA10_ARQC: [u8; 8] = h("29CCA15AE665FA2E");
pub const VISA18_ARQC: [u8; 8] = h("7A788EA6B8A3E733");
const VISA18_ARPC: [u8; 4] = h("9AF514C1");
const MC_MIN: [u8; 33] = h("00000000999900000000000001248000000000012420990600ABCDEF121800001C");
const MC_CVR: [u8; 6] = h("A00003220000");
const MC_CVR_COUNTERS: [u8; 14] = h("A0000322000000000000000322FF");
pub const MC16_ARQC: [u8; 8] = h("24CCF3DEE3158C70");
pub const MC17_ARQC: [u8; 8] = h("EAE8A620A75648D8");
pub const MC20_ARQC: [u8; 8] = h("CD29615D6452E70E");
pub const MC21_ARQC: [u8; 8] = h("C30E54BE496CF5E5");
const INTERAC_IAD: [u8; 22] = h("1501850440B100000000B00000000000000000000000");
pub const INTERAC133_ARQC: [u8; 8] = h("18932FECA2D84326");
// cvn_visa_22-002 (32-byte IAD).
secret!(CT_TDES_MK_V22, 16, h("CB085B0DD3E09449E59E1C340D2F26CE"));
const V22_MIN: [u8; 33] = h("0701209390750000000000000124221FD393D408263002090114ED586A19806B73");
const V22_IAD: [u8; 32] = h("1F227EA55F1F5BE218B9313A300362E96434226625C6A527B2E87D90589DEFF6");
pub const VISA22_ARQC: [u8; 8] = h("D1F85404FF93137D");

fn card(alg: Algorithm, mk: &[u8]) -> Option<CardKeySchedule> {
    Some(CardKeySchedule::new(CardMasterKey::new(alg, mk).ok()?))
}

/// The tap: card key schedule (expanded at the tap), transaction keys for
/// the ATC and UN, the AC over the minimum set ‖ card data.
fn tap(cvn: &Cvn, alg: Algorithm, mk: &[u8], min: &[u8; 33], cd: &[u8]) -> Option<Cryptogram> {
    let card = card(alg, mk)?;
    let txn = TransactionData::from_slice(black_box(min)).ok()?;
    let cd = cvn.card_data(cd).ok()?;
    let keys = cvn.transaction_keys_with(&card, txn.atc, txn.un).ok()?;
    keys.generate_ac(&txn, &cd).ok()
}

fn tdes_tap(cvn: &Cvn, min: &[u8; 33], cd: &[u8]) {
    let mk = get(addr_of!(CT_TDES_MK));
    out_ac(tap(cvn, Algorithm::Tdes2, &mk, min, cd));
}

pub extern "C" fn tap_visa10() {
    tdes_tap(&tapcrypt::emv::VISA_CVN_10, &VISA_MIN, &h::<4>("03A06010"));
}
pub extern "C" fn tap_visa18() {
    tdes_tap(&tapcrypt::emv::VISA_CVN_18, &VISA_MIN, &VISA_IAD);
}
pub extern "C" fn tap_visa22() {
    let mk = get(addr_of!(CT_TDES_MK_V22));
    out_ac(tap(
        &tapcrypt::emv::VISA_CVN_22,
        Algorithm::Tdes2,
        &mk,
        &V22_MIN,
        &V22_IAD,
    ));
}
pub extern "C" fn tap_mc16() {
    tdes_tap(&tapcrypt::emv::MASTERCARD_CVN_16, &MC_MIN, &MC_CVR);
}
pub extern "C" fn tap_mc17() {
    tdes_tap(&tapcrypt::emv::MASTERCARD_CVN_17, &MC_MIN, &MC_CVR_COUNTERS);
}
pub extern "C" fn tap_mc20() {
    tdes_tap(&tapcrypt::emv::MASTERCARD_CVN_20, &MC_MIN, &MC_CVR);
}
pub extern "C" fn tap_mc21() {
    tdes_tap(&tapcrypt::emv::MASTERCARD_CVN_21, &MC_MIN, &MC_CVR_COUNTERS);
}
pub extern "C" fn tap_interac133() {
    tdes_tap(&tapcrypt::emv::INTERAC_CVN_133, &MC_MIN, &INTERAC_IAD);
}
/// No CVN-level vector exists for EMV common TDES (the CSK + retail-MAC
/// chain has one: `csk_tdes_arqc`).
pub extern "C" fn tap_emv_common_tdes() {
    tdes_tap(&tapcrypt::emv::EMV_COMMON_TDES, &VISA_MIN, &VISA_IAD);
}

// chain_emv_csk_tdes-001 (pyemv): ICC MK, ATC 7A31 → CSK → retail MAC.
secret!(CT_TDES_CHAIN_MK, 16, h("754F6E46E3452F37A875D3B551762370"));
const CHAIN_TDES_CDOL: [u8; 33] =
    h("BF42CFC11B4A8973B8D23781F6FEEB4AEA33884705EF92128EC6847B2E67AA6F07");
pub const CHAIN_TDES_ARQC: [u8; 8] = h("6226C53163B4BC07");

pub extern "C" fn csk_tdes_arqc() {
    let mk = get(addr_of!(CT_TDES_CHAIN_MK));
    let r = CardMasterKey::new(Algorithm::Tdes2, &mk)
        .and_then(|mk| session_key_ac(&mk, black_box(Atc(h("7A31")))))
        .and_then(|sk| mac_cryptogram(&sk, black_box(&CHAIN_TDES_CDOL), Padding::Method2));
    out_ac(r.ok());
}

// ------------------------------------------------------------------ AES

// chain_emv_csk_aes-001 (independent Python reference on pyca/cryptography).
secret!(CT_AES_MK, 16, h("363093CADD3E1C15AD51B4996CD88446"));
const AES_CDOL: [u8; 45] =
    h("37534996723B084E12F716FC765E1D4EA4450848FBD09D4BB4B19AC3707F2692399F5E8A99132E2B40E1EF6119");
pub const CHAIN_AES_ARQC: [u8; 8] = h("0DC60E996FCB4A93");
secret!(CT_AES_SK, 16, h("4AB5E2083102BE725CEF64200ED26ECD"));
secret!(CT_ARPC_AES, 4, h("0FDAB291"));
const AES_CSU: [u8; 4] = h("5F1286E0");

pub extern "C" fn csk_aes_arqc() {
    let mk = get(addr_of!(CT_AES_MK));
    let r = CardMasterKey::new(Algorithm::Aes128, &mk)
        .and_then(|mk| session_key_ac(&mk, black_box(Atc(h("2B2A")))))
        .and_then(|sk| mac_cryptogram(&sk, black_box(&AES_CDOL), Padding::Method2));
    out_ac(r.ok());
}

/// No CVN-level vector for EMV common AES (the CSK + CMAC chain has one:
/// `csk_aes_arqc`).
pub extern "C" fn tap_emv_common_aes() {
    let mk = get(addr_of!(CT_AES_MK));
    out_ac(tap(
        &tapcrypt::emv::EMV_COMMON_AES,
        Algorithm::Aes128,
        &mk,
        &DPB_MIN,
        &DPB_IAD,
    ));
}

// ac_dpan_bound-001 (dpan_binding.json, independent Python implementation of
// the profile v2, CVN D2): IMK → Option C card key for the DPAN → session
// key → ARQC over minimum set ‖ n ‖ BCD(DPAN) ‖ IAD. The DPAN digits are
// secret too.
secret!(CT_DPB_IMK, 16, h("F3C7B7DF71719517AC21C4F739AA1307"));
secret!(CT_DPB_DPAN, 16, *b"5399991208050893");
const DPB_MIN: [u8; 33] = h("7B01F056BBEDD0DCB4D4D8956C5137408E884D1E44C84F28B2AFD885B4936E938D");
const DPB_IAD: [u8; 32] = h("46ABDC6171D11A10814CC395498B07CED3E3F054ABA7DF3BA6BCD6A833781599");
pub const DPB_ARQC: [u8; 8] = h("0BA796B52AD7E5B7");

fn dpb_card() -> Option<(CardKeySchedule, Pan)> {
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    let imk = IssuerMasterKey::new(Algorithm::Aes128, &get(addr_of!(CT_DPB_IMK))).ok()?;
    let digits = get(addr_of!(CT_DPB_DPAN));
    let dpan = Pan::parse(core::str::from_utf8(&digits).ok()?).ok()?;
    let mk = cvn
        .derive_card_key(&imk, &dpan, Psn::parse("10").ok()?)
        .ok()?;
    Some((CardKeySchedule::new(mk), dpan))
}

pub extern "C" fn tap_dpan_bound() {
    let r = (|| {
        let (card, dpan) = dpb_card()?;
        let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
        let txn = TransactionData::from_slice(black_box(&DPB_MIN)).ok()?;
        let mut buf = [0u8; tapcrypt::emv::cryptogram::BOUND_CARD_DATA_MAX];
        let cd = cvn.card_data_bound(&dpan, &DPB_IAD, &mut buf).ok()?;
        let keys = cvn.transaction_keys_with(&card, txn.atc, txn.un).ok()?;
        keys.generate_ac(&txn, &cd).ok()
    })();
    out_ac(r);
}

// ------------------------------------------------- keys prepared ahead

/// Visa CVN 18: the idle-time part (card schedule + CSK for the next ATC),
/// then the tap with those keys.
pub extern "C" fn ahead_visa18() {
    let r = (|| {
        let card = card(Algorithm::Tdes2, &get(addr_of!(CT_TDES_MK)))?;
        let cvn = &tapcrypt::emv::VISA_CVN_18;
        let txn = TransactionData::from_slice(black_box(&VISA_MIN)).ok()?;
        let keys = cvn.transaction_keys_ahead(&card, txn.atc).ok()?;
        let cd = cvn.card_data(&VISA_IAD).ok()?;
        keys.generate_ac(&txn, &cd).ok()
    })();
    out_ac(r);
}

/// DPAN-bound AES with keys prepared ahead.
pub extern "C" fn ahead_dpan_bound() {
    let r = (|| {
        let (card, dpan) = dpb_card()?;
        let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
        let txn = TransactionData::from_slice(black_box(&DPB_MIN)).ok()?;
        let keys = cvn.transaction_keys_ahead(&card, txn.atc).ok()?;
        let mut buf = [0u8; tapcrypt::emv::cryptogram::BOUND_CARD_DATA_MAX];
        let cd = cvn.card_data_bound(&dpan, &DPB_IAD, &mut buf).ok()?;
        keys.generate_ac(&txn, &cd).ok()
    })();
    out_ac(r);
}

// ------------------------------------------------------ ARPC on device

// cvn_visa_18-001: ARPC Method 2 over the ARQC with CSU 00000000.
secret!(CT_ARPC, 4, VISA18_ARPC);

/// The device checks the issuer's ARPC (Visa CVN 18, Method 2, session
/// key). Output: the verdict (public by design).
pub extern "C" fn arpc_check_visa18() {
    let ok = (|| {
        let card = card(Algorithm::Tdes2, &get(addr_of!(CT_TDES_MK)))?;
        let cvn = &tapcrypt::emv::VISA_CVN_18;
        let txn = TransactionData::from_slice(black_box(&VISA_MIN)).ok()?;
        let keys = cvn.transaction_keys_with(&card, txn.atc, txn.un).ok()?;
        let resp = ArpcResponse::Method2 {
            csu: Csu([0; 4]),
            proprietary: &[],
        };
        let a = arpc::Arpc::Method2(get(addr_of!(CT_ARPC)));
        Some(
            keys.verify_arpc(&Cryptogram(VISA18_ARQC), &resp, &a)
                .is_ok(),
        )
    })();
    out(&[u8::from(ok == Some(true))]);
}

/// ARPC Method 2 check with an AES session key (chain_emv_csk_aes-001).
pub extern "C" fn arpc_check_aes() {
    let ok = (|| {
        let sk = SessionKey::new(Algorithm::Aes128, &get(addr_of!(CT_AES_SK))).ok()?;
        let resp = ArpcResponse::Method2 {
            csu: Csu(AES_CSU),
            proprietary: &[],
        };
        let a = arpc::Arpc::Method2(get(addr_of!(CT_ARPC_AES)));
        Some(arpc::verify(&sk, &Cryptogram(CHAIN_AES_ARQC), &resp, &a).is_ok())
    })();
    out(&[u8::from(ok == Some(true))]);
}

// ------------------------------------------------------------ wallet

// dpan-example-001: a DPAN of BIN 411111 (its digits are secret on the band).
secret!(CT_WALLET_DPAN, 16, *b"4111113633179386");

fn out_dpan(d: &tapcrypt::token::Dpan) {
    let mut b = [0u8; 19];
    out(d.write_ascii(&mut b));
}

/// Receive a batch of one DPAN, reserve, serialise (as before a flash
/// write), take.
pub extern "C" fn wallet_take() {
    use tapcrypt::token::{Dpan, wallet::DpanWallet};
    let r = (|| {
        let digits = get(addr_of!(CT_WALLET_DPAN));
        let d = Dpan::from_ascii(&digits).ok()?;
        let mut w: DpanWallet<2> = DpanWallet::new(Atc::from_u16(7), 0);
        w.receive_batch(core::slice::from_ref(&d)).ok()?;
        let mut flash = [0u8; DpanWallet::<2>::STATE_BYTES];
        let res = w.reserve().ok()?;
        w.to_bytes(&mut flash).ok()?;
        black_box(&flash);
        w.take(res).ok()
    })();
    match r {
        Some((d, _)) => out_dpan(&d),
        None => out_err(),
    }
}

/// Serialise, restore from the flash bytes (secret digits), take.
pub extern "C" fn wallet_restore() {
    use tapcrypt::token::{Dpan, wallet::DpanWallet};
    let r = (|| {
        let digits = get(addr_of!(CT_WALLET_DPAN));
        let d = Dpan::from_ascii(&digits).ok()?;
        let mut w: DpanWallet<2> = DpanWallet::new(Atc::from_u16(7), 0);
        w.receive_batch(core::slice::from_ref(&d)).ok()?;
        let mut flash = [0u8; DpanWallet::<2>::STATE_BYTES];
        w.to_bytes(&mut flash).ok()?;
        let mut w2 = DpanWallet::<2>::from_bytes(black_box(&flash)).ok()?;
        let res = w2.reserve().ok()?;
        w2.take(res).ok()
    })();
    match r {
        Some((d, _)) => out_dpan(&d),
        None => out_err(),
    }
}

// --------------------------------------------------------------- FF1

// dpan-example-001/004 (ff1.json): AES-256 range key, sequence number 1.
secret!(
    CT_DPAN_KEY,
    32,
    h("dbcb420cdabe2a5495bedaecfe69a89d1fe28c5309bc56ad6ff47c575002cbd2")
);
secret!(CT_SEQ9, 8, 1u64.to_le_bytes());
secret!(CT_SEQ7, 8, 1u64.to_le_bytes());
// The account digits and check digit of dpan-example-001 (after BIN 411111).
secret!(CT_DPAN_ACCOUNT, 10, *b"3633179386");

fn range(bin: &str) -> Option<tapcrypt::token::DpanRange> {
    use tapcrypt::token::{Bin, DpanRange, DpanRangeKey};
    let key = DpanRangeKey::new(Algorithm::Aes256, &get(addr_of!(CT_DPAN_KEY))).ok()?;
    DpanRange::new(Bin::parse(bin).ok()?, &key, 1, "", 0).ok()
}

fn dpan_for(bin: &str, seq: u64) {
    match range(bin).and_then(|r| r.dpan_for(seq).ok()) {
        Some(d) => out_dpan(&d),
        None => out_err(),
    }
}

pub extern "C" fn ff1_dpan_9() {
    dpan_for("411111", u64::from_le_bytes(get(addr_of!(CT_SEQ9))));
}
pub extern "C" fn ff1_dpan_7() {
    dpan_for("41111122", u64::from_le_bytes(get(addr_of!(CT_SEQ7))));
}

/// Detokenize a DPAN whose account digits are secret (output: the
/// sequence number, public once the cryptogram is verified).
pub extern "C" fn ff1_detokenize() {
    let r = (|| {
        let range = range("411111")?;
        let mut ascii = *b"4111110000000000";
        let acct = get(addr_of!(CT_DPAN_ACCOUNT));
        ascii.get_mut(6..)?.copy_from_slice(&acct);
        let d = tapcrypt::token::Dpan::from_ascii(&ascii).ok()?;
        range.detokenize(&d).ok()
    })();
    match r {
        Some(seq) => out(&seq.to_le_bytes()),
        None => out_err(),
    }
}

// NIST SP 800-38G FF1 sample 1 (AES-128, radix 10, empty tweak).
secret!(CT_NIST_KEY, 16, h("2b7e151628aed2a6abf7158809cf4f3c"));
secret!(CT_NIST_DIGITS, 10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
secret!(CT_NIST_CIPHER, 10, [2, 4, 3, 3, 4, 7, 7, 4, 8, 4]);

fn nist(decrypt: bool) {
    use tapcrypt::token::{DpanRangeKey, ff1::Ff1};
    let r = (|| {
        let k = DpanRangeKey::new(Algorithm::Aes128, &get(addr_of!(CT_NIST_KEY))).ok()?;
        let f = Ff1::new(&k).ok()?;
        let mut o = [0u8; 10];
        if decrypt {
            f.decrypt_digits(&[], &get(addr_of!(CT_NIST_CIPHER)), &mut o)
                .ok()?;
        } else {
            f.encrypt_digits(&[], &get(addr_of!(CT_NIST_DIGITS)), &mut o)
                .ok()?;
        }
        Some(o)
    })();
    match r {
        Some(o) => out(&o),
        None => out_err(),
    }
}

pub extern "C" fn ff1_nist_encrypt() {
    nist(false);
}
pub extern "C" fn ff1_nist_decrypt() {
    nist(true);
}

// ------------------------------------------------------- offline codes

// RFC 4226 Appendix D (HOTP, counter 1: 287082) and RFC 6238 Appendix B
// (TOTP at T = 59 s, 8 digits: SHA-1 94287082, SHA-256 46119246, SHA-512
// 90693936), with the RFCs' ASCII secrets.
secret!(CT_OTP_SHA1, 20, *b"12345678901234567890");
secret!(CT_OTP_SHA256, 32, *b"12345678901234567890123456789012");
secret!(
    CT_OTP_SHA512,
    64,
    *b"1234567890123456789012345678901234567890123456789012345678901234"
);

fn out_otp(r: Result<tapcrypt::code::otp::Otp, tapcrypt::Error>) {
    let mut b = [0u8; 10];
    match r {
        Ok(o) => out(o.write_ascii(&mut b)),
        Err(_) => out_err(),
    }
}

pub extern "C" fn otp_hotp_sha1() {
    use tapcrypt::code::otp::{OtpHash, OtpParams, OtpSecret, hotp};
    let r = OtpSecret::new(&get(addr_of!(CT_OTP_SHA1)))
        .and_then(|k| hotp(&k, OtpParams::new(OtpHash::Sha1, 6)?, black_box(1)));
    out_otp(r);
}

fn totp_59<const N: usize>(p: *const [u8; N], hash: tapcrypt::code::otp::OtpHash) {
    use tapcrypt::code::otp::{OtpParams, OtpSecret, TotpClock, totp};
    let r = OtpSecret::new(&get(p)).and_then(|k| {
        totp(
            &k,
            OtpParams::new(hash, 8)?,
            TotpClock::new(30)?,
            black_box(59),
        )
    });
    out_otp(r);
}

pub extern "C" fn otp_totp_sha1() {
    totp_59(addr_of!(CT_OTP_SHA1), tapcrypt::code::otp::OtpHash::Sha1);
}
pub extern "C" fn otp_totp_sha256() {
    totp_59(
        addr_of!(CT_OTP_SHA256),
        tapcrypt::code::otp::OtpHash::Sha256,
    );
}
pub extern "C" fn otp_totp_sha512() {
    totp_59(
        addr_of!(CT_OTP_SHA512),
        tapcrypt::code::otp::OtpHash::Sha512,
    );
}

// ---------------------------------------- the 18-digit payment code

// pc-v1-0 (codes.json: FF1 on pyca/cryptography AES, HOTP-SHA256 by pyotp):
// the band's one-time-value secret; alias, prefix, time and counter public.
secret!(
    CT_PC_SECRET,
    32,
    h("6ca9b401bf0cbe575a24c6f9b2eec76773ca6e387b5594c54c8123baf1dfea67")
);

pub extern "C" fn payment_code() {
    use tapcrypt::code::otp::OtpSecret;
    use tapcrypt::code::payment::{Alias, FORMAT_V1, PaymentCodeCredential, RoutingPrefix};
    let r = (|| {
        let secret = OtpSecret::new(&get(addr_of!(CT_PC_SECRET))).ok()?;
        let cred = PaymentCodeCredential::new(
            secret,
            RoutingPrefix::new(25).ok()?,
            Alias::parse("33556123").ok()?,
            &FORMAT_V1,
        );
        Some(cred.code(black_box(59), black_box(0)).ok()?.to_ascii())
    })();
    match r {
        Some(c) => out(&c),
        None => out_err(),
    }
}

// ndef-code-0 (codes.json: ndeflib 0.3.3's encoder): the same code as an
// NFC Forum external-type NDEF record, as the band taps it.
pub const NDEF_CODE: [u8; 38] =
    h("D4111274617063727970742E6465763A636F6465323531333335353631323330393631343630");

/// The payment code (as `payment_code`), then its NDEF record.
pub extern "C" fn payment_code_ndef() {
    use tapcrypt::code::otp::OtpSecret;
    use tapcrypt::code::payment::{Alias, FORMAT_V1, PaymentCodeCredential, RoutingPrefix};
    use tapcrypt::code::render::{NDEF_TYPE_CODE, ndef_record};
    let mut rec = [0u8; 64];
    let r = (|| {
        let secret = OtpSecret::new(&get(addr_of!(CT_PC_SECRET))).ok()?;
        let cred = PaymentCodeCredential::new(
            secret,
            RoutingPrefix::new(25).ok()?,
            Alias::parse("33556123").ok()?,
            &FORMAT_V1,
        );
        let code = cred.code(black_box(59), black_box(0)).ok()?.to_ascii();
        Some(ndef_record(NDEF_TYPE_CODE, &code, &mut rec).ok()?.len())
    })();
    match r {
        Some(n) => out(rec.get(..n).unwrap_or(&[])),
        None => out_err(),
    }
}

// qr-code-0 (codes.json: segno and qrcode agree): the code's QR symbol,
// mask 6. The digits are secret until shown.
secret!(CT_QR_TEXT, 18, *b"251335561230961460");

pub extern "C" fn payment_code_qr() {
    use tapcrypt::code::render::{QrBuffers, qr_matrix};
    let mut bufs = QrBuffers::new();
    let text = get(addr_of!(CT_QR_TEXT));
    match qr_matrix(&text, Some(6), &mut bufs) {
        Ok(m) => {
            // Modules row-major, dark = 1, MSB first (the vector's packing).
            let mut packed = [0u8; 56];
            let n = m.size();
            let mut bit = 0usize;
            for y in 0..n {
                for x in 0..n {
                    if let Some(b) = packed.get_mut(bit / 8) {
                        *b |= u8::from(m.module(x, y)) << (7 - bit % 8);
                    }
                    bit += 1;
                }
            }
            out(&packed);
        }
        Err(_) => out_err(),
    }
}

// -------------------------------------------- EMV consumer-presented QR

// cpm-tapcrypt_dpan_aes-0 (codes.json: AC by an independent Python EMV
// reference, TLV by a Python encoder, base64 by Python's base64 module).
secret!(CT_CPM_IMK, 16, h("846A0C2ECDC03F600F082A59C0034F11"));
secret!(CT_CPM_DPAN, 16, *b"5399994574910804");
const CPM_AID: [u8; 8] = h("A000000025010801");
const CPM_IAD: [u8; 8] = h("0FD2E7DAC814B8F0");
pub const CPM_PAYLOAD: &[u8] = b"hQVDUFYwMWFrTwigAAAAJQEIAVoIU5mZRXSRCARjVZ8mCB6KI2c0Tzx7nycBgJ8QCA/S59rIFLjwnzYC1sefNwTKyBxsggIZgJ8CBgAAAAAAAJ8DBgAAAAAAAJ8aAggmlQUAAAAAAF8qAghAmgMlEjGcAQA=";

/// The band's QR payment: the DPAN-bound ARQC for this transaction, then
/// the CPM payload (BER-TLV, base64) carrying the DPAN and the cryptogram.
pub extern "C" fn cpm_build() {
    use tapcrypt::code::cpm::{self, CpmContents};
    use tapcrypt::emv::UnpredictableNumber;
    use tapcrypt::token::Dpan;
    let mut text = [0u8; cpm::MAX_TEXT];
    let r = (|| {
        let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
        let t = TransactionData {
            amount_authorised: [0; 6],
            amount_other: [0; 6],
            terminal_country: h("0826"),
            tvr: [0; 5],
            currency: h("0840"),
            date: h("251231"),
            transaction_type: 0,
            un: UnpredictableNumber(h("CAC81C6C")),
            aip: h("1980"),
            atc: Atc(h("D6C7")),
        };
        let imk = IssuerMasterKey::new(Algorithm::Aes128, &get(addr_of!(CT_CPM_IMK))).ok()?;
        let pan = Pan::parse(black_box("5399991200885404")).ok()?;
        let card = CardKeySchedule::new(
            cvn.derive_card_key(&imk, &pan, Psn::parse("28").ok()?)
                .ok()?,
        );
        let dpan = Dpan::from_ascii(&get(addr_of!(CT_CPM_DPAN))).ok()?;
        let dpan_pan = dpan.to_pan().ok()?;
        let mut cd = [0u8; tapcrypt::emv::cryptogram::BOUND_CARD_DATA_MAX];
        let card_data = cvn.card_data_bound(&dpan_pan, &CPM_IAD, &mut cd).ok()?;
        let keys = cvn.transaction_keys_with(&card, t.atc, t.un).ok()?;
        let ac = keys.generate_ac(&t, &card_data).ok()?;
        let contents = CpmContents {
            aid: &CPM_AID,
            dpan: &dpan,
            transaction: &t,
            iad: &CPM_IAD,
            cid: 0x80,
            ac: &ac,
        };
        Some(cpm::build_base64(&contents, &mut text).ok()?.len())
    })();
    match r {
        Some(n) => out(text.get(..n).unwrap_or(&[])),
        None => out_err(),
    }
}

// ------------------------------------------ cloud profiles (device side)

// vcps_qvsdc_ac-s001 (cloud.json: CryptoCarver's code run on seeded inputs,
// cross-checked by an independent implementation of SPEC-CLOUD.md): the LUK
// of key index 8348173, the terminal data and the CVN '43' IAD (9F10) → 9F26.
secret!(CT_VCPS_LUK, 16, h("2F59E3A7245787098DFF42981EC1AE48"));
const VCPS_MIN: [u8; 33] = h("000057903431000000031995097880000480000978340707093281DA7F200092C0");
const VCPS_IAD: [u8; 32] = h("1F43016E000000000052732F6108348173000000000000000000000000000000");
pub const VCPS_AC: [u8; 8] = h("AAA9072DB33A3243");
/// 9F26 ‖ 9F10 of the same vector (the wallet builds the IAD itself).
pub const VCPS_AC_IAD: [u8; 40] =
    h("AAA9072DB33A32431F43016E000000000052732F6108348173000000000000000000000000000000");

/// The band's VCPS tap: the LUK received from the token service (its TDES
/// schedule expanded at install), bound to the IAD's key index, MACs the
/// terminal data and the CVR (qVSDC, CVN '43').
pub extern "C" fn vcps_qvsdc_tap() {
    use tapcrypt::emv::cloud::vcps::{Luk, LukBytes, VcpsIad};
    let r = (|| {
        let iad = VcpsIad::parse(black_box(&VCPS_IAD)).ok()?;
        let luk = Luk::new(
            LukBytes::from_bytes(&get(addr_of!(CT_VCPS_LUK))),
            iad.key_index(),
        );
        let txn = TransactionData::from_slice(black_box(&VCPS_MIN)).ok()?;
        luk.qvsdc_ac(&txn, &iad).ok()
    })();
    out_ac(r);
}

// vcps_msd-s001 (cloud.json, as above): LUK of key index 1002539, ATC 1000,
// device type E7E1…34 → MSD verification value 573.
secret!(CT_VCPS_MSD_LUK, 16, h("47902CA0607FD4950BC2801A5C749274"));

/// The VCPS MSD verification value (3 digits of the decimalised
/// TDES_LUK(ATC ‖ DT[2..8])).
pub extern "C" fn vcps_msd() {
    use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, LukBytes};
    let r = (|| {
        let ki = KeyIndex::parse(black_box("1002539")).ok()?;
        let luk = Luk::new(LukBytes::from_bytes(&get(addr_of!(CT_VCPS_MSD_LUK))), ki);
        Some(
            luk.msd_value(Atc(h("1000")), black_box(&h("E7E1786E38086234")))
                .to_ascii(),
        )
    })();
    match r {
        Some(v) => out(&v),
        None => out_err(),
    }
}

/// The LUK wallet's tap: install the LUK with its limits, reserve the tap
/// against them, serialise the slot's usage (as before the flash write),
/// then compute the cryptogram and the IAD under the reserved LUK. The
/// limits, amount and time are public; the LUK is secret.
pub extern "C" fn luk_wallet_tap() {
    use tapcrypt::cloud_wallet::LukWallet;
    use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, LukBytes};
    use tapcrypt::lifecycle::{Currency, LowWater, UseLimits};
    const NOW: u64 = 1_796_194_800; // 2026-12-02 07:00 UTC
    let r = (|| {
        let ki = KeyIndex::parse(black_box("8348173")).ok()?;
        let luk = Luk::new(LukBytes::from_bytes(&get(addr_of!(CT_VCPS_LUK))), ki);
        let limits = UseLimits {
            max_uses: 5,
            not_before: NOW - 3600,
            not_after: NOW + 24 * 3600,
            max_amount: 100_000_000,
            currency: Currency::from_numeric(978).ok()?,
            low_water: LowWater::default(),
        };
        let mut w = LukWallet::<2>::new();
        w.install_new(luk, limits).ok()?;
        let txn = TransactionData::from_slice(black_box(&VCPS_MIN)).ok()?;
        let res = w.reserve(black_box(NOW), &txn).ok()?;
        black_box(w.usage_bytes(res.slot())?);
        let (ac, iad) = w
            .tap(res, &txn, 0x01, h("6E000000"), h("000052732F61"))
            .ok()?;
        let mut o = [0u8; 40];
        o[..8].copy_from_slice(&ac.0);
        o[8..].copy_from_slice(&iad.to_bytes());
        Some(o)
    })();
    match r {
        Some(o) => out(&o),
        None => out_err(),
    }
}

// mcbp_ac-001 (cloud.json: the MCBP SDK's asserted values; SUK_CL_UMD and
// SK_CL_MD of its DcSukTest credential, mobile PIN 1234): AC_UMD (9F26) and
// AC_MD[0..5] (IAD[11..16]).
secret!(CT_MCBP_SUK, 16, h("FC24AF40DA0D2E8F5A83D7933CF521B6"));
secret!(CT_MCBP_SK_MD, 16, h("225BC8E86ED81A00F9CF9C74A6653BD5"));
secret!(CT_MCBP_PIN, 4, *b"1234");
const MCBP_MIN: [u8; 33] = h("00000000050000000000000000560020000000097814120300935306871B800001");
const MCBP_CVR: [u8; 6] = h("A54100040000");
/// AC_UMD ‖ AC_MD[0..5].
pub const MCBP_AC: [u8; 13] = h("279F5D1D37EDF611D5C9129739");

fn mcbp_keys(
    atc: Atc,
    suk: *const [u8; 16],
    md: *const [u8; 16],
    pin: *const [u8; 4],
) -> Option<tapcrypt::emv::cloud::mcbp::UnlockedKeys> {
    use tapcrypt::emv::cloud::mcbp::{MaskedUmdKey, MobilePin, SingleUseKey, SingleUseKeys};
    let keys = SingleUseKeys::contactless(
        atc,
        SingleUseKey::from_bytes(&get(md)),
        MaskedUmdKey::from_bytes(&get(suk)),
    );
    let digits = get(pin);
    let pin = MobilePin::parse(core::str::from_utf8(&digits).ok()?).ok()?;
    Some(keys.unlock(pin))
}

/// The band's MCBP tap: the mobile PIN unlocks the masked UMD key, then the
/// dual AC (two retail MACs) and the IAD; the single-use keys are consumed.
pub extern "C" fn mcbp_dual_ac() {
    use tapcrypt::emv::cloud::mcbp::{McbpProfile, McbpTap};
    let r = (|| {
        let txn = TransactionData::from_slice(black_box(&MCBP_MIN)).ok()?;
        let keys = mcbp_keys(
            txn.atc,
            addr_of!(CT_MCBP_SUK),
            addr_of!(CT_MCBP_SK_MD),
            addr_of!(CT_MCBP_PIN),
        )?;
        let mut template = [0u8; 18];
        template[0] = 0x01;
        template[1] = 0x14;
        let profile = McbpProfile {
            iad_template: template,
            pin_iv_cvc3_track2: [0; 2],
        };
        let tap = McbpTap {
            txn,
            cvr: MCBP_CVR,
            dac: [0; 2],
            icc_dynamic_number: [0; 8],
        };
        let d = keys.contactless_ac(&profile, &tap).ok()?;
        let mut o = [0u8; 13];
        o[..8].copy_from_slice(&d.ac.0);
        o[8..].copy_from_slice(d.iad.get(11..16)?);
        Some(o)
    })();
    match r {
        Some(o) => out(&o),
        None => out_err(),
    }
}

// mcbp_cvc3-s002 (cloud.json: the MCBP SDK's CCC.4.4 code on seeded inputs,
// cross-checked independently): SUK_CL_UMD, SK_CL_MD, PIN 4037, PIN IV
// CBEA, UN 19124676, ATC 0064 → CVC3 00E2, CryptoATC 008A.
secret!(CT_CVC3_SUK, 16, h("6186A8DEFCA5B2C2DA0F5E5DF9CF6C69"));
secret!(CT_CVC3_SK_MD, 16, h("0213B1DC05EFA634D6DBE379FC0A5B88"));
secret!(CT_CVC3_PIN, 4, *b"4037");

/// The band's MCBP mag-stripe tap: PIN unlock, then the dual CVC3.
/// Output: CVC3 ‖ CryptoATC.
pub extern "C" fn mcbp_cvc3() {
    use tapcrypt::emv::UnpredictableNumber;
    use tapcrypt::emv::cloud::mcbp::McbpProfile;
    let r = (|| {
        let keys = mcbp_keys(
            Atc(h("0064")),
            addr_of!(CT_CVC3_SUK),
            addr_of!(CT_CVC3_SK_MD),
            addr_of!(CT_CVC3_PIN),
        )?;
        let profile = McbpProfile {
            iad_template: [0; 18],
            pin_iv_cvc3_track2: h("CBEA"),
        };
        let c = keys.cvc3(&profile, UnpredictableNumber(black_box(h("19124676"))));
        Some([c.cvc3[0], c.cvc3[1], c.crypto_atc[0], c.crypto_atc[1]])
    })();
    match r {
        Some(o) => out(&o),
        None => out_err(),
    }
}

// ------------------------------------------------------------- P-256

#[cfg(feature = "p256")]
pub mod p256 {
    use super::{get, h, out, out_err};
    use crate::secret;
    use core::hint::black_box;
    use core::ptr::addr_of;

    // Wycheproof ecdh_secp256r1_ecpoint_test tcId 1.
    secret!(
        CT_ECDH_PRIV,
        32,
        h("0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346")
    );
    const ECDH_PUB: [u8; 65] = h(
        "0462d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf",
    );
    pub const ECDH_SHARED: [u8; 32] =
        h("53020d908b0219328b658b525f26780e3ae12bcd952bb25a93bc0895e1714285");
    // RFC 6979 A.2.5 key; signature of "sample" with low S.
    secret!(
        CT_SIGN_KEY,
        32,
        h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
    );
    pub const RFC6979_SAMPLE_LOW_S: [u8; 64] = h(
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf37160834e36ad29a83bf2bc9385e491d6099c8fdf9d1ed67aa7ea5f51f93782857a9",
    );
    // The hedged signature (RFC 6979 with the RNG's 32 bytes as additional
    // data, §3.6) of "sample" under the same key, low S, the RNG output
    // being HMAC-SHA256(5A*32, 1 as u64 BE) (TestRng's first block):
    // python-ecdsa 0.19.2 `sign_deterministic(..., extra_entropy=ad)`, which
    // also reproduces RFC6979_SAMPLE_LOW_S without the extra entropy.
    secret!(CT_SIGN_RNG, 32, [0x5A; 32]);
    pub const HEDGED_SAMPLE_LOW_S: [u8; 64] = h(
        "b92601e20f912692b33fded199933cf6c5f052727e8795aee6faa07a2183790a27c6eaf5d52ab1bea2b44cbbdae7ac7344515d7a840c14c8c5e4ceadd26063b3",
    );
    // The device key of the envelope fixture (tests/fixtures).
    secret!(CT_DEVICE_KEY, 32, [0x4D; 32]);
    const FIXTURE_ENVELOPE: &[u8] = include_bytes!("../../tests/fixtures/envelope.bin");
    const FIXTURE_TSP_PUBLIC: &[u8; 65] =
        include_bytes!("../../tests/fixtures/tsp_public.bin");
    const ATT_DEVICE_PUB: [u8; 65] = ECDH_PUB;

    pub extern "C" fn ecdh() {
        use tapcrypt::__internal::{PeerKeyEncoding, ecdh_shared_secret_for_vectors};
        let k = get(addr_of!(CT_ECDH_PRIV));
        match ecdh_shared_secret_for_vectors(&k, black_box(&ECDH_PUB), PeerKeyEncoding::Sec1) {
            Ok(z) => out(&z),
            Err(_) => out_err(),
        }
    }

    pub extern "C" fn sign() {
        use tapcrypt::provision::EcdsaSigningKey;
        match EcdsaSigningKey::from_secret_bytes(&get(addr_of!(CT_SIGN_KEY))) {
            Ok(k) => out(&k.sign(black_box(b"sample")).to_p1363()),
            Err(_) => out_err(),
        }
    }

    /// Hedged signing: the secret key and the RNG output (here a TestRng
    /// keyed with a secret buffer: its output is as secret as a TRNG's).
    pub extern "C" fn sign_hedged() {
        use tapcrypt::provision::EcdsaSigningKey;
        match EcdsaSigningKey::from_secret_bytes(&get(addr_of!(CT_SIGN_KEY))) {
            Ok(k) => {
                let mut rng =
                    tapcrypt::__internal::TestRng::with_key(&get(addr_of!(CT_SIGN_RNG)), 0);
                out(&k.sign_with_rng(&mut rng, black_box(b"sample")).to_p1363())
            }
            Err(_) => out_err(),
        }
    }

    /// Restoring the device key pair from its stored scalar (once per
    /// boot): output the public key.
    pub extern "C" fn device_key_restore() {
        use tapcrypt::provision::DeviceKeyPair;
        match DeviceKeyPair::from_secret_bytes(&get(addr_of!(CT_DEVICE_KEY))) {
            Ok(k) => out(&k.public_key().to_sec1()),
            Err(_) => out_err(),
        }
    }

    /// Install: verify the token service's signature, ECDH + KDF with the
    /// (secret) device key, unwrap the card key. Output: the card key.
    pub extern "C" fn envelope_open() {
        use tapcrypt::provision::{DeviceKeyPair, EcdsaVerifyingKey, open_envelope};
        let r = (|| {
            let device = DeviceKeyPair::from_secret_bytes(&get(addr_of!(CT_DEVICE_KEY))).ok()?;
            let pinned = EcdsaVerifyingKey::from_sec1(FIXTURE_TSP_PUBLIC).ok()?;
            // The fixture answers the outstanding request whose hash is 52…52.
            let mut c = open_envelope::<2, 4>(
                &device,
                &pinned,
                0,
                Some(&[0x52; 32]),
                black_box(FIXTURE_ENVELOPE),
            )
            .ok()?;
            let mut k = [0u8; 16];
            let mk = c.role_key::<tapcrypt::CardMasterKey>().ok()?;
            k.copy_from_slice(mk.expose_secret().get(..16)?);
            let _ = c.take_dpan();
            Some(k)
        })();
        match r {
            Some(k) => out(&k),
            None => out_err(),
        }
    }

    /// The provisioning request, signed with the (secret) attestation key.
    pub extern "C" fn request_build() {
        use tapcrypt::provision::{EcPublicKey, EcdsaSigningKey, RequestContents, build_request};
        let mut buf = [0u8; tapcrypt::provision::request::MAX_REQUEST_LEN];
        let r = (|| {
            let att = EcdsaSigningKey::from_secret_bytes(&get(addr_of!(CT_SIGN_KEY))).ok()?;
            let device_pub = EcPublicKey::from_sec1(&ATT_DEVICE_PUB).ok()?;
            build_request(
                &RequestContents {
                    last_counter: 0,
                    challenge: &[0xC7; 32],
                    context: b"tokenref:1",
                },
                &device_pub,
                &att,
                // Deterministic: the emulator has no entropy source.
                &mut tapcrypt::__internal::TestRng::new(0x48),
                &mut buf,
            )
            .ok()
        })();
        match r {
            // The signature (last 64 bytes) depends on the key.
            Some(n) => out(buf.get(n.saturating_sub(64)..n).unwrap_or(&[])),
            None => out_err(),
        }
    }
}
