//! `tapcrypt demo`: one tap, end to end, with every value and the time each
//! step took. The device and the backend share nothing but the messages a real
//! terminal and network would carry.

use std::process::ExitCode;
use std::time::Instant;

use tapcrypt::emv::{
    Arc, ArpcResponse, Atc, Csu, Cvn, EMV_COMMON_AES, TransactionData, UnpredictableNumber,
    VISA_CVN_18,
};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Runs `f`, printing `label`, the time it took and what it returned.
fn step<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    let us = t.elapsed().as_secs_f64() * 1e6;
    println!("  {label:<52} {us:>9.1} µs");
    out
}

fn fail(what: &str, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("demo failed: {what}: {e}");
    ExitCode::from(1)
}

pub(crate) fn run() -> ExitCode {
    println!("tapcrypt demo: a tap on the band, its authorisation on the backend\n");
    for (cvn, imk_hex) in [
        (
            &EMV_COMMON_AES,
            "0123456789ABCDEFFEDCBA98765432100123456789ABCDEF",
        ),
        (&VISA_CVN_18, "0123456789ABCDEFFEDCBA9876543210"),
    ] {
        if let Err(code) = one_tap(cvn, imk_hex) {
            return code;
        }
    }
    println!("demo finished: every check passed");
    ExitCode::SUCCESS
}

fn one_tap(cvn: &Cvn, imk_hex: &str) -> Result<(), ExitCode> {
    let alg = match imk_hex.len() {
        32 if cvn.cipher == tapcrypt::emv::cryptogram::CipherFamily::Tdes => Algorithm::Tdes2,
        32 => Algorithm::Aes128,
        48 => Algorithm::Aes192,
        _ => Algorithm::Aes256,
    };
    println!("== {} ({:?}) ==", cvn.name, alg);
    let imk = IssuerMasterKey::from_hex(alg, imk_hex).map_err(|e| fail("IMK", e))?;
    let pan = Pan::parse("5413330089010608").map_err(|e| fail("PAN", e))?;
    let psn = Psn::parse("01").map_err(|e| fail("PSN", e))?;
    println!("  IMK KCV {}   PAN ****0608   PSN 01", hex(&imk.kcv().0));

    // Personalisation (issuer, once): the card key goes onto the device.
    let device_key: CardMasterKey = step("personalise: ICC MK from IMK", || {
        cvn.derive_card_key(&imk, &pan, psn)
    })
    .map_err(|e| fail("ICC MK", e))?;
    println!("    ICC MK KCV {}", hex(&device_key.kcv().0));

    // The terminal's data for this tap.
    let atc = Atc::from_u16(0x0042);
    let un = UnpredictableNumber([0x8A, 0x13, 0x5C, 0xF0]);
    let txn = TransactionData {
        amount_authorised: [0x00, 0x00, 0x00, 0x00, 0x12, 0x50],
        amount_other: [0; 6],
        terminal_country: [0x01, 0x56],
        tvr: [0; 5],
        currency: [0x01, 0x56],
        date: [0x26, 0x11, 0x23],
        transaction_type: 0x00,
        un,
        aip: [0x19, 0x80],
        atc,
    };
    let iad: &[u8] = if cvn.cipher == tapcrypt::emv::cryptogram::CipherFamily::Aes {
        &[0x0F, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
    } else {
        &[0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00]
    };
    println!(
        "    amount 12.50 CNY  ATC {}  UN {}",
        hex(&atc.0),
        hex(&un.0)
    );

    // Device: session key and ARQC.
    let card_data = cvn.card_data(iad).map_err(|e| fail("card data", e))?;
    let (arqc, dev_keys) = step("device: session key + ARQC", || {
        let keys = cvn.transaction_keys(&device_key, atc, un)?;
        let ac = keys.generate_ac(&txn, &card_data)?;
        Ok::<_, tapcrypt::Error>((ac, keys))
    })
    .map_err(|e| fail("ARQC", e))?;
    println!("    ARQC {}", hex(&arqc.0));

    // Backend: derive the same keys from the IMK, verify, answer.
    let backend_key = step("backend: ICC MK from IMK", || {
        cvn.derive_card_key(&imk, &pan, psn)
    })
    .map_err(|e| fail("backend ICC MK", e))?;
    let be_keys = step("backend: session key", || {
        cvn.transaction_keys(&backend_key, atc, un)
    })
    .map_err(|e| fail("backend session key", e))?;
    step("backend: verify ARQC (constant time)", || {
        be_keys.verify_ac(&txn, &card_data, &arqc)
    })
    .map_err(|e| fail("ARQC verification", e))?;
    println!("    ARQC verified");
    let prop = [0u8; 0];
    let response = match cvn.arpc {
        tapcrypt::emv::ArpcMethod::Method1 => ArpcResponse::Method1 { arc: Arc(*b"00") },
        tapcrypt::emv::ArpcMethod::Method2 => ArpcResponse::Method2 {
            csu: Csu([0x00, 0x82, 0x00, 0x00]),
            proprietary: &prop,
        },
    };
    let arpc =
        step("backend: ARPC", || be_keys.arpc(&arqc, &response)).map_err(|e| fail("ARPC", e))?;
    println!("    ARPC {} ({:?})", hex(arpc.as_bytes()), cvn.arpc);

    // Device: check the issuer's answer.
    step("device: verify ARPC (constant time)", || {
        dev_keys.verify_arpc(&arqc, &response, &arpc)
    })
    .map_err(|e| fail("ARPC verification", e))?;
    println!("    ARPC verified: the issuer approved");

    // A tampered amount must not verify.
    let mut forged = txn;
    forged.amount_authorised[5] = 0x51;
    match be_keys.verify_ac(&forged, &card_data, &arqc) {
        Err(_) => println!("    same ARQC with amount 12.51: rejected, as it must be\n"),
        Ok(()) => {
            eprintln!("demo failed: a tampered amount verified");
            return Err(ExitCode::from(1));
        }
    }
    Ok(())
}
