//! A band at the till: its DPAN wallet (the contract between the band and
//! the token service) and one tap.
//!
//! The wallet holds one-time DPANs received in provisioning batches. For a
//! tap the band *reserves* the next DPAN and ATC, *persists* the wallet
//! (so a power cut can never reuse either), then *takes* them and computes
//! the DPAN-bound ARQC. The token service's side of the contract is then
//! checked: it detokenizes the DPAN (FF1 decryption) and verifies the ARQC
//! over the DPAN that was used.
//!
//! Run: `cargo run --example band`
#![allow(clippy::unwrap_used)]

use tapcrypt::emv::{
    ArpcResponse, Atc, BOUND_CARD_DATA_MAX, CardKeySchedule, Csu, TAPCRYPT_DPAN_AES,
    TransactionData, UnpredictableNumber,
};
use tapcrypt::token::wallet::DpanWallet;
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Token service: a DPAN range (its key never leaves the service), the
    // token account, and the card key it provisions to the band.
    let range_key = DpanRangeKey::from_hex(
        Algorithm::Aes256,
        "DBCB420CDABE2A5495BEDAECFE69A89D1FE28C5309BC56AD6FF47C575002CBD2",
    )?;
    let mut range = DpanRange::new(Bin::parse("53999912")?, &range_key, 1, "", 0)?;
    let imk = IssuerMasterKey::from_hex(Algorithm::Aes128, "2B7E151628AED2A6ABF7158809CF4F3C")?;
    let account = Pan::parse("5399991200004242")?;
    let mut batch: Vec<Dpan> = (0..4)
        .map(|_| Dpan::parse("0000000000000"))
        .collect::<Result<_, _>>()?;
    let first_seq = range.issue_batch(&mut batch)?;

    // The band, after provisioning (see examples/provisioning.rs).
    let card =
        CardKeySchedule::new(TAPCRYPT_DPAN_AES.derive_card_key(&imk, &account, Psn::ABSENT)?);
    let mut wallet: DpanWallet<8> = DpanWallet::new(Atc::from_u16(1), 1);
    wallet.receive_batch(&batch)?;
    let mut flash = vec![0u8; DpanWallet::<8>::STATE_BYTES];

    // The tap: reserve, persist, take.
    let r = wallet.reserve()?;
    wallet.to_bytes(&mut flash)?;
    let (dpan, atc) = wallet.take(r)?;
    let txn = TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x25, 0x00],
        terminal_country: [0x08, 0x26],
        currency: [0x08, 0x26],
        date: [0x26, 0x12, 0x02],
        un: UnpredictableNumber([0x3C, 0x91, 0x07, 0xE2]),
        aip: [0x19, 0x80],
        atc,
        ..TransactionData::default()
    };
    let iad = [0x0F, 0xD2, 0, 0, 0, 0, 0, 0];
    let dpan_pan = dpan.to_pan()?;
    let mut buf = [0u8; BOUND_CARD_DATA_MAX];
    let card_data = TAPCRYPT_DPAN_AES.card_data_bound(&dpan_pan, &iad, &mut buf)?;
    // The keys are built in a slot in this frame: the session key is
    // expanded in place, no schedule is copied (the smallest tap stack).
    let mut slot = None;
    let keys = TAPCRYPT_DPAN_AES.transaction_keys_in(&card, atc, txn.un, &mut slot)?;
    let arqc = keys.generate_ac(&txn, &card_data)?;
    println!(
        "tap: ATC {:04X}, ARQC {:02X?}, {} DPANs left",
        atc.to_u16(),
        arqc.0,
        wallet.remaining()
    );

    // The token service: detokenize, find the account, verify, answer.
    let seq = range.detokenize(&dpan)?;
    assert_eq!(seq, first_seq);
    let be_card = TAPCRYPT_DPAN_AES.derive_card_key(&imk, &account, Psn::ABSENT)?;
    let be_keys = TAPCRYPT_DPAN_AES.transaction_keys(&be_card, atc, txn.un)?;
    let verified = be_keys.verify_arqc(&txn, &card_data, &arqc)?;
    let response = ArpcResponse::Method2 {
        csu: Csu([0x00, 0x82, 0x00, 0x00]),
        proprietary: &[],
    };
    let arpc = verified.arpc(&response)?;
    keys.verify_arpc(&arqc, &response, &arpc)?;
    println!("token service: sequence number {seq}, ARQC verified; band: ARPC verified");

    // A restart from the persisted state never hands out the DPAN again.
    let restored = DpanWallet::<8>::from_bytes(&flash)?;
    assert_eq!(restored.remaining(), wallet.remaining());
    Ok(())
}
