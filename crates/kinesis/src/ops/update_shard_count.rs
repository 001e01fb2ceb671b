//! UpdateShardCount (UNIFORM_SCALING): closes the open shards and opens `TargetShardCount`
//! over even ranges, within AWS's bounds (at most double, at least half the open count, and
//! the account's shard limit).

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let target = input["TargetShardCount"].as_i64().unwrap_or(0);
    let stream = ops::stream_key(ctx, &input)?;
    let limit = i64::from(k.shard_limit());
    let now = k.now_ms();
    let account_open = k.open_shard_count(&stream.0, &stream.1) as i64;
    ops::update_active_stream(k, ctx, &input, "UpdateShardCount", |s| {
        // "Only supported for the data streams with the provisioned capacity mode" (AWS's
        // docs; the wording is a third party's, AWS's own is not recorded).
        if s.mode == "ON_DEMAND" {
            return Err(KinesisError::invalid_request(format!(
                "Request is invalid. Stream {} under account {} is in On-Demand mode.",
                s.name, s.account
            )));
        }
        let open = s.open_shards().count() as i64;
        let refuse = |why: String| {
            Err(KinesisError::limit_exceeded(format!(
                "{why}Current open shard count: {open}, Target shard count: {target}"
            )))
        };
        if target > limit || account_open - open + target > limit {
            return refuse(format!("Target shard count or number of open shards cannot be greater than {limit}. "));
        }
        if target > open * 2 {
            return refuse("UpdateShardCount cannot scale up over double your current open shard count. ".into());
        }
        if target * 2 < open {
            return refuse("UpdateShardCount cannot scale down below half your current open shard count. ".into());
        }
        s.rescale(target as u32, now);
        Ok(json!({
            "StreamName": s.name,
            "StreamARN": s.arn(),
            "CurrentShardCount": open,
            "TargetShardCount": target,
        }))
    })
    .await
}
