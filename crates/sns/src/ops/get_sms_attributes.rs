use crate::error::SnsResult;
use crate::input::strings;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// GetSMSAttributes: those named (unknown names are left out), or all.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let names = strings(&input, "attributes");
    Ok(json!({"attributes": sns.sms_attributes(&ctx.account, &ctx.region, &names)}))
}
