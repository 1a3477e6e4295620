//! Key derivation functions: HKDF-SHA256, SP 800-108, SP 800-56C one-step.
