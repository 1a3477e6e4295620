//! P-256 provisioning: device keys, ECDH, TR-31 key blocks, signed envelopes.
