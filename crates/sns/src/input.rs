//! Reading members out of an input the model has checked for presence and type: the shared
//! readers, and SNS's own.

use crate::error::{SnsError, SnsResult};
use serde_json::Value;
pub use service::input::{int_opt, str_opt, string_map, strings};

/// A required string (the model checked presence; this guards handlers asking for more).
pub fn str_req<'a>(v: &'a Value, name: &str) -> SnsResult<&'a str> {
    str_opt(v, name).ok_or_else(|| SnsError::invalid_parameter(name))
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
