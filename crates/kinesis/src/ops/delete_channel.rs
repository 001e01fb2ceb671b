//! DeleteChannel: the channel stops delivering and goes when the call answers, or after
//! DELETING for DeleteChannel's `--kinesis-delays`. Delivered objects stay.

use crate::error::KinesisResult;
use crate::{ops, persist, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut c = ops::channel_of(k, &input)?;
    let arn = c.arn();
    let delay = k.delay("DeleteChannel");
    if delay == 0 {
        k.channels().write().remove(&arn);
        k.store().submit(move |t| persist::delete_channel(t, &arn)).await?;
        return Ok(json!({}));
    }
    c.status = "DELETING".into();
    k.channels().write().insert(arn.clone(), c.clone());
    k.store().submit(move |t| persist::save_channel(t, &c)).await?;
    k.finish_channel_later(arn, delay, |_| false);
    Ok(json!({}))
}
