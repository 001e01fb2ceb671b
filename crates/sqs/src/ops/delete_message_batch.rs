use crate::error::SqsResult;
use crate::input::{str_opt, str_req};
use crate::ops::batch;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let entries = batch::check_entries(&input, "DeleteMessageBatchRequestEntry")?;
    let handles: Vec<&str> = entries.iter().map(|(_, e)| str_opt(e, "ReceiptHandle").unwrap_or("")).collect();
    let results = sqs.delete_many(&q, &handles).await?;
    Ok(batch::result(&entries, results, |()| serde_json::Map::new()))
}
