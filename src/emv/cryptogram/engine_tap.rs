//! The AES tap through a hardware engine ([`crate::engine::AesEngine`]).

use zeroize::Zeroize;

use super::{AcKeyMethod, CardData, CipherFamily, Cvn};
use crate::Error;
use crate::emv::types::{Cryptogram, TransactionData};
use crate::engine::{AesEngine, engine_cmac};

/// The largest card data an AES CVN takes (the DPAN-bound profile's 43).
const CARD_DATA_MAX: usize = 64;

impl Cvn {
    /// Device side: the AC (ARQC, TC or AAC) of an **AES-128** CVN, with
    /// every AES block computed by `engine` under the card key it holds
    /// (`card_key`). Gives the same cryptogram as
    /// [`transaction_keys_with`](Self::transaction_keys_with) +
    /// [`generate_ac`](super::TransactionKeys::generate_ac) on the software
    /// AES, which stays the default; see [`crate::engine`] for what an
    /// engine cannot take (AES-192/256, TDES) and falls back to software.
    ///
    /// The session key (common session key, R = ATC ‖ 00…00) is derived by
    /// [`AesEngine::derive_key`] and released after the MAC, also on error.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithm`] for a TDES CVN or a card key the engine
    /// reports as not AES-128; [`Error::Parameter`] if `card_data` was
    /// validated for another CVN or the CVN's AC key depends on the
    /// unpredictable number; [`Error::Engine`] if an engine call failed
    /// (e.g. [`Busy`](crate::engine::EngineError::Busy): retry the tap).
    pub fn generate_ac_with_engine<E: AesEngine + ?Sized>(
        &self,
        engine: &mut E,
        card_key: &E::KeyHandle,
        txn: &TransactionData,
        card_data: &CardData<'_>,
    ) -> Result<Cryptogram, Error> {
        if self.cipher != CipherFamily::Aes || !engine.is_aes128(card_key) {
            return Err(Error::KeyAlgorithm {
                operation: "the AES engine tap",
                needs: "AES-128",
            });
        }
        if card_data.cvn != self.id {
            return Err(Error::Parameter {
                what: "card data was validated for a different CVN",
            });
        }
        let cd = card_data.bytes;
        let mut msg = [0u8; 33 + CARD_DATA_MAX];
        let n = 33 + cd.len();
        let Some(dst) = msg.get_mut(..n) else {
            return Err(Error::Length {
                field: "card data (AES engine tap)",
                expected: "at most 64 bytes",
                got: cd.len(),
            });
        };
        let mut min = txn.to_bytes();
        let (a, b) = dst.split_at_mut(33);
        a.copy_from_slice(&min);
        b.copy_from_slice(cd);
        min.zeroize();
        let r = match self.ac_key {
            AcKeyMethod::CardKey => engine_cmac(engine, card_key, dst),
            AcKeyMethod::CommonSessionKey => {
                let mut rr = [0u8; 16];
                let [r0, r1, ..] = &mut rr;
                [*r0, *r1] = txn.atc.0;
                match engine.derive_key(card_key, &rr) {
                    Ok(sk) => {
                        let mac = engine_cmac(engine, &sk, dst);
                        engine.release(sk);
                        mac
                    }
                    Err(e) => Err(e),
                }
            }
            AcKeyMethod::MastercardSkd => {
                msg.zeroize();
                return Err(Error::Parameter {
                    what: "the AES engine tap does not take a UN-dependent session key",
                });
            }
        };
        msg.zeroize();
        let mut t = r.map_err(Error::Engine)?;
        let mut out = [0u8; 8];
        for (o, x) in out.iter_mut().zip(t.iter()) {
            *o = *x;
        }
        t.zeroize();
        Ok(Cryptogram(out))
    }
}
