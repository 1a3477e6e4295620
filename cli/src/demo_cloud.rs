//! `tapcrypt demo`, cloud-based payments: one Visa VCPS tap (CVN '43', a
//! limited-use key) and one Mastercard MCBP tap (single-use keys, mobile PIN,
//! dual cryptogram), each issued by the token service, tapped on the band
//! and verified by the backend. Device and backend share only the messages.

use std::process::ExitCode;

use crate::demo::{fail, hex, step, step_once};
use tapcrypt::emv::cloud::mcbp::{
    self, IssuedKeyBatch, IssuedSingleUseKeys, McbpIad, McbpProfile, McbpTap, McbpVerdict,
    MobilePin, SingleUseKey,
};
use tapcrypt::emv::cloud::vcps::{self, KeyIndex, Luk, LukBytes, VcpsIad, VcpsVerifier};
use tapcrypt::emv::{Atc, TransactionData, UnpredictableNumber};
use tapcrypt::{Algorithm, IssuerMasterKey, Pan, Psn};

fn must_fail<T, E>(what: &str, r: Result<T, E>) -> Result<(), ExitCode> {
    match r {
        Err(_) => {
            println!("    {what}: rejected, as it must be");
            Ok(())
        }
        Ok(_) => {
            eprintln!("demo failed: {what} was accepted");
            Err(ExitCode::from(1))
        }
    }
}

fn txn(atc: u16) -> TransactionData {
    TransactionData {
        amount_authorised: [0, 0, 0, 0, 0x12, 0x50],
        terminal_country: [0x08, 0x26],
        currency: [0x08, 0x26],
        date: [0x26, 0x12, 0x02],
        un: UnpredictableNumber([0x9E, 0x11, 0x40, 0x2C]),
        aip: [0x3C, 0x00],
        atc: Atc::from_u16(atc),
        ..TransactionData::default()
    }
}

/// The cloud part of the demo: a VCPS tap and an MCBP tap. On a failed
/// check (already reported on stderr) the process exits with status 1.
pub(crate) fn run_or_exit() {
    if vcps_tap().and_then(|()| mcbp_tap()).is_err() {
        std::process::exit(1);
    }
}

fn vcps_tap() -> Result<(), ExitCode> {
    println!("== Visa cloud-based payments (VCPS), CVN '43': a limited-use key ==");
    // Token service: the token's UDK and one LUK for this hour.
    let imk = IssuerMasterKey::from_hex(Algorithm::Tdes2, "0123456789ABCDEF0123456789ABCDEF")
        .map_err(|e| fail("IMK", e))?;
    let pan = Pan::parse("4895370012345678").map_err(|e| fail("token PAN", e))?;
    let udk = step("TSP: UDK = Option A(IMK, token PAN, PSN)", || {
        vcps::derive_udk(&imk, &pan, Psn::ABSENT)
    })
    .map_err(|e| fail("UDK", e))?;
    // 2 Dec 2026 07:00 → year digit 6, hours (day 336 − 1)·24 + 7 + 1 = 8048, LUK 01.
    let index = KeyIndex::new(6, 8048, 1).map_err(|e| fail("key index", e))?;
    let luk = step(
        "TSP: LUK = TDES_UDK(1‖KI‖8…) ‖ TDES_UDK(2‖KI‖8…)",
        || Luk::derive(&udk, index),
    )
    .map_err(|e| fail("LUK", e))?;
    let mut ki = [0u8; 8];
    println!(
        "    key index {}   LUK KCV {}",
        String::from_utf8_lossy(index.write_ascii(&mut ki)),
        hex(&luk.kcv().0)
    );
    // The LUK travels to the band (in production: inside a key block).
    let band_luk = Luk::new(LukBytes::from_bytes(luk.expose_secret()), index);
    drop(luk);

    // Band: a tap.
    let t = txn(0x0011);
    let iad = VcpsIad::new(
        0x01,
        [0x03, 0xA0, 0x00, 0x00],
        [0, 0, 0x11, 0x22, 0x33, 0x44],
        index,
    )
    .map_err(|e| fail("IAD", e))?;
    let ac = step(
        "band: qVSDC AC = MAC3_LUK(terminal data ‖ AIP ‖ ATC ‖ CVR)",
        || band_luk.qvsdc_ac(&t, &iad),
    )
    .map_err(|e| fail("qVSDC AC", e))?;
    println!("    9F26 {}   9F10 {}", hex(&ac.0), hex(&iad.to_bytes()));
    let msd = band_luk.msd_value(t.atc, &[0; 8]);

    // Backend: the profile is pinned (CVN '43'); the key index comes from the
    // IAD and must be one the token service issued.
    let parsed = VcpsIad::parse(&iad.to_bytes()).map_err(|e| fail("IAD parse", e))?;
    let issued = [index];
    let verifier = VcpsVerifier::new(&udk, &issued);
    let proof = step("backend: LUK from the IAD's key index, verify AC", || {
        verifier.verify_qvsdc(&t, &parsed, &ac)
    })
    .map_err(|e| fail("qVSDC verification", e))?;
    println!(
        "    qVSDC AC verified: ATC {:04X}, key index {:?}",
        proof.atc().to_u16(),
        proof.key_index()
    );
    let value = msd.to_ascii();
    verifier
        .verify_msd(
            index,
            t.atc,
            &[0; 8],
            std::str::from_utf8(&value).unwrap_or(""),
        )
        .map_err(|e| fail("MSD verification", e))?;
    println!("    MSD verification value verified");
    let other = KeyIndex::new(6, 8048, 2).map_err(|e| fail("key index", e))?;
    let forged =
        VcpsIad::new(0x01, [0x03, 0xA0, 0x00, 0x00], [0; 6], other).map_err(|e| fail("IAD", e))?;
    must_fail(
        "an AC claiming key index 6804802 (never issued)",
        verifier.verify_qvsdc(&t, &forged, &ac),
    )?;
    let mut t2 = t;
    t2.amount_authorised[5] = 0x51;
    must_fail(
        "the same AC with amount 12.51",
        verifier.verify_qvsdc(&t2, &parsed, &ac),
    )?;
    println!();
    Ok(())
}

fn mcbp_tap() -> Result<(), ExitCode> {
    println!("== Mastercard cloud-based payments (MCBP): single-use keys, mobile PIN ==");
    let mut template = [0u8; 18];
    template[0] = 0x01; // KDI
    template[1] = 0x14; // CVN
    template[16] = 0x00;
    template[17] = 0xFF;
    let profile = McbpProfile {
        iad_template: template,
        pin_iv_cvc3_track2: [0xAD, 0x56],
    };
    // Token service: the single-use keys it issued for ATC 1 and 2 (in
    // production they come from the CMS; here fixed demo bytes), kept in its
    // store, and the device's copies with the UMD keys masked by the PIN.
    let pin = "4321";
    let issued = |atc: u16, seed: u8| {
        IssuedSingleUseKeys::contactless(
            Atc::from_u16(atc),
            SingleUseKey::from_bytes(&[seed; 16]),
            SingleUseKey::from_bytes(&[seed ^ 0x5A; 16]),
        )
    };
    let mut store = IssuedKeyBatch::<4>::new();
    let mut device = Vec::new();
    for (atc, seed) in [(1u16, 0x31u8), (2, 0x47)] {
        let k = issued(atc, seed);
        device.push(k.masked_for_device(&MobilePin::parse(pin).map_err(|e| fail("PIN", e))?));
        store.insert(k).map_err(|e| fail("store", e))?;
    }
    println!("    token service issued {} credentials", store.unspent());

    // Band, tap 1: the cardholder enters the right PIN.
    let creds = device.remove(0);
    let tap = McbpTap {
        txn: txn(creds.atc().to_u16()),
        cvr: [0xA5, 0x00, 0x00, 0x04, 0x00, 0x00],
        dac: [0, 0],
        icc_dynamic_number: [0; 8],
    };
    let entered = MobilePin::parse(pin).map_err(|e| fail("PIN", e))?;
    let dual = step_once(
        "band: unlock UMD key with the PIN, dual AC (2 MACs)",
        || creds.unlock(entered).contactless_ac(&profile, &tap),
    )
    .map_err(|e| fail("dual AC", e))?;
    println!(
        "    9F26 (AC_UMD) {}   9F10 {}",
        hex(&dual.ac.0),
        hex(&dual.iad)
    );

    // Backend: both cryptograms, from the keys it issued.
    let iad = McbpIad::parse(&dual.iad, &profile).map_err(|e| fail("IAD parse", e))?;
    let verdict = step_once("backend: verify AC_UMD and AC_MD (2 MACs)", || {
        mcbp::verify_contactless(&mut store, &tap.txn, &iad, &dual.ac)
    })
    .map_err(|e| fail("MCBP verification", e))?;
    match verdict {
        McbpVerdict::PinVerified(p) => println!(
            "    both cryptograms verified: PIN-verified tap, ATC {:04X}; keys spent",
            p.atc().to_u16()
        ),
        McbpVerdict::DeviceOnly(_) => {
            eprintln!("demo failed: right PIN gave a device-only result");
            return Err(ExitCode::from(1));
        }
    }
    must_fail(
        "the same tap replayed (single-use keys already spent)",
        mcbp::verify_contactless(&mut store, &tap.txn, &iad, &dual.ac),
    )?;

    // Band, tap 2: a wrong PIN. The band cannot tell; the issuer can.
    let creds = device.remove(0);
    let tap2 = McbpTap {
        txn: txn(creds.atc().to_u16()),
        ..tap
    };
    let wrong = MobilePin::parse("1234").map_err(|e| fail("PIN", e))?;
    let dual2 = creds
        .unlock(wrong)
        .contactless_ac(&profile, &tap2)
        .map_err(|e| fail("dual AC", e))?;
    let iad2 = McbpIad::parse(&dual2.iad, &profile).map_err(|e| fail("IAD parse", e))?;
    let v2 = mcbp::verify_contactless(&mut store, &tap2.txn, &iad2, &dual2.ac)
        .map_err(|e| fail("MCBP verification", e))?;
    if matches!(v2, McbpVerdict::DeviceOnly(_)) {
        println!("    wrong PIN: genuine device, PIN not verified (device-only result)");
    } else {
        eprintln!("demo failed: a wrong PIN was reported as PIN-verified");
        return Err(ExitCode::from(1));
    }
    must_fail(
        "the device-only result presented as PIN-verified",
        v2.require_pin(),
    )?;
    println!();
    Ok(())
}
