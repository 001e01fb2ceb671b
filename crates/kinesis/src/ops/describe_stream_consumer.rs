//! DescribeStreamConsumer: a consumer named by its ARN, or by its stream's ARN and its name.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::with_consumer(k, ctx, &input, |s, c| {
        let mut d = c.describe(&s.arn());
        d["StreamARN"] = s.arn().into();
        Ok(json!({ "ConsumerDescription": d }))
    })
}
