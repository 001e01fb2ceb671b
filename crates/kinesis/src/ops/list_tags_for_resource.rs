//! ListTagsForResource: every tag of a stream or consumer named by its ARN, in key order.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    Ok(json!({"Tags": ops::resource_tags(k, ctx, &input)?}))
}
