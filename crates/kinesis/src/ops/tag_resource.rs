//! TagResource: AddTagsToStream for a stream named by its ARN.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let new = tags::input_map(&input);
    ops::update_stream(k, ctx, &ops::resource_input(&input), |s| tags::add(s, &new)).await?;
    Ok(json!({}))
}
