//! UpdateChannel: DataFreshnessInSeconds of the destination and the logging settings (what
//! AWS lets change). UPDATING for UpdateChannel's `--kinesis-delays`.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, persist, Kinesis};
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let mut c = ops::channel_of(k, &input)?;
    if c.status != "ACTIVE" {
        return Err(KinesisError::in_use(format!("Channel {} is not ACTIVE, instead in state {}.", c.name, c.status)));
    }
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
    let delay = k.delay("UpdateChannel");
    if delay > 0 {
        c.status = "UPDATING".into();
    }
    k.channels().write().insert(c.arn(), c.clone());
    let saved = c.clone();
    k.store().submit(move |t| persist::save_channel(t, &saved)).await?;
    if delay > 0 {
        k.finish_channel_later(c.arn(), delay, |c| {
            c.status = "ACTIVE".into();
            true
        });
    }
    Ok(json!({ "ChannelDescription": c.describe() }))
}
