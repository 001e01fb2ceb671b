//! DescribeQueue: a queue's status, stream and attributes.

use crate::error::KinesisResult;
use crate::{queues, Kinesis};
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    Ok(json!({ "QueueDescription": queues::queue_of(k, &input)?.describe() }))
}
