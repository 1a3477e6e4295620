//! One-time DPANs: radix-10 FF1, Luhn, token BIN ranges, device wallets.
