//! RemoveTagsFromStream: removes tags by key; keys the stream lacks are ignored.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::strings;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let keys = strings(&input, "TagKeys");
    ops::update_stream(k, ctx, &input, |s| tags::remove(s, &keys)).await?;
    Ok(json!({}))
}
