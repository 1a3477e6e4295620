//! Hex for vector files, with errors that say what was wrong.

/// Decodes upper- or lower-case hex.
///
/// # Errors
/// A message naming an odd length or the first bad character and its position.
pub fn decode(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("odd-length hex ({} characters)", s.len()));
    }
    let nib = |c: u8, i: usize| -> Result<u8, String> {
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("not a hex digit {:?} at position {i}", c as char))
    };
    s.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, p)| Ok((nib(p[0], 2 * i)? << 4) | nib(p[1], 2 * i + 1)?))
        .collect()
}

/// Encodes as upper-case hex.
pub fn encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}
