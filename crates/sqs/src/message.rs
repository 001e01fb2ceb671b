//! Message contents as sent: body, message attributes, system attributes. Validation of the
//! parts that do not depend on the queue, sizes, and the MD5 digests AWS returns (SDKs check
//! them).

use crate::error::{SqsError, SqsResult};
use crate::limits::*;
use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One message attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

/// Message attributes by name (sorted, as the MD5 needs).
pub type Attributes = BTreeMap<String, AttributeValue>;

impl AttributeValue {
    /// The wire form (`BinaryValue` as base64).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("DataType".into(), Value::String(self.data_type.clone()));
        if let Some(s) = &self.string_value {
            m.insert("StringValue".into(), Value::String(s.clone()));
        }
        if let Some(b) = &self.binary_value {
            m.insert("BinaryValue".into(), Value::String(base64::engine::general_purpose::STANDARD.encode(b)));
        }
        Value::Object(m)
    }

    fn size(&self, name: &str) -> usize {
        name.len()
            + self.data_type.len()
            + self.string_value.as_ref().map_or(0, |s| s.len())
            + self.binary_value.as_ref().map_or(0, |b| b.len())
    }
}

/// Attributes to their wire form.
pub fn attributes_to_json(attrs: &Attributes) -> Value {
    Value::Object(attrs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// Parses stored or received attributes, validating as AWS does.
///
/// Errors: `InvalidParameterValue` for too many attributes, bad names, types or values.
pub fn parse_attributes(v: Option<&Value>, system: bool) -> SqsResult<Attributes> {
    let mut out = Attributes::new();
    let Some(Value::Object(map)) = v else {
        return Ok(out);
    };
    if !system && map.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(SqsError::invalid_parameter_value(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].",
            map.len()
        )));
    }
    for (name, value) in map {
        if system {
            if name != "AWSTraceHeader" {
                return Err(SqsError::invalid_parameter_value(format!(
                    "Message system attribute name '{name}' is invalid."
                )));
            }
        } else {
            validate_attribute_name(name)?;
        }
        let data_type = value.get("DataType").and_then(|v| v.as_str()).unwrap_or("");
        if data_type.is_empty() {
            return Err(SqsError::invalid_parameter_value(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            )));
        }
        let base = data_type.split('.').next().unwrap_or("");
        if !matches!(base, "String" | "Number" | "Binary") || data_type.len() > MAX_ATTRIBUTE_NAME_LEN {
            return Err(SqsError::invalid_parameter_value(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )));
        }
        if system && data_type != "String" {
            return Err(SqsError::invalid_parameter_value(format!(
                "The message system attribute '{name}' must use the String data type."
            )));
        }
        let string_value = value.get("StringValue").and_then(|v| v.as_str()).map(str::to_string);
        let binary_value = match value.get("BinaryValue").and_then(|v| v.as_str()) {
            Some(b64) => Some(base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| {
                SqsError::invalid_parameter_value(format!(
                    "The message attribute '{name}' contains an invalid Base64 binary value."
                ))
            })?),
            None => None,
        };
        let attr = match base {
            "Binary" => match binary_value {
                Some(b) if !b.is_empty() => {
                    AttributeValue { data_type: data_type.into(), string_value: None, binary_value: Some(b) }
                }
                _ => {
                    return Err(SqsError::invalid_parameter_value(format!(
                        "The message attribute '{name}' with type 'Binary' must use field 'Binary'."
                    )))
                }
            },
            _ => match string_value {
                Some(s) if s.is_empty() => {
                    return Err(SqsError::invalid_parameter_value(format!(
                        "Message (user) attribute '{name}' must contain a non-empty value of type '{base}'."
                    )))
                }
                Some(s) => {
                    if let Some(c) = invalid_char(&s) {
                        return Err(SqsError::invalid_parameter_value(format!(
                            "Invalid binary character '#x{:X}' was found in the message attribute '{name}' value.",
                            c as u32
                        )));
                    }
                    if base == "Number" && !is_number(&s) {
                        return Err(SqsError::invalid_parameter_value(format!(
                            "Can't cast the value of message (user) attribute '{name}' to a number."
                        )));
                    }
                    AttributeValue { data_type: data_type.into(), string_value: Some(s), binary_value: None }
                }
                _ => {
                    return Err(SqsError::invalid_parameter_value(format!(
                        "The message attribute '{name}' with type '{base}' must use field 'String'."
                    )))
                }
            },
        };
        out.insert(name.clone(), attr);
    }
    Ok(out)
}

fn validate_attribute_name(name: &str) -> SqsResult<()> {
    let lower = name.to_ascii_lowercase();
    // Letters and digits of any script (`attr.1øßä` is a valid name), `_`, `-` and `.`.
    let ok = !name.is_empty()
        && name.len() <= MAX_ATTRIBUTE_NAME_LEN
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.");
    if ok {
        Ok(())
    } else {
        Err(SqsError::invalid_parameter_value(format!(
            "Message (user) attribute name '{name}' is invalid. The attribute name can contain only A-Z, a-z, 0-9, underscores (_), hyphens (-), and periods (.), can't start or end with a period, can't have successive periods, and can't start with AWS. or Amazon. (any casing); it can be up to 256 characters long."
        )))
    }
}

/// AWS accepts decimal numbers with an optional sign, fraction and exponent (up to 38 digits).
fn is_number(s: &str) -> bool {
    let s = s.trim();
    let digits = s.bytes().filter(|b| b.is_ascii_digit()).count();
    (1..=38).contains(&digits) && s.parse::<f64>().is_ok_and(|f| f.is_finite())
}

/// The first character outside SQS's allowed set
/// (`#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`).
pub fn invalid_char(s: &str) -> Option<char> {
    // Fast path on bytes: in valid UTF-8 the only disallowed characters are the C0 controls
    // other than tab, LF and CR, and U+FFFE/U+FFFF (EF BF BE / EF BF BF).
    let b = s.as_bytes();
    // A branch-free scan first (it vectorizes); only bodies with a control byte or an EF lead
    // byte take the exact look.
    let suspicious = b.iter().fold(false, |acc, &c| acc | (c < 0x20) | (c == 0xEF));
    if !suspicious {
        return None;
    }
    s.chars().find(|&c| {
        let u = c as u32;
        !(u == 0x9
            || u == 0xA
            || u == 0xD
            || (0x20..=0xD7FF).contains(&u)
            || (0xE000..=0xFFFD).contains(&u)
            || u >= 0x10000)
    })
}

/// Validates a message body's characters.
///
/// Errors: `InvalidMessageContents` naming the first bad character.
pub fn check_body(body: &str) -> SqsResult<()> {
    if let Some(c) = invalid_char(body) {
        return Err(SqsError::invalid_message_contents(format!(
            "Invalid binary character '#x{:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].",
            c as u32
        )));
    }
    Ok(())
}

/// The size AWS counts against MaximumMessageSize: body plus every attribute's name, type and
/// value.
pub fn message_size(body: &str, attrs: &Attributes) -> usize {
    body.len() + attrs.iter().map(|(k, v)| v.size(k)).sum::<usize>()
}

/// Hex MD5 of the body.
pub fn md5_hex(data: &[u8]) -> String {
    hex(&Md5::digest(data))
}

/// The MD5 over message attributes, as AWS computes it: for each attribute in name order, the
/// length-prefixed (4-byte big-endian) name and data type, a transport byte (1 string, 2
/// binary) and the length-prefixed value. `None` for no attributes.
pub fn md5_of_attributes(attrs: &Attributes) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    fn put(h: &mut Md5, b: &[u8]) {
        h.update((b.len() as u32).to_be_bytes());
        h.update(b);
    }
    let mut h = Md5::new();
    for (name, v) in attrs {
        put(&mut h, name.as_bytes());
        put(&mut h, v.data_type.as_bytes());
        match (&v.binary_value, &v.string_value) {
            (Some(b), _) => {
                h.update([2u8]);
                put(&mut h, b);
            }
            (None, s) => {
                h.update([1u8]);
                put(&mut h, s.as_deref().unwrap_or("").as_bytes());
            }
        }
    }
    Some(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Whether ReceiveMessage's attribute name list selects `name`: `All`, `*` and `.*` select
/// every name, `prefix.*` the names that start with `prefix` (`Hel.*` selects `Hello` and
/// `Help.Me`), anything else only itself. Names no attribute can have (`AWS.`, `..foo`)
/// simply select nothing, as AWS answers them.
pub fn selects(names: &[String], name: &str) -> bool {
    names.iter().any(|n| match n.as_str() {
        "All" | "*" | ".*" => true,
        n => match n.strip_suffix(".*") {
            Some(prefix) => name.starts_with(prefix),
            None => n == name,
        },
    })
}

/// Attributes selected by ReceiveMessage's `MessageAttributeNames` (see [`selects`]).
pub fn select_attributes(attrs: &Attributes, names: &[String]) -> Attributes {
    attrs.iter().filter(|(k, _)| selects(names, k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Stored attribute JSON back into attributes (already validated when sent).
pub fn attributes_from_stored(v: &Value) -> Attributes {
    parse_attributes(Some(v), false).or_else(|_| parse_attributes(Some(v), true)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn md5_matches_aws_examples() {
        // Values published in AWS's and the SDKs' checksum tests.
        assert_eq!(md5_hex(b"hello world"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        let attrs =
            parse_attributes(Some(&json!({"foo": {"DataType": "String", "StringValue": "bar"}})), false).unwrap();
        // MD5 of 00000003 'foo' 00000006 'String' 01 00000003 'bar'
        let mut raw = Vec::new();
        raw.extend_from_slice(&3u32.to_be_bytes());
        raw.extend_from_slice(b"foo");
        raw.extend_from_slice(&6u32.to_be_bytes());
        raw.extend_from_slice(b"String");
        raw.push(1);
        raw.extend_from_slice(&3u32.to_be_bytes());
        raw.extend_from_slice(b"bar");
        assert_eq!(md5_of_attributes(&attrs).unwrap(), md5_hex(&raw));
    }

    #[test]
    fn md5_of_attributes_matches_published_vectors() {
        // Vectors from AWS's documentation and from emulators verified against AWS.
        let cases = [
            (
                json!({"SellerName": {"DataType": "String", "StringValue": "Example Store"}}),
                "cd28f3b68aeee4b2eac9c66f2f694b58",
            ),
            (
                json!({"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}}),
                "235c5c510d26fb653d073faed50ae77c",
            ),
            (
                json!({"ordinal": {"DataType": "Number", "StringValue": "1"}, "category": {"DataType": "String", "StringValue": "test"}}),
                "d21ae90c49061e927f57df5f5d72be1f",
            ),
        ];
        for (v, want) in cases {
            let attrs = parse_attributes(Some(&v), false).unwrap();
            assert_eq!(md5_of_attributes(&attrs).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn attribute_validation() {
        let bad = |v: Value| parse_attributes(Some(&v), false).unwrap_err().code();
        assert_eq!(bad(json!({"AWS.x": {"DataType": "String", "StringValue": "a"}})), "InvalidParameterValue");
        assert_eq!(bad(json!({"a": {"DataType": "Str", "StringValue": "a"}})), "InvalidParameterValue");
        assert_eq!(bad(json!({"a": {"DataType": "Number", "StringValue": "x1"}})), "InvalidParameterValue");
        assert_eq!(bad(json!({"a": {"DataType": "String"}})), "InvalidParameterValue");
        let ok = parse_attributes(Some(&json!({"a": {"DataType": "Number.int", "StringValue": "-1.5e3"}})), false);
        assert!(ok.is_ok());
        assert!(
            parse_attributes(Some(&json!({"attr.1øßä": {"DataType": "String", "StringValue": "x"}})), false).is_ok()
        );
        for name in [".lead", "amazon.x", "Aws.y", "trail.", "a..b"] {
            assert_eq!(
                bad(json!({name: {"DataType": "String", "StringValue": "a"}})),
                "InvalidParameterValue",
                "{name}"
            );
        }
        let empty = parse_attributes(Some(&json!({"X": {"DataType": "String", "StringValue": ""}})), false);
        assert_eq!(
            empty.unwrap_err().message(),
            "Message (user) attribute 'X' must contain a non-empty value of type 'String'."
        );
        assert_eq!(bad(json!({"a": {"DataType": "String", "StringValue": "bell\u{7}"}})), "InvalidParameterValue");
        assert!(check_body("ok\t\n").is_ok());
        assert_eq!(check_body("bad\u{1}").unwrap_err().code(), "InvalidMessageContents");
        assert_eq!(invalid_char("ok \u{FFFE}"), Some('\u{FFFE}'));
        // AWS's exact wording (as recorded by a production client).
        assert_eq!(
            check_body("\u{FFFF}").unwrap_err().message(),
            "Invalid binary character '#xFFFF' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."
        );
        assert_eq!(invalid_char("ok \u{FFFD} \u{10000} \u{e9}"), None);
    }

    #[test]
    fn selection() {
        let attrs = parse_attributes(
            Some(&json!({"a.b": {"DataType": "String", "StringValue": "1"}, "c": {"DataType": "String", "StringValue": "2"}})),
            false,
        )
        .unwrap();
        assert_eq!(select_attributes(&attrs, &["a.*".into()]).len(), 1);
        assert_eq!(select_attributes(&attrs, &["All".into()]).len(), 2);
        assert_eq!(select_attributes(&attrs, &["*".into()]).len(), 2);
        assert_eq!(select_attributes(&attrs, &[".*".into()]).len(), 2);
        assert_eq!(select_attributes(&attrs, &["c".into()]).len(), 1);
        assert_eq!(select_attributes(&attrs, &["AWS.".into(), "..foo".into()]).len(), 0);
        assert!(selects(&["Hel.*".into()], "Hello") && selects(&["Hel.*".into()], "Help.Me"));
        assert!(!selects(&["Hel.*".into()], "Hi"));
    }
}
