//! StopStreamEncryption: records are reported unencrypted again.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    if str_opt(&input, "EncryptionType") != Some("KMS") {
        return Err(KinesisError::invalid_argument("EncryptionType must be KMS to stop stream encryption."));
    }
    ops::update_active_stream(k, ctx, &input, "StopStreamEncryption", |s| {
        s.key_id = None;
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
