//! ListQueues: the account's queues in the region, in creation order, `MaxResults` (default
//! 100) at a time; StreamFilter keeps the queues of the streams it names.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::int_opt;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let start = ops::page_start(&input, "queues")?;
    let filters = input["StreamFilter"].as_array().cloned().unwrap_or_default();
    let queues = k.queues().read();
    let mut mine: Vec<_> =
        queues.values().filter(|q| q.account == ctx.account && q.region == ctx.region && q.matches(&filters)).collect();
    mine.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    let (page, next) = ops::page_at(&mine, start, limit, "queues");
    let mut out = json!({ "QueueSummaries": page.iter().map(|q| q.summary()).collect::<Vec<Value>>() });
    if let Some(t) = next {
        out["NextToken"] = t.into();
    }
    Ok(out)
}
