//! DeleteStream: the stream goes when the call answers, or after DELETING for the
//! `--kinesis-delays` of DeleteStream; its records' chunks then go in bounded steps. A stream with consumers needs
//! `EnforceConsumerDeletion`.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, persist, Finish, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let key = ops::stream_key(ctx, &input)?;
    let enforce = input["EnforceConsumerDeletion"].as_bool() == Some(true);
    let delay = k.delay("DeleteStream");
    let (pending, id) = {
        let mut streams = k.streams().write();
        let Some(s) = streams.get_mut(&key) else {
            return Err(KinesisError::stream_not_found(&key.2, &key.0));
        };
        if k.has_queues(s.id) {
            return Err(KinesisError::in_use(format!(
                "Stream {} under account {} has queues. Delete its queues before deleting the stream.",
                s.name, s.account
            )));
        }
        if !s.consumers.is_empty() && !enforce {
            return Err(KinesisError::in_use(format!(
                "Stream {} under account {} has registered consumers. Set EnforceConsumerDeletion to true to \
                 delete the stream and its consumers.",
                s.name, s.account
            )));
        }
        let id = s.id;
        if delay > 0 {
            s.status = "DELETING".into();
            for c in &mut s.consumers {
                c.status = "DELETING".into();
            }
            let saved = s.clone();
            (k.store().submit(move |t| persist::save_stream(t, &saved)), id)
        } else {
            streams.remove(&key);
            (k.store().submit(move |t| persist::delete_stream(t, id)), id)
        }
    };
    pending.await?;
    if delay == 0 {
        // The stream is gone; its records go in bounded steps.
        k.delete_chunks_later(id);
    }
    // Its channels have nothing left to read.
    let failed: Vec<_> = {
        let mut channels = k.channels().write();
        channels
            .values_mut()
            .filter(|c| c.stream_id == id)
            .map(|c| {
                c.status = "FAILED".into();
                c.status_reason = Some("The source stream was deleted.".into());
                c.clone()
            })
            .collect()
    };
    for c in failed {
        k.store().submit(move |t| persist::save_channel(t, &c)).await?;
    }
    if let Some(t) = k.throttle() {
        t.forget(id);
    }
    if delay > 0 {
        k.finish_later(key, id, delay, |_| Finish::Remove);
    }
    Ok(json!({}))
}
