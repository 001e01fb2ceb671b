//! ListQueues: the account's queues in the region, in creation order, `MaxResults` (default
//! 100) at a time; StreamFilter keeps the queues of the streams it names.

use crate::error::{KinesisError, KinesisResult};
use crate::Kinesis;
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let start = match str_opt(&input, "NextToken") {
        Some(t) => B64
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("queues:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| KinesisError::invalid_argument(format!("Invalid NextToken: {t}")))?,
        None => 0,
    };
    let filters = input["StreamFilter"].as_array().cloned().unwrap_or_default();
    let queues = k.queues().read();
    let mut mine: Vec<_> = queues
        .values()
        .filter(|q| q.account == ctx.account && q.region == ctx.region)
        .filter(|q| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    f["StreamARN"].as_str() == Some(q.stream_arn().as_str())
                        && f["StreamCreationTimestamp"]
                            .as_f64()
                            .is_none_or(|t| (t * 1000.0).round() as u64 == q.stream_created_ms)
                })
        })
        .collect();
    mine.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    let page: Vec<Value> = mine.iter().skip(start).take(limit).map(|q| q.summary()).collect();
    let mut out = json!({ "QueueSummaries": page });
    if start + limit < mine.len() {
        out["NextToken"] = B64.encode(format!("queues:{}", start + limit)).into();
    }
    Ok(out)
}
