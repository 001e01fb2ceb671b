//! DescribeLimits: the account's shard limit (`--kinesis-shard-limit`) and open shards, and its
//! ON_DEMAND streams against their limit of 50, in the request's region.

use crate::error::KinesisResult;
use crate::{Kinesis, ON_DEMAND_STREAM_LIMIT};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext) -> KinesisResult<Value> {
    Ok(json!({
        "ShardLimit": k.shard_limit(),
        "OpenShardCount": k.open_shard_count(&ctx.account, &ctx.region),
        "OnDemandStreamCount": k.on_demand_stream_count(&ctx.account, &ctx.region),
        "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT,
    }))
}
