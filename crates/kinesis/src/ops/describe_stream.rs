//! DescribeStream: the stream with its shards, `Limit` (default 100) at a time after
//! `ExclusiveStartShardId`.

use crate::error::KinesisResult;
use crate::stream::parse_shard_id;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "Limit").unwrap_or(100).max(1) as usize;
    let after = str_opt(&input, "ExclusiveStartShardId").map(|id| parse_shard_id(id).map(i64::from).unwrap_or(-1));
    ops::with_stream(k, ctx, &input, |s| {
        let from: Vec<_> = s.shards.iter().filter(|sh| after.is_none_or(|a| i64::from(sh.index) > a)).collect();
        let more = from.len() > limit;
        Ok(json!({ "StreamDescription": s.describe(&from[..from.len().min(limit)], more) }))
    })
}
