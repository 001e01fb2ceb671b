use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// VerifySMSSandboxPhoneNumber: the one-time password sent by CreateSMSSandboxPhoneNumber.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let phone = str_req(&input, "PhoneNumber")?;
    let otp = str_req(&input, "OneTimePassword")?;
    sns.verify_sandbox_number(&ctx.account, &ctx.region, phone, otp).await?;
    Ok(json!({}))
}
