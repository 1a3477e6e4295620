//! The valgrind client requests we need, as the inline-assembly "magic
//! sequence" from `valgrind.h` (amd64). Outside valgrind the sequence is a
//! no-op (rotating `rdi` by 128 bits in total and `xchg rbx, rbx`), so the
//! same binary runs natively. No bindgen, no libclang, no C.

/// `VALGRIND_MAKE_MEM_UNDEFINED`.
const MAKE_MEM_UNDEFINED: usize = 0x4D43_0001;
/// `VALGRIND_MAKE_MEM_DEFINED`.
const MAKE_MEM_DEFINED: usize = 0x4D43_0002;
/// `RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: usize = 0x1001;

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn request(default: usize, args: [usize; 6]) -> usize {
    let result;
    // SAFETY: this is valgrind's documented client-request sequence. The four
    // rotations of rdi add up to 128 bits, leaving it unchanged; xchg rbx,rbx
    // is a no-op on real hardware. Valgrind reads the 6-word argument block
    // through rax and writes the result to rdx.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") default => result,
            in("rax") args.as_ptr(),
            inout("rdi") 0usize => _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(all(target_arch = "x86_64", not(miri))))]
fn request(default: usize, _args: [usize; 6]) -> usize {
    default
}

/// True when running under valgrind.
pub fn running_on_valgrind() -> bool {
    request(0, [RUNNING_ON_VALGRIND, 0, 0, 0, 0, 0]) != 0
}

/// Marks `bytes` as secret: memcheck reports any branch or address that
/// depends on them.
pub fn poison(bytes: &[u8]) {
    request(
        0,
        [
            MAKE_MEM_UNDEFINED,
            bytes.as_ptr() as usize,
            bytes.len(),
            0,
            0,
            0,
        ],
    );
}

/// Marks `bytes` as public again.
pub fn unpoison(bytes: &[u8]) {
    request(
        0,
        [
            MAKE_MEM_DEFINED,
            bytes.as_ptr() as usize,
            bytes.len(),
            0,
            0,
            0,
        ],
    );
}

/// Canary mode (`CTGRIND_CANARY=1`): [`declassify`] does *not* declassify but
/// branches on the value instead. Every case must then be flagged, which
/// proves that its secret inputs really flow into the outputs it declassifies: a case whose secrets were
/// constant-folded away, or never marked, would otherwise pass vacuously.
static CANARY: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Turns canary mode on (see [`CANARY`]).
pub fn set_canary(on: bool) {
    CANARY.store(on, core::sync::atomic::Ordering::Relaxed);
}

fn canary() -> bool {
    CANARY.load(core::sync::atomic::Ordering::Relaxed)
}

/// Branches on every byte of `bytes` (canary mode only): memcheck reports the
/// branch if any of them is still secret.
#[inline(never)]
fn touch(bytes: &[u8]) {
    let mut x = 0u8;
    for b in bytes {
        // SAFETY: `b` is a valid reference; volatile so the read is not folded.
        x ^= unsafe { core::ptr::read_volatile(b) };
    }
    if x == 0x5A {
        std::hint::black_box(());
    }
}

/// Declassifies bytes that are public by design (a DPAN being sent).
pub fn declassify_bytes(b: &[u8]) {
    if canary() {
        touch(b);
    } else {
        unpoison(b);
    }
}

/// Declassifies a value that is public by design (a MAC we send, a verdict):
/// writes it to a volatile stack slot, marks that defined and reads it back,
/// so register copies are cleaned too (see shared/CHECKS.md).
pub fn declassify<T: Copy>(v: T) -> T {
    if canary() {
        // SAFETY: any `T: Copy` value may be viewed as its bytes for reading;
        // padding bytes, if any, only add reports in canary mode.
        touch(unsafe { core::slice::from_raw_parts((&raw const v).cast::<u8>(), size_of::<T>()) });
        return v;
    }
    let mut slot = core::mem::MaybeUninit::<T>::uninit();
    // SAFETY: slot is valid for writes of T; we read back exactly what we wrote.
    unsafe {
        core::ptr::write_volatile(slot.as_mut_ptr(), v);
        let bytes = core::slice::from_raw_parts(slot.as_ptr().cast::<u8>(), size_of::<T>());
        unpoison(bytes);
        core::ptr::read_volatile(slot.as_ptr())
    }
}

/// A secret copy of an ASCII string (e.g. a PAN), poisoned.
pub struct SecretStr {
    buf: Vec<u8>,
}

impl SecretStr {
    pub fn new(s: &str) -> Self {
        let buf = s.as_bytes().to_vec();
        poison(&buf);
        SecretStr { buf }
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: built from a &str; the bytes are unchanged (only their
        // definedness was altered). from_utf8 would branch on the secret bytes.
        unsafe { core::str::from_utf8_unchecked(&self.buf) }
    }
}

/// A poisoned copy of a byte array. The volatile read makes the compiler
/// take the value from the poisoned memory instead of constant-folding `b`.
pub fn secret<const N: usize>(b: [u8; N]) -> [u8; N] {
    let out = b;
    poison(&out);
    // SAFETY: `out` is a valid, initialised local.
    unsafe { core::ptr::read_volatile(&out) }
}
