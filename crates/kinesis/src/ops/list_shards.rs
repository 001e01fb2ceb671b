//! ListShards: a stream's shards, `MaxResults` (default 1,000) at a time, after
//! `ExclusiveStartShardId` or the `NextToken` of the previous page, through a ShardFilter.

use crate::error::{KinesisError, KinesisResult};
use crate::stream::{parse_shard_id, Shard};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Whether a shard passes the filter (AWS's ShardFilter types).
fn passes(s: &Shard, filter: &Value) -> KinesisResult<bool> {
    let closed_ms = s.closed.map(|c| c.ms);
    Ok(match filter["Type"].as_str() {
        None => true,
        Some("AT_LATEST") => s.closed.is_none(),
        Some("AT_TRIM_HORIZON") | Some("FROM_TRIM_HORIZON") => true,
        Some("AFTER_SHARD_ID") => {
            let Some(id) = filter["ShardId"].as_str() else {
                return Err(KinesisError::invalid_argument("ShardId must be provided for the AFTER_SHARD_ID filter."));
            };
            parse_shard_id(id).is_some_and(|i| s.index > i)
        }
        Some(t @ ("AT_TIMESTAMP" | "FROM_TIMESTAMP")) => {
            let Some(ts) = filter["Timestamp"].as_f64() else {
                return Err(KinesisError::invalid_argument(format!("Timestamp must be provided for the {t} filter.")));
            };
            let at = (ts * 1000.0) as u64;
            // Open at that time (AT_), or opened since (FROM_ adds the later ones).
            let open_then = s.created_ms <= at && closed_ms.is_none_or(|c| c >= at);
            open_then || (t == "FROM_TIMESTAMP" && s.created_ms > at)
        }
        Some(other) => return Err(KinesisError::invalid_argument(format!("Invalid ShardFilter type {other}"))),
    })
}

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, mut input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(1000).max(1) as usize;
    let mut after = str_opt(&input, "ExclusiveStartShardId").map(|id| parse_shard_id(id).map(i64::from).unwrap_or(-1));
    if let Some(token) = str_opt(&input, "NextToken").map(str::to_string) {
        if input.get("StreamName").is_some() || input.get("StreamARN").is_some() {
            return Err(KinesisError::invalid_argument("NextToken and StreamName cannot be provided together."));
        }
        if after.is_some() {
            return Err(KinesisError::invalid_argument(
                "NextToken and ExclusiveStartShardId cannot be provided together.",
            ));
        }
        let decoded = B64.decode(&token).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
        let Some((arn, index)) = decoded.rsplit_once('|') else {
            return Err(KinesisError::invalid_argument(format!("Invalid NextToken: {token}")));
        };
        input["StreamARN"] = arn.into();
        after = index.parse().ok();
    }
    let filter = input["ShardFilter"].clone();
    ops::with_stream(k, ctx, &input, |s| {
        let mut shards = Vec::new();
        for sh in s.shards.iter().filter(|sh| after.is_none_or(|a| i64::from(sh.index) > a)) {
            if passes(sh, &filter)? {
                shards.push(sh);
            }
        }
        let more = shards.len() > limit;
        let page = &shards[..shards.len().min(limit)];
        let mut out = json!({ "Shards": page.iter().map(|sh| sh.describe()).collect::<Vec<_>>() });
        if more {
            if let Some(last) = page.last() {
                out["NextToken"] = B64.encode(format!("{}|{}", s.arn(), last.index)).into();
            }
        }
        Ok(out)
    })
}
