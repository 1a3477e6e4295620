//! tapcrypt on bare metal: known-answer tests and instruction-count benches
//! for every device operation, run under QEMU (Cortex-M4 `mps2-an386`,
//! Cortex-M33 `mps2-an505`, Cortex-M0 `microbit`) or on a real board.
//!
//! * **No panic survives**: the panic handler calls a symbol that does not
//!   exist, so a release build only links if the optimiser removed every
//!   panic path from the harness and from the tapcrypt code it calls.
//! * **No division**: the harness prints numbers without `/` or `%`, so
//!   `check-div.sh` can demand that no divide instruction or division helper
//!   appears anywhere in the firmware.
//! * **Counting**: with QEMU's `-icount shift=0` one instruction is 1 ns of
//!   virtual time and SysTick ticks at the board's 25 MHz, so one tick is 40
//!   instructions; each op runs `REPS` times between two SysTick reads. A
//!   calibration loop of known length checks the 40. With the `dwt` feature
//!   the counter is DWT CYCCNT instead (real cycles on a real board).
//! * **Stack**: the free RAM below the stack pointer is painted before each
//!   op and scanned after it; the lowest overwritten word is the op's peak.
//!
//! Output lines (parsed by `bench-table.sh`):
//! `KAT <name> ok|FAIL`, `BENCH <name> ticks=<t> reps=<n> stack=<bytes>`,
//! `CAL n=<n> ticks=<t>`; the exit status is non-zero if any KAT failed.

#![no_std]
#![no_main]
// Images with a subset of the ops (size and firmware-profile builds) leave
// the other ops' vectors and imports unused.
#![cfg_attr(
    not(all(feature = "ops-aes", feature = "ops-tdes", feature = "ops-ff1")),
    allow(dead_code, unused_imports)
)]

mod ops;

use core::hint::black_box;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hio};

/// Repetitions per measurement: 40 makes one SysTick tick (40 instructions
/// under -icount shift=0) worth one instruction per op.
pub const REPS: u32 = 40;

#[cfg(feature = "allow-panic")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    out(b"PANIC\n");
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

#[cfg(not(feature = "allow-panic"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Deliberately undefined: if any panic path survives optimisation
        /// the firmware does not link.
        fn __tapcrypt_panic_path_is_reachable() -> !;
    }
    // SAFETY: never called at run time — the link fails first.
    unsafe { __tapcrypt_panic_path_is_reachable() }
}

#[exception]
unsafe fn HardFault(_ef: &ExceptionFrame) -> ! {
    out(b"HARDFAULT\n");
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

/// Writes bytes to the host's stdout (semihosting), ignoring errors.
pub fn out(b: &[u8]) {
    if let Ok(mut s) = hio::hstdout() {
        let _ = s.write_all(b);
    }
}

/// Writes a u32 in decimal without dividing (masked powers of ten).
pub fn out_u32(mut v: u32) {
    const P: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let mut buf = [0u8; 10];
    let mut started = false;
    let mut n = 0usize;
    for p in P {
        let mut d = 0u8;
        // black_box: LLVM's loop-idiom pass would otherwise turn this
        // repeated subtraction back into a division (__aeabi_uidiv on M0+).
        while black_box(v) >= p {
            v -= p;
            d += 1;
        }
        if d != 0 || started || p == 1 {
            started = true;
            if let Some(slot) = buf.get_mut(n) {
                *slot = b'0' + d;
            }
            n += 1;
        }
    }
    out(buf.get(..n).unwrap_or(&[]));
}

/// The counter: SysTick (default) or DWT CYCCNT (`dwt` feature).
pub struct Meter {
    #[cfg(not(feature = "dwt"))]
    syst: cortex_m::peripheral::SYST,
    #[cfg(feature = "dwt")]
    _dwt: (),
}

impl Meter {
    fn new(mut p: cortex_m::Peripherals) -> Self {
        #[cfg(not(feature = "dwt"))]
        {
            p.SYST.set_clock_source(SystClkSource::Core);
            p.SYST.set_reload(0x00FF_FFFF);
            p.SYST.clear_current();
            p.SYST.enable_counter();
            Meter { syst: p.SYST }
        }
        #[cfg(feature = "dwt")]
        {
            let _ = SystClkSource::Core;
            p.DCB.enable_trace();
            cortex_m::peripheral::DWT::unlock();
            p.DWT.enable_cycle_counter();
            Meter { _dwt: () }
        }
    }

    /// Counter units elapsed while `f` runs `reps` times.
    pub fn measure(&mut self, reps: u32, f: &dyn Fn()) -> u32 {
        #[cfg(not(feature = "dwt"))]
        {
            self.syst.clear_current();
            let t0 = cortex_m::peripheral::SYST::get_current();
            for _ in 0..reps {
                f();
            }
            let t1 = cortex_m::peripheral::SYST::get_current();
            t0.wrapping_sub(t1) & 0x00FF_FFFF
        }
        #[cfg(feature = "dwt")]
        {
            let t0 = cortex_m::peripheral::DWT::cycle_count();
            for _ in 0..reps {
                f();
            }
            cortex_m::peripheral::DWT::cycle_count().wrapping_sub(t0)
        }
    }
}

/// A loop of exactly `n` iterations of `subs; bne` (2 instructions each).
#[inline(never)]
fn calibration_loop(n: u32) {
    // SAFETY: register-only loop; no memory access.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {0}, {0}, #1",
            "bne 2b",
            inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}

/// Paints the free stack below the current SP (down to the end of static
/// RAM) with a pattern, runs `f`, and returns the bytes `f` used below the
/// SP it was called at.
#[inline(never)]
fn stack_peak(f: &dyn Fn()) -> u32 {
    const PAINT: u32 = 0x5AC3_5AC3;
    unsafe extern "C" {
        static mut __sheap: u32;
    }
    let bottom = (&raw mut __sheap) as usize;
    let sp = cortex_m::register::msp::read() as usize;
    // Leave 64 bytes for this function's own frame.
    let top = sp.saturating_sub(64) & !3;
    let mut a = (bottom + 3) & !3;
    while a < top {
        // SAFETY: [bottom, top) is RAM between the heap start and the live
        // stack frame: nothing lives there.
        unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
    f();
    let mut lowest = top;
    let mut a = (bottom + 3) & !3;
    while a < top {
        // SAFETY: as above.
        if unsafe { core::ptr::read_volatile(a as *const u32) } != PAINT {
            lowest = a;
            break;
        }
        a += 4;
    }
    (sp - lowest) as u32
}

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        debug::exit(debug::EXIT_FAILURE);
        loop {}
    };
    let mut meter = Meter::new(p);

    // Calibration: the slope between two loop lengths must be 2 instructions
    // per iteration, i.e. 2n/40 ticks.
    for n in [10_000u32, 20_000] {
        let t = meter.measure(1, &|| calibration_loop(black_box(n)));
        out(b"CAL n=");
        out_u32(n);
        out(b" ticks=");
        out_u32(t);
        out(b"\n");
    }

    let mut failed = 0u32;
    for op in ops::OPS {
        let ok = (op.kat)();
        out(b"KAT ");
        out(op.name.as_bytes());
        out(if ok { b" ok\n" } else { b" FAIL\n" });
        if !ok {
            failed += 1;
        }
        let bench = op.bench;
        let t = meter.measure(REPS, &|| bench());
        let stack = stack_peak(&|| bench());
        out(b"BENCH ");
        out(op.name.as_bytes());
        out(b" ticks=");
        out_u32(t);
        out(b" reps=");
        out_u32(REPS);
        out(b" stack=");
        out_u32(stack);
        out(b"\n");
    }
    #[cfg(feature = "planted-div")]
    {
        out_u32(ops::planted_division(black_box(1000), black_box(7)));
        out(b"\n");
    }
    #[cfg(feature = "planted-panic")]
    {
        out_u32(ops::planted_panic(black_box(3)));
        out(b"\n");
    }
    if failed == 0 {
        out(b"ALL KATS PASSED\n");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        out(b"KAT FAILURES\n");
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {}
}
