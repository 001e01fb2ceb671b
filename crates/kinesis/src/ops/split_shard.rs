//! SplitShard: closes an open shard and opens two children divided at `NewStartingHashKey`.
//! The parent keeps its records until retention ends; readers reach the children through
//! GetRecords' ChildShards.

use crate::error::KinesisResult;
use crate::keys::parse_hash_key;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let given = str_opt(&input, "ShardToSplit").unwrap_or_default().to_string();
    let key_text = str_opt(&input, "NewStartingHashKey").unwrap_or_default().to_string();
    let stream = ops::stream_key(ctx, &input)?;
    let index = ops::resolve_shard(&stream, &given)?;
    ops::check_shard_limit(k, &stream, 1)?;
    let now = k.now_ms();
    ops::update_active_stream(k, ctx, &input, "SplitShard", |s| {
        // The model's pattern keeps the key within 39 digits; above 2^128 - 1 is outside every shard.
        let key = parse_hash_key(&key_text).unwrap_or(u128::MAX);
        s.split(index, key, now).map_err(|e| ops::reshard_error(s, e, &key_text))
    })
    .await?;
    Ok(json!({}))
}
