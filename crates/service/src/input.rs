//! Reading members out of a decoded input (a JSON-protocol value the model has checked for
//! presence and type), shared by every service; each service adds its own required-member reader
//! with its own error.

use serde_json::Value;

pub fn str_opt<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(|x| x.as_str())
}

pub fn int_opt(v: &Value, name: &str) -> Option<i64> {
    v.get(name).and_then(|x| x.as_i64())
}

/// A list of strings (missing: empty).
pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .and_then(|x| x.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A string map (`Attributes`), in name order (missing: empty).
pub fn string_map(v: &Value, name: &str) -> Vec<(String, String)> {
    v.get(name)
        .and_then(|x| x.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}
