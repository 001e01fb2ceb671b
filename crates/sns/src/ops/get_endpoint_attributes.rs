use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// GetEndpointAttributes: Token, Enabled and CustomUserData.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let e = sns.platform_endpoint(str_req(&input, "EndpointArn")?)?;
    Ok(json!({"Attributes": e.attributes}))
}
