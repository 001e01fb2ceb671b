//! AWS JSON 1.0 input parsing.

use crate::AwsError;
use serde_json::Value;

/// Parses a JSON 1.0 request body. An empty body is an empty object, as AWS accepts; anything
/// that is not a JSON object is a `SerializationException`.
pub fn parse_body(body: &[u8]) -> Result<Value, AwsError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => {
            Err(AwsError::new("SerializationException", 400, "Start of structure or map found where not expected."))
        }
        Err(e) => Err(AwsError::new("SerializationException", 400, format!("Invalid JSON: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert!(parse_body(b"").unwrap().as_object().unwrap().is_empty());
        assert!(parse_body(b"{\"a\":1}").is_ok());
        assert_eq!(parse_body(b"[1]").unwrap_err().code, "SerializationException");
        assert_eq!(parse_body(b"{").unwrap_err().code, "SerializationException");
    }
}
