use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req};
use crate::limits::{MAX_BATCH_ENTRIES, MAX_BATCH_ID_LEN};
use crate::message;
use crate::ops::publish::entry;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use std::collections::HashSet;

/// PublishBatch: up to ten messages to one topic, published together (one store job). The
/// request fails whole for batch-level faults (no entries, too many, repeated or invalid ids,
/// total size), and for an entry that fails Publish's own checks, with Publish's code and text
/// (recorded: AWS does not report such an entry in `Failed`). `Failed` lists entries that were
/// valid and could not be published; here every valid entry is.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let topic = sns.topic(arn)?;
    let entries = input.get("PublishBatchRequestEntries").and_then(Value::as_array).cloned().unwrap_or_default();
    if entries.is_empty() {
        return Err(SnsError::modeled("EmptyBatchRequestException", "The batch request doesn't contain any entries."));
    }
    if entries.len() > MAX_BATCH_ENTRIES {
        return Err(SnsError::modeled(
            "TooManyEntriesInBatchRequestException",
            "The batch request contains more entries than permissible.",
        ));
    }
    let mut seen = HashSet::new();
    for e in &entries {
        let id = str_opt(e, "Id").unwrap_or("");
        if !seen.insert(id) {
            return Err(SnsError::modeled(
                "BatchEntryIdsNotDistinctException",
                "Two or more batch entries in the request have the same Id.",
            ));
        }
        if id.len() > MAX_BATCH_ID_LEN {
            return Err(SnsError::modeled(
                "InvalidBatchEntryIdException",
                format!("The Id of a batch entry in the batch request is too long: {id}"),
            ));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(SnsError::modeled(
                "InvalidBatchEntryIdException",
                format!("The Id of a batch entry in the batch request contains an impermissible character: {id}"),
            ));
        }
    }
    let total: usize = entries.iter().map(message::input_size).sum();
    if total > topic.max_message_size() {
        return Err(SnsError::modeled(
            "BatchRequestTooLongException",
            "The length of all the messages put together is more than the limit.",
        ));
    }
    let mut ok = Vec::new();
    let mut ids = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = format!("publishBatchRequestEntries.{}.member.messageAttributes", i + 1);
        let mut p = entry(sns, Some(&topic), e, &at)?;
        p.trace_header = ctx.trace_header.clone();
        ok.push(p);
        ids.push(str_opt(e, "Id").unwrap_or("").to_string());
    }
    let mut successful = Vec::new();
    let results = sns.publish_to_topic(&topic, ok, &ctx.host).await?;
    for (id, r) in ids.into_iter().zip(results) {
        let mut s = json!({"Id": id, "MessageId": r.message_id});
        if let Some(seq) = r.sequence_number {
            s["SequenceNumber"] = Value::String(seq);
        }
        successful.push(s);
    }
    Ok(json!({"Successful": successful, "Failed": []}))
}
