//! DeleteQueue: the queue and its delivery state go when the call answers, or after DELETING
//! for DeleteQueue's `--kinesis-delays`. The stream's records stay.

use crate::error::KinesisResult;
use crate::{persist, queues, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut q = queues::queue_of(k, &input)?;
    let delay = k.delay("DeleteQueue");
    if delay == 0 {
        queues::delete_everything(k, &q).await?;
        return Ok(json!({}));
    }
    q.status = "DELETING".into();
    k.queues().write().insert(q.arn(), q.clone());
    let saved = q.clone();
    k.store().submit(move |t| persist::save_queue(t, &saved)).await?;
    k.finish_queue_later(q.arn(), delay, |_| false);
    Ok(json!({}))
}
