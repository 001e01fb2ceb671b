//! DeleteChannel: the channel stops delivering and goes when the call answers, or after
//! DELETING for DeleteChannel's `--kinesis-delays`. Delivered objects stay.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    k.delete_attached(ops::channel_of(k, &input)?, "DeleteChannel").await?;
    Ok(json!({}))
}
