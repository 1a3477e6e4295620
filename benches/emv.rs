//! EMV benches (filled in by the EMV core work).
fn main() {}
