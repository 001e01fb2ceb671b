//! UpdateChannel: DataFreshnessInSeconds of the destination and the logging settings (what
//! AWS lets change). UPDATING for UpdateChannel's `--kinesis-delays`.

use crate::attachment::Attached;
use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut c = ops::channel_of(k, &input)?;
    c.require_active()?;
    for (member, kind) in [("S3DestinationConfiguration", "S3"), ("S3TablesDestinationConfiguration", "S3_TABLES")] {
        if let Some(update) = input.get(member) {
            if c.kind != kind {
                return Err(KinesisError::invalid_argument(format!(
                    "Channel {} does not deliver to {}; {member} cannot be updated.",
                    c.name,
                    if kind == "S3" { "Amazon S3" } else { "Amazon S3 Tables" }
                )));
            }
            c.destination["DataFreshnessInSeconds"] = update["DataFreshnessInSeconds"].clone();
        }
    }
    if let Some(logging) = input.get("LoggingConfiguration") {
        c.logging = logging.clone();
    }
    let c = k.update_attached(c, "UpdateChannel").await?;
    Ok(json!({ "ChannelDescription": c.describe() }))
}
