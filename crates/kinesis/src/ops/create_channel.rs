//! CreateChannel: a channel from one ON_DEMAND stream to S3 or S3 Tables (exactly one of the
//! two), delivering from the stream's records kept at its creation on. ACTIVE when the call
//! answers, or CREATING for CreateChannel's `--kinesis-delays` (AWS answers CREATING and
//! provisions). See crate::channels for what a delivery is here.

use crate::attachment::Attachment;
use crate::channels::{Channel, DEFAULT_FRESHNESS};
use crate::error::{KinesisError, KinesisResult};
use crate::{ops, tags, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let name = str_opt(&input, "ChannelName").unwrap_or_default().to_string();
    let configs = input["StreamConfigurationList"].as_array().cloned().unwrap_or_default();
    let [config] = configs.as_slice() else {
        return Err(KinesisError::invalid_argument("Currently, one stream is supported per channel."));
    };
    let (kind, mut destination) =
        match (input.get("S3DestinationConfiguration"), input.get("S3TablesDestinationConfiguration")) {
            (Some(d), None) => ("S3", d.clone()),
            (None, Some(d)) => ("S3_TABLES", d.clone()),
            _ => return Err(KinesisError::invalid_argument(
                "You must specify either S3DestinationConfiguration or S3TablesDestinationConfiguration, but not both.",
            )),
        };
    if destination.get("DataFreshnessInSeconds").is_none() {
        destination["DataFreshnessInSeconds"] = DEFAULT_FRESHNESS.into();
    }
    if destination.get("DeadLetterQueueS3Configuration").is_none() {
        // Defaults to the destination bucket with an error prefix.
        let storage = &destination["StorageConfiguration"];
        destination["DeadLetterQueueS3Configuration"] = json!({
            "BucketARN": storage["BucketARN"],
            "ExpectedBucketOwner": storage["ExpectedBucketOwner"],
            "ErrorOutputPrefix": "errors/",
        });
    }
    let key = ops::stream_key(ctx, &json!({"StreamARN": config["StreamARN"]}))?;
    let delay = k.delay("CreateChannel");
    let now = k.now_ms();
    let c = {
        let streams = k.streams().read();
        let s = streams.get(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
        ops::require_on_demand(s, "Channels are only supported for data streams with the on-demand capacity mode.")?;
        let mut new_tags = Default::default();
        tags::add_to(&mut new_tags, (&s.name, &s.account), &tags::input_map(&input))?;
        let c = Channel {
            base: Attachment::new(&name, s, now, delay > 0, new_tags),
            status_reason: None,
            role: str_opt(&input, "ServiceExecutionRoleARN").unwrap_or_default().to_string(),
            record_configuration: config["RecordConfiguration"].clone(),
            kind: kind.into(),
            destination,
            encryption: input.get("EncryptionConfiguration").cloned(),
            logging: input
                .get("LoggingConfiguration")
                .cloned()
                .unwrap_or_else(|| json!({"CloudWatchLogs": {"Enabled": false}})),
            checkpoints: s.shards.iter().map(|sh| (sh.index, 0)).collect(),
        };
        c.check_destination(now)?;
        let mut channels = k.channels().write();
        if channels.contains_key(&c.arn()) {
            return Err(KinesisError::in_use(format!("Channel {name} under account {} already exists.", ctx.account)));
        }
        channels.insert(c.arn(), c.clone());
        c
    };
    k.create_attached(&c, "CreateChannel").await?;
    Ok(json!({ "ChannelDescription": c.describe() }))
}
