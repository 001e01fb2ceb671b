//! The checks every batch operation makes on its entries before doing anything, and the
//! shape of its result.

use crate::error::{SqsError, SqsResult};
use crate::input;
use crate::limits::{MAX_BATCH_ENTRIES, MAX_BATCH_ID_LEN};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Validates the entry list: not empty, at most ten, ids well-formed and distinct.
///
/// Errors: `EmptyBatchRequest`, `TooManyEntriesInBatchRequest`, `InvalidBatchEntryId`,
/// `BatchEntryIdsNotDistinct`, in that order, as AWS checks them.
pub fn check_entries<'a>(input: &'a Value, entry_name: &str) -> SqsResult<Vec<(&'a str, &'a Value)>> {
    let entries = input::entries(input);
    if entries.is_empty() {
        return Err(SqsError::empty_batch(entry_name));
    }
    if entries.len() > MAX_BATCH_ENTRIES {
        return Err(SqsError::too_many_entries(entries.len()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let id = input::str_opt(e, "Id").unwrap_or("");
        let ok = !id.is_empty()
            && id.len() <= MAX_BATCH_ID_LEN
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(SqsError::invalid_batch_entry_id());
        }
        if !seen.insert(id) {
            return Err(SqsError::ids_not_distinct(id));
        }
        out.push((id, e));
    }
    Ok(out)
}

/// A `BatchResultErrorEntry`.
fn failure(id: &str, e: &SqsError) -> Value {
    json!({"Id": id, "SenderFault": e.to_aws(aws_protocol::Protocol::AwsQuery).sender_fault, "Code": e.code(), "Message": e.message()})
}

/// `{"Successful": [...], "Failed": [...]}` from per-entry results, in entry order; `ok` renders
/// a success (the `Id` member is added here).
pub fn result<T>(
    entries: &[(&str, &Value)],
    results: Vec<SqsResult<T>>,
    ok: impl Fn(T) -> serde_json::Map<String, Value>,
) -> Value {
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for ((id, _), r) in entries.iter().zip(results) {
        match r {
            Ok(v) => {
                let mut m = ok(v);
                m.insert("Id".into(), Value::String(id.to_string()));
                successful.push(Value::Object(m));
            }
            Err(e) => failed.push(failure(id, &e)),
        }
    }
    // No failures: no `Failed` at all (recorded for SendMessageBatch; applied to every batch,
    // which share AWS's result shape). An empty `Successful` is kept: clients index it.
    if failed.is_empty() {
        json!({ "Successful": successful })
    } else {
        json!({"Successful": successful, "Failed": failed})
    }
}
