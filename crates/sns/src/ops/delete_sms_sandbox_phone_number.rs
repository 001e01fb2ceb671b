use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// DeleteSMSSandboxPhoneNumber.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    sns.delete_sandbox_number(&ctx.account, &ctx.region, str_req(&input, "PhoneNumber")?).await?;
    Ok(json!({}))
}
