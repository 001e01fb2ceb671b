//! Trimmed AWS service models (`fixtures/models/<service>.json`, made from AWS's published
//! models by `tools/trim-model.py`): the operation list, each input's required members and
//! member types. Services check requests against their model before any handler runs, in
//! AWS's order: shape and type first, then the operation's own constraints.

use serde_json::{Map, Value};

/// One service's model.
#[derive(Debug, Clone)]
pub struct Model {
    doc: Value,
}

/// Why an input does not fit its shape. Each service maps these to its own errors (the codes
/// differ between query-compatible services and the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// A required member is absent (or null).
    Missing { member: String },
    /// A member's value is not of its shape's type. `value` is the value as received.
    Type { member: String, expected: &'static str, value: String, from_query: bool },
}

impl Model {
    /// Parses a trimmed model document.
    ///
    /// Errors: the text is not JSON or has no `operations` object.
    pub fn parse(text: &str) -> Result<Model, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !doc["operations"].is_object() {
            return Err("the model has no operations".into());
        }
        Ok(Model { doc })
    }

    /// Every operation, in name order.
    pub fn operations(&self) -> Vec<&str> {
        self.doc["operations"].as_object().map(|o| o.keys().map(|k| k.as_str()).collect()).unwrap_or_default()
    }

    pub fn has_operation(&self, operation: &str) -> bool {
        self.doc["operations"].get(operation).is_some()
    }

    /// Whether the operation has an output structure (query responses then carry a `<..Result>`).
    pub fn has_output(&self, operation: &str) -> bool {
        self.doc["operations"][operation]["output"].is_string()
    }

    /// Shape names of the model's modeled errors (exceptions).
    pub fn error_shapes(&self) -> Vec<&str> {
        self.doc["shapes"]
            .as_object()
            .map(|m| m.iter().filter(|(_, s)| s.get("exception").is_some()).map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default()
    }

    /// Checks `input` against the operation's input shape: required members present, scalars of
    /// the right type. Query requests carry every scalar as a string; with `from_query` those
    /// are converted to the model's type in place (`"5"` to `5`, `"true"` to `true`). Unknown
    /// members are ignored, as AWS's endpoints do.
    pub fn check_input(&self, operation: &str, input: &mut Value, from_query: bool) -> Result<(), InputError> {
        let Some(shape) = self.doc["operations"][operation]["input"].as_str() else {
            return Ok(());
        };
        self.check(shape, input, from_query, "")
    }

    fn shape(&self, name: &str) -> &Value {
        &self.doc["shapes"][name]
    }

    fn check(&self, shape_name: &str, v: &mut Value, from_query: bool, path: &str) -> Result<(), InputError> {
        let shape = self.shape(shape_name);
        let type_error = |v: &Value, expected: &'static str| InputError::Type {
            member: path.to_string(),
            expected,
            value: match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            from_query,
        };
        match shape["type"].as_str().unwrap_or("") {
            "structure" => match v {
                Value::Object(obj) => self.check_structure(shape, obj, from_query),
                _ => Err(type_error(v, "structure")),
            },
            "list" => {
                let member = shape["member"]["shape"].as_str().unwrap_or("String");
                match v {
                    Value::Array(items) => items.iter_mut().try_for_each(|i| self.check(member, i, from_query, path)),
                    _ => Err(type_error(v, "list")),
                }
            }
            "map" => {
                let value_shape = shape["value"]["shape"].as_str().unwrap_or("String");
                match v {
                    Value::Object(entries) => {
                        entries.iter_mut().try_for_each(|(_, i)| self.check(value_shape, i, from_query, path))
                    }
                    _ => Err(type_error(v, "map")),
                }
            }
            "integer" | "long" => {
                if let (true, Value::String(s)) = (from_query, &*v) {
                    match s.trim().parse::<i64>() {
                        Ok(n) => *v = Value::from(n),
                        Err(_) => return Err(type_error(v, "integer")),
                    }
                }
                match v {
                    Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
                    _ => Err(type_error(v, "integer")),
                }
            }
            "boolean" => {
                if let (true, Value::String(s)) = (from_query, &*v) {
                    match s.as_str() {
                        "true" => *v = Value::Bool(true),
                        "false" => *v = Value::Bool(false),
                        _ => return Err(type_error(v, "boolean")),
                    }
                }
                match v {
                    Value::Bool(_) => Ok(()),
                    _ => Err(type_error(v, "boolean")),
                }
            }
            // strings and blobs (base64 strings on both protocols)
            _ => match v {
                Value::String(_) => Ok(()),
                _ => Err(type_error(v, "string")),
            },
        }
    }

    fn check_structure(&self, shape: &Value, obj: &mut Map<String, Value>, from_query: bool) -> Result<(), InputError> {
        if let Some(required) = shape["required"].as_array() {
            for r in required.iter().filter_map(|r| r.as_str()) {
                if obj.get(r).is_none_or(|v| v.is_null()) {
                    return Err(InputError::Missing { member: r.to_string() });
                }
            }
        }
        let members = shape["members"].as_object();
        for (name, value) in obj.iter_mut() {
            if value.is_null() {
                continue;
            }
            if let Some(target) = members.and_then(|m| m.get(name)).and_then(|m| m["shape"].as_str()) {
                self.check(target, value, from_query, name)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MODEL: &str = r#"{"operations": {"Send": {"input": "SendRequest", "output": "SendResult"}, "Ping": {"input": null, "output": null}},
      "shapes": {"SendRequest": {"type": "structure", "required": ["Url", "Body"],
                   "members": {"Url": {"shape": "String"}, "Body": {"shape": "String"}, "Delay": {"shape": "Integer"},
                               "Flag": {"shape": "Boolean"}, "Entries": {"shape": "EntryList"}}},
                 "EntryList": {"type": "list", "member": {"shape": "Entry"}},
                 "Entry": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "String"}}},
                 "String": {"type": "string"}, "Integer": {"type": "integer"}, "Boolean": {"type": "boolean"},
                 "Oops": {"type": "structure", "exception": true}}}"#;

    #[test]
    fn required_types_and_query_coercion() {
        let m = Model::parse(MODEL).unwrap();
        assert_eq!(m.operations(), vec!["Ping", "Send"]);
        assert!(m.has_output("Send") && !m.has_output("Ping"));
        assert_eq!(m.error_shapes(), vec!["Oops"]);
        let mut v = json!({"Url": "u", "Body": "b", "Delay": "5", "Flag": "true"});
        m.check_input("Send", &mut v, true).unwrap();
        assert_eq!((v["Delay"].clone(), v["Flag"].clone()), (json!(5), json!(true)));
        let mut v = json!({"Url": "u"});
        assert_eq!(m.check_input("Send", &mut v, false), Err(InputError::Missing { member: "Body".into() }));
        let mut v = json!({"Url": "u", "Body": "b", "Delay": "x"});
        assert!(matches!(m.check_input("Send", &mut v, false), Err(InputError::Type { expected: "integer", .. })));
        let mut v = json!({"Url": "u", "Body": "b", "Entries": [{}]});
        assert_eq!(m.check_input("Send", &mut v, false), Err(InputError::Missing { member: "Id".into() }));
        let mut v = json!({"Url": "u", "Body": "b", "Unknown": [1]});
        assert!(m.check_input("Send", &mut v, false).is_ok());
    }
}
