//! TagResource: AddTagsToStream for a stream or consumer named by its ARN.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let new = tags::input_map(&input);
    ops::update_resource_tags(k, ctx, &input, |t, owner| tags::add_to(t, owner, &new)).await?;
    Ok(json!({}))
}
