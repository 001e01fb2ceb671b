//! UpdateMaxRecordSize: the largest record the stream takes, 1,024 to 10,240 KiB (the model's
//! range answers ValidationException outside it).

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let kib = input["MaxRecordSizeInKiB"].as_i64().unwrap_or(1024);
    ops::update_active_stream(k, ctx, &input, "UpdateMaxRecordSize", |s| {
        s.max_record_kib = kib;
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
