//! Provisioning benches (filled in with the envelope).
fn main() {}
