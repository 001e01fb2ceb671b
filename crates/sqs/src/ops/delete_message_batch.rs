use crate::error::SqsResult;
use crate::input::{str_opt, str_req};
use crate::ops::batch;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let entries = batch::check_entries(&input, "DeleteMessageBatchRequestEntry")?;
    let handles: Vec<&str> = entries
        .iter()
        .map(|(_, e)| str_opt(e, "ReceiptHandle").unwrap_or(""))
        .collect();
    let results = sqs.delete_many(&q, &handles).await?;
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for ((id, _), r) in entries.iter().zip(results) {
        match r {
            Ok(()) => ok.push(json!({"Id": id})),
            Err(e) => failed.push(batch::failure(id, &e)),
        }
    }
    Ok(batch::result(ok, failed))
}
