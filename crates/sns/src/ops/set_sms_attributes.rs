use crate::error::SnsResult;
use crate::input::string_map;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// SetSMSAttributes: the account's SMS preferences in the region, checked as AWS documents them.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    sns.set_sms_attributes(&ctx.account, &ctx.region, string_map(&input, "attributes")).await?;
    Ok(json!({}))
}
