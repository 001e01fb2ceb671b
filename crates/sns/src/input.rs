//! Reading members out of an input the model has checked for presence and type.

use crate::error::{SnsError, SnsResult};
use serde_json::Value;

pub fn str_opt<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(|x| x.as_str())
}

/// A required string (the model checked presence; this guards handlers asking for more).
pub fn str_req<'a>(v: &'a Value, name: &str) -> SnsResult<&'a str> {
    str_opt(v, name).ok_or_else(|| SnsError::invalid_parameter(name))
}

pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .and_then(|x| x.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A string map (`Attributes`), in name order.
pub fn string_map(v: &Value, name: &str) -> Vec<(String, String)> {
    v.get(name)
        .and_then(|x| x.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

/// A `TagList` (`[{Key, Value}]`) as pairs.
pub fn tags(v: &Value, name: &str) -> Vec<(String, String)> {
    v.get(name)
        .and_then(|x| x.as_array())
        .map(|a| {
            a.iter()
                .map(|t| (str_opt(t, "Key").unwrap_or("").to_string(), str_opt(t, "Value").unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}
