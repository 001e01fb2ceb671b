//! RegisterStreamConsumer: an enhanced fan-out consumer of a stream, at most 20 a stream (its
//! queues counted). It is
//! ACTIVE when the call answers, or CREATING for RegisterStreamConsumer's `--kinesis-delays`.

use crate::error::{KinesisError, KinesisResult};
use crate::stream::Consumer;
use crate::{ops, tags, Finish, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

/// Consumers a stream may have.
pub(crate) const MAX_CONSUMERS: usize = 20;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let name = str_opt(&input, "ConsumerName").unwrap_or_default().to_string();
    let new_tags = tags::input_map(&input);
    let delay = k.delay("RegisterStreamConsumer");
    let now = k.now_ms();
    let (described, id) = ops::update_stream(k, ctx, &input, |s| {
        if s.status != "ACTIVE" && s.status != "UPDATING" {
            return Err(KinesisError::stream_not_active(&s.name, &s.account, &s.status));
        }
        if s.consumers.iter().any(|c| c.name == name) {
            return Err(KinesisError::in_use(format!(
                "Consumer {name} under stream {} already exists for account {}.",
                s.name, s.account
            )));
        }
        let queues = k.queues().read().values().filter(|q| q.stream_id == s.id).count();
        if s.consumers.len() + queues >= MAX_CONSUMERS {
            return Err(KinesisError::limit_exceeded(format!(
                "Stream {} under account {} has reached the limit of {MAX_CONSUMERS} registered consumers.",
                s.name, s.account
            )));
        }
        let mut c = Consumer {
            name: name.clone(),
            created_ms: now,
            status: if delay > 0 { "CREATING" } else { "ACTIVE" }.into(),
            tags: Default::default(),
        };
        tags::add_to(&mut c.tags, (&s.name, &s.account), &new_tags)?;
        let described = c.describe(&s.arn());
        s.consumers.push(c);
        Ok((described, s.id))
    })
    .await?;
    if delay > 0 {
        let key = ops::stream_key(ctx, &input)?;
        k.finish_later(key, id, delay, move |s| {
            if let Some(c) = s.consumers.iter_mut().find(|c| c.name == name && c.created_ms == now) {
                c.status = "ACTIVE".into();
            }
            Finish::Keep
        });
    }
    Ok(json!({ "Consumer": described }))
}
