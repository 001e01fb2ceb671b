use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// CreateSMSSandboxPhoneNumber: adds the number as `Pending` and records the SMS with its
/// one-time password (readable at `/_aws/sns/sms-messages`). The model checks the number's
/// form and the LanguageCode.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let phone = str_req(&input, "PhoneNumber")?;
    sns.add_sandbox_number(&ctx.account, &ctx.region, phone).await?;
    Ok(json!({}))
}
