//! UntagResource: RemoveTagsFromStream for a stream named by its ARN.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::strings;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let keys = strings(&input, "TagKeys");
    ops::update_stream(k, ctx, &ops::resource_input(&input), |s| tags::remove(s, &keys)).await?;
    Ok(json!({}))
}
