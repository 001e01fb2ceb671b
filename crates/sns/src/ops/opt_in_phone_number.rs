use crate::error::SnsResult;
use crate::input::str_req;
use crate::{sms, Sns};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// OptInPhoneNumber: takes a number off the opt-out list (a number not on it is not an error).
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let phone = str_req(&input, "phoneNumber")?;
    sms::check_phone(phone)?;
    sns.set_opted_out(&ctx.account, phone, false).await?;
    Ok(json!({}))
}
