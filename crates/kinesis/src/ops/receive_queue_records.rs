//! ReceiveQueueRecords: up to Limit (at most 10) records, in flight for the visibility timeout; WaitTimeSeconds
//! waits for one (a put wakes the wait). See crate::queues.

use crate::error::KinesisResult;
use crate::{queues, Kinesis};
use serde_json::Value;

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    queues::receive(k, &input, false).await
}
