//! ListTagsForStream: tags in key order, `Limit` (default 10) at a time after
//! `ExclusiveStartTagKey`, with `HasMoreTags`.

use crate::error::KinesisResult;
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "Limit").unwrap_or(10).max(1) as usize;
    let after = str_opt(&input, "ExclusiveStartTagKey");
    ops::with_stream(k, ctx, &input, |s| {
        let from: Vec<_> = s.tags.iter().filter(|(k, _)| after.is_none_or(|a| k.as_str() > a)).collect();
        let more = from.len() > limit;
        Ok(json!({"Tags": tags::list(from.into_iter().take(limit)), "HasMoreTags": more}))
    })
}
