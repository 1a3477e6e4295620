//! The hardware AES engine hook (issue 17): a mock engine that records every
//! call proves the AES tap goes through it, and the cryptograms it gives are
//! the independent known answers of test-vectors/data/dpan_binding.json (a
//! separate Python implementation on pyca/cryptography), byte for byte, as
//! the software path's are. (emv.json's `chain_emv_csk_aes` MACs CDOL data
//! whose ATC is not the session key's, so it cannot be posed as a tap; its
//! CMAC vectors `ac_aes_cmac` check the engine CMAC in `src/cipher/engine.rs`.)

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use serde_json::Value;
use tapcrypt::emv::{
    CardData, Cvn, EMV_COMMON_AES, EMV_COMMON_TDES, TAPCRYPT_DPAN_AES, TransactionData,
};
use tapcrypt::engine::{AesEngine, EngineError, SoftwareAes, SoftwareKey};
use tapcrypt::{Algorithm, CardMasterKey, Error, IssuerMasterKey, Pan, Psn};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load(file: &str) -> Value {
    let p = format!("{}/test-vectors/data/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// One recorded engine call: which operation, under which slot.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Call {
    Block(usize),
    Pair(usize),
    Derive { parent: usize, into: usize },
    Release(usize),
}

/// A key slot handle: not `Clone`, like a real engine's.
#[derive(Debug)]
struct Slot(usize);

/// A mock engine: keys live in its slots (software AES from the `aes`
/// crate, not tapcrypt's code), every call is logged, and call number
/// `busy_at` answers `Busy`.
#[derive(Default)]
struct Mock {
    slots: Vec<Option<([u8; 16], bool)>>,
    calls: Vec<Call>,
    busy_at: Option<usize>,
    n: usize,
}

impl Mock {
    fn provision(&mut self, key: &[u8], aes128: bool) -> Slot {
        let mut k = [0u8; 16];
        k.copy_from_slice(&key[..16]);
        self.slots.push(Some((k, aes128)));
        Slot(self.slots.len() - 1)
    }
    fn key(&self, s: &Slot) -> Result<[u8; 16], EngineError> {
        self.slots[s.0].map(|(k, _)| k).ok_or(EngineError::Fault)
    }
    fn tick(&mut self) -> Result<(), EngineError> {
        let n = self.n;
        self.n += 1;
        if self.busy_at == Some(n) {
            Err(EngineError::Busy)
        } else {
            Ok(())
        }
    }
    fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

fn aes_enc(k: &[u8; 16], b: &mut [u8; 16]) {
    let c = aes::Aes128::new_from_slice(k).unwrap();
    c.encrypt_block(b.into());
}

impl AesEngine for Mock {
    type KeyHandle = Slot;
    fn is_aes128(&self, key: &Slot) -> bool {
        self.slots[key.0].is_some_and(|(_, a)| a)
    }
    fn encrypt_block(&mut self, key: &Slot, block: &mut [u8; 16]) -> Result<(), EngineError> {
        self.tick()?;
        self.calls.push(Call::Block(key.0));
        aes_enc(&self.key(key)?, block);
        Ok(())
    }
    fn encrypt_pair(
        &mut self,
        key: &Slot,
        a: &mut [u8; 16],
        b: &mut [u8; 16],
    ) -> Result<(), EngineError> {
        self.tick()?;
        self.calls.push(Call::Pair(key.0));
        let k = self.key(key)?;
        aes_enc(&k, a);
        aes_enc(&k, b);
        Ok(())
    }
    fn derive_key(&mut self, parent: &Slot, block: &[u8; 16]) -> Result<Slot, EngineError> {
        self.tick()?;
        let mut k = *block;
        aes_enc(&self.key(parent)?, &mut k);
        let s = self.provision(&k, true);
        self.calls.push(Call::Derive {
            parent: parent.0,
            into: s.0,
        });
        Ok(s)
    }
    fn release(&mut self, key: Slot) {
        self.calls.push(Call::Release(key.0));
        self.slots[key.0] = None;
    }
}

/// One AES tap case from the independent vectors.
struct Case {
    id: String,
    cvn: &'static Cvn,
    mk: CardMasterKey,
    min: Vec<u8>,
    /// The DPAN and IAD of a DPAN-bound case (its card data is built by
    /// `card_data_bound` and checked against the vector's bytes).
    bound: Option<(Pan, Vec<u8>)>,
    card_data: Vec<u8>,
    session_key: Vec<u8>,
    arqc: Vec<u8>,
}

impl Case {
    fn card_data<'a>(&self, buf: &'a mut [u8; 64], bytes: &'a [u8]) -> CardData<'a> {
        match &self.bound {
            Some((dpan, iad)) => {
                let b: &'a mut [u8; 43] = (&mut buf[..43]).try_into().unwrap();
                let cd = self.cvn.card_data_bound(dpan, iad, b).unwrap();
                assert_eq!(cd.as_bytes(), bytes, "{}: card data", self.id);
                cd
            }
            None => self.cvn.card_data(bytes).unwrap(),
        }
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let d = load("dpan_binding.json");
    for v in d["vectors"]["ac_dpan_bound"].as_array().unwrap() {
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let imk_bytes = hex(&s("imk"));
        // The hook is AES-128 (engines commonly are): AES-192/256 card keys
        // stay on the software path (`non_aes128_cards_are_refused`).
        if imk_bytes.len() != 16 {
            continue;
        }
        let imk = IssuerMasterKey::new(Algorithm::Aes128, &imk_bytes).unwrap();
        let dpan = Pan::parse(&s("dpan")).unwrap();
        let account = Pan::parse(v["pan"].as_str().unwrap_or(&s("dpan"))).unwrap();
        let mk = TAPCRYPT_DPAN_AES
            .derive_card_key(&imk, &account, Psn::parse(&s("psn")).unwrap())
            .unwrap();
        out.push(Case {
            id: s("id"),
            cvn: &TAPCRYPT_DPAN_AES,
            mk,
            min: hex(&s("min_data")),
            bound: Some((dpan, hex(&s("iad")))),
            card_data: hex(&s("card_data")),
            session_key: hex(&s("session_key")),
            arqc: hex(&s("arqc")),
        });
    }
    assert!(out.len() >= 6, "vectors missing: {}", out.len());
    out
}

/// The tap through the mock: the published ARQC, every block under the
/// engine's keys, the card key used only to derive the session key, the
/// session key the published one, released at the end; the software path
/// and [`SoftwareAes`] agree byte for byte.
#[test]
fn engine_tap_gives_the_published_cryptograms() {
    for c in cases() {
        let txn = TransactionData::from_slice(&c.min).unwrap();
        let mut buf = [0u8; 64];
        let cd = c.card_data(&mut buf, &c.card_data);
        let mut e = Mock::default();
        let card = e.provision(c.mk.expose_secret(), true);
        let ac = c
            .cvn
            .generate_ac_with_engine(&mut e, &card, &txn, &cd)
            .unwrap();
        assert_eq!(ac.0.to_vec(), c.arqc, "{}: engine ARQC", c.id);

        // The calls: derive SK from the card slot, CMAC under SK only
        // (L = E(0) paired with the first block), release SK.
        let sk = 1;
        assert_eq!(e.slots.len(), 2, "{}", c.id);
        let n = 33 + c.card_data.len();
        let blocks = n.div_ceil(16);
        let mut want = vec![
            Call::Derive {
                parent: 0,
                into: sk,
            },
            Call::Pair(sk),
        ];
        want.extend(std::iter::repeat_n(Call::Block(sk), blocks - 1));
        want.push(Call::Release(sk));
        assert_eq!(e.calls, want, "{}: engine calls", c.id);
        assert_eq!(e.live(), 1, "{}: session key slot erased", c.id);

        // The session key the engine derived is the published one.
        let mut e2 = Mock::default();
        let card2 = e2.provision(c.mk.expose_secret(), true);
        let mut r = [0u8; 16];
        r[..2].copy_from_slice(&txn.atc.0);
        let s = e2.derive_key(&card2, &r).unwrap();
        assert_eq!(e2.key(&s).unwrap().to_vec(), c.session_key, "{}: SK", c.id);

        // Software path and the software engine: same bytes.
        let sw = c
            .cvn
            .transaction_keys(&c.mk, txn.atc, txn.un)
            .unwrap()
            .generate_ac(&txn, &cd)
            .unwrap();
        assert_eq!(sw, ac, "{}: software path", c.id);
        let sk = SoftwareKey::from_card_key(&c.mk).unwrap();
        let soft = c
            .cvn
            .generate_ac_with_engine(&mut SoftwareAes, &sk, &txn, &cd)
            .unwrap();
        assert_eq!(soft, ac, "{}: SoftwareAes", c.id);
    }
}

/// Every positive vector with one bit flipped (in the transaction data, the
/// card data, the card key) no longer gives the published ARQC.
#[test]
fn engine_tap_one_bit_flipped_fails() {
    for c in cases() {
        for bit in [0usize, 7, 100, 263] {
            let mut min = c.min.clone();
            min[bit / 8] ^= 1 << (bit % 8);
            let txn = TransactionData::from_slice(&min).unwrap();
            let mut buf = [0u8; 64];
            let cd = c.card_data(&mut buf, &c.card_data);
            let mut e = Mock::default();
            let card = e.provision(c.mk.expose_secret(), true);
            let ac = c
                .cvn
                .generate_ac_with_engine(&mut e, &card, &txn, &cd)
                .unwrap();
            assert_ne!(
                ac.0.to_vec(),
                c.arqc,
                "{}: bit {bit} of the minimum set",
                c.id
            );
        }
        let txn = TransactionData::from_slice(&c.min).unwrap();
        // Card data: the last IAD byte (EMV common AES takes raw bytes;
        // the bound profile's IAD is the tail too).
        let mut flipped = c.card_data.clone();
        *flipped.last_mut().unwrap() ^= 0x01;
        let cd = match &c.bound {
            Some(_) => None,
            None => Some(c.cvn.card_data(&flipped).unwrap()),
        };
        let mut bbuf = [0u8; 43];
        let cd = cd.unwrap_or_else(|| {
            let (dpan, iad) = c.bound.as_ref().unwrap();
            let mut iad = iad.clone();
            *iad.last_mut().unwrap() ^= 0x01;
            let cd = c.cvn.card_data_bound(dpan, &iad, &mut bbuf).unwrap();
            assert_eq!(cd.as_bytes(), &flipped[..]);
            cd
        });
        let mut e = Mock::default();
        let card = e.provision(c.mk.expose_secret(), true);
        let ac = c
            .cvn
            .generate_ac_with_engine(&mut e, &card, &txn, &cd)
            .unwrap();
        assert_ne!(ac.0.to_vec(), c.arqc, "{}: card data bit", c.id);
        // Card key.
        let mut k = c.mk.expose_secret().to_vec();
        k[15] ^= 0x80;
        let mut buf = [0u8; 64];
        let cd = c.card_data(&mut buf, &c.card_data);
        let mut e = Mock::default();
        let card = e.provision(&k, true);
        let ac = c
            .cvn
            .generate_ac_with_engine(&mut e, &card, &txn, &cd)
            .unwrap();
        assert_ne!(ac.0.to_vec(), c.arqc, "{}: card key bit", c.id);
    }
}

/// A busy engine at any call fails the tap with `Error::Engine(Busy)`, no
/// session key slot stays loaded, and the retried tap gives the answer.
#[test]
fn busy_engine_fails_the_tap_and_a_retry_succeeds() {
    let c = cases().into_iter().next().unwrap();
    let txn = TransactionData::from_slice(&c.min).unwrap();
    let mut buf = [0u8; 64];
    let cd = c.card_data(&mut buf, &c.card_data);
    let calls = 1 + (33 + c.card_data.len()).div_ceil(16);
    for at in 0..calls {
        let mut e = Mock {
            busy_at: Some(at),
            ..Mock::default()
        };
        let card = e.provision(c.mk.expose_secret(), true);
        let r = c.cvn.generate_ac_with_engine(&mut e, &card, &txn, &cd);
        assert_eq!(
            r,
            Err(Error::Engine(EngineError::Busy)),
            "busy at call {at}"
        );
        assert_eq!(
            e.live(),
            1,
            "busy at call {at}: session key slot left loaded"
        );
        let ac = c
            .cvn
            .generate_ac_with_engine(&mut e, &card, &txn, &cd)
            .unwrap();
        assert_eq!(ac.0.to_vec(), c.arqc, "retry after busy at call {at}");
    }
}

/// What the engine cannot take is refused by name, before any engine call.
#[test]
fn engine_refuses_tdes_cvns_and_non_aes128_keys() {
    let c = cases().into_iter().next().unwrap();
    let txn = TransactionData::from_slice(&c.min).unwrap();
    let mut buf = [0u8; 64];
    let cd = c.card_data(&mut buf, &c.card_data);
    // A card key slot the engine says is not AES-128 (e.g. AES-256).
    let mut e = Mock::default();
    let card = e.provision(c.mk.expose_secret(), false);
    assert!(matches!(
        c.cvn.generate_ac_with_engine(&mut e, &card, &txn, &cd),
        Err(Error::KeyAlgorithm { .. })
    ));
    // A TDES CVN.
    let tdes_cd = EMV_COMMON_TDES.card_data(&[0x06, 0x01, 0x0A, 0x03, 0xA0, 0, 0]);
    if let Ok(tcd) = tdes_cd {
        assert!(matches!(
            EMV_COMMON_TDES.generate_ac_with_engine(&mut e, &card, &txn, &tcd),
            Err(Error::KeyAlgorithm { .. })
        ));
    }
    // Card data validated for another CVN.
    let other = if std::ptr::eq(c.cvn, &EMV_COMMON_AES) {
        &TAPCRYPT_DPAN_AES
    } else {
        &EMV_COMMON_AES
    };
    let mut e = Mock::default();
    let card = e.provision(c.mk.expose_secret(), true);
    assert!(matches!(
        other.generate_ac_with_engine(&mut e, &card, &txn, &cd),
        Err(Error::Parameter { .. })
    ));
    assert!(e.calls.is_empty(), "refused before any engine call");
    // An AES-256 card key on the software engine: refused too.
    let mk256 = CardMasterKey::new(Algorithm::Aes256, &[7u8; 32]).unwrap();
    let sk = SoftwareKey::from_card_key(&mk256).unwrap();
    assert!(matches!(
        c.cvn
            .generate_ac_with_engine(&mut SoftwareAes, &sk, &txn, &cd),
        Err(Error::KeyAlgorithm { .. })
    ));
}

/// The independent vectors with AES-192/256 card keys: the engine hook
/// refuses them, the software path gives the published ARQC.
#[test]
fn non_aes128_cards_are_refused() {
    let d = load("dpan_binding.json");
    let mut n = 0;
    for v in d["vectors"]["ac_dpan_bound"].as_array().unwrap() {
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let imk = hex(&s("imk"));
        if imk.len() == 16 {
            continue;
        }
        let imk = IssuerMasterKey::new(Algorithm::aes_for_len(imk.len()).unwrap(), &imk).unwrap();
        let dpan = Pan::parse(&s("dpan")).unwrap();
        let account = Pan::parse(v["pan"].as_str().unwrap_or(&s("dpan"))).unwrap();
        let mk = TAPCRYPT_DPAN_AES
            .derive_card_key(&imk, &account, Psn::parse(&s("psn")).unwrap())
            .unwrap();
        let txn = TransactionData::from_slice(&hex(&s("min_data"))).unwrap();
        let mut buf = [0u8; 43];
        let cd = TAPCRYPT_DPAN_AES
            .card_data_bound(&dpan, &hex(&s("iad")), &mut buf)
            .unwrap();
        let sk = SoftwareKey::from_card_key(&mk).unwrap();
        assert!(matches!(
            TAPCRYPT_DPAN_AES.generate_ac_with_engine(&mut SoftwareAes, &sk, &txn, &cd),
            Err(Error::KeyAlgorithm { .. })
        ));
        let ac = TAPCRYPT_DPAN_AES
            .transaction_keys(&mk, txn.atc, txn.un)
            .unwrap()
            .generate_ac(&txn, &cd)
            .unwrap();
        assert_eq!(ac.0.to_vec(), hex(&s("arqc")), "{}", s("id"));
        n += 1;
    }
    assert!(n >= 6, "{n}");
}
