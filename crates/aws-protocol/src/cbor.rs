//! CBOR bodies (`application/x-amz-cbor-1.1`, which the Java SDKs and the KCL send to Kinesis):
//! the JSON protocol's shapes, with blobs as byte strings and timestamps as tag 1 holding epoch
//! **milliseconds** (an integer), in both directions. Decoding yields the JSON-protocol value a
//! service reads (blobs base64, timestamps epoch seconds); encoding walks the output shape, so
//! only members the model calls blobs or timestamps change representation.

use crate::model::Model;
use crate::AwsError;
use base64::Engine;
use ciborium::value::{Integer, Value as Cbor};
use serde_json::{Map, Number, Value};

/// Parses a CBOR request body into a JSON-protocol value. An empty body is an empty object.
///
/// Errors: `SerializationException` for bytes that are not CBOR or not a map at the top.
pub fn decode(bytes: &[u8]) -> Result<Value, AwsError> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let v: Cbor = ciborium::de::from_reader(bytes).map_err(|e| {
        let reason = match e {
            ciborium::de::Error::Io(_) => "the body ends inside a CBOR item".to_string(),
            ciborium::de::Error::Syntax(at) => format!("malformed CBOR at byte {at}"),
            ciborium::de::Error::Semantic(Some(at), _) => format!("unexpected CBOR item at byte {at}"),
            ciborium::de::Error::Semantic(None, _) => "unexpected CBOR item".to_string(),
            ciborium::de::Error::RecursionLimitExceeded => "CBOR items nested too deeply".to_string(),
        };
        AwsError::new("SerializationException", 400, format!("Invalid CBOR: {reason}."))
    })?;
    match to_json(v) {
        v @ Value::Object(_) => Ok(v),
        _ => Err(AwsError::new("SerializationException", 400, "Start of structure or map found where not expected.")),
    }
}

/// Epoch milliseconds of a tag-1 value: integers are milliseconds (as the SDKs write them); a
/// float that is too small to be milliseconds since 1973 is taken as seconds.
fn tag1_ms(v: &Cbor) -> Option<f64> {
    match v {
        Cbor::Integer(i) => Some(i128::from(*i) as f64),
        Cbor::Float(f) if f.abs() < 1e11 => Some(f * 1000.0),
        Cbor::Float(f) => Some(*f),
        _ => None,
    }
}

fn to_json(v: Cbor) -> Value {
    match v {
        Cbor::Integer(i) => {
            let n = i128::from(i);
            i64::try_from(n)
                .map(Value::from)
                .or_else(|_| u64::try_from(n).map(Value::from))
                .unwrap_or_else(|_| Value::from(n as f64))
        }
        Cbor::Float(f) => Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        Cbor::Bytes(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Null => Value::Null,
        Cbor::Tag(1, inner) => match tag1_ms(&inner) {
            Some(ms) => Number::from_f64(ms / 1000.0).map(Value::Number).unwrap_or(Value::Null),
            None => to_json(*inner),
        },
        Cbor::Tag(_, inner) => to_json(*inner),
        Cbor::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Cbor::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = match k {
                    Cbor::Text(s) => s,
                    other => to_json(other).to_string(),
                };
                m.insert(key, to_json(v));
            }
            Value::Object(m)
        }
        _ => Value::Null,
    }
}

/// Encodes a JSON-protocol value of shape `shape` (an output or error structure; `None` for a
/// value with no model) as CBOR.
pub fn encode(model: Option<&Model>, shape: Option<&str>, v: &Value) -> Vec<u8> {
    let c = from_json(model, shape, v);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = ciborium::ser::into_writer(&c, &mut out);
    out
}

/// The CBOR value of a JSON-protocol value of shape `shape` (see [`encode`]).
pub fn from_json(model: Option<&Model>, shape: Option<&str>, v: &Value) -> Cbor {
    let s = match (model, shape) {
        (Some(m), Some(name)) => m.shape(name),
        _ => &Value::Null,
    };
    let kind = s["type"].as_str().unwrap_or("");
    match (kind, v) {
        ("blob", Value::String(b64)) => match base64::engine::general_purpose::STANDARD.decode(b64) {
            Ok(bytes) => Cbor::Bytes(bytes),
            Err(_) => Cbor::Text(b64.clone()),
        },
        ("timestamp", Value::Number(n)) => {
            let ms = (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
            Cbor::Tag(1, Box::new(Cbor::Integer(Integer::from(ms))))
        }
        ("structure", Value::Object(obj)) => Cbor::Map(
            obj.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| {
                    let member = s["members"][k.as_str()]["shape"].as_str();
                    (Cbor::Text(k.clone()), from_json(model, member, x))
                })
                .collect(),
        ),
        ("list", Value::Array(items)) => {
            let member = s["member"]["shape"].as_str();
            Cbor::Array(items.iter().map(|x| from_json(model, member, x)).collect())
        }
        ("map", Value::Object(obj)) => {
            let value = s["value"]["shape"].as_str();
            Cbor::Map(obj.iter().map(|(k, x)| (Cbor::Text(k.clone()), from_json(model, value, x))).collect())
        }
        (_, Value::Null) => Cbor::Null,
        (_, Value::Bool(b)) => Cbor::Bool(*b),
        (_, Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cbor::Integer(Integer::from(i)),
            (None, Some(u)) => Cbor::Integer(Integer::from(u)),
            _ => Cbor::Float(n.as_f64().unwrap_or(0.0)),
        },
        (_, Value::String(t)) => Cbor::Text(t.clone()),
        (_, Value::Array(items)) => Cbor::Array(items.iter().map(|x| from_json(model, None, x)).collect()),
        (_, Value::Object(obj)) => {
            Cbor::Map(obj.iter().map(|(k, x)| (Cbor::Text(k.clone()), from_json(model, None, x))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MODEL: &str = r#"{"metadata": {}, "operations": {},
      "shapes": {"Out": {"type": "structure", "members": {"Data": {"shape": "B"}, "At": {"shape": "T"}, "N": {"shape": "I"}, "Records": {"shape": "L"}}},
        "L": {"type": "list", "member": {"shape": "Out"}}, "B": {"type": "blob"}, "T": {"type": "timestamp"}, "I": {"type": "long"}}}"#;

    #[test]
    fn timestamps_are_tag_1_epoch_milliseconds_both_ways() {
        let m = Model::parse(MODEL).unwrap();
        let v = json!({"At": 1_700_000_000.123, "N": 7});
        let bytes = encode(Some(&m), Some("Out"), &v);
        // tag 1 (0xC1), then an 8-byte unsigned integer: 1700000000123 = 0x018BCFE5687B.
        let want = [0xC1, 0x1B, 0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B];
        assert!(bytes.windows(want.len()).any(|w| w == want), "{bytes:02x?}");
        let back = decode(&bytes).unwrap();
        assert_eq!(back["At"].as_f64(), Some(1_700_000_000.123));
        // What the Java SDK sends: tag 1 around an integer of milliseconds.
        let mut sent = Vec::new();
        let c = Cbor::Map(vec![(
            Cbor::Text("Timestamp".into()),
            Cbor::Tag(1, Box::new(Cbor::Integer(1_700_000_000_500i64.into()))),
        )]);
        ciborium::ser::into_writer(&c, &mut sent).unwrap();
        assert_eq!(decode(&sent).unwrap()["Timestamp"].as_f64(), Some(1_700_000_000.5));
    }

    #[test]
    fn blobs_are_byte_strings() {
        let m = Model::parse(MODEL).unwrap();
        let v = json!({"Records": [{"Data": "AAEC/w=="}]});
        let bytes = encode(Some(&m), Some("Out"), &v);
        // A 4-byte byte string: major type 2, length 4, then the bytes.
        assert!(bytes.windows(5).any(|w| w == [0x44, 0x00, 0x01, 0x02, 0xFF]), "{bytes:02x?}");
        assert_eq!(decode(&bytes).unwrap(), v);
    }

    #[test]
    fn bad_bodies_are_serialization_errors() {
        assert_eq!(decode(&[0xFF, 0x00]).unwrap_err().code, "SerializationException");
        assert_eq!(decode(&[0x01]).unwrap_err().code, "SerializationException");
        assert!(decode(b"").unwrap().as_object().unwrap().is_empty());
        // The message is for a client to read: no Rust debug text.
        let deep = [0x81u8; 1000];
        for body in [&[0xa1, 0x61, b'a'][..], &[0xa1, 0x1c][..], &[0x7f, 0x01][..], &deep[..]] {
            let e = decode(body).unwrap_err();
            assert_eq!(e.code, "SerializationException");
            assert!(e.message.starts_with("Invalid CBOR: ") && e.message.ends_with('.'), "{}", e.message);
            assert!(!e.message.contains("Error {") && !e.message.contains("kind:"), "{}", e.message);
        }
        assert_eq!(decode(&[0xa1, 0x61, b'a']).unwrap_err().message, "Invalid CBOR: the body ends inside a CBOR item.");
    }
}
