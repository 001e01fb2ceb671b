//! ListChannels: the account's channels in the region by name, `MaxResults` (default 100) at
//! a time; StreamFilter keeps the channels of the streams it names.

use crate::error::{KinesisError, KinesisResult};
use crate::Kinesis;
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let after = match str_opt(&input, "NextToken") {
        Some(t) => Some(
            B64.decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("channels:").map(str::to_string))
                .ok_or_else(|| KinesisError::invalid_argument(format!("Invalid NextToken: {t}")))?,
        ),
        None => None,
    };
    let filters = input["StreamFilter"].as_array().cloned().unwrap_or_default();
    let channels = k.channels().read();
    let mine: Vec<_> = channels
        .values()
        .filter(|c| c.account == ctx.account && c.region == ctx.region)
        .filter(|c| after.as_deref().is_none_or(|a| c.name.as_str() > a))
        .filter(|c| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    f["StreamARN"].as_str() == Some(c.stream_arn().as_str())
                        && f["StreamCreationTimestamp"]
                            .as_f64()
                            .is_none_or(|t| (t * 1000.0).round() as u64 == c.stream_created_ms)
                })
        })
        .collect();
    let page: Vec<Value> = mine.iter().take(limit).map(|c| c.summary()).collect();
    let mut out = json!({ "ChannelSummaries": page });
    if mine.len() > limit {
        out["NextToken"] = B64.encode(format!("channels:{}", mine[limit - 1].name)).into();
    }
    Ok(out)
}
