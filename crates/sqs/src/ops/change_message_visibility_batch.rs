use crate::error::SqsResult;
use crate::input::{int_opt, str_opt, str_req};
use crate::ops::batch;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let entries = batch::check_entries(&input, "ChangeMessageVisibilityBatchRequestEntry")?;
    // An entry without VisibilityTimeout keeps AWS's behaviour of treating it as 0.
    let changes: Vec<(&str, i64)> = entries
        .iter()
        .map(|(_, e)| (str_opt(e, "ReceiptHandle").unwrap_or(""), int_opt(e, "VisibilityTimeout").unwrap_or(0)))
        .collect();
    let results = sqs.change_visibility_many(&q, &changes).await?;
    Ok(batch::result(&entries, results, |()| serde_json::Map::new()))
}
