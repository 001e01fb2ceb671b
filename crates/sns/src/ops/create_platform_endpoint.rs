use crate::error::SnsResult;
use crate::input::{str_opt, str_req, string_map};
use crate::mobile;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// CreatePlatformEndpoint: an endpoint for a device token, `Enabled` unless the attributes say
/// otherwise; CustomUserData in the attributes wins over the parameter. Idempotent for the same
/// token and attributes.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let app_arn = str_req(&input, "PlatformApplicationArn")?;
    let token = str_req(&input, "Token")?;
    let given = string_map(&input, "Attributes");
    mobile::check_endpoint_attributes(&given)?;
    let mut attrs = BTreeMap::from([("Enabled".to_string(), "true".to_string())]);
    if let Some(d) = str_opt(&input, "CustomUserData") {
        mobile::check_endpoint_attributes(&[("CustomUserData".into(), d.into())])?;
        attrs.insert("CustomUserData".into(), d.into());
    }
    attrs.extend(given);
    attrs.insert("Token".into(), token.into());
    let arn = sns.create_platform_endpoint(app_arn, attrs).await?;
    Ok(json!({"EndpointArn": arn}))
}
