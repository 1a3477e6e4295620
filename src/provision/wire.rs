//! Byte-level reading and writing of the provisioning messages (envelope and
//! request). Public data only: lengths and counts here are never secret.

use crate::Error;

pub(crate) fn malformed(what: &'static str) -> Error {
    Error::Malformed { what }
}

/// Reads fields front to back; every read is bounds-checked and reports
/// which field ran past the end.
pub(crate) struct Cursor<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).ok_or(malformed(what))?;
        let s = self.buf.get(self.pos..end).ok_or(Error::Length {
            field: what,
            expected: "the length the message declares",
            got: self.buf.len().saturating_sub(self.pos),
        })?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Error> {
        self.take(N, what)?.try_into().map_err(|_| malformed(what))
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        self.array::<1>(what).map(|[b]| b)
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, Error> {
        self.array(what).map(u16::from_be_bytes)
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, Error> {
        self.array(what).map(u64::from_be_bytes)
    }
}

/// Writes fields front to back into a caller's buffer.
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut [u8],
    pub(crate) pos: usize,
    /// Names the buffer and the length it needed, for the error.
    pub(crate) field: &'static str,
    pub(crate) expected: &'static str,
}

impl Writer<'_> {
    pub(crate) fn put(&mut self, b: &[u8]) -> Result<(), Error> {
        let got = self.out.len();
        let err = Error::Length {
            field: self.field,
            expected: self.expected,
            got,
        };
        let end = self.pos.checked_add(b.len()).ok_or(err)?;
        self.out
            .get_mut(self.pos..end)
            .ok_or(err)?
            .copy_from_slice(b);
        self.pos = end;
        Ok(())
    }

    /// The bytes written so far.
    pub(crate) fn written(&self) -> &[u8] {
        self.out.get(..self.pos).unwrap_or(&[])
    }
}
