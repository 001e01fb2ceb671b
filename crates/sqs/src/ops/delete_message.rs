use crate::error::{SqsError, SqsResult};
use crate::input::str_req;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let handle = str_req(&input, "ReceiptHandle")?;
    let mut r = sqs.delete_many(&q, &[handle]).await?;
    r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into())))?;
    Ok(json!({}))
}
