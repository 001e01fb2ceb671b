//! DescribeStreamSummary: the stream without its shards, with its open shard count.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::with_stream(k, ctx, &input, |s| Ok(json!({ "StreamDescriptionSummary": s.summary() })))
}
