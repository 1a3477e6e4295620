//! Constant-time DES and TDES. PLACEHOLDER: replaced by the real implementation.

/// Single DES with an expanded key schedule.
pub(crate) struct Des {
    _k: [u8; 8],
}

impl Des {
    pub(crate) fn new(key: &[u8; 8]) -> Self {
        Des { _k: *key }
    }
    pub(crate) fn encrypt_block(&self, _block: &mut [u8; 8]) {}
    pub(crate) fn decrypt_block(&self, _block: &mut [u8; 8]) {}
}

/// Triple DES (EDE), two- or three-key.
pub(crate) struct Tdes {
    k1: Des,
    k2: Des,
    k3: Des,
}

impl Tdes {
    pub(crate) fn from_slice(key: &[u8]) -> Self {
        let mut k = [[0u8; 8]; 3];
        for (i, chunk) in key.chunks(8).take(3).enumerate() {
            if let Some(dst) = k.get_mut(i) {
                dst.copy_from_slice(chunk);
            }
        }
        if key.len() == 16 {
            k[2] = k[0];
        }
        Tdes {
            k1: Des::new(&k[0]),
            k2: Des::new(&k[1]),
            k3: Des::new(&k[2]),
        }
    }
    pub(crate) fn encrypt_block(&self, block: &mut [u8; 8]) {
        self.k1.encrypt_block(block);
        self.k2.decrypt_block(block);
        self.k3.encrypt_block(block);
    }
    #[allow(dead_code)]
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 8]) {
        self.k3.decrypt_block(block);
        self.k2.encrypt_block(block);
        self.k1.decrypt_block(block);
    }
    pub(crate) fn k1(&self) -> &Des {
        &self.k1
    }
    pub(crate) fn k2(&self) -> &Des {
        &self.k2
    }
}
