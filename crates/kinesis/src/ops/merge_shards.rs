//! MergeShards: closes two open shards whose hash key ranges meet and opens one child over
//! both, with the first as parent and the second as adjacent parent.

use crate::error::KinesisResult;
use crate::stream::parse_shard_id;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let first = str_opt(&input, "ShardToMerge").unwrap_or_default().to_string();
    let second = str_opt(&input, "AdjacentShardToMerge").unwrap_or_default().to_string();
    let now = k.now_ms();
    ops::update_active_stream(k, ctx, &input, "MergeShards", |s| {
        let a = parse_shard_id(&first).ok_or_else(|| ops::no_such_shard(s, &first))?;
        let b = parse_shard_id(&second).ok_or_else(|| ops::no_such_shard(s, &second))?;
        s.merge(a, b, now).map_err(|e| ops::reshard_error(s, e, ""))
    })
    .await?;
    Ok(json!({}))
}
