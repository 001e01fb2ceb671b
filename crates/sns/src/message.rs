//! A published message: its parts as Publish and PublishBatch take them, validated in AWS's
//! words, its size as AWS counts it, the text each protocol receives (MessageStructure=json),
//! and the JSON envelope AWS wraps it in for SQS, HTTP/S, email-json, Lambda and Firehose.

use crate::error::{SnsError, SnsResult};
use crate::limits::{MAX_MESSAGE_ATTRIBUTES, MAX_SUBJECT_LEN};
use base64::Engine;
use serde_json::{Map, Value};
pub use sqs::enqueue::{AttributeValue, Attributes};
use std::collections::BTreeMap;

/// A message as published, before fan-out.
#[derive(Debug, Clone)]
pub struct Published {
    pub message_id: String,
    /// The Message parameter as given.
    pub message: String,
    /// MessageStructure=json: the text per protocol (`default` always present).
    pub per_protocol: Option<BTreeMap<String, String>>,
    pub subject: Option<String>,
    pub attributes: Attributes,
    pub group_id: Option<String>,
    /// The de-duplication id in effect (given, or the body's SHA-256 on content-based topics).
    pub dedup_id: Option<String>,
    /// FIFO topics: the topic's sequence number for this message.
    pub sequence_number: Option<String>,
    pub timestamp_ms: i64,
    /// Sent again from a FIFO topic's archive (a subscription's ReplayPolicy).
    pub replayed: bool,
    /// The publisher's `X-Amzn-Trace-Id`, the AWSTraceHeader of SQS deliveries (recorded).
    pub trace_header: Option<String>,
}

impl Published {
    /// A plain message SNS sends of its own accord (a sandbox one-time password).
    pub fn text(message: String, timestamp_ms: i64) -> Self {
        Published {
            message_id: uuid::Uuid::new_v4().to_string(),
            message,
            per_protocol: None,
            subject: None,
            attributes: Attributes::new(),
            group_id: None,
            dedup_id: None,
            sequence_number: None,
            timestamp_ms,
            replayed: false,
            trace_header: None,
        }
    }

    /// The text a protocol receives: its own entry of a MessageStructure=json message, or the
    /// default, or the message itself.
    pub fn text_for(&self, protocol: &str) -> &str {
        match &self.per_protocol {
            Some(m) => m.get(protocol).or_else(|| m.get("default")).map(String::as_str).unwrap_or(""),
            None => &self.message,
        }
    }
}

/// The Message parameter and MessageStructure, checked.
///
/// Errors: `InvalidParameter` for an empty message, a structure other than `json`, a body that
/// is not a JSON object, or one without a `default` entry.
pub fn parse_structure(message: &str, structure: Option<&str>) -> SnsResult<Option<BTreeMap<String, String>>> {
    if message.is_empty() {
        return Err(SnsError::invalid_parameter("Empty message"));
    }
    let Some(structure) = structure else {
        return Ok(None);
    };
    if structure != "json" {
        return Err(SnsError::invalid_parameter("Invalid message structure. Must be json"));
    }
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(message) else {
        return Err(SnsError::invalid_parameter("Message Structure - JSON message body failed to parse"));
    };
    // Entries that are not strings are ignored, as AWS does.
    let per: BTreeMap<String, String> =
        m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect();
    if !per.contains_key("default") {
        return Err(SnsError::invalid_parameter("Message Structure - No default entry in JSON message body"));
    }
    Ok(Some(per))
}

/// Checks a Subject: ASCII, starting with a letter, digit or punctuation, no line breaks or
/// control characters, under 100 characters.
///
/// Errors: `InvalidParameter: Subject`.
pub fn check_subject(subject: &str) -> SnsResult<()> {
    let ok = !subject.is_empty()
        && subject.len() <= MAX_SUBJECT_LEN
        && subject.bytes().all(|b| (0x20..0x7f).contains(&b))
        && subject.as_bytes()[0] != b' ';
    if ok {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter("Subject"))
    }
}

fn value_error(text: String) -> SnsError {
    SnsError::invalid_parameter_value(text)
}

/// Checks a message attribute name as AWS does.
fn check_attribute_name(name: &str) -> SnsResult<()> {
    if name.len() > 256 {
        return Err(value_error("Length of message attribute name must be less than 256 bytes.".into()));
    }
    if name.starts_with('.') {
        return Err(value_error("Invalid message attribute name starting with character '.' was found.".into()));
    }
    if name.ends_with('.') {
        return Err(value_error("Invalid message attribute name ending with character '.' was found.".into()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))) {
        return Err(value_error(format!(
            "Invalid non-alphanumeric character '#x{:X}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
            c as u32
        )));
    }
    if name.contains("..") {
        return Err(value_error("Message attribute name can not have successive '.' character.".into()));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        return Err(value_error(format!(
            "The message attribute name '{name}' is reserved: names can not start with AWS. or Amazon."
        )));
    }
    Ok(())
}

/// AWS's numbers: an optional sign, digits, a fraction and an exponent, finite.
fn is_number(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The MessageAttributes of a publish (`{"name": {"DataType", "StringValue" | "BinaryValue"}}`,
/// binary values in base64), checked in AWS's order. `at` names the member in validation
/// messages (`messageAttributes` or `publishBatchRequestEntries.N.member.messageAttributes`).
///
/// Errors: `ParameterValueInvalid` for too many attributes, bad names, types or values;
/// `ValidationError` for a missing DataType.
pub fn parse_attributes(v: Option<&Value>, at: &str) -> SnsResult<Attributes> {
    let mut out = Attributes::new();
    let Some(Value::Object(map)) = v else {
        return Ok(out);
    };
    if map.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(value_error(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].",
            map.len()
        )));
    }
    for (name, a) in map {
        check_attribute_name(name)?;
        let Some(data_type) = a.get("DataType").and_then(Value::as_str) else {
            return Err(SnsError::validation(format!(
                "1 validation error detected: Value null at '{at}.{name}.member.dataType' failed to satisfy constraint: Member must not be null"
            )));
        };
        let base = data_type.split('.').next().unwrap_or("");
        let known = matches!(data_type, "String" | "Number" | "Binary" | "String.Array")
            || (matches!(base, "String" | "Number" | "Binary") && data_type.len() > base.len() + 1);
        if !known {
            return Err(value_error(format!(
                "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
            )));
        }
        let string_value = a.get("StringValue").and_then(Value::as_str);
        let binary_value = a.get("BinaryValue").and_then(Value::as_str);
        if string_value.is_none() && binary_value.is_none() {
            return Err(value_error(format!(
                "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{data_type}'."
            )));
        }
        let attr = if base == "Binary" {
            let Some(b64) = binary_value else {
                return Err(value_error(format!(
                    "The message attribute '{name}' with type '{data_type}' must use field 'Binary'."
                )));
            };
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).unwrap_or_default();
            if bytes.is_empty() {
                return Err(value_error(format!(
                    "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{data_type}'."
                )));
            }
            AttributeValue { data_type: data_type.to_string(), string_value: None, binary_value: Some(bytes) }
        } else {
            let Some(s) = string_value else {
                return Err(value_error(format!(
                    "The message attribute '{name}' with type '{data_type}' must use field 'String'."
                )));
            };
            if s.is_empty() {
                return Err(value_error(format!(
                    "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{data_type}'."
                )));
            }
            if base == "Number" && !is_number(s) {
                return Err(value_error(format!("Could not cast message attribute '{name}' value to number.")));
            }
            if data_type == "String.Array" && !matches!(serde_json::from_str::<Value>(s), Ok(Value::Array(_))) {
                return Err(value_error(format!(
                    "The message attribute '{name}' with type 'String.Array' must contain a JSON array."
                )));
            }
            AttributeValue { data_type: data_type.to_string(), string_value: Some(s.to_string()), binary_value: None }
        };
        out.insert(name.clone(), attr);
    }
    Ok(out)
}

/// The size AWS counts against MaximumMessageSize: the message and every attribute's name,
/// type and value, in bytes.
pub fn size(message: &str, attributes: &Attributes) -> usize {
    message.len()
        + attributes
            .iter()
            .map(|(k, v)| {
                k.len()
                    + v.data_type.len()
                    + v.string_value.as_ref().map_or(0, String::len)
                    + v.binary_value.as_ref().map_or(0, Vec::len)
            })
            .sum::<usize>()
}

/// The size of a Publish input (or batch entry) as given, before its attributes are checked:
/// the same count as [`size`], with binary values at their decoded length.
pub fn input_size(v: &Value) -> usize {
    let message = v.get("Message").and_then(Value::as_str).map_or(0, str::len);
    let attrs = v.get("MessageAttributes").and_then(Value::as_object).map_or(0, |m| {
        m.iter()
            .map(|(k, a)| {
                let s = |f: &str| a.get(f).and_then(Value::as_str).map_or(0, str::len);
                let binary = a.get("BinaryValue").and_then(Value::as_str).map_or(0, |b| {
                    let pad = b.bytes().rev().take_while(|&c| c == b'=').count();
                    (b.len() / 4 * 3).saturating_sub(pad)
                });
                k.len() + s("DataType") + s("StringValue") + binary
            })
            .sum::<usize>()
    });
    message + attrs
}

/// Attributes as the envelope shows them: `{"name": {"Type", "Value"}}`, binary in base64.
pub fn envelope_attributes(attributes: &Attributes) -> Value {
    let mut m = Map::new();
    for (k, v) in attributes {
        let value = match &v.binary_value {
            Some(b) => base64::engine::general_purpose::STANDARD.encode(b),
            None => v.string_value.clone().unwrap_or_default(),
        };
        let mut a = Map::new();
        a.insert("Type".into(), Value::String(v.data_type.clone()));
        a.insert("Value".into(), Value::String(value));
        m.insert(k.clone(), Value::Object(a));
    }
    Value::Object(m)
}

/// Writes JSON fields the way SNS does: `{\n  "Name" : value,\n ...}`.
pub struct PrettyObject {
    out: String,
    first: bool,
}

impl Default for PrettyObject {
    fn default() -> Self {
        Self::new()
    }
}

impl PrettyObject {
    pub fn new() -> Self {
        PrettyObject { out: String::from("{\n"), first: true }
    }

    pub fn field(&mut self, name: &str, value: &Value) -> &mut Self {
        if !self.first {
            self.out.push_str(",\n");
        }
        self.first = false;
        self.out.push_str("  \"");
        self.out.push_str(name);
        self.out.push_str("\" : ");
        self.out.push_str(&value.to_string());
        self
    }

    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        self.field(name, &Value::String(value.to_string()))
    }

    pub fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.out);
        s.push_str("\n}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn structure_needs_a_default() {
        assert!(parse_structure("x", None).unwrap().is_none());
        let m = parse_structure(r#"{"default": "d", "sqs": "q", "n": 1}"#, Some("json")).unwrap().unwrap();
        assert_eq!(m.len(), 2);
        let e = parse_structure(r#"{"sqs": "q"}"#, Some("json")).unwrap_err().to_aws();
        assert_eq!(e.message, "Invalid parameter: Message Structure - No default entry in JSON message body");
        let e = parse_structure("nope", Some("json")).unwrap_err().to_aws();
        assert_eq!(e.message, "Invalid parameter: Message Structure - JSON message body failed to parse");
        assert_eq!(parse_structure("", None).unwrap_err().to_aws().message, "Invalid parameter: Empty message");
    }

    #[test]
    fn attributes_are_checked() {
        let ok = json!({"a": {"DataType": "String", "StringValue": "x"}, "n": {"DataType": "Number", "StringValue": "1.5"},
            "arr": {"DataType": "String.Array", "StringValue": "[\"a\", 1]"}, "b": {"DataType": "Binary", "BinaryValue": "AQI="}});
        let a = parse_attributes(Some(&ok), "messageAttributes").unwrap();
        assert_eq!(a["b"].binary_value.as_deref(), Some(&[1u8, 2][..]));
        let bad = |v: Value| parse_attributes(Some(&v), "messageAttributes").unwrap_err().to_aws();
        let e = bad(json!({"n": {"DataType": "Number", "StringValue": "x"}}));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ParameterValueInvalid", "Could not cast message attribute 'n' value to number.")
        );
        assert!(bad(json!({"a b": {"DataType": "String", "StringValue": "x"}})).message.contains("'#x20'"));
        assert!(bad(json!({"a": {"DataType": "Text", "StringValue": "x"}}))
            .message
            .contains("invalid message attribute type"));
        assert!(bad(json!({"a": {"DataType": "String"}})).message.contains("must contain non-empty"));
        let e = bad(json!({"a": {"StringValue": "x"}}));
        assert_eq!(e.code, "ValidationError");
        let many: Map<String, Value> =
            (0..11).map(|i| (format!("a{i}"), json!({"DataType": "String", "StringValue": "x"}))).collect();
        assert!(bad(Value::Object(many)).message.contains("[11] exceeds the allowed maximum [10]"));
    }

    #[test]
    fn input_size_counts_as_size_does() {
        let v = json!({"Message": "hello", "MessageAttributes": {
            "a": {"DataType": "String", "StringValue": "xyz"}, "b": {"DataType": "Binary", "BinaryValue": "AQI="}}});
        let attrs = parse_attributes(v.get("MessageAttributes"), "messageAttributes").unwrap();
        assert_eq!(input_size(&v), size("hello", &attrs));
        assert_eq!(input_size(&v), 5 + (1 + 6 + 3) + (1 + 6 + 2));
    }

    #[test]
    fn subjects() {
        assert!(check_subject("Hello, world!").is_ok());
        assert!(check_subject("").is_err());
        assert!(check_subject("line\nbreak").is_err());
        assert!(check_subject(&"x".repeat(101)).is_err());
        assert!(check_subject("ünïcode").is_err());
    }

    #[test]
    fn pretty_objects_look_like_sns() {
        let s = PrettyObject::new().str("Type", "Notification").field("N", &json!({"a": 1})).finish();
        assert_eq!(s, "{\n  \"Type\" : \"Notification\",\n  \"N\" : {\"a\":1}\n}");
    }
}
