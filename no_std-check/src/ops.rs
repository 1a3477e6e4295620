//! The device operations: one entry each, with a known-answer check (values
//! from `test-vectors/`, i.e. pyemv HSM tests, NIST FF1 samples and the
//! project's cross-checked vectors) and a bench body.
//!
//! To add an operation: write `fn my_kat() -> bool` (compare against a
//! published value) and `fn my_bench()` (the operation alone, inputs through
//! `black_box`), and add an `Op` line to `OPS` behind the feature of its
//! algorithm family.

use core::hint::black_box;

use tapcrypt::emv::derive::session_key_ac;
use tapcrypt::emv::{
    ArpcResponse, Atc, CardKeySchedule, Cryptogram, Csu, ResponseCode, TransactionData,
    UnpredictableNumber, arpc,
};
use tapcrypt::hazmat::mac_cryptogram;
use tapcrypt::mac::Padding;
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn, SessionKey};

/// One device operation.
pub struct Op {
    pub name: &'static str,
    pub kat: fn() -> bool,
    pub bench: fn(),
}

/// Hex at compile time (a bad literal is a compile error, not a panic).
const fn h<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() == 2 * N, "hex length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not hex"),
    }
}

fn txn_from(min: &[u8; 33]) -> Option<TransactionData> {
    TransactionData::from_slice(min).ok()
}

// ------------------------------------------------------------------ AES

/// chain_emv_csk_aes-001 (independent Python reference on pyca/cryptography).
const AES_MK: [u8; 16] = h("363093CADD3E1C15AD51B4996CD88446");
const AES_ATC: [u8; 2] = h("2B2A");
const AES_SK: [u8; 16] = h("4AB5E2083102BE725CEF64200ED26ECD");
const AES_CDOL: [u8; 45] =
    h("37534996723B084E12F716FC765E1D4EA4450848FBD09D4BB4B19AC3707F2692399F5E8A99132E2B40E1EF6119");
const AES_ARQC: [u8; 8] = h("0DC60E996FCB4A93");
const AES_CSU: [u8; 4] = h("5F1286E0");
const AES_ARPC2: [u8; 4] = h("0FDAB291");

#[cfg(feature = "ops-aes")]
fn aes_mk() -> Option<CardMasterKey> {
    CardMasterKey::new(Algorithm::Aes128, &black_box(AES_MK)).ok()
}

#[cfg(feature = "ops-aes")]
fn aes_session_key_kat() -> bool {
    let Some(mk) = aes_mk() else { return false };
    matches!(session_key_ac(&mk, Atc(AES_ATC)), Ok(sk) if sk.expose_secret() == AES_SK)
}

#[cfg(feature = "ops-aes")]
fn aes_session_key_bench() {
    if let Some(mk) = aes_mk() {
        black_box(session_key_ac(&mk, black_box(Atc(AES_ATC))).is_ok());
    }
}

#[cfg(feature = "ops-aes")]
fn aes_arqc_kat() -> bool {
    let Ok(sk) = SessionKey::new(Algorithm::Aes128, &AES_SK) else {
        return false;
    };
    matches!(mac_cryptogram(&sk, &AES_CDOL, Padding::Method2), Ok(ac) if ac.0 == AES_ARQC)
}

#[cfg(feature = "ops-aes")]
fn aes_arqc_bench() {
    if let Ok(sk) = SessionKey::new(Algorithm::Aes128, &black_box(AES_SK)) {
        black_box(mac_cryptogram(&sk, black_box(&AES_CDOL), Padding::Method2).is_ok());
    }
}

#[cfg(feature = "ops-aes")]
fn aes_arpc_check_kat() -> bool {
    let Ok(sk) = SessionKey::new(Algorithm::Aes128, &AES_SK) else {
        return false;
    };
    let resp = ArpcResponse::Method2 {
        csu: Csu(AES_CSU),
        proprietary: &[],
    };
    let good = arpc::verify(
        &sk,
        &Cryptogram(AES_ARQC),
        &resp,
        &arpc::Arpc::Method2(AES_ARPC2),
    );
    let mut bad = AES_ARPC2;
    bad[3] ^= 1;
    let bad = arpc::verify(&sk, &Cryptogram(AES_ARQC), &resp, &arpc::Arpc::Method2(bad));
    good.is_ok() && bad.is_err()
}

#[cfg(feature = "ops-aes")]
fn aes_arpc_check_bench() {
    if let Ok(sk) = SessionKey::new(Algorithm::Aes128, &black_box(AES_SK)) {
        let resp = ArpcResponse::Method2 {
            csu: Csu(AES_CSU),
            proprietary: &[],
        };
        let a = arpc::Arpc::Method2(black_box(AES_ARPC2));
        black_box(arpc::verify(&sk, &Cryptogram(AES_ARQC), &resp, &a).is_ok());
    }
}

/// ac_dpan_bound-001 (independent Python implementation of the profile v2,
/// test-vectors/gen/dpan_binding.py).
const DPB_IMK: [u8; 16] = h("F3C7B7DF71719517AC21C4F739AA1307");
const DPB_MIN: [u8; 33] = h("7B01F056BBEDD0DCB4D4D8956C5137408E884D1E44C84F28B2AFD885B4936E938D");
const DPB_IAD: [u8; 32] = h("46ABDC6171D11A10814CC395498B07CED3E3F054ABA7DF3BA6BCD6A833781599");
const DPB_ARQC: [u8; 8] = h("0BA796B52AD7E5B7");

#[cfg(feature = "ops-aes")]
fn dpb_card() -> Option<(CardKeySchedule, Pan)> {
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    let imk = IssuerMasterKey::new(Algorithm::Aes128, &DPB_IMK).ok()?;
    let dpan = Pan::parse("5399991208050893").ok()?;
    let mk = cvn
        .derive_card_key(&imk, &dpan, Psn::parse("10").ok()?)
        .ok()?;
    Some((CardKeySchedule::new(mk), dpan))
}

/// The AES tap: session key from the pre-expanded card key, the DPAN-bound
/// ARQC over the minimum set ‖ DPAN ‖ a 32-byte IAD. The keys are built in
/// a slot in this frame (`Cvn::transaction_keys_in`: the session key is
/// expanded in place, no schedule is moved).
#[cfg(feature = "ops-aes")]
fn aes_tap(card: &CardKeySchedule, dpan: &Pan) -> Option<Cryptogram> {
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    let txn = txn_from(&DPB_MIN)?;
    let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let cd = cvn.card_data_bound(dpan, &DPB_IAD, &mut buf).ok()?;
    let mut slot = None;
    let keys = cvn
        .transaction_keys_in(card, txn.atc, txn.un, &mut slot)
        .ok()?;
    keys.generate_ac(&txn, &cd).ok()
}

/// The card key schedule as a device holds it from boot: set up once, out
/// of line, so its construction is not part of the bench bodies' frames
/// (a tap does not build it).
#[cfg(feature = "ops-aes")]
#[inline(never)]
fn aes_tap_state_init(st: &mut Option<(CardKeySchedule, Pan)>) {
    if st.is_none() {
        *st = dpb_card();
    }
}

#[cfg(feature = "ops-aes")]
fn aes_tap_kat() -> bool {
    let Some((card, dpan)) = dpb_card() else {
        return false;
    };
    matches!(aes_tap(&card, &dpan), Some(ac) if ac.0 == DPB_ARQC)
}

#[cfg(feature = "ops-aes")]
static AES_TAP_STATE: cortex_m::interrupt::Mutex<
    core::cell::RefCell<Option<(CardKeySchedule, Pan)>>,
> = cortex_m::interrupt::Mutex::new(core::cell::RefCell::new(None));

#[cfg(feature = "ops-aes")]
fn aes_tap_bench() {
    // The card key schedule is expanded once at boot on a real device; here,
    // once on first use (outside the steady state the bench averages over).
    cortex_m::interrupt::free(|cs| {
        let Ok(mut st) = AES_TAP_STATE.borrow(cs).try_borrow_mut() else {
            return;
        };
        aes_tap_state_init(&mut st);
        if let Some((card, dpan)) = st.as_ref() {
            black_box(aes_tap(card, black_box(dpan)));
        }
    });
}

/// The part of the AES tap a band can do while idle after the previous
/// tap: derive and expand the next ATC's session key
/// (`Cvn::transaction_keys_ahead`). `aes_tap_dpan_bound` minus this is what
/// is left at the tap itself.
#[cfg(all(feature = "ops-aes", feature = "ops-ahead"))]
fn aes_prepare_ahead_kat() -> bool {
    let Some((card, dpan)) = dpb_card() else {
        return false;
    };
    let cvn = &tapcrypt::emv::TAPCRYPT_DPAN_AES;
    let Some(txn) = txn_from(&DPB_MIN) else {
        return false;
    };
    let mut buf = [0u8; tapcrypt::emv::BOUND_CARD_DATA_MAX];
    let Ok(cd) = cvn.card_data_bound(&dpan, &DPB_IAD, &mut buf) else {
        return false;
    };
    matches!(cvn.transaction_keys_ahead(&card, txn.atc).and_then(|k| k.generate_ac(&txn, &cd)),
        Ok(ac) if ac.0 == DPB_ARQC)
}

#[cfg(all(feature = "ops-aes", feature = "ops-ahead"))]
fn aes_prepare_ahead_bench() {
    cortex_m::interrupt::free(|cs| {
        let Ok(mut st) = AES_TAP_STATE.borrow(cs).try_borrow_mut() else {
            return;
        };
        aes_tap_state_init(&mut st);
        if let Some((card, _)) = st.as_ref() {
            let mut slot = None;
            let keys = tapcrypt::emv::TAPCRYPT_DPAN_AES.transaction_keys_ahead_in(
                card,
                black_box(Atc::from_u16(0x0001)),
                &mut slot,
            );
            black_box(keys.is_ok());
        }
    });
}

/// Wallet take: reserve, serialise the state (as the firmware would before
/// writing flash), take.
#[cfg(feature = "ops-aes")]
fn wallet_take_kat() -> bool {
    use tapcrypt::token::{Dpan, wallet::DpanWallet};
    let Ok(d) = Dpan::parse("4111113633179386") else {
        return false;
    };
    let mut w: DpanWallet<4> = DpanWallet::new(Atc::from_u16(7), 0);
    if w.receive_batch(&[d]).is_err() {
        return false;
    }
    let mut flash = [0u8; DpanWallet::<4>::STATE_BYTES];
    let Ok(r) = w.reserve() else { return false };
    if w.to_bytes(&mut flash).is_err() {
        return false;
    }
    let took = matches!(w.take(r), Ok((d, atc)) if d.luhn_ok() && atc == Atc::from_u16(7));
    took && w.reserve().is_err()
}

#[cfg(feature = "ops-aes")]
fn wallet_take_bench() {
    use tapcrypt::token::{Dpan, wallet::DpanWallet};
    if let Ok(d) = Dpan::parse(black_box("4111113633179386")) {
        let mut w: DpanWallet<2> = DpanWallet::new(Atc::from_u16(7), 0);
        if w.receive_batch(core::slice::from_ref(&d)).is_ok() {
            let mut flash = [0u8; DpanWallet::<2>::STATE_BYTES];
            if let Ok(r) = w.reserve() {
                let _ = w.to_bytes(&mut flash);
                black_box(w.take(r).is_ok());
            }
        }
    }
}

// ------------------------------------------------------------ lifecycle

/// A limited-use tap on the band: the credential's limits refuse the third
/// tap of a two-use key (and say which limit), the ATC counter runs out at
/// FFFF; the states serialise as the firmware would before writing flash.
/// Expected bytes written out from the layouts in `tapcrypt::lifecycle`.
#[cfg(feature = "ops-lifecycle")]
fn limited_use_tap_kat() -> bool {
    use tapcrypt::lifecycle::{AtcCounter, Currency, DeviceUsage, LimitError, LowWater, UseLimits};
    let Ok(eur) = Currency::from_bcd([0x09, 0x78]) else {
        return false;
    };
    let limits = UseLimits {
        max_uses: 2,
        not_before: 1000,
        not_after: 2000,
        max_amount: 5000,
        currency: eur,
        low_water: LowWater {
            uses: 1,
            seconds: 0,
            amount: 0,
        },
    };
    let Ok(u) = DeviceUsage::new(limits) else {
        return false;
    };
    let Ok(u) = u.spend(1500, 4000, eur) else {
        return false;
    };
    let over = u.spend(1500, 1001, eur) == Err(LimitError::AmountExceeded);
    let Ok(u) = u.spend(2000, 1000, eur) else {
        return false;
    };
    let third = u.spend(2000, 0, eur) == Err(LimitError::UsesExhausted);
    let b = u.to_bytes();
    let bytes_ok = b[..12] == *b"KU\x01D\x00\x00\x00\x02\x00\x00\x00\x02"
        && b[36..46] == [0, 0, 0, 0, 0, 0, 0x13, 0x88, 0x09, 0x78];
    let restored = DeviceUsage::from_bytes(&b) == Ok(u);

    let mut c = AtcCounter::new(Atc::from_u16(0xFFFE));
    let mut atcs_ok = true;
    for want in [0xFFFE, 0xFFFF] {
        let Ok(r) = c.reserve() else { return false };
        let flash = c.to_bytes();
        atcs_ok &= c.take(r) == Ok(Atc::from_u16(want)) && AtcCounter::from_bytes(&flash).is_ok();
    }
    let end = c.reserve().is_err() && c.to_bytes() == [0x41, 0x43, 0x02, 0xFF, 0xFF];
    over && third && bytes_ok && restored && u.replenish(2000).uses && atcs_ok && end
}

#[cfg(feature = "ops-lifecycle")]
fn limited_use_tap_bench() {
    use tapcrypt::lifecycle::{AtcCounter, Currency, DeviceUsage, LowWater, UseLimits};
    let Ok(eur) = Currency::from_bcd(black_box([0x09, 0x78])) else {
        return;
    };
    let limits = UseLimits {
        max_uses: black_box(10),
        not_before: 1000,
        not_after: 2000,
        max_amount: 5000,
        currency: eur,
        low_water: LowWater::default(),
    };
    // The band's per-tap work: restore both states, spend, reserve, persist, take.
    if let Ok(u) = DeviceUsage::new(limits) {
        if let Ok(u) = DeviceUsage::from_bytes(&black_box(u.to_bytes())) {
            black_box(
                u.spend(black_box(1500), black_box(400), eur)
                    .map(|u| u.to_bytes())
                    .is_ok(),
            );
        }
    }
    if let Ok(mut c) = AtcCounter::from_bytes(&black_box([0x41, 0x43, 0x01, 0x00, 0x07])) {
        if let Ok(r) = c.reserve() {
            black_box(c.to_bytes());
            black_box(c.take(r).is_ok());
        }
    }
}

// ----------------------------------------------------------------- TDES

/// cvn_visa_18-001 and cvn_mc_17-001 (pyemv tests/test_cvn_hsm.py).
const TDES_MK: [u8; 16] = h("154F349D8585CB7F6B0798E9839B10C1");
const VISA_MIN: [u8; 33] = h("0000000040000000000000000124800004800001241911050152BF45851800001C");
const VISA_IAD: [u8; 7] = h("06011203A0B800");
const VISA18_ARQC: [u8; 8] = h("7A788EA6B8A3E733");
const VISA18_ARPC: [u8; 4] = h("9AF514C1");
const MC_MIN: [u8; 33] = h("00000000999900000000000001248000000000012420990600ABCDEF121800001C");
const MC17_CD: [u8; 14] = h("A0000322000000000000000322FF");
const MC17_ARQC: [u8; 8] = h("EAE8A620A75648D8");
const VISA10_CVR: [u8; 4] = h("03A06010");
const VISA10_ARQC: [u8; 8] = h("29CCA15AE665FA2E");

#[cfg(feature = "ops-tdes")]
fn tdes_card() -> Option<CardKeySchedule> {
    Some(CardKeySchedule::new(
        CardMasterKey::new(Algorithm::Tdes2, &black_box(TDES_MK)).ok()?,
    ))
}

/// One TDES tap: the keys built in a slot in this frame
/// (`Cvn::transaction_keys_in`: the session key is expanded in place), then
/// the AC.
#[cfg(feature = "ops-tdes")]
fn cvn_ac(
    cvn: &tapcrypt::emv::Cvn,
    card: &CardKeySchedule,
    min: &[u8; 33],
    cd: &[u8],
) -> Option<Cryptogram> {
    let txn = txn_from(min)?;
    let cd = cvn.card_data(cd).ok()?;
    let mut slot = None;
    let keys = cvn
        .transaction_keys_in(card, txn.atc, txn.un, &mut slot)
        .ok()?;
    keys.generate_ac(&txn, &cd).ok()
}

/// The TDES card key schedule as a device holds it from boot: set up once,
/// out of line, so its construction is not part of the bench bodies'
/// frames or counts (a tap does not build it; as `aes_tap_state_init`).
#[cfg(feature = "ops-tdes")]
#[inline(never)]
fn tdes_card_init(st: &mut Option<CardKeySchedule>) {
    if st.is_none() {
        *st = tdes_card();
    }
}

#[cfg(feature = "ops-tdes")]
static TDES_CARD: cortex_m::interrupt::Mutex<core::cell::RefCell<Option<CardKeySchedule>>> =
    cortex_m::interrupt::Mutex::new(core::cell::RefCell::new(None));

/// Runs `f` on the boot-time TDES card key schedule.
#[cfg(feature = "ops-tdes")]
fn with_tdes_card(f: impl FnOnce(&CardKeySchedule)) {
    cortex_m::interrupt::free(|cs| {
        let Ok(mut st) = TDES_CARD.borrow(cs).try_borrow_mut() else {
            return;
        };
        tdes_card_init(&mut st);
        if let Some(card) = st.as_ref() {
            f(card);
        }
    });
}

#[cfg(feature = "ops-tdes")]
fn tdes_session_key_kat() -> bool {
    // csk_tdes-001 (pyemv docstring): MK 0123…3210, R = 001C… → E9FB384A….
    const MK: [u8; 16] = h("0123456789ABCDEFFEDCBA9876543210");
    const SK: [u8; 16] = h("E9FB384AF807B940FEDCEA613461B0C4");
    let Ok(mk) = CardMasterKey::new(Algorithm::Tdes2, &MK) else {
        return false;
    };
    matches!(session_key_ac(&mk, Atc::from_u16(0x1C)), Ok(sk) if sk.expose_secret() == SK)
}

#[cfg(feature = "ops-tdes")]
fn tdes_session_key_bench() {
    if let Ok(mk) = CardMasterKey::new(Algorithm::Tdes2, &black_box(TDES_MK)) {
        black_box(session_key_ac(&mk, black_box(Atc::from_u16(0x1C))).is_ok());
    }
}

#[cfg(feature = "ops-tdes")]
fn visa18_tap_kat() -> bool {
    let Some(card) = tdes_card() else {
        return false;
    };
    matches!(cvn_ac(&tapcrypt::emv::VISA_CVN_18, &card, &VISA_MIN, &VISA_IAD), Some(ac) if ac.0 == VISA18_ARQC)
}

#[cfg(feature = "ops-tdes")]
fn visa18_tap_bench() {
    with_tdes_card(|card| {
        black_box(cvn_ac(
            &tapcrypt::emv::VISA_CVN_18,
            card,
            black_box(&VISA_MIN),
            &VISA_IAD,
        ));
    });
}

/// The idle-time part of the Visa CVN 18 tap (card schedule + CSK ahead):
/// `tdes_tap_visa18` minus this is what is left at the tap.
#[cfg(all(feature = "ops-tdes", feature = "ops-ahead"))]
fn visa18_prepare_ahead_kat() -> bool {
    let Some(card) = tdes_card() else {
        return false;
    };
    let cvn = &tapcrypt::emv::VISA_CVN_18;
    let Some(txn) = txn_from(&VISA_MIN) else {
        return false;
    };
    let Ok(cd) = cvn.card_data(&VISA_IAD) else {
        return false;
    };
    matches!(cvn.transaction_keys_ahead(&card, txn.atc).and_then(|k| k.generate_ac(&txn, &cd)),
        Ok(ac) if ac.0 == VISA18_ARQC)
}

#[cfg(all(feature = "ops-tdes", feature = "ops-ahead"))]
fn visa18_prepare_ahead_bench() {
    with_tdes_card(|card| {
        let mut slot = None;
        let keys = tapcrypt::emv::VISA_CVN_18.transaction_keys_ahead_in(
            card,
            black_box(Atc::from_u16(0x1C)),
            &mut slot,
        );
        black_box(keys.is_ok());
    });
}

#[cfg(feature = "ops-tdes")]
fn mc17_tap_kat() -> bool {
    let Some(card) = tdes_card() else {
        return false;
    };
    matches!(cvn_ac(&tapcrypt::emv::MASTERCARD_CVN_17, &card, &MC_MIN, &MC17_CD), Some(ac) if ac.0 == MC17_ARQC)
}

#[cfg(feature = "ops-tdes")]
fn mc17_tap_bench() {
    with_tdes_card(|card| {
        black_box(cvn_ac(
            &tapcrypt::emv::MASTERCARD_CVN_17,
            card,
            black_box(&MC_MIN),
            &MC17_CD,
        ));
    });
}

#[cfg(feature = "ops-tdes")]
fn visa10_ac_kat() -> bool {
    let Some(card) = tdes_card() else {
        return false;
    };
    matches!(cvn_ac(&tapcrypt::emv::VISA_CVN_10, &card, &VISA_MIN, &VISA10_CVR), Some(ac) if ac.0 == VISA10_ARQC)
}

#[cfg(feature = "ops-tdes")]
fn visa10_ac_bench() {
    with_tdes_card(|card| {
        black_box(cvn_ac(
            &tapcrypt::emv::VISA_CVN_10,
            card,
            black_box(&VISA_MIN),
            &VISA10_CVR,
        ));
    });
}

#[cfg(feature = "ops-tdes")]
fn tdes_arpc_check_kat() -> bool {
    let Some(card) = tdes_card() else {
        return false;
    };
    let Some(txn) = txn_from(&VISA_MIN) else {
        return false;
    };
    let cvn = &tapcrypt::emv::VISA_CVN_18;
    let Ok(keys) = cvn.transaction_keys_with(&card, txn.atc, txn.un) else {
        return false;
    };
    let resp = ArpcResponse::Method2 {
        csu: Csu([0; 4]),
        proprietary: &[],
    };
    keys.verify_arpc(
        &Cryptogram(VISA18_ARQC),
        &resp,
        &arpc::Arpc::Method2(VISA18_ARPC),
    )
    .is_ok()
}

#[cfg(feature = "ops-tdes")]
fn tdes_arpc_check_bench() {
    let Ok(sk) = SessionKey::new(Algorithm::Tdes2, &black_box(TDES_MK)) else {
        return;
    };
    let resp = ArpcResponse::Method1 {
        arc: ResponseCode(*b"00"),
    };
    let a = arpc::Arpc::Method1(black_box([0u8; 8]));
    black_box(arpc::verify(&sk, &Cryptogram(VISA18_ARQC), &resp, &a).is_ok());
}

// ------------------------------------------------------------------ FF1

#[cfg(feature = "ops-ff1")]
const DPAN_KEY: [u8; 32] = h("dbcb420cdabe2a5495bedaecfe69a89d1fe28c5309bc56ad6ff47c575002cbd2");

#[cfg(feature = "ops-ff1")]
fn range(bin: &str) -> Option<tapcrypt::token::DpanRange> {
    use tapcrypt::token::{Bin, DpanRange, DpanRangeKey};
    let key = DpanRangeKey::new(Algorithm::Aes256, &black_box(DPAN_KEY)).ok()?;
    DpanRange::new(Bin::parse(bin).ok()?, &key, 1, "", 0).ok()
}

#[cfg(feature = "ops-ff1")]
fn dpan_is(bin: &str, seq: u64, want: &[u8; 16]) -> bool {
    let Some(r) = range(bin) else { return false };
    let Ok(d) = r.dpan_for(seq) else { return false };
    let mut b = [0u8; 19];
    d.write_ascii(&mut b) == want && matches!(r.detokenize(&d), Ok(s) if s == seq)
}

#[cfg(feature = "ops-ff1")]
fn ff1_9_kat() -> bool {
    // dpan-example-001: FF1 over 9 digits (6-digit BIN).
    dpan_is("411111", 1, b"4111113633179386")
}

#[cfg(feature = "ops-ff1")]
fn ff1_7_kat() -> bool {
    // dpan-example-004: FF1 over 7 digits (8-digit BIN).
    dpan_is("41111122", 1, b"4111112279086384")
}

#[cfg(feature = "ops-ff1")]
fn ff1_9_bench() {
    if let Some(r) = range("411111") {
        black_box(r.dpan_for(black_box(1)).is_ok());
    }
}

#[cfg(feature = "ops-ff1")]
fn ff1_7_bench() {
    if let Some(r) = range("41111122") {
        black_box(r.dpan_for(black_box(1)).is_ok());
    }
}

/// The DPAN range as a band or token service holds it: built once (the AES-256
/// key expanded), out of line, so the bench body is `dpan_for` alone.
#[cfg(feature = "ops-ff1")]
#[inline(never)]
fn ff1_range_init(st: &mut Option<tapcrypt::token::DpanRange>) {
    if st.is_none() {
        *st = range("411111");
    }
}

#[cfg(feature = "ops-ff1")]
static FF1_RANGE: cortex_m::interrupt::Mutex<
    core::cell::RefCell<Option<tapcrypt::token::DpanRange>>,
> = cortex_m::interrupt::Mutex::new(core::cell::RefCell::new(None));

/// One DPAN from a range set up ahead (`ff1_dpan_9_digits` builds the range,
/// expanding the AES-256 key, at every call).
#[cfg(feature = "ops-ff1")]
fn ff1_9_prepared_kat() -> bool {
    cortex_m::interrupt::free(|cs| {
        let Ok(mut st) = FF1_RANGE.borrow(cs).try_borrow_mut() else {
            return false;
        };
        ff1_range_init(&mut st);
        let Some(r) = st.as_ref() else { return false };
        let Ok(d) = r.dpan_for(1) else { return false };
        let mut b = [0u8; 19];
        d.write_ascii(&mut b) == b"4111113633179386" && matches!(r.detokenize(&d), Ok(1))
    })
}

#[cfg(feature = "ops-ff1")]
fn ff1_9_prepared_bench() {
    cortex_m::interrupt::free(|cs| {
        let Ok(mut st) = FF1_RANGE.borrow(cs).try_borrow_mut() else {
            return;
        };
        ff1_range_init(&mut st);
        if let Some(r) = st.as_ref() {
            black_box(r.dpan_for(black_box(1)).is_ok());
        }
    });
}

#[cfg(feature = "ops-ff1")]
const NIST_FF1_KEY: [u8; 16] = h("2b7e151628aed2a6abf7158809cf4f3c");

/// NIST SP 800-38G FF1 sample 1 (AES-128, 10 digits, empty tweak).
#[cfg(feature = "ops-ff1")]
fn ff1_nist_kat() -> bool {
    use tapcrypt::token::{DpanRangeKey, ff1::Ff1};
    let Ok(k) = DpanRangeKey::new(Algorithm::Aes128, &NIST_FF1_KEY) else {
        return false;
    };
    let Ok(f) = Ff1::new(&k) else { return false };
    let mut o = [0u8; 10];
    f.encrypt_digits(&[], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], &mut o)
        .is_ok()
        && o == [2, 4, 3, 3, 4, 7, 7, 4, 8, 4]
}

#[cfg(feature = "ops-ff1")]
fn ff1_nist_bench() {
    use tapcrypt::token::{DpanRangeKey, ff1::Ff1};
    if let Ok(k) = DpanRangeKey::new(Algorithm::Aes128, &black_box(NIST_FF1_KEY)) {
        if let Ok(f) = Ff1::new(&k) {
            let mut o = [0u8; 10];
            black_box(
                f.encrypt_digits(&[], black_box(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), &mut o)
                    .is_ok(),
            );
        }
    }
}

// ---------------------------------------------------------------- P-256

/// Wycheproof ecdh_secp256r1_ecpoint_test tcId 1 (C2SP/wycheproof dac1dd4).
#[cfg(feature = "ops-p256")]
const ECDH_PRIV: [u8; 32] = h("0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346");
#[cfg(feature = "ops-p256")]
const ECDH_PUB: [u8; 65] = h(
    "0462d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf",
);
#[cfg(feature = "ops-p256")]
const ECDH_SHARED: [u8; 32] = h("53020d908b0219328b658b525f26780e3ae12bcd952bb25a93bc0895e1714285");

#[cfg(feature = "ops-p256")]
fn p256_ecdh_kat() -> bool {
    use tapcrypt::__internal::{PeerKeyEncoding, ecdh_shared_secret_for_vectors};
    matches!(ecdh_shared_secret_for_vectors(&ECDH_PRIV, &ECDH_PUB, PeerKeyEncoding::Sec1), Ok(z) if z == ECDH_SHARED)
}

#[cfg(feature = "ops-p256")]
fn p256_ecdh_bench() {
    use tapcrypt::__internal::{PeerKeyEncoding, ecdh_shared_secret_for_vectors};
    black_box(
        ecdh_shared_secret_for_vectors(black_box(&ECDH_PRIV), &ECDH_PUB, PeerKeyEncoding::Sec1)
            .is_ok(),
    );
}

/// Wycheproof ecdsa_secp256r1_sha256_p1363_test tcId 1 (valid).
#[cfg(feature = "ops-p256")]
const ECDSA_PUB: [u8; 65] = h(
    "042927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e",
);
#[cfg(feature = "ops-p256")]
const ECDSA_SIG: [u8; 64] = h(
    "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76",
);

#[cfg(feature = "ops-p256")]
fn p256_verify_kat() -> bool {
    use tapcrypt::provision::EcdsaVerifyingKey;
    let Ok(k) = EcdsaVerifyingKey::from_sec1(&ECDSA_PUB) else {
        return false;
    };
    let good = k.verify_p1363(b"123400", &ECDSA_SIG).is_ok();
    let mut bad = ECDSA_SIG;
    bad[63] ^= 1;
    good && k.verify_p1363(b"123400", &bad).is_err()
}

#[cfg(feature = "ops-p256")]
fn p256_verify_bench() {
    use tapcrypt::provision::EcdsaVerifyingKey;
    if let Ok(k) = EcdsaVerifyingKey::from_sec1(black_box(&ECDSA_PUB)) {
        black_box(k.verify_p1363(b"123400", black_box(&ECDSA_SIG)).is_ok());
    }
}

/// RFC 6979 A.2.5: P-256/SHA-256 key and the deterministic signature of
/// "sample" (r, and n − s because tapcrypt emits low S; the RFC's s is high).
#[cfg(feature = "ops-p256")]
const RFC6979_X: [u8; 32] = h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
#[cfg(feature = "ops-p256")]
const RFC6979_SAMPLE_LOW_S: [u8; 64] = h(
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf37160834e36ad29a83bf2bc9385e491d6099c8fdf9d1ed67aa7ea5f51f93782857a9",
);

#[cfg(feature = "ops-p256")]
fn p256_sign_kat() -> bool {
    use tapcrypt::provision::EcdsaSigningKey;
    let Ok(k) = EcdsaSigningKey::from_secret_bytes(&RFC6979_X) else {
        return false;
    };
    k.sign(b"sample").to_p1363() == RFC6979_SAMPLE_LOW_S
}

#[cfg(feature = "ops-p256")]
fn p256_sign_bench() {
    use tapcrypt::provision::EcdsaSigningKey;
    if let Ok(k) = EcdsaSigningKey::from_secret_bytes(black_box(&RFC6979_X)) {
        black_box(k.sign(black_box(b"sample")).to_p1363());
    }
}

/// The device's provisioning request: sign with the attestation key (here
/// the RFC 6979 key) over the device's ECDH public key and a challenge.
#[cfg(feature = "ops-p256")]
fn build_request_into(
    out: &mut [u8; tapcrypt::provision::request::MAX_REQUEST_LEN],
) -> Option<usize> {
    use tapcrypt::provision::{EcPublicKey, EcdsaSigningKey, RequestContents, build_request};
    let att = EcdsaSigningKey::from_secret_bytes(&RFC6979_X).ok()?;
    let device_pub = EcPublicKey::from_sec1(&ECDH_PUB).ok()?;
    build_request(
        &RequestContents {
            last_counter: 0,
            challenge: &[0xC7; 32],
            context: b"tokenref:1",
        },
        &device_pub,
        &att,
        // The shared deterministic TestRng: QEMU has no entropy source.
        // Never a model for a device RNG.
        &mut tapcrypt::__internal::TestRng::new(0x48),
        out,
    )
    .ok()
}

#[cfg(feature = "ops-p256")]
fn p256_request_kat() -> bool {
    use tapcrypt::provision::{EcdsaSigningKey, open_request};
    let mut buf = [0u8; tapcrypt::provision::request::MAX_REQUEST_LEN];
    let Some(n) = build_request_into(&mut buf) else {
        return false;
    };
    let Ok(att) = EcdsaSigningKey::from_secret_bytes(&RFC6979_X) else {
        return false;
    };
    matches!(open_request(&att.verifying_key(), &[0xC7; 32], buf.get(..n).unwrap_or(&[])),
        Ok(r) if r.device_key.to_sec1() == ECDH_PUB && r.context == b"tokenref:1")
}

#[cfg(feature = "ops-p256")]
fn p256_request_bench() {
    let mut buf = [0u8; tapcrypt::provision::request::MAX_REQUEST_LEN];
    black_box(build_request_into(black_box(&mut buf)));
}

/// A signed envelope built on the host (`tests/firmware_fixture.rs`, which
/// checks it opens to these inputs): device secret 4D…4D, token-service key
/// pinned from `tsp_public.bin`, one AES-128 MK-AC 11…11, three DPANs,
/// answering the outstanding request whose hash is 52…52.
#[cfg(feature = "ops-p256")]
const FIXTURE_ENVELOPE: &[u8] = include_bytes!("../../tests/fixtures/envelope.bin");
#[cfg(feature = "ops-p256")]
const FIXTURE_TSP_PUBLIC: &[u8; 65] = include_bytes!("../../tests/fixtures/tsp_public.bin");

/// The device's state at boot: its key pair (restoring it from the stored
/// scalar costs one scalar multiplication, for the public key) and the
/// pinned token-service key. Set up by the KAT, which runs before the bench.
#[cfg(feature = "ops-p256")]
type DeviceState = (
    tapcrypt::provision::DeviceKeyPair,
    tapcrypt::provision::EcdsaVerifyingKey,
);
#[cfg(feature = "ops-p256")]
static DEVICE_STATE: cortex_m::interrupt::Mutex<core::cell::RefCell<Option<DeviceState>>> =
    cortex_m::interrupt::Mutex::new(core::cell::RefCell::new(None));

/// Install's cryptographic work: verify the signature, ECDH + KDF, unwrap.
#[cfg(feature = "ops-p256")]
fn open_fixture() -> Option<tapcrypt::provision::Credentials<2, 4>> {
    use tapcrypt::provision::{DeviceKeyPair, EcdsaVerifyingKey, open_envelope};
    cortex_m::interrupt::free(|cs| {
        let mut st = DEVICE_STATE.borrow(cs).try_borrow_mut().ok()?;
        if st.is_none() {
            let device = DeviceKeyPair::from_secret_bytes(&[0x4D; 32]).ok()?;
            let pinned = EcdsaVerifyingKey::from_sec1(FIXTURE_TSP_PUBLIC).ok()?;
            *st = Some((device, pinned));
        }
        let (device, pinned) = st.as_ref()?;
        open_envelope::<2, 4>(
            device,
            pinned,
            0,
            Some(&[0x52; 32]),
            black_box(FIXTURE_ENVELOPE),
        )
        .ok()
    })
}

#[cfg(feature = "ops-p256")]
fn envelope_open_kat() -> bool {
    let Some(mut c) = open_fixture() else {
        return false;
    };
    // The typed path firmware uses: header checked into the MK-AC role.
    let key_ok = c
        .role_key::<tapcrypt::CardMasterKey>()
        .is_ok_and(|k| k.expose_secret() == [0x11; 16]);
    let mut first = [0u8; 19];
    let dpan_ok = c
        .take_dpan()
        .is_some_and(|d| d.write_ascii(&mut first) == b"4895370012345671");
    key_ok && dpan_ok && c.dpans_left() == 2 && c.counter() == 1
}

#[cfg(feature = "ops-p256")]
fn envelope_open_bench() {
    black_box(open_fixture().is_some());
}

/// Restoring the device key pair from its stored scalar (once per boot).
#[cfg(feature = "ops-p256")]
fn device_key_restore_kat() -> bool {
    use tapcrypt::provision::DeviceKeyPair;
    // The same key pair the envelope fixture was built for.
    DeviceKeyPair::from_secret_bytes(&[0x4D; 32]).is_ok()
        && DeviceKeyPair::from_secret_bytes(&[0xFF; 32]).is_err()
}

#[cfg(feature = "ops-p256")]
fn device_key_restore_bench() {
    use tapcrypt::provision::DeviceKeyPair;
    black_box(DeviceKeyPair::from_secret_bytes(black_box(&[0x4D; 32])).is_ok());
}

/// A division by a runtime value, to show `check-div.sh` failing.
#[cfg(feature = "planted-div")]
#[inline(never)]
pub fn planted_division(a: u32, b: u32) -> u32 {
    a.checked_div(b).unwrap_or(0)
}

/// A reachable panic (an index the optimiser cannot bound), for
/// check-panics.sh's control. Never linked in a proof build.
#[cfg(feature = "planted-panic")]
#[inline(never)]
pub fn planted_panic(i: usize) -> u32 {
    let table = black_box([1u32, 2, 3, 4]);
    table[i]
}

// ------------------------------------------------------------ cloud (TDES)

/// vcps_qvsdc_ac-s001 (cloud.json: CryptoCarver's code run on seeded inputs,
/// re-computed independently): LUK, terminal data, CVN '43' IAD → 9F26.
const VCPS_LUK: [u8; 16] = h("2F59E3A7245787098DFF42981EC1AE48");
const VCPS_MIN: [u8; 33] = h("000057903431000000031995097880000480000978340707093281DA7F200092C0");
const VCPS_IAD: [u8; 32] = h("1F43016E000000000052732F6108348173000000000000000000000000000000");
const VCPS_AC: [u8; 8] = h("AAA9072DB33A3243");

/// The band's VCPS tap: the provisioned LUK (bound to the IAD's key index)
/// MACs the 33 terminal/card bytes and the CVR. One retail MAC.
#[cfg(feature = "ops-tdes")]
fn vcps_tap(luk: &[u8; 16], min: &[u8; 33], iad: &[u8; 32]) -> Option<Cryptogram> {
    use tapcrypt::emv::cloud::vcps::{Luk, LukBytes, VcpsIad};
    let iad = VcpsIad::parse(iad).ok()?;
    let luk = Luk::new(LukBytes::from_bytes(luk), iad.key_index());
    luk.qvsdc_ac(&txn_from(min)?, &iad).ok()
}

#[cfg(feature = "ops-tdes")]
fn vcps_tap_kat() -> bool {
    matches!(vcps_tap(&VCPS_LUK, &VCPS_MIN, &VCPS_IAD), Some(ac) if ac.0 == VCPS_AC)
}

#[cfg(feature = "ops-tdes")]
fn vcps_tap_bench() {
    black_box(vcps_tap(
        &black_box(VCPS_LUK),
        black_box(&VCPS_MIN),
        &VCPS_IAD,
    ));
}

/// The idle-time part of a VCPS tap: installing the LUK (its TDES key
/// schedule is expanded once, at install). `vcps_tap_cvn43` minus this is
/// what a tap costs with the LUK already installed. KAT: the LUK's KCV,
/// E(00*8) = 04AFEB…, computed with pyca/cryptography's TripleDES.
#[cfg(feature = "ops-tdes")]
fn vcps_luk_install_kat() -> bool {
    use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, LukBytes};
    let Ok(ki) = KeyIndex::parse("8348173") else {
        return false;
    };
    // A const, not `h` at run time: `h` panics on a bad literal, which must
    // happen at compile time (a run-time call kept the panic path at -Os).
    const KCV: [u8; 3] = h("04AFEB");
    Luk::new(LukBytes::from_bytes(&VCPS_LUK), ki).kcv().0 == KCV
}

#[cfg(feature = "ops-tdes")]
fn vcps_luk_install_bench() {
    use tapcrypt::emv::cloud::vcps::{KeyIndex, Luk, LukBytes};
    if let Ok(ki) = KeyIndex::parse("8348173") {
        black_box(Luk::new(LukBytes::from_bytes(&black_box(VCPS_LUK)), ki));
    }
}

/// mcbp_ac-001 (cloud.json): the MCBP SDK's asserted values; SUK_CL_UMD and
/// SK_CL_MD of its DcSukTest credential, mobile PIN 1234.
const MCBP_SUK_UMD: [u8; 16] = h("FC24AF40DA0D2E8F5A83D7933CF521B6");
const MCBP_SK_MD: [u8; 16] = h("225BC8E86ED81A00F9CF9C74A6653BD5");
const MCBP_MIN: [u8; 33] = h("00000000050000000000000000560020000000097814120300935306871B800001");
const MCBP_CVR: [u8; 6] = h("A54100040000");
const MCBP_AC_UMD: [u8; 8] = h("279F5D1D37EDF611");
const MCBP_MD_PART: [u8; 5] = h("D5C9129739");

/// The band's MCBP tap: PIN parse and UMD unlock, then the dual AC (two
/// retail MACs) and the IAD; the single-use keys are consumed and wiped.
#[cfg(feature = "ops-tdes")]
fn mcbp_tap(
    suk: &[u8; 16],
    md: &[u8; 16],
    min: &[u8; 33],
) -> Option<tapcrypt::emv::cloud::mcbp::DualAc> {
    use tapcrypt::emv::cloud::mcbp::{
        MaskedUmdKey, McbpProfile, McbpTap, MobilePin, SingleUseKey, SingleUseKeys,
    };
    let txn = txn_from(min)?;
    let keys = SingleUseKeys::contactless(
        txn.atc,
        SingleUseKey::from_bytes(md),
        MaskedUmdKey::from_bytes(suk),
    );
    let pin = MobilePin::parse("1234").ok()?;
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
    keys.unlock(pin).contactless_ac(&profile, &tap).ok()
}

#[cfg(feature = "ops-tdes")]
fn mcbp_tap_kat() -> bool {
    matches!(mcbp_tap(&MCBP_SUK_UMD, &MCBP_SK_MD, &MCBP_MIN),
        Some(d) if d.ac.0 == MCBP_AC_UMD && d.iad.get(11..16) == Some(&MCBP_MD_PART[..]))
}

#[cfg(feature = "ops-tdes")]
fn mcbp_tap_bench() {
    black_box(mcbp_tap(
        &black_box(MCBP_SUK_UMD),
        &black_box(MCBP_SK_MD),
        black_box(&MCBP_MIN),
    ));
}

// ------------------------------------------------------- AES core alone
// The block cipher under the tap (issue 17): the `aes` crate's fixsliced
// backend with `--cfg tapcrypt_aes_crate`, else our core. Reached through the
// public software engine (`cipher::engine::SoftwareAes`), whose calls are
// the core's plus a `Result`.

/// FIPS-197 Appendix C.1 (AES-128).
#[cfg(feature = "ops-aes-core")]
const FIPS197_KEY: [u8; 16] = h("000102030405060708090a0b0c0d0e0f");
#[cfg(feature = "ops-aes-core")]
const FIPS197_PT: [u8; 16] = h("00112233445566778899aabbccddeeff");
#[cfg(feature = "ops-aes-core")]
const FIPS197_CT: [u8; 16] = h("69c4e0d86a7b0430d8cdb78070b4c55a");
/// AES-128 of the zero block under the FIPS-197 C.1 key: c6a13b37878f5b826f4f8162a1c8d879
/// (pyca/cryptography AES-ECB; independent of both backends measured here).
#[cfg(feature = "ops-aes-core")]
const FIPS197_K_ZERO: [u8; 16] = h("c6a13b37878f5b826f4f8162a1c8d879");

#[cfg(feature = "ops-aes-core")]
fn fips197_key() -> Option<tapcrypt::engine::SoftwareKey> {
    let mk = CardMasterKey::new(Algorithm::Aes128, &black_box(FIPS197_KEY)).ok()?;
    tapcrypt::engine::SoftwareKey::from_card_key(&mk).ok()
}

#[cfg(feature = "ops-aes-core")]
fn aes128_core_kat() -> bool {
    use tapcrypt::engine::{AesEngine, SoftwareAes};
    let Some(k) = fips197_key() else { return false };
    let mut e = SoftwareAes;
    let (mut a, mut b, mut c) = (FIPS197_PT, [0u8; 16], FIPS197_PT);
    let ok = e.encrypt_pair(&k, &mut b, &mut a).is_ok() && e.encrypt_block(&k, &mut c).is_ok();
    // b = E_K(0) (the first lane carries the zero block: lanes must not mix).
    ok && a == FIPS197_CT && c == FIPS197_CT && b == FIPS197_K_ZERO
}

/// Key schedule alone (plus the 16-byte card-key copy).
#[cfg(feature = "ops-aes-core")]
fn aes128_expand_bench() {
    black_box(fips197_key().is_some());
}

/// Key schedule + one paired call: the pair alone is the difference to
/// `aes128_expand` (instruction counts are exact).
#[cfg(feature = "ops-aes-core")]
fn aes128_expand_pair_bench() {
    use tapcrypt::engine::{AesEngine, SoftwareAes};
    if let Some(k) = fips197_key() {
        let (mut a, mut b) = (black_box(FIPS197_PT), black_box([0u8; 16]));
        black_box(SoftwareAes.encrypt_pair(&k, &mut a, &mut b).is_ok());
        black_box((a, b));
    }
}

/// Key schedule + one single-block call.
#[cfg(feature = "ops-aes-core")]
fn aes128_expand_block_bench() {
    use tapcrypt::engine::{AesEngine, SoftwareAes};
    if let Some(k) = fips197_key() {
        let mut a = black_box(FIPS197_PT);
        black_box(SoftwareAes.encrypt_block(&k, &mut a).is_ok());
        black_box(a);
    }
}

pub static OPS: &[Op] = &[
    #[cfg(feature = "ops-aes-core")]
    Op {
        name: "aes128_expand",
        kat: aes128_core_kat,
        bench: aes128_expand_bench,
    },
    #[cfg(feature = "ops-aes-core")]
    Op {
        name: "aes128_expand_pair",
        kat: aes128_core_kat,
        bench: aes128_expand_pair_bench,
    },
    #[cfg(feature = "ops-aes-core")]
    Op {
        name: "aes128_expand_block",
        kat: aes128_core_kat,
        bench: aes128_expand_block_bench,
    },
    #[cfg(feature = "ops-code")]
    Op {
        name: "payment_code",
        kat: payment_code_kat,
        bench: payment_code_bench,
    },
    #[cfg(feature = "ops-code")]
    Op {
        name: "cpm_payload_dpan_bound",
        kat: cpm_payload_kat,
        bench: cpm_payload_bench,
    },
    #[cfg(feature = "ops-qr")]
    Op {
        name: "qr_matrix_cpm",
        kat: qr_kat,
        bench: qr_bench,
    },
    #[cfg(feature = "ops-qr")]
    Op {
        name: "qr_matrix_code",
        kat: qr_kat,
        bench: qr_code_bench,
    },
    #[cfg(feature = "ops-qr")]
    Op {
        name: "qr_matrix_code_mask6",
        kat: qr_kat,
        bench: qr_code_mask6_bench,
    },
    #[cfg(feature = "ops-aes")]
    Op {
        name: "aes_session_key",
        kat: aes_session_key_kat,
        bench: aes_session_key_bench,
    },
    #[cfg(feature = "ops-aes")]
    Op {
        name: "aes_arqc_45B",
        kat: aes_arqc_kat,
        bench: aes_arqc_bench,
    },
    #[cfg(feature = "ops-aes")]
    Op {
        name: "aes_arpc_check",
        kat: aes_arpc_check_kat,
        bench: aes_arpc_check_bench,
    },
    #[cfg(feature = "ops-aes")]
    Op {
        name: "wallet_take",
        kat: wallet_take_kat,
        bench: wallet_take_bench,
    },
    #[cfg(feature = "ops-lifecycle")]
    Op {
        name: "limited_use_tap",
        kat: limited_use_tap_kat,
        bench: limited_use_tap_bench,
    },
    #[cfg(feature = "ops-aes")]
    Op {
        name: "aes_tap_dpan_bound",
        kat: aes_tap_kat,
        bench: aes_tap_bench,
    },
    #[cfg(all(feature = "ops-aes", feature = "ops-ahead"))]
    Op {
        name: "aes_prepare_ahead",
        kat: aes_prepare_ahead_kat,
        bench: aes_prepare_ahead_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "tdes_session_key",
        kat: tdes_session_key_kat,
        bench: tdes_session_key_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "tdes_tap_visa18",
        kat: visa18_tap_kat,
        bench: visa18_tap_bench,
    },
    #[cfg(all(feature = "ops-tdes", feature = "ops-ahead"))]
    Op {
        name: "tdes_prepare_ahead_visa18",
        kat: visa18_prepare_ahead_kat,
        bench: visa18_prepare_ahead_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "tdes_tap_mc17",
        kat: mc17_tap_kat,
        bench: mc17_tap_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "tdes_ac_visa10",
        kat: visa10_ac_kat,
        bench: visa10_ac_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "tdes_arpc_check",
        kat: tdes_arpc_check_kat,
        bench: tdes_arpc_check_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "vcps_tap_cvn43",
        kat: vcps_tap_kat,
        bench: vcps_tap_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "vcps_luk_install",
        kat: vcps_luk_install_kat,
        bench: vcps_luk_install_bench,
    },
    #[cfg(feature = "ops-tdes")]
    Op {
        name: "mcbp_tap_dual_ac",
        kat: mcbp_tap_kat,
        bench: mcbp_tap_bench,
    },
    #[cfg(feature = "ops-ff1")]
    Op {
        name: "ff1_dpan_9_digits",
        kat: ff1_9_kat,
        bench: ff1_9_bench,
    },
    #[cfg(feature = "ops-ff1")]
    Op {
        name: "ff1_dpan_9_prepared",
        kat: ff1_9_prepared_kat,
        bench: ff1_9_prepared_bench,
    },
    #[cfg(feature = "ops-ff1")]
    Op {
        name: "ff1_dpan_7_digits",
        kat: ff1_7_kat,
        bench: ff1_7_bench,
    },
    #[cfg(feature = "ops-ff1")]
    Op {
        name: "ff1_nist_10_digits",
        kat: ff1_nist_kat,
        bench: ff1_nist_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "p256_ecdh",
        kat: p256_ecdh_kat,
        bench: p256_ecdh_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "p256_ecdsa_verify",
        kat: p256_verify_kat,
        bench: p256_verify_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "p256_ecdsa_sign",
        kat: p256_sign_kat,
        bench: p256_sign_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "request_build",
        kat: p256_request_kat,
        bench: p256_request_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "envelope_open",
        kat: envelope_open_kat,
        bench: envelope_open_bench,
    },
    #[cfg(feature = "ops-p256")]
    Op {
        name: "device_key_restore",
        kat: device_key_restore_kat,
        bench: device_key_restore_bench,
    },
];

#[allow(dead_code)]
fn _unused() -> (UnpredictableNumber, [u8; 16], [u8; 4], [u8; 4]) {
    (UnpredictableNumber::default(), AES_MK, AES_CSU, VISA10_CVR)
}

// ---------------------------------------------------------- offline codes

/// codes.json `pc-v1-2` (FF1 from SP 800-38G + pyotp, test-vectors/gen/).
#[cfg(feature = "ops-code")]
const PC_SECRET: [u8; 32] = h("2ce306298bf09930cf51f334b20fb2a5efd3adaf55a37fce7068de6f775aa121");

#[cfg(feature = "ops-code")]
fn payment_code_cred() -> Option<tapcrypt::code::payment::PaymentCodeCredential> {
    use tapcrypt::code::otp::OtpSecret;
    use tapcrypt::code::payment::{Alias, FORMAT_V1, PaymentCodeCredential, RoutingPrefix};
    Some(PaymentCodeCredential::new(
        OtpSecret::new(&black_box(PC_SECRET)).ok()?,
        RoutingPrefix::new(30).ok()?,
        Alias::parse("40058511").ok()?,
        &FORMAT_V1,
    ))
}

#[cfg(feature = "ops-code")]
fn payment_code_kat() -> bool {
    payment_code_cred()
        .and_then(|c| c.code(1_234_567_890, 3).ok())
        .is_some_and(|c| &c.to_ascii() == b"301400585113366655")
}

/// One 18-digit code on the band: HMAC-SHA-256, truncation, digits.
#[cfg(feature = "ops-code")]
fn payment_code_bench() {
    if let Some(c) = payment_code_cred() {
        black_box(c.code(black_box(1_234_567_890), black_box(3)).is_ok());
    }
}

/// codes.json `cpm-tapcrypt_dpan_aes-0`: card key (Option C of the vector's
/// IMK, PAN, PSN), transaction, IAD, and the expected cryptogram and text.
#[cfg(feature = "ops-code")]
mod cpm_fixture {
    use super::h;
    pub const MK: [u8; 16] = h("865A398B5AC61419A444B527F2B05348");
    pub const MIN: [u8; 33] =
        h("00000000000000000000000008260000000000084025123100CAC81C6C1980D6C7");
    pub const IAD: [u8; 8] = h("0FD2E7DAC814B8F0");
    pub const AID: [u8; 8] = h("A000000025010801");
    pub const AC: [u8; 8] = h("1E8A2367344F3C7B");
    pub const TEXT: &[u8] = b"hQVDUFYwMWFrTwigAAAAJQEIAVoIU5mZRXSRCARjVZ8mCB6KI2c0Tzx7nycBgJ8QCA/S59rIFLjwnzYC1sefNwTKyBxsggIZgJ8CBgAAAAAAAJ8DBgAAAAAAAJ8aAggmlQUAAAAAAF8qAghAmgMlEjGcAQA=";
}

/// The band's whole CPM step: DPAN-bound session key and ARQC, then the
/// payload's TLV and base64 text.
#[cfg(feature = "ops-code")]
fn cpm_payload(text: &mut [u8; tapcrypt::code::cpm::MAX_TEXT]) -> Option<usize> {
    use cpm_fixture::*;
    use tapcrypt::code::cpm::{CpmContents, build_base64};
    use tapcrypt::emv::TAPCRYPT_DPAN_AES;
    use tapcrypt::token::Dpan;
    let t = txn_from(&black_box(MIN))?;
    let mk = CardMasterKey::new(Algorithm::Aes128, &black_box(MK)).ok()?;
    let dpan = Dpan::parse("5399994574910804").ok()?;
    let pan = dpan.to_pan().ok()?;
    let mut cd = [0u8; 43];
    let card_data = TAPCRYPT_DPAN_AES
        .card_data_bound(&pan, &IAD, &mut cd)
        .ok()?;
    let keys = TAPCRYPT_DPAN_AES.transaction_keys(&mk, t.atc, t.un).ok()?;
    let ac = keys.generate_ac(&t, &card_data).ok()?;
    let c = CpmContents {
        aid: &AID,
        dpan: &dpan,
        transaction: &t,
        iad: &IAD,
        cid: 0x80,
        ac: &ac,
    };
    build_base64(&c, text).ok().map(|s| s.len())
}

#[cfg(feature = "ops-code")]
fn cpm_payload_kat() -> bool {
    let mut text = [0u8; tapcrypt::code::cpm::MAX_TEXT];
    let ac_ok = cpm_fixture::AC != [0; 8];
    matches!(cpm_payload(&mut text), Some(n) if text.get(..n) == Some(cpm_fixture::TEXT)) && ac_ok
}

#[cfg(feature = "ops-code")]
fn cpm_payload_bench() {
    let mut text = [0u8; tapcrypt::code::cpm::MAX_TEXT];
    black_box(cpm_payload(black_box(&mut text)));
}

/// codes.json `qr-code-0` (segno and qrcode agree): the code's QR symbol.
#[cfg(feature = "ops-qr")]
const QR_MODULES: [u8; 56] = h(
    "FE73FC16D06E86BB7545DBAF2EC12D07FAAFE01A005EDED245DB8DF6C8F002F3B6680050AFF8BE705895BAFA9DD7CB2E88CF050E5FE11500",
);

#[cfg(feature = "ops-qr")]
static QR_BUFS: cortex_m::interrupt::Mutex<core::cell::RefCell<tapcrypt::code::render::QrBuffers>> =
    cortex_m::interrupt::Mutex::new(core::cell::RefCell::new(
        tapcrypt::code::render::QrBuffers::new(),
    ));

#[cfg(feature = "ops-qr")]
fn qr_kat() -> bool {
    use tapcrypt::code::render::qr_matrix;
    cortex_m::interrupt::free(|cs| {
        let Ok(mut b) = QR_BUFS.borrow(cs).try_borrow_mut() else {
            return false;
        };
        let Ok(m) = qr_matrix(b"251335561230961460", Some(6), &mut b) else {
            return false;
        };
        let n = m.size();
        let mut i = 0usize;
        let mut ok = n == 21;
        for y in 0..n {
            for x in 0..n {
                let want = (QR_MODULES[i / 8] >> (7 - i % 8)) & 1 == 1;
                ok &= m.module(x, y) == want;
                i += 1;
            }
        }
        ok
    })
}

/// One QR matrix for the display: the CPM payload's text (156 characters,
/// version 9-M), mask chosen by the penalty rules.
#[cfg(feature = "ops-qr")]
fn qr_bench() {
    use tapcrypt::code::render::qr_matrix;
    cortex_m::interrupt::free(|cs| {
        if let Ok(mut b) = QR_BUFS.borrow(cs).try_borrow_mut() {
            black_box(qr_matrix(black_box(b"hQVDUFYwMWFrTwigAAAAJQEIAVoIU5mZRXSRCARjVZ8mCB6KI2c0Tzx7nycBgJ8QCA/S59rIFLjwnzYC1sefNwTKyBxsggIZgJ8CBgAAAAAAAJ8DBgAAAAAAAJ8aAggmlQUAAAAAAF8qAghAmgMlEjGcAQA="), None, &mut b).is_ok());
        }
    });
}

/// One QR matrix for the display: the 18 digits of a payment code (codes.json
/// `qr-code-0`, numeric mode, version 1-M, 21×21), mask chosen by the penalty
/// rules (8 trial masks).
#[cfg(feature = "ops-qr")]
fn qr_code_bench() {
    use tapcrypt::code::render::qr_matrix;
    cortex_m::interrupt::free(|cs| {
        if let Ok(mut b) = QR_BUFS.borrow(cs).try_borrow_mut() {
            black_box(qr_matrix(black_box(b"251335561230961460"), None, &mut b).is_ok());
        }
    });
}

/// The same code's QR matrix with the mask fixed (6: segno's choice for this
/// text, the KAT's symbol), as a band that skips the mask search does.
#[cfg(feature = "ops-qr")]
fn qr_code_mask6_bench() {
    use tapcrypt::code::render::qr_matrix;
    cortex_m::interrupt::free(|cs| {
        if let Ok(mut b) = QR_BUFS.borrow(cs).try_borrow_mut() {
            black_box(qr_matrix(black_box(b"251335561230961460"), Some(6), &mut b).is_ok());
        }
    });
}
