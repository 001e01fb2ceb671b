use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// GetPlatformApplicationAttributes: `Enabled` and the attributes set, never the credentials.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let app = sns.platform_app(str_req(&input, "PlatformApplicationArn")?)?;
    Ok(json!({"Attributes": app.shown()}))
}
