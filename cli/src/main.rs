//! The `tapcrypt` command.
fn main() {}
