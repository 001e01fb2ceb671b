//! ListTagsForResource: every tag of a stream named by its ARN, in key order.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::with_stream(k, ctx, &ops::resource_input(&input), |s| Ok(json!({"Tags": tags::list(s.tags.iter())})))
}
