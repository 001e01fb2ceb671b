//! The trimmed SQS model (`fixtures/models/sqs.json`, from AWS's published model): the
//! operation list, each input's required members and member types. Decoding checks requests
//! against it before any handler runs, in AWS's order: shape and type first, then constraints.

use crate::error::SqsError;
use serde_json::{Map, Value};
use std::sync::OnceLock;

fn model() -> &'static Value {
    static M: OnceLock<Value> = OnceLock::new();
    M.get_or_init(|| {
        serde_json::from_str(include_str!("../../../fixtures/models/sqs.json"))
            .expect("fixtures/models/sqs.json is valid JSON (checked by a unit test)")
    })
}

/// Every operation the SQS API has.
pub fn operations() -> Vec<&'static str> {
    model()["operations"].as_object().map(|o| o.keys().map(|k| k.as_str()).collect()).unwrap_or_default()
}

/// Whether the operation has an output structure (query responses then carry a `<..Result>`).
pub fn has_output(operation: &str) -> bool {
    model()["operations"][operation]["output"].is_string()
}

/// Checks `input` against the operation's input shape: required members present, scalars of
/// the right type. Query requests carry every scalar as a string; with `from_query` those are
/// converted to the model's type in place (`"5"` to `5`, `"true"` to `true`).
///
/// Errors: `MissingParameter` for an absent required member, `InvalidParameterValue` (query)
/// or `SerializationException` (JSON) for a value of the wrong type.
pub fn check_input(operation: &str, input: &mut Value, from_query: bool) -> Result<(), SqsError> {
    let Some(shape) = model()["operations"][operation]["input"].as_str() else {
        return Ok(());
    };
    check(shape, input, from_query, "")
}

fn shape_of(name: &str) -> &'static Value {
    &model()["shapes"][name]
}

fn check(shape_name: &str, v: &mut Value, from_query: bool, path: &str) -> Result<(), SqsError> {
    let shape = shape_of(shape_name);
    match shape["type"].as_str().unwrap_or("") {
        "structure" => {
            let Value::Object(obj) = v else {
                return Err(type_error(path, v, "structure", from_query));
            };
            check_structure(shape, obj, from_query)
        }
        "list" => {
            let member = shape["member"]["shape"].as_str().unwrap_or("String");
            match v {
                Value::Array(items) => {
                    for item in items.iter_mut() {
                        check(member, item, from_query, path)?;
                    }
                    Ok(())
                }
                _ => Err(type_error(path, v, "list", from_query)),
            }
        }
        "map" => {
            let value_shape = shape["value"]["shape"].as_str().unwrap_or("String");
            match v {
                Value::Object(entries) => {
                    for (_, item) in entries.iter_mut() {
                        check(value_shape, item, from_query, path)?;
                    }
                    Ok(())
                }
                _ => Err(type_error(path, v, "map", from_query)),
            }
        }
        "integer" | "long" => {
            if from_query {
                if let Value::String(s) = v {
                    match s.trim().parse::<i64>() {
                        Ok(n) => *v = Value::from(n),
                        Err(_) => {
                            return Err(SqsError::invalid_value(s.clone(), path, "Must be an integer."));
                        }
                    }
                }
            }
            match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
                _ => Err(type_error(path, v, "integer", from_query)),
            }
        }
        "boolean" => {
            if from_query {
                if let Value::String(s) = v {
                    match s.as_str() {
                        "true" => *v = Value::Bool(true),
                        "false" => *v = Value::Bool(false),
                        _ => return Err(SqsError::invalid_value(s.clone(), path, "Must be a boolean.")),
                    }
                }
            }
            match v {
                Value::Bool(_) => Ok(()),
                _ => Err(type_error(path, v, "boolean", from_query)),
            }
        }
        // strings and blobs (base64 strings on both protocols)
        _ => match v {
            Value::String(_) => Ok(()),
            _ => Err(type_error(path, v, "string", from_query)),
        },
    }
}

fn check_structure(shape: &Value, obj: &mut Map<String, Value>, from_query: bool) -> Result<(), SqsError> {
    if let Some(required) = shape["required"].as_array() {
        for r in required.iter().filter_map(|r| r.as_str()) {
            if obj.get(r).is_none_or(|v| v.is_null()) {
                return Err(SqsError::missing_parameter(r));
            }
        }
    }
    let members = shape["members"].as_object();
    for (name, value) in obj.iter_mut() {
        if value.is_null() {
            continue;
        }
        // Unknown members are ignored, as AWS's JSON and query endpoints do.
        if let Some(target) = members.and_then(|m| m.get(name)).and_then(|m| m["shape"].as_str()) {
            check(target, value, from_query, name)?;
        }
    }
    Ok(())
}

fn type_error(path: &str, v: &Value, expected: &str, from_query: bool) -> SqsError {
    if from_query {
        SqsError::invalid_value(v, path, &format!("Must be a {expected}."))
    } else {
        SqsError::serialization(format!("Value for parameter {path} must be a {expected}."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn has_all_operations() {
        assert_eq!(operations().len(), 23);
    }

    #[test]
    fn required_and_coercion() {
        let mut v = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "5"});
        check_input("SendMessage", &mut v, true).unwrap();
        assert_eq!(v["DelaySeconds"], 5);
        let mut v = json!({"QueueUrl": "u"});
        assert_eq!(check_input("SendMessage", &mut v, false).unwrap_err().code(), "MissingParameter");
        let mut v = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "x"});
        assert_eq!(check_input("SendMessage", &mut v, false).unwrap_err().code(), "SerializationException");
        let mut v = json!({"QueueUrl": "u", "Entries": [{"Id": "a"}]});
        assert_eq!(
            check_input("SendMessageBatch", &mut v, false).unwrap_err().message(),
            "The request must contain the parameter MessageBody."
        );
    }
}
