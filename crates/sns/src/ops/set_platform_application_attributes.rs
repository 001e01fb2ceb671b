use crate::error::SnsResult;
use crate::input::{str_req, string_map};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// SetPlatformApplicationAttributes: sets the attributes given, the others stay.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "PlatformApplicationArn")?;
    sns.update_platform_app(arn, string_map(&input, "Attributes")).await?;
    Ok(json!({}))
}
