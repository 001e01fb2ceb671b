//! Typed shapes: the conversions between generated operation types (`tools/codegen`) and the
//! JSON-protocol values the decoders produce and the encoders take (members under their model
//! names, timestamps as epoch seconds).
//!
//! An input reaches `from_value` only after the model's checks (required members present, each
//! of its type, constraints held), so a failure here means the value skipped those checks; it
//! is reported as a [`ShapeError`] naming the member, never a panic.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A value that does not fit its shape: the member's path and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub member: String,
    pub expected: &'static str,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} must be {}", self.member, self.expected)
    }
}

impl std::error::Error for ShapeError {}

fn fault(member: &str, expected: &'static str) -> ShapeError {
    ShapeError { member: member.to_string(), expected }
}

/// Read from a JSON-protocol value.
pub trait FromValue: Sized {
    /// `member` names the value in errors.
    ///
    /// Errors: the value is not of this shape.
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError>;
}

/// Written as a JSON-protocol value.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// A required member.
///
/// Errors: absent, null or not of its shape.
pub fn required<T: FromValue>(m: &Map<String, Value>, name: &str) -> Result<T, ShapeError> {
    match m.get(name) {
        None | Some(Value::Null) => Err(fault(name, "present")),
        Some(v) => T::from_value(v, name),
    }
}

/// An optional member (absent or null: `None`).
///
/// Errors: present and not of its shape.
pub fn optional<T: FromValue>(m: &Map<String, Value>, name: &str) -> Result<Option<T>, ShapeError> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_value(v, name).map(Some),
    }
}

/// The structure's members, or an error naming it.
///
/// Errors: the value is not an object.
pub fn members<'a>(v: &'a Value, member: &str) -> Result<&'a Map<String, Value>, ShapeError> {
    v.as_object().ok_or_else(|| fault(member, "a structure"))
}

/// Puts a member into a structure's map (`None` leaves it out).
pub fn put<T: ToValue>(m: &mut Map<String, Value>, name: &str, v: &Option<T>) {
    if let Some(v) = v {
        m.insert(name.to_string(), v.to_value());
    }
}

/// Puts a required member into a structure's map.
pub fn put_required<T: ToValue>(m: &mut Map<String, Value>, name: &str, v: &T) {
    m.insert(name.to_string(), v.to_value());
}

/// A point in time, in milliseconds since the epoch; epoch seconds in values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl FromValue for Timestamp {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        match v {
            Value::Number(n) => Ok(Timestamp((n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64)),
            Value::String(s) => {
                crate::time::parse_timestamp(s).map(Timestamp).ok_or_else(|| fault(member, "a timestamp"))
            }
            _ => Err(fault(member, "a timestamp")),
        }
    }
}

impl ToValue for Timestamp {
    fn to_value(&self) -> Value {
        if self.0 % 1000 == 0 {
            Value::from(self.0 / 1000)
        } else {
            Value::from(self.0 as f64 / 1000.0)
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        v.as_str().map(str::to_string).ok_or_else(|| fault(member, "a string"))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromValue for bool {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        v.as_bool().ok_or_else(|| fault(member, "a boolean"))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromValue for i32 {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        v.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(|| fault(member, "an integer"))
    }
}

impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        v.as_i64().ok_or_else(|| fault(member, "an integer"))
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        v.as_f64().ok_or_else(|| fault(member, "a number"))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        let items = v.as_array().ok_or_else(|| fault(member, "a list"))?;
        items.iter().enumerate().map(|(i, x)| T::from_value(x, &format!("{member}.{}", i + 1))).collect()
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(ToValue::to_value).collect())
    }
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(v: &Value, member: &str) -> Result<Self, ShapeError> {
        let m = v.as_object().ok_or_else(|| fault(member, "a map"))?;
        m.iter().map(|(k, x)| Ok((k.clone(), T::from_value(x, &format!("{member}.{k}"))?))).collect()
    }
}

impl<T: ToValue> ToValue for BTreeMap<String, T> {
    fn to_value(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_lists_maps_and_timestamps_round_trip() {
        let v = json!({"s": "x", "n": 5, "b": true, "l": ["a"], "m": {"k": 1}, "t": 1.5, "nul": null});
        let m = members(&v, "top").unwrap();
        assert_eq!(required::<String>(m, "s").unwrap(), "x");
        assert_eq!(optional::<i32>(m, "n").unwrap(), Some(5));
        assert_eq!(optional::<i32>(m, "nul").unwrap(), None);
        assert_eq!(optional::<i32>(m, "absent").unwrap(), None);
        assert_eq!(required::<Vec<String>>(m, "l").unwrap(), vec!["a".to_string()]);
        assert_eq!(required::<BTreeMap<String, i64>>(m, "m").unwrap()["k"], 1);
        assert_eq!(required::<Timestamp>(m, "t").unwrap(), Timestamp(1500));
        assert_eq!(Timestamp(1500).to_value(), json!(1.5));
        assert_eq!(Timestamp(2000).to_value(), json!(2));
        assert_eq!(required::<String>(m, "absent").unwrap_err(), fault("absent", "present"));
        assert_eq!(required::<i32>(m, "s").unwrap_err(), fault("s", "an integer"));
        assert_eq!(required::<Vec<i32>>(m, "l").unwrap_err(), fault("l.1", "an integer"));
    }
}
