//! UpdateQueueRecordsVisibility: each entry by its receipt handle, reported in Successful or Failed. See crate::queues.

use crate::error::KinesisResult;
use crate::queues::{self, Settle};
use crate::Kinesis;
use serde_json::Value;

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    queues::settle(k, &input, false, Settle::Visibility).await
}
