//! UpdateStreamRecordDistributionStrategy: USER_PARTITION_KEY, or AUTO for ON_DEMAND streams.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let strategy = str_opt(&input, "RecordDistributionStrategy").unwrap_or_default().to_string();
    ops::update_active_stream(k, ctx, &input, "UpdateStreamRecordDistributionStrategy", |s| {
        if strategy == "AUTO" && s.mode != "ON_DEMAND" {
            return Err(KinesisError::invalid_argument(
                "The AUTO record distribution strategy is only supported for streams in ON_DEMAND mode.",
            ));
        }
        s.distribution = strategy;
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
