use crate::error::SqsResult;
use crate::input::{int_opt, str_opt};
use crate::ops::paging;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let prefix = str_opt(&input, "QueueNamePrefix").unwrap_or("");
    let items = sqs
        .all_queues()
        .into_iter()
        .filter(|q| q.account == ctx.account && q.region == ctx.region && q.name.starts_with(prefix))
        .map(|q| (q.name.clone(), sqs.url(&q, ctx)))
        .collect();
    paging::page(items, int_opt(&input, "MaxResults"), str_opt(&input, "NextToken"), "QueueUrls")
}
