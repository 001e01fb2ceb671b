//! DescribeChannel: a channel's status, stream, destination and settings.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    Ok(json!({ "ChannelDescription": ops::channel_of(k, &input)?.describe() }))
}
