//! A simulated band and terminal, for the demo, the tests and the load
//! generator: personalised from the demo file (card key derived from the
//! IMK, DPANs from the range), it computes real ARQCs with tapcrypt's device
//! API and wraps them in field 55 (BER-TLV) as a terminal would.
//!
//! Not part of an issuer: an issuer never holds a card key outside its key
//! store. It lives here so that every client of the service builds taps
//! the same way.

use tapcrypt::emv::{Atc, Cvn, TransactionData, UnpredictableNumber};
use tapcrypt::token::Dpan;
use tapcrypt::{CardMasterKey, Pan, Psn};

use crate::config::CardEnrolment;
use crate::keys::DemoKeyFile;

/// One tap, ready to post.
#[derive(Debug, Clone)]
pub struct TapMessage {
    /// The account PAN, for a PAN tap.
    pub pan: Option<String>,
    /// The DPAN, for a token tap.
    pub token: Option<String>,
    /// Field 55, hex.
    pub icc_hex: String,
    /// The ATC used.
    pub atc: u16,
    /// Amount, minor units.
    pub amount: u64,
    /// ISO 4217 numeric currency.
    pub currency: u16,
    /// The ARQC (to check the issuer's ARPC).
    pub arqc: [u8; 8],
    /// The unpredictable number.
    pub un: [u8; 4],
}

impl TapMessage {
    /// The JSON body of `POST /v1/authorisations`.
    #[must_use]
    pub fn request_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "icc_data": self.icc_hex,
            "amount": self.amount,
            "currency": self.currency,
        });
        if let Some(p) = &self.pan {
            v["pan"] = serde_json::Value::String(p.clone());
        }
        if let Some(t) = &self.token {
            v["token"] = serde_json::Value::String(t.clone());
        }
        v
    }
}

/// A personalised band.
pub struct Band {
    cvn: &'static Cvn,
    card_key: CardMasterKey,
    pan: String,
    dpans: Vec<String>,
    next_atc: u16,
}

impl std::fmt::Debug for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Band")
            .field("cvn", &self.cvn.name)
            .field("next_atc", &self.next_atc)
            .finish_non_exhaustive()
    }
}

/// BER-TLV of one primitive object with a 1- or 2-byte tag and a short
/// length (all field-55 objects here are under 128 bytes).
fn tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag.to_be_bytes()[1]);
    }
    out.push(u8::try_from(value.len()).unwrap_or(0x7F) & 0x7F);
    out.extend_from_slice(value);
}

fn bcd<const N: usize>(mut v: u64) -> [u8; N] {
    let mut out = [0u8; N];
    for b in out.iter_mut().rev() {
        let lo = (v % 10) as u8;
        v /= 10;
        let hi = (v % 10) as u8;
        v /= 10;
        *b = (hi << 4) | lo;
    }
    out
}

impl Band {
    /// Personalises a band for `card` from the demo key file (its card key
    /// and, for a token card, its DPANs). The first tap uses ATC `first_atc`.
    ///
    /// # Errors
    /// A message naming what is missing or wrong.
    pub fn personalise(
        keys: &DemoKeyFile,
        card: &CardEnrolment,
        first_atc: u16,
    ) -> Result<Band, String> {
        let cvn = crate::cvn_by_name(&card.cvn).ok_or("unknown CVN")?;
        let imk = keys
            .issuer_master_key(&card.imk)
            .ok_or_else(|| format!("no key {:?}", card.imk))?;
        let pan = Pan::parse(&card.pan).map_err(|e| e.to_string())?;
        let psn = Psn::parse(&card.psn).map_err(|e| e.to_string())?;
        let card_key = cvn
            .derive_card_key(imk, &pan, psn)
            .map_err(|e| e.to_string())?;
        let mut dpans = Vec::new();
        for run in &card.tokens {
            let range = keys
                .range(&run.range)
                .ok_or_else(|| format!("no range {:?}", run.range))?;
            for seq in run.first_seq..run.first_seq + run.count.min(4096) {
                let d = range.dpan_for(seq).map_err(|e| e.to_string())?;
                dpans.push(ascii(&d));
            }
        }
        Ok(Band {
            cvn,
            card_key,
            pan: card.pan.clone(),
            dpans,
            next_atc: first_atc,
        })
    }

    /// The next tap (advances the ATC).
    ///
    /// # Errors
    /// The library's message.
    pub fn tap(&mut self, amount: u64, currency: u16) -> Result<TapMessage, String> {
        let atc = self.next_atc;
        self.next_atc = self.next_atc.wrapping_add(1);
        self.tap_at(atc, amount, currency)
    }

    /// A tap at a given ATC (does not advance the band's counter).
    ///
    /// # Errors
    /// The library's message.
    pub fn tap_at(&self, atc: u16, amount: u64, currency: u16) -> Result<TapMessage, String> {
        let un = (u32::from(atc).wrapping_mul(0x9E37_79B9) ^ 0x5A5A_1234).to_be_bytes();
        let txn = TransactionData {
            amount_authorised: bcd::<6>(amount),
            amount_other: [0; 6],
            terminal_country: [0x09, 0x78],
            tvr: [0; 5],
            currency: bcd::<2>(u64::from(currency)),
            date: [0x26, 0x12, 0x02],
            transaction_type: 0x00,
            un: UnpredictableNumber(un),
            aip: [0x19, 0x80],
            atc: Atc::from_u16(atc),
        };
        // An IAD that declares the CVN where the scheme's layout has a CVN
        // byte (Visa: byte 2), and a plain one for the undeclared profiles.
        let iad: Vec<u8> = match self.cvn.iad_layout {
            tapcrypt::emv::IadLayout::Visa => vec![0x06, 0x01, self.cvn.id, 0x03, 0xA0, 0x00, 0x00],
            tapcrypt::emv::IadLayout::Mastercard => {
                let mut v = vec![0x01, self.cvn.id];
                v.resize(18, 0);
                v
            }
            tapcrypt::emv::IadLayout::Interac => {
                let mut v = vec![0x06, 0x01, self.cvn.id];
                v.resize(8, 0);
                v
            }
            _ => vec![0x0F, self.cvn.id, 0, 0, 0, 0, 0, 0],
        };
        let token = if self.cvn.binds_dpan() || !self.dpans.is_empty() {
            let n = self.dpans.len().max(1);
            Some(
                self.dpans
                    .get(usize::from(atc) % n)
                    .cloned()
                    .ok_or("no DPANs issued to this card")?,
            )
        } else {
            None
        };
        let keys = self
            .cvn
            .transaction_keys(&self.card_key, txn.atc, txn.un)
            .map_err(|e| e.to_string())?;
        let arqc = if self.cvn.binds_dpan() {
            let dpan = Pan::parse(token.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
            let mut buf = [0u8; tapcrypt::emv::cryptogram::BOUND_CARD_DATA_MAX];
            let cd = self
                .cvn
                .card_data_bound(&dpan, &iad, &mut buf)
                .map_err(|e| e.to_string())?;
            keys.generate_ac(&txn, &cd).map_err(|e| e.to_string())?
        } else {
            let cd = self.cvn.card_data(&iad).map_err(|e| e.to_string())?;
            keys.generate_ac(&txn, &cd).map_err(|e| e.to_string())?
        };
        let mut icc = Vec::with_capacity(96);
        tlv(&mut icc, 0x9F26, &arqc.0);
        tlv(&mut icc, 0x9F27, &[0x80]);
        tlv(&mut icc, 0x9F10, &iad);
        tlv(&mut icc, 0x9F37, &txn.un.0);
        tlv(&mut icc, 0x9F36, &txn.atc.0);
        tlv(&mut icc, 0x95, &txn.tvr);
        tlv(&mut icc, 0x9A, &txn.date);
        tlv(&mut icc, 0x9C, &[txn.transaction_type]);
        tlv(&mut icc, 0x9F02, &txn.amount_authorised);
        tlv(&mut icc, 0x5F2A, &txn.currency);
        tlv(&mut icc, 0x82, &txn.aip);
        tlv(&mut icc, 0x9F1A, &txn.terminal_country);
        tlv(&mut icc, 0x9F03, &txn.amount_other);
        Ok(TapMessage {
            pan: token.is_none().then(|| self.pan.clone()),
            token,
            icc_hex: hex::encode_upper(icc),
            atc,
            amount,
            currency,
            arqc: arqc.0,
            un,
        })
    }

    /// The band's check of the issuer's answer: does `arpc_hex` authenticate
    /// an approval of `tap`? (`verify_arpc` under the band's own keys.)
    #[must_use]
    pub fn accepts_approval(&self, tap: &TapMessage, arpc_hex: &str) -> bool {
        let Ok(arpc_bytes) = hex::decode(arpc_hex) else {
            return false;
        };
        let Ok(keys) = self.cvn.transaction_keys(
            &self.card_key,
            Atc::from_u16(tap.atc),
            UnpredictableNumber(tap.un),
        ) else {
            return false;
        };
        let arpc = match self.cvn.arpc {
            tapcrypt::emv::ArpcMethod::Method1 => {
                match <[u8; 8]>::try_from(arpc_bytes.as_slice()) {
                    Ok(a) => tapcrypt::emv::Arpc::Method1(a),
                    Err(_) => return false,
                }
            }
            tapcrypt::emv::ArpcMethod::Method2 => {
                match <[u8; 4]>::try_from(arpc_bytes.as_slice()) {
                    Ok(a) => tapcrypt::emv::Arpc::Method2(a),
                    Err(_) => return false,
                }
            }
        };
        let response = match self.cvn.arpc {
            tapcrypt::emv::ArpcMethod::Method1 => tapcrypt::emv::ArpcResponse::Method1 {
                arc: tapcrypt::emv::ResponseCode(*b"00"),
            },
            tapcrypt::emv::ArpcMethod::Method2 => tapcrypt::emv::ArpcResponse::Method2 {
                csu: tapcrypt::emv::Csu([0x00, 0x80, 0x00, 0x00]),
                proprietary: &[],
            },
        };
        keys.verify_arpc(&tapcrypt::emv::Cryptogram(tap.arqc), &response, &arpc)
            .is_ok()
    }
}

fn ascii(d: &Dpan) -> String {
    let mut b = [0u8; 19];
    String::from_utf8_lossy(d.write_ascii(&mut b)).into_owned()
}
