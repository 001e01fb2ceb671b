//! EnableEnhancedMonitoring: turns shard-level metrics on (`ALL` names all seven) and
//! answers the set before and after.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::Value;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::change_monitoring(k, ctx, &input, true).await
}
