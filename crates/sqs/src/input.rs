//! Reading members out of an input that [`crate::model::check_input`] has already checked for
//! presence and type.

use crate::error::{SqsError, SqsResult};
use serde_json::Value;

pub fn str_opt<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(|x| x.as_str())
}

/// A required string; required members are checked by the model, so this only guards
/// against a handler asking for a member the model does not require.
pub fn str_req<'a>(v: &'a Value, name: &str) -> SqsResult<&'a str> {
    str_opt(v, name).ok_or_else(|| SqsError::missing_parameter(name))
}

pub fn int_opt(v: &Value, name: &str) -> Option<i64> {
    v.get(name).and_then(|x| x.as_i64())
}

pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .and_then(|x| x.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub fn string_map(v: &Value, name: &str) -> Vec<(String, String)> {
    v.get(name)
        .and_then(|x| x.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

pub fn entries(v: &Value) -> &[Value] {
    v.get("Entries").and_then(|x| x.as_array()).map(|a| a.as_slice()).unwrap_or(&[])
}
