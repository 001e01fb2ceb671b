//! DeleteStream: the stream and its records go at once (AWS passes through DELETING).

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, persist, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let key = ops::stream_key(ctx, &input)?;
    let pending = {
        let mut streams = k.streams().write();
        let Some(s) = streams.remove(&key) else {
            return Err(KinesisError::stream_not_found(&key.2, &key.0));
        };
        let id = s.id;
        k.store().submit(move |t| persist::delete_stream(t, id))
    };
    pending.await?;
    Ok(json!({}))
}
