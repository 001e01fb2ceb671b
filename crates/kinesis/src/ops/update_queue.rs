//! UpdateQueue: the visibility timeout and dead-letter handling, on the queue's SQS side too.
//! UPDATING for UpdateQueue's `--kinesis-delays`.

use crate::error::{KinesisError, KinesisResult};
use crate::{persist, queues, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut q = queues::queue_of(k, &input)?;
    if q.status != "ACTIVE" {
        return Err(KinesisError::in_use(format!("Queue {} is not ACTIVE, instead in state {}.", q.arn(), q.status)));
    }
    (q.visibility, q.max_receive) = queues::read_attributes(&input["QueueAttributes"], (q.visibility, q.max_receive))?;
    queues::update_sqs_queues(k, &q).await?;
    let delay = k.delay("UpdateQueue");
    if delay > 0 {
        q.status = "UPDATING".into();
    }
    k.queues().write().insert(q.arn(), q.clone());
    let saved = q.clone();
    k.store().submit(move |t| persist::save_queue(t, &saved)).await?;
    if delay > 0 {
        k.finish_queue_later(q.arn(), delay, |q| {
            q.status = "ACTIVE".into();
            true
        });
    }
    Ok(json!({ "QueueDescription": q.describe() }))
}
