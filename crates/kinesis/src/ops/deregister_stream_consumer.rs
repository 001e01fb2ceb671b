//! DeregisterStreamConsumer: the consumer goes when the call answers, or after DELETING for
//! DeregisterStreamConsumer's `--kinesis-delays`; its subscriptions end.

use crate::error::KinesisResult;
use crate::{ops, Finish, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let (key, name, secs) = ops::consumer_ref(ctx, &input)?;
    let delay = k.delay("DeregisterStreamConsumer");
    let (id, created_ms) = ops::update_stream(k, ctx, &ops::naming_stream(&key, &input), |s| {
        let at = s.consumer_at(&name, secs).ok_or_else(|| ops::consumer_not_found(&input))?;
        let created_ms = s.consumers[at].created_ms;
        if delay > 0 {
            s.consumers[at].status = "DELETING".into();
        } else {
            s.consumers.remove(at);
        }
        Ok((s.id, created_ms))
    })
    .await?;
    if delay > 0 {
        k.finish_later(key, id, delay, move |s| {
            s.consumers.retain(|c| !(c.name == name && c.created_ms == created_ms));
            Finish::Keep
        });
    }
    Ok(json!({}))
}
