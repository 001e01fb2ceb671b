use crate::error::SnsResult;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// GetSMSSandboxAccountStatus: Quayside's accounts are out of the SMS sandbox, so SMS can be
/// published to any valid number (docs/compatibility.md).
pub async fn handle(_sns: &Sns, _ctx: &RequestContext, _input: Value) -> SnsResult<Value> {
    Ok(json!({"IsInSandbox": false}))
}
