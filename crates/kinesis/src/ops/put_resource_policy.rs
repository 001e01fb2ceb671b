//! PutResourcePolicy: a stream's resource policy, kept as given (it must be a JSON object).

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let policy = str_opt(&input, "Policy").unwrap_or_default().to_string();
    if !serde_json::from_str::<Value>(&policy).is_ok_and(|v| v.is_object()) {
        return Err(KinesisError::invalid_argument("Invalid policy: the policy is not a valid JSON document."));
    }
    ops::update_stream(k, ctx, &ops::resource_input(&input), |s| {
        s.policy = Some(policy);
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
