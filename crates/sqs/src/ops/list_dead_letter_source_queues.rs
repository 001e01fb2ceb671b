use crate::error::SqsResult;
use crate::input::{int_opt, str_opt, str_req};
use crate::ops::paging;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let dlq = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let items = sqs.dead_letter_sources(&dlq.arn).into_iter().map(|q| (q.name.clone(), sqs.url(&q, ctx))).collect();
    let mut out = paging::page(items, int_opt(&input, "MaxResults"), str_opt(&input, "NextToken"), "queueUrls")?;
    // queueUrls is a required member of the output.
    if out.get("queueUrls").is_none() {
        out["queueUrls"] = Value::Array(Vec::new());
    }
    Ok(out)
}
