use crate::error::SqsResult;
use crate::input::str_req;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let url = str_req(&input, "QueueUrl")?;
    let q = sqs.queue_by_url(ctx, url)?;
    sqs.purge(&q, &sqs.url(&q, ctx)).await?;
    Ok(json!({}))
}
