//! Reading members out of an input that [`crate::model::check_input`] has already checked for
//! presence and type: the shared readers, and SQS's own.

use crate::error::{SqsError, SqsResult};
use serde_json::Value;
pub use service::input::{int_opt, str_opt, string_map, strings};

/// A required string; required members are checked by the model, so this only guards
/// against a handler asking for a member the model does not require.
pub fn str_req<'a>(v: &'a Value, name: &str) -> SqsResult<&'a str> {
    str_opt(v, name).ok_or_else(|| SqsError::missing_parameter(name))
}

pub fn entries(v: &Value) -> &[Value] {
    v.get("Entries").and_then(|x| x.as_array()).map(|a| a.as_slice()).unwrap_or(&[])
}
