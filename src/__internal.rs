//! Entry points for cargo-fuzz and the ctgrind harness. Not a stable API:
//! everything here may change in any release.
