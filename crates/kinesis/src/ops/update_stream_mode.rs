//! UpdateStreamMode: PROVISIONED or ON_DEMAND; the shards stay as they are. A stream with
//! queues stays ON_DEMAND.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let mode = input["StreamModeDetails"]["StreamMode"].as_str().unwrap_or_default().to_string();
    let warm = input["WarmThroughputMiBps"].as_i64();
    ops::update_active_stream(k, ctx, &input, "UpdateStreamMode", |s| {
        if s.mode == mode {
            return Err(KinesisError::invalid_argument(format!(
                "Stream {} under account {} is already in {mode} mode.",
                s.name, s.account
            )));
        }
        if mode == "PROVISIONED" && k.has_queues(s.id) {
            return Err(KinesisError::in_use(format!(
                "Stream {} under account {} has queues, which need ON_DEMAND mode.",
                s.name, s.account
            )));
        }
        if mode == "PROVISIONED" && s.distribution == "AUTO" {
            return Err(KinesisError::invalid_argument(
                "The AUTO record distribution strategy is only supported for streams in ON_DEMAND mode.",
            ));
        }
        s.warm_mibps = if mode == "ON_DEMAND" { warm } else { None };
        s.mode = mode;
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
