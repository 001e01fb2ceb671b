use crate::error::{SnsError, SnsResult};
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// A data protection policy must be a JSON object (it is stored, not enforced).
pub(crate) fn check(policy: &str) -> SnsResult<()> {
    match serde_json::from_str::<Value>(policy) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(SnsError::invalid_parameter("DataProtectionPolicy")),
    }
}

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "ResourceArn")?;
    let policy = str_req(&input, "DataProtectionPolicy")?.to_string();
    check(&policy)?;
    sns.update_topic(arn, |t| {
        t.data_protection_policy = Some(policy);
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
