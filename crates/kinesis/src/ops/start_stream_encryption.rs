//! StartStreamEncryption: records are reported as KMS-encrypted with the given key from now
//! on (Quayside stores them as they are; no KMS is called).

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let key = str_opt(&input, "KeyId").unwrap_or_default().to_string();
    if str_opt(&input, "EncryptionType") != Some("KMS") {
        return Err(KinesisError::invalid_argument("EncryptionType must be KMS to start stream encryption."));
    }
    ops::update_active_stream(k, ctx, &input, "StartStreamEncryption", |s| {
        s.key_id = Some(key);
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
