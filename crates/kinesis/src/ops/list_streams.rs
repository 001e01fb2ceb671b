//! ListStreams: the account's streams in the region by name, `Limit` (default 100) at a time,
//! after `ExclusiveStartStreamName` or the `NextToken` of the previous page.

use crate::error::{KinesisError, KinesisResult};
use crate::Kinesis;
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "Limit").unwrap_or(100).max(1) as usize;
    let after = match str_opt(&input, "NextToken") {
        Some(t) => Some(
            B64.decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| KinesisError::invalid_argument(format!("Invalid NextToken: {t}")))?,
        ),
        None => str_opt(&input, "ExclusiveStartStreamName").map(str::to_string),
    };
    let streams = k.streams().read();
    let mine: Vec<_> = streams
        .values()
        .filter(|s| s.account == ctx.account && s.region == ctx.region)
        .filter(|s| after.as_deref().is_none_or(|a| s.name.as_str() > a))
        .collect();
    let page = &mine[..mine.len().min(limit)];
    let more = mine.len() > limit;
    let mut out = json!({
        "StreamNames": page.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "HasMoreStreams": more,
        "StreamSummaries": page.iter().map(|s| json!({
            "StreamName": s.name,
            "StreamARN": s.arn(),
            "StreamStatus": s.status,
            "StreamModeDetails": {"StreamMode": s.mode},
            "StreamCreationTimestamp": s.created_ms as f64 / 1000.0,
        })).collect::<Vec<_>>(),
    });
    if more {
        if let Some(last) = page.last() {
            out["NextToken"] = B64.encode(last.name.as_bytes()).into();
        }
    }
    Ok(out)
}
