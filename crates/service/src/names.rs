//! Resource names as SQS and SNS check them: ASCII letters, digits, `_` and `-`, up to a length,
//! and for FIFO resources a `.fifo` suffix; and the FIFO message group and de-duplication ids
//! both services take.

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

/// The longest MessageGroupId or MessageDeduplicationId.
pub const MAX_MESSAGE_ID_LEN: usize = 128;

/// Whether `id` is a valid MessageGroupId or MessageDeduplicationId (SQS's and SNS's rule): 1 to
/// 128 ASCII letters, digits and punctuation.
pub fn valid_message_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_MESSAGE_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b.is_ascii_punctuation())
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_ids() {
        assert!(super::valid_message_id("a-b!~"));
        assert!(!super::valid_message_id(""));
        assert!(!super::valid_message_id("a b"));
        assert!(!super::valid_message_id(&"a".repeat(129)));
    }

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
