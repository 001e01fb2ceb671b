use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let t = sns.topic(str_req(&input, "ResourceArn")?)?;
    Ok(json!({"DataProtectionPolicy": t.data_protection_policy.unwrap_or_default()}))
}
