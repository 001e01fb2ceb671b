//! Resource names as SQS and SNS check them: ASCII letters, digits, `_` and `-`, up to a length,
//! and for FIFO resources a `.fifo` suffix.

/// Whether `name` is a valid name of at most `max_len` characters (`fifo`: ending in `.fifo`,
/// which counts towards the length).
pub fn valid(name: &str, fifo: bool, max_len: usize) -> bool {
    let base = if fifo {
        match name.strip_suffix(".fifo") {
            Some(b) => b,
            None => return false,
        }
    } else {
        name
    };
    !base.is_empty()
        && name.len() <= max_len
        && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert!(super::valid("a-b_1", false, 80));
        assert!(!super::valid("a.b", false, 80));
        assert!(super::valid("q.fifo", true, 80));
        assert!(!super::valid(".fifo", true, 80));
        assert!(!super::valid("q", true, 80));
        assert!(!super::valid(&"a".repeat(81), false, 80));
    }
}
