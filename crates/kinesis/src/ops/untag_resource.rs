//! UntagResource: RemoveTagsFromStream for a stream or consumer named by its ARN.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::strings;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let keys = strings(&input, "TagKeys");
    ops::update_resource_tags(k, ctx, &input, |t, owner| tags::remove_from(t, owner, &keys)).await?;
    Ok(json!({}))
}
