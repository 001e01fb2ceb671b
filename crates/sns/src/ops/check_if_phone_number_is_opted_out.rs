use crate::error::SnsResult;
use crate::input::str_req;
use crate::{sms, Sns};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// CheckIfPhoneNumberIsOptedOut: numbers are opted out through `/_aws/sns/phone-opt-outs`.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let phone = str_req(&input, "phoneNumber")?;
    sms::check_phone(phone)?;
    Ok(json!({"isOptedOut": sns.is_opted_out(&ctx.account, phone)}))
}
