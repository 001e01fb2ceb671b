//! UpdateStreamWarmThroughput: the throughput an ON_DEMAND stream is kept ready for; Quayside
//! reaches it at once, so the current figure equals the target.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let target = input["WarmThroughputMiBps"].as_i64().unwrap_or(0);
    ops::update_active_stream(k, ctx, &input, "UpdateStreamWarmThroughput", |s| {
        if s.mode != "ON_DEMAND" {
            return Err(KinesisError::invalid_argument(
                "Warm throughput can only be set for streams in ON_DEMAND mode.",
            ));
        }
        s.warm_mibps = Some(target);
        Ok(json!({
            "StreamName": s.name,
            "StreamARN": s.arn(),
            "WarmThroughput": {"TargetMiBps": target, "CurrentMiBps": target},
        }))
    })
    .await
}
