//! tapcrypt's device entry points, laid out for a trace-equivalence check.
//!
//! Each entry point is an `extern "C" fn()` that reads its **secret** inputs
//! from `#[no_mangle]` RAM buffers (`CT_*`, in `.data`), takes its public
//! inputs from constants, runs one device operation and writes its public
//! output to [`CT_OUT`]. The table [`CT_ENTRIES`] (read from the ELF by
//! `trace.py`) names every entry point, its secret buffers and how each may
//! vary (bytes, digits, a number below a bound), and the known answer the
//! unmodified buffers must produce.
//!
//! `trace.py` runs each entry point under an emulator once with the original
//! secrets and once per alternative value (all bits flipped, random),
//! **patching the buffers in emulator memory**, so every run executes the
//! same bytes of code, and compares the executed instruction addresses, the
//! memory accesses and the operands of variable-latency instructions.
//!
//! **Adding an entry point**: write an `extern "C" fn` that reads its secrets
//! with [`get`] and writes its output with [`out`]; declare each secret
//! buffer with [`secret!`]; add one line to `CT_ENTRIES` at the bottom (name,
//! function, secrets, known answer or `NO_KAT`). Nothing else: the driver
//! reads the table.
//!
//! `unsafe` is confined to this harness (the buffers are `static mut` so the
//! emulator can patch them and the optimiser cannot fold them); the library
//! keeps `#![forbid(unsafe_code)]`.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use cortex_m_rt::entry;

mod controls;
mod ops;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // A permanently undefined instruction: the emulator stops and reports it.
    loop {
        cortex_m::asm::udf();
    }
}

/// Output of the last entry point (public by design: a cryptogram, a DPAN,
/// a verdict). Compared with the known answer on the reference run and used
/// to show that changing a secret changes the result (no vacuous pass).
#[unsafe(no_mangle)]
pub static mut CT_OUT: [u8; 256] = [0; 256];
/// Number of valid bytes in [`CT_OUT`].
#[unsafe(no_mangle)]
pub static mut CT_OUT_LEN: u32 = 0;

/// Writes an entry point's public output.
pub fn out(bytes: &[u8]) {
    let dst = addr_of_mut!(CT_OUT).cast::<u8>();
    let n = bytes.len().min(256);
    for (i, b) in bytes.iter().take(n).enumerate() {
        // SAFETY: i < 256, inside CT_OUT; single-threaded firmware.
        unsafe { write_volatile(dst.add(i), *b) };
    }
    // SAFETY: as above.
    unsafe { write_volatile(addr_of_mut!(CT_OUT_LEN), n as u32) };
}

/// Writes an error marker (an entry point whose operation failed).
pub fn out_err() {
    out(&[0xEE; 4]);
}

/// Reads a secret buffer (volatile: the optimiser must not fold it).
pub fn get<const N: usize>(p: *const [u8; N]) -> [u8; N] {
    // SAFETY: `p` points at one of the `CT_*` statics below; single-threaded.
    unsafe { read_volatile(p) }
}

/// Declares a secret input buffer the emulator patches: `secret!(NAME, N, init)`.
#[macro_export]
macro_rules! secret {
    ($name:ident, $n:expr, $init:expr) => {
        #[unsafe(no_mangle)]
        pub static mut $name: [u8; $n] = $init;
    };
}

/// How the driver may vary a secret (the value must stay well-formed, so the
/// run exercises the same operation rather than a public input check).
#[repr(u32)]
#[derive(Clone, Copy)]
pub enum Kind {
    /// Any bytes (keys, cryptograms under verification).
    Bytes = 0,
    /// ASCII digits '0'..='9' (PAN/DPAN digits).
    AsciiDigits = 1,
    /// Digit values 0..=9, one per byte.
    DigitValues = 2,
    /// A little-endian u64 below `param` (a DPAN sequence number).
    U64Below = 3,
    /// A P-256 private scalar: 32 big-endian bytes in [1, n−1].
    P256Scalar = 4,
}

/// A string the driver reads from the ELF.
#[repr(C)]
pub struct Str(*const u8, u32);

impl Str {
    const fn new(s: &'static str) -> Self {
        Str(s.as_ptr(), s.len() as u32)
    }
}

/// One secret buffer of an entry point.
#[repr(C)]
pub struct Secret {
    name: Str,
    ptr: *const u8,
    len: u32,
    kind: Kind,
    param: u32,
}

/// One entry point.
#[repr(C)]
pub struct Entry {
    name: Str,
    run: extern "C" fn(),
    secrets: *const Secret,
    n_secrets: u32,
    expect: *const u8,
    expect_len: u32,
}

// SAFETY: the table is immutable; the pointers are only read by the driver
// (and by `main`, single-threaded).
unsafe impl Sync for Entry {}
unsafe impl Sync for Secret {}

/// `s(NAME, kind)`: a secret descriptor for the buffer `NAME`.
macro_rules! s {
    ($buf:ident, $kind:expr) => {
        s!($buf, $kind, 0)
    };
    ($buf:ident, $kind:expr, $param:expr) => {
        Secret {
            name: Str::new(stringify!($buf)),
            ptr: addr_of!($buf).cast::<u8>(),
            len: $crate::len_of(addr_of!($buf)),
            kind: $kind,
            param: $param,
        }
    };
}

/// The length of a secret buffer, from its type alone.
pub const fn len_of<const N: usize>(_: *const [u8; N]) -> u32 {
    N as u32
}

/// `e!(name, function, [secrets], known answer)`: one table line.
macro_rules! e {
    ($name:literal, $run:expr, [$($sec:expr),* $(,)?], $expect:expr) => {{
        static SECRETS: &[Secret] = &[$($sec),*];
        static EXPECT: &[u8] = $expect;
        entry($name, $run, SECRETS, EXPECT)
    }};
}

const fn entry(
    name: &'static str,
    run: extern "C" fn(),
    secrets: &'static [Secret],
    expect: &'static [u8],
) -> Entry {
    Entry {
        name: Str::new(name),
        run,
        secrets: secrets.as_ptr(),
        n_secrets: secrets.len() as u32,
        expect: expect.as_ptr(),
        expect_len: expect.len() as u32,
    }
}

/// No independent known answer for this entry point's output (the driver
/// then only requires that changing a secret changes the output).
pub const NO_KAT: &[u8] = &[];

use Kind::*;
use controls::CT_CONTROL;
#[cfg(feature = "p256")]
use ops::p256::{CT_DEVICE_KEY, CT_ECDH_PRIV, CT_SIGN_KEY, CT_SIGN_RNG};
use ops::*;

/// Every entry point. One line each: name, function, secrets, known answer.
#[unsafe(no_mangle)]
#[used]
#[rustfmt::skip]
pub static CT_ENTRIES: &[Entry] = &[
    // ---- controls: the check must flag these (see expected.txt) ----
    e!("control_table_lookup", controls::table_lookup, [s!(CT_CONTROL, Bytes)], &[0x2A]),
    e!("control_early_exit", controls::early_exit, [s!(CT_CONTROL, Bytes)], &[1]),
    e!("control_if_bit", controls::if_bit, [s!(CT_CONTROL, Bytes)], &[0x11, 0x11, 0x11, 0x11]),
    e!("control_div", controls::div, [s!(CT_CONTROL, Bytes)], &[0x31, 0x7E, 0x2F, 0x06]),
    e!("control_masked_select", controls::masked_select, [s!(CT_CONTROL, Bytes)], &[0x11, 0x11, 0x11, 0x11]),
    // ---- TDES taps, every TDES CVN (card key expanded at the tap) ----
    e!("tap_visa10", tap_visa10, [s!(CT_TDES_MK, Bytes)], &VISA10_ARQC),
    e!("tap_visa18", tap_visa18, [s!(CT_TDES_MK, Bytes)], &VISA18_ARQC),
    e!("tap_visa22", tap_visa22, [s!(CT_TDES_MK_V22, Bytes)], &VISA22_ARQC),
    e!("tap_mc16", tap_mc16, [s!(CT_TDES_MK, Bytes)], &MC16_ARQC),
    e!("tap_mc17", tap_mc17, [s!(CT_TDES_MK, Bytes)], &MC17_ARQC),
    e!("tap_mc20", tap_mc20, [s!(CT_TDES_MK, Bytes)], &MC20_ARQC),
    e!("tap_mc21", tap_mc21, [s!(CT_TDES_MK, Bytes)], &MC21_ARQC),
    e!("tap_interac133", tap_interac133, [s!(CT_TDES_MK, Bytes)], &INTERAC133_ARQC),
    e!("tap_emv_common_tdes", tap_emv_common_tdes, [s!(CT_TDES_MK, Bytes)], NO_KAT),
    e!("csk_tdes_arqc", csk_tdes_arqc, [s!(CT_TDES_CHAIN_MK, Bytes)], &CHAIN_TDES_ARQC),
    // ---- AES taps ----
    e!("tap_emv_common_aes", tap_emv_common_aes, [s!(CT_AES_MK, Bytes)], NO_KAT),
    e!("csk_aes_arqc", csk_aes_arqc, [s!(CT_AES_MK, Bytes)], &CHAIN_AES_ARQC),
    e!("tap_dpan_bound", tap_dpan_bound, [s!(CT_DPB_IMK, Bytes), s!(CT_DPB_DPAN, AsciiDigits)], &DPB_ARQC),
    // ---- keys prepared ahead (idle time) + the tap that uses them ----
    e!("ahead_visa18", ahead_visa18, [s!(CT_TDES_MK, Bytes)], &VISA18_ARQC),
    e!("ahead_dpan_bound", ahead_dpan_bound, [s!(CT_DPB_IMK, Bytes), s!(CT_DPB_DPAN, AsciiDigits)], &DPB_ARQC),
    // ---- ARPC check on the device (secret key, secret ARPC under verification) ----
    e!("arpc_check_visa18", arpc_check_visa18, [s!(CT_TDES_MK, Bytes), s!(CT_ARPC, Bytes)], &[1]),
    e!("arpc_check_aes", arpc_check_aes, [s!(CT_AES_SK, Bytes), s!(CT_ARPC_AES, Bytes)], &[1]),
    // ---- the DPAN wallet ----
    e!("wallet_take", wallet_take, [s!(CT_WALLET_DPAN, AsciiDigits)], b"4111113633179386"),
    e!("wallet_persist_restore_take", wallet_restore, [s!(CT_WALLET_DPAN, AsciiDigits)], b"4111113633179386"),
    // ---- FF1 / DPAN ----
    e!("ff1_dpan_9_digits", ff1_dpan_9, [s!(CT_DPAN_KEY, Bytes), s!(CT_SEQ9, U64Below, 1_000_000_000)], b"4111113633179386"),
    e!("ff1_dpan_7_digits", ff1_dpan_7, [s!(CT_DPAN_KEY, Bytes), s!(CT_SEQ7, U64Below, 10_000_000)], b"4111112279086384"),
    e!("ff1_detokenize", ff1_detokenize, [s!(CT_DPAN_KEY, Bytes), s!(CT_DPAN_ACCOUNT, AsciiDigits)], &[1, 0, 0, 0, 0, 0, 0, 0]),
    e!("ff1_nist_encrypt", ff1_nist_encrypt, [s!(CT_NIST_KEY, Bytes), s!(CT_NIST_DIGITS, DigitValues)], &[2, 4, 3, 3, 4, 7, 7, 4, 8, 4]),
    e!("ff1_nist_decrypt", ff1_nist_decrypt, [s!(CT_NIST_KEY, Bytes), s!(CT_NIST_CIPHER, DigitValues)], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    // ---- offline codes (HOTP/TOTP on the band) ----
    e!("otp_hotp_sha1", otp_hotp_sha1, [s!(CT_OTP_SHA1, Bytes)], b"287082"),
    e!("otp_totp_sha1", otp_totp_sha1, [s!(CT_OTP_SHA1, Bytes)], b"94287082"),
    e!("otp_totp_sha256", otp_totp_sha256, [s!(CT_OTP_SHA256, Bytes)], b"46119246"),
    e!("otp_totp_sha512", otp_totp_sha512, [s!(CT_OTP_SHA512, Bytes)], b"90693936"),
    e!("payment_code", payment_code, [s!(CT_PC_SECRET, Bytes)], b"251335561230961460"),
    e!("payment_code_ndef", payment_code_ndef, [s!(CT_PC_SECRET, Bytes)], &NDEF_CODE),
    e!("payment_code_qr", payment_code_qr, [s!(CT_QR_TEXT, AsciiDigits)], &h::<56>("FE73FC16D06E86BB7545DBAF2EC12D07FAAFE01A005EDED245DB8DF6C8F002F3B6680050AFF8BE705895BAFA9DD7CB2E88CF050E5FE11500")),
    e!("cpm_qr_payload", cpm_build, [s!(CT_CPM_IMK, Bytes), s!(CT_CPM_DPAN, AsciiDigits)], CPM_PAYLOAD),
    // ---- P-256 (feature `p256`, Cortex-M4/M33 image) ----
    #[cfg(feature = "p256")]
    e!("p256_ecdh", p256::ecdh, [s!(CT_ECDH_PRIV, P256Scalar)], &p256::ECDH_SHARED),
    #[cfg(feature = "p256")]
    e!("p256_sign", p256::sign, [s!(CT_SIGN_KEY, P256Scalar)], &p256::RFC6979_SAMPLE_LOW_S),
    #[cfg(feature = "p256")]
    e!("p256_sign_hedged", p256::sign_hedged, [s!(CT_SIGN_KEY, P256Scalar), s!(CT_SIGN_RNG, Bytes)], &p256::HEDGED_SAMPLE_LOW_S),
    #[cfg(feature = "p256")]
    e!("p256_device_key_restore", p256::device_key_restore, [s!(CT_DEVICE_KEY, P256Scalar)], NO_KAT),
    #[cfg(feature = "p256")]
    e!("p256_envelope_open", p256::envelope_open, [s!(CT_DEVICE_KEY, P256Scalar)], &[0x11; 16]),
    #[cfg(feature = "p256")]
    e!("p256_request_build", p256::request_build, [s!(CT_SIGN_KEY, P256Scalar)], NO_KAT),
    // ---- cloud profiles, device side (VCPS CVN '43', the LUK wallet, MCBP) ----
    e!("vcps_qvsdc_tap", vcps_qvsdc_tap, [s!(CT_VCPS_LUK, Bytes)], &VCPS_AC),
    e!("vcps_msd_value", vcps_msd, [s!(CT_VCPS_MSD_LUK, Bytes)], b"573"),
    e!("luk_wallet_tap", luk_wallet_tap, [s!(CT_VCPS_LUK, Bytes)], &VCPS_AC_IAD),
    e!("mcbp_dual_ac", mcbp_dual_ac, [s!(CT_MCBP_SUK, Bytes), s!(CT_MCBP_SK_MD, Bytes), s!(CT_MCBP_PIN, AsciiDigits)], &MCBP_AC),
    e!("mcbp_cvc3", mcbp_cvc3, [s!(CT_CVC3_SUK, Bytes), s!(CT_CVC3_SK_MD, Bytes), s!(CT_CVC3_PIN, AsciiDigits)], &[0x00, 0xE2, 0x00, 0x8A]),
];

/// Where the driver stops a run: the entry point returns here.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn ct_halt() {
    // SAFETY: a volatile store so the function has a body of its own.
    unsafe {
        write_volatile(
            addr_of_mut!(CT_OUT_LEN),
            read_volatile(addr_of!(CT_OUT_LEN)),
        )
    };
}

#[entry]
fn main() -> ! {
    // Not used by the driver (it calls the entry points directly); keeps the
    // table linked and lets the image run each entry point once on a board.
    let t = black_box(CT_ENTRIES);
    for en in t {
        (en.run)();
        ct_halt();
    }
    loop {
        cortex_m::asm::wfi();
    }
}
