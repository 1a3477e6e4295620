//! EMV key derivation, application cryptograms and ARPCs.
