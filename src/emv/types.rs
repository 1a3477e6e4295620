//! Fixed-size EMV data elements. Lengths never come from untrusted input: each
//! wire field has its own array type.

use crate::Error;

macro_rules! fixed_field {
    ($(#[$meta:meta])* $name:ident, $n:literal, $field:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $n;

            /// From a slice of exactly the right length.
            ///
            /// # Errors
            /// [`Error::Length`] otherwise.
            pub fn from_slice(s: &[u8]) -> Result<Self, Error> {
                <[u8; $n]>::try_from(s).map($name).map_err(|_| Error::Length {
                    field: $field,
                    expected: stringify!($n),
                    got: s.len(),
                })
            }

            /// The bytes.
            #[must_use]
            pub const fn to_bytes(self) -> [u8; $n] {
                self.0
            }
        }

        impl From<[u8; $n]> for $name {
            fn from(b: [u8; $n]) -> Self {
                $name(b)
            }
        }
    };
}

fixed_field!(
    /// Application Transaction Counter (tag 9F36), big-endian.
    Atc, 2, "ATC"
);
fixed_field!(
    /// Unpredictable Number (tag 9F37) chosen by the terminal.
    UnpredictableNumber, 4, "unpredictable number"
);
fixed_field!(
    /// Authorisation Response Code (ARC, tag 8A) sent back with ARPC Method 1.
    ///
    /// Named `ResponseCode` rather than `Arc` so that it never shadows
    /// `std::sync::Arc` in an issuer service.
    ResponseCode, 2, "ARC"
);
fixed_field!(
    /// Card Status Update sent back with ARPC Method 2.
    Csu, 4, "CSU"
);
fixed_field!(
    /// An application cryptogram (tag 9F26): ARQC, TC or AAC. Always 8 bytes.
    Cryptogram, 8, "application cryptogram"
);

impl Atc {
    /// From the counter value.
    #[must_use]
    pub const fn from_u16(v: u16) -> Self {
        Atc(v.to_be_bytes())
    }

    /// The counter value.
    #[must_use]
    pub const fn to_u16(self) -> u16 {
        u16::from_be_bytes(self.0)
    }
}

/// The EMV Book 2 recommended minimum cryptogram input, 33 bytes, in order.
///
/// All fields are public transaction data sent in clear to the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TransactionData {
    /// 9F02 Amount, Authorised (n12, BCD).
    pub amount_authorised: [u8; 6],
    /// 9F03 Amount, Other (n12, BCD).
    pub amount_other: [u8; 6],
    /// 9F1A Terminal Country Code.
    pub terminal_country: [u8; 2],
    /// 95 Terminal Verification Results.
    pub tvr: [u8; 5],
    /// 5F2A Transaction Currency Code.
    pub currency: [u8; 2],
    /// 9A Transaction Date (YYMMDD, BCD).
    pub date: [u8; 3],
    /// 9C Transaction Type.
    pub transaction_type: u8,
    /// 9F37 Unpredictable Number.
    pub un: UnpredictableNumber,
    /// 82 Application Interchange Profile.
    pub aip: [u8; 2],
    /// 9F36 Application Transaction Counter.
    pub atc: Atc,
}

impl TransactionData {
    /// Length of the serialised minimum set.
    pub const LEN: usize = 33;

    /// The 33 bytes in cryptogram-input order.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 33] {
        // Every field is a fixed-size array: destructured and listed, the
        // layout is fixed at compile time and the copy is plain moves (a
        // loop over slices cost a `memcpy` call per field, on the device's
        // tap and on the backend's batch path alike).
        let [a0, a1, a2, a3, a4, a5] = self.amount_authorised;
        let [o0, o1, o2, o3, o4, o5] = self.amount_other;
        let [c0, c1] = self.terminal_country;
        let [t0, t1, t2, t3, t4] = self.tvr;
        let [k0, k1] = self.currency;
        let [d0, d1, d2] = self.date;
        let ty = self.transaction_type;
        let [u0, u1, u2, u3] = self.un.0;
        let [p0, p1] = self.aip;
        let [n0, n1] = self.atc.0;
        [
            a0, a1, a2, a3, a4, a5, o0, o1, o2, o3, o4, o5, c0, c1, t0, t1, t2, t3, t4, k0, k1, d0,
            d1, d2, ty, u0, u1, u2, u3, p0, p1, n0, n1,
        ]
    }

    /// Parses the 33-byte minimum set.
    ///
    /// # Errors
    /// [`Error::Length`] unless `b` is 33 bytes.
    pub fn from_slice(b: &[u8]) -> Result<Self, Error> {
        let b: &[u8; 33] = b.try_into().map_err(|_| Error::Length {
            field: "minimum cryptogram data (9F02..9F36)",
            expected: "33",
            got: b.len(),
        })?;
        let mut t = TransactionData::default();
        let mut at = 0usize;
        let mut take = |dst: &mut [u8]| {
            if let Some(src) = b.get(at..at + dst.len()) {
                dst.copy_from_slice(src);
            }
            at += dst.len();
        };
        take(&mut t.amount_authorised);
        take(&mut t.amount_other);
        take(&mut t.terminal_country);
        take(&mut t.tvr);
        take(&mut t.currency);
        take(&mut t.date);
        take(core::slice::from_mut(&mut t.transaction_type));
        take(&mut t.un.0);
        take(&mut t.aip);
        take(&mut t.atc.0);
        Ok(t)
    }
}
