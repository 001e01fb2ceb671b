//! DeleteResourcePolicy: forgets the stream's policy.
//!
//! Errors: `ResourceNotFoundException` when it has none.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::update_stream(k, ctx, &ops::resource_input(&input), |s| match s.policy.take() {
        Some(_) => Ok(()),
        None => Err(KinesisError::not_found(format!("No resource policy found for resource ARN {}.", s.arn()))),
    })
    .await?;
    Ok(json!({}))
}
