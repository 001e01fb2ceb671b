use crate::error::SnsResult;
use crate::input::{str_req, string_map};
use crate::mobile;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// SetEndpointAttributes: sets the attributes given (a new Token, Enabled, CustomUserData).
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "EndpointArn")?;
    let attrs = string_map(&input, "Attributes");
    mobile::check_endpoint_attributes(&attrs)?;
    sns.update_platform_endpoint(arn, attrs).await?;
    Ok(json!({}))
}
