//! UpdateQueue: the visibility timeout and dead-letter handling, on the queue's SQS side too.
//! UPDATING for UpdateQueue's `--kinesis-delays`.

use crate::attachment::Attached;
use crate::error::KinesisResult;
use crate::{queues, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut q = queues::queue_of(k, &input)?;
    q.require_active()?;
    (q.visibility, q.max_receive) = queues::read_attributes(&input["QueueAttributes"], (q.visibility, q.max_receive))?;
    queues::update_sqs_queues(k, &q).await?;
    let q = k.update_attached(q, "UpdateQueue").await?;
    Ok(json!({ "QueueDescription": q.describe() }))
}
