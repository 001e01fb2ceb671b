//! DeleteQueue: the queue and its delivery state go when the call answers, or after DELETING
//! for DeleteQueue's `--kinesis-delays`. The stream's records stay.

use crate::error::KinesisResult;
use crate::{queues, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    k.delete_attached(queues::queue_of(k, &input)?, "DeleteQueue").await?;
    Ok(json!({}))
}
