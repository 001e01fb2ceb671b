//! ListQueues-style pagination: `MaxResults` 1..=1000 and an opaque `NextToken` that names
//! the last queue returned.

use crate::error::{SqsError, SqsResult};
use crate::limits::MAX_LIST_RESULTS;
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
    let limit = max_results.unwrap_or(MAX_LIST_RESULTS) as usize;
    let (items, token) = service::paging::page(items, |(name, _)| name, next_token, limit)
        .map_err(|_| SqsError::invalid_parameter_value("Invalid NextToken value."))?;
    let mut out = Map::new();
    // Without MaxResults, AWS answers up to 1,000 and no token.
    if let (Some(t), Some(_)) = (token, max_results) {
        out.insert("NextToken".into(), Value::String(t));
    }
    if !items.is_empty() {
        out.insert(list_name.into(), Value::from(items.into_iter().map(|(_, u)| u).collect::<Vec<_>>()));
    }
    Ok(Value::Object(out))
}
