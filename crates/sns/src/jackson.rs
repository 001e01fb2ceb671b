//! JSON that does not parse, described as SNS describes it: SNS parses policies with Jackson,
//! and its errors quote Jackson's message and location (recorded for RedrivePolicy
//! `{invalidjson}`: "failed to parse JSON. Unexpected character ('i' (code 105)): was expecting
//! double-quote to start field name\n at [Source: REDACTED
//! (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]").
//!
//! The parse itself is serde_json's; the words for the common faults (a key that is not a
//! string, a value that is not one, an early end) are Jackson's, the rest keep serde's text.

/// `failed to parse JSON. <Jackson's message>\n at [Source: REDACTED ...; line: L, column: C]`.
pub fn parse_failure(text: &str, e: &serde_json::Error) -> String {
    let (line, column) = (e.line(), e.column());
    let at = |line: usize, column: usize| {
        format!(
            "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {column}]"
        )
    };
    let found = char_at(text, line, column);
    let serde_text = e.to_string();
    let what = match found {
        _ if e.is_eof() => {
            return format!("failed to parse JSON. Unexpected end-of-input{}", at(line, column + 1));
        }
        Some(c) if serde_text.starts_with("key must be a string") => {
            format!("Unexpected character ({}): was expecting double-quote to start field name", quoted(c))
        }
        Some(c) if serde_text.starts_with("expected ident") || (serde_text.starts_with("expected value") && c.is_alphabetic()) => {
            // The whole word, and the column after it, as Jackson reports it.
            let chars: Vec<char> = line_text(text, line).chars().collect();
            let word = |c: &char| c.is_alphanumeric() || *c == '_';
            let at_fault = column.saturating_sub(1).min(chars.len());
            let start = chars[..at_fault].iter().rposition(|c| !word(c)).map_or(0, |i| i + 1);
            let end = chars[start..].iter().position(|c| !word(c)).map_or(chars.len(), |i| start + i);
            let token: String = chars[start..end].iter().collect();
            return format!(
                "failed to parse JSON. Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'){}",
                at(line, end + 1)
            );
        }
        Some(c) if serde_text.starts_with("expected value") => format!(
            "Unexpected character ({}): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
            quoted(c)
        ),
        _ => serde_text.split(" at line ").next().unwrap_or_default().to_string(),
    };
    format!("failed to parse JSON. {what}{}", at(line, column))
}

/// `'i' (code 105)`, as Jackson names a character.
fn quoted(c: char) -> String {
    format!("'{c}' (code {})", c as u32)
}

fn line_text(text: &str, line: usize) -> &str {
    text.split('\n').nth(line.saturating_sub(1)).unwrap_or("")
}

/// The character at serde's 1-based line and column.
fn char_at(text: &str, line: usize, column: usize) -> Option<char> {
    line_text(text, line).chars().nth(column.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(text: &str) -> String {
        parse_failure(text, &serde_json::from_str::<serde_json::Value>(text).unwrap_err())
    }

    #[test]
    fn faults_read_as_jacksons() {
        assert_eq!(
            fails("{invalidjson}"),
            "failed to parse JSON. Unexpected character ('i' (code 105)): was expecting double-quote to start field name\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]"
        );
        assert!(fails(r#"{"a": nope}"#).starts_with("failed to parse JSON. Unrecognized token 'nope': was expecting"));
        assert!(fails(r#"{"a": ]}"#).contains("Unexpected character (']' (code 93)): expected a valid value"));
        assert!(fails(r#"{"a": 1"#).starts_with("failed to parse JSON. Unexpected end-of-input\n at [Source"));
    }
}
