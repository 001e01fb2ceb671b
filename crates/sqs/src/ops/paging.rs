//! ListQueues-style pagination: `MaxResults` 1..=1000 and an opaque `NextToken` that names
//! the last queue returned.

use crate::error::{SqsError, SqsResult};
use crate::limits::MAX_LIST_RESULTS;
use base64::Engine;
use serde_json::{Map, Value};

/// Cuts `items` (queue name, URL) into one page in name order and returns the output object
/// with `list_name` and, when more remain, `NextToken`. Without MaxResults, up to 1,000 and
/// no token, as AWS.
///
/// Errors: `InvalidParameterValue` for MaxResults out of range or a NextToken not ours.
pub fn page(
    mut items: Vec<(String, String)>,
    max_results: Option<i64>,
    next_token: Option<&str>,
    list_name: &str,
) -> SqsResult<Value> {
    items.sort();
    if let Some(m) = max_results {
        if !(1..=MAX_LIST_RESULTS).contains(&m) {
            return Err(SqsError::invalid_value(m, "MaxResults", "MaxResults must be an integer between 1 and 1000."));
        }
    }
    if let Some(t) = next_token.filter(|t| !t.is_empty()) {
        let after = base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| SqsError::invalid_parameter_value("Invalid NextToken value."))?;
        items.retain(|(name, _)| *name > after);
    }
    let limit = max_results.unwrap_or(MAX_LIST_RESULTS) as usize;
    let mut out = Map::new();
    let more = items.len() > limit;
    items.truncate(limit);
    if more && max_results.is_some() {
        if let Some((last, _)) = items.last() {
            out.insert("NextToken".into(), Value::String(base64::engine::general_purpose::STANDARD.encode(last)));
        }
    }
    if !items.is_empty() {
        out.insert(list_name.into(), Value::from(items.into_iter().map(|(_, u)| u).collect::<Vec<_>>()));
    }
    Ok(Value::Object(out))
}
