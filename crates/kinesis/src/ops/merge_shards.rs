//! MergeShards: closes two open shards whose hash key ranges meet and opens one child over
//! both, with the first as parent and the second as adjacent parent.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let first = str_opt(&input, "ShardToMerge").unwrap_or_default().to_string();
    let second = str_opt(&input, "AdjacentShardToMerge").unwrap_or_default().to_string();
    let key = ops::stream_key(ctx, &input)?;
    let (a, b) = (ops::resolve_shard(&key, &first)?, ops::resolve_shard(&key, &second)?);
    let now = k.now_ms();
    ops::update_active_stream(k, ctx, &input, "MergeShards", |s| {
        s.merge(a, b, now).map_err(|e| ops::reshard_error(s, e, ""))
    })
    .await?;
    Ok(json!({}))
}
