use crate::error::{SqsError, SqsResult};
use crate::input::str_req;
use crate::ops::batch;
use crate::ops::send_message::{output, request};
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let entries = batch::check_entries(&input, "SendMessageBatchRequestEntry")?;
    if q.fifo {
        // AWS refuses the whole batch, not the entry, for these.
        let content_dedup = q.state.lock().attrs.content_based_deduplication;
        for (_, e) in &entries {
            // InvalidParameterValue here, where SendMessage says MissingParameter (recorded).
            if e.get("MessageGroupId").is_none_or(|g| g.is_null() || g.as_str() == Some("")) {
                return Err(SqsError::invalid_parameter_value(
                    "The request must contain the parameter MessageGroupId.",
                ));
            }
            if !content_dedup && e.get("MessageDeduplicationId").is_none_or(|d| d.is_null()) {
                return Err(crate::engine::missing_dedup_id());
            }
        }
    }
    let reqs: Vec<_> = entries.iter().map(|(_, e)| request(ctx, e)).collect();
    let total: usize =
        reqs.iter().filter_map(|r| r.as_ref().ok()).map(|r| crate::message::message_size(&r.body, &r.attributes)).sum();
    let limit = q.state.lock().attrs.maximum_message_size.max(crate::limits::MAX_MESSAGE_SIZE) as usize;
    if total > limit {
        return Err(SqsError::batch_request_too_long(limit, total));
    }
    let results = sqs.send_many(&q, reqs).await?;
    Ok(batch::result(&entries, results, |r| output(&r)))
}
