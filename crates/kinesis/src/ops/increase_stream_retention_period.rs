//! IncreaseStreamRetentionPeriod: a longer retention, within 24 to 8,760 hours.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::change_retention(k, ctx, &input, true).await?;
    Ok(json!({}))
}
