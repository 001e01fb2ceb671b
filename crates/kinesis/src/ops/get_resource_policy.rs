//! GetResourcePolicy: the stream's policy, `{}` when it has none (as AWS answers).

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::with_stream(k, ctx, &ops::resource_input(&input), |s| {
        Ok(json!({"Policy": s.policy.clone().unwrap_or_else(|| "{}".into())}))
    })
}
