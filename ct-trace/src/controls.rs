//! Controls: code whose trace *does* depend on a secret (and one that does
//! not), so the check proves it sees what it claims to. `expected.txt` says
//! on which cores each must be flagged; `trace.py` fails if one is not.

use core::hint::black_box;
use core::ptr::addr_of;

use crate::{get, out};

// The original secret: byte 0 is odd (the `if` takes its first arm), byte 1
// is the divisor − 1, and the whole buffer equals `PUBLIC_REF` (the early
// exit runs to the end; any change exits earlier).
crate::secret!(
    CT_CONTROL,
    16,
    [
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC,
        0xFE
    ]
);

static PUBLIC_REF: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE,
];

const fn table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ((i as u8).wrapping_mul(0x1D)) ^ 0x37;
        i += 1;
    }
    t
}

/// A 256-byte table in flash, as in a table-based AES S-box.
static TABLE: [u8; 256] = table();

/// Secret-indexed load: the address read depends on the secret (every core).
pub extern "C" fn table_lookup() {
    let v = get(addr_of!(CT_CONTROL));
    let t = black_box(&TABLE);
    out(&[t[usize::from(v[0])]]);
}

/// Early-exit compare: the loop length depends on the secret (every core).
pub extern "C" fn early_exit() {
    let v = get(addr_of!(CT_CONTROL));
    let r = black_box(&PUBLIC_REF);
    let mut eq = 1u8;
    for (a, b) in v.iter().zip(r.iter()) {
        if a != b {
            eq = 0;
            break;
        }
    }
    out(&[eq]);
}

/// A plain `if` on a secret bit choosing between two constants: a branch on
/// Cortex-M0+ (no conditional execution), an `it`-predicated move on
/// Cortex-M4/M33 (the same instructions run either way: not flagged there).
pub extern "C" fn if_bit() {
    let v = get(addr_of!(CT_CONTROL));
    let r: u32 = if v[0] & 1 != 0 {
        0x1111_1111
    } else {
        0x2D2D_4B4B
    };
    out(&r.to_le_bytes());
}

/// Division by a secret: `udiv` with secret operands on M4/M33 (flagged by
/// its recorded operands: its latency depends on them), a software division
/// loop on M0+ (flagged by its control flow).
pub extern "C" fn div() {
    let v = get(addr_of!(CT_CONTROL));
    let r = black_box(0xDEAD_BEEFu32) / (u32::from(v[1]) + 1);
    out(&r.to_le_bytes());
}

/// The constant-time version of `if_bit` (a mask, hidden from the
/// optimiser): must be identical on every core.
pub extern "C" fn masked_select() {
    let v = get(addr_of!(CT_CONTROL));
    let a = black_box(0x1111_1111u32);
    let b = black_box(0x2222_2222u32);
    let m = black_box(u32::from(v[0] & 1)).wrapping_neg();
    out(&((a & m) | (b & !m)).to_le_bytes());
}
