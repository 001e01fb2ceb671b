use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// DeleteEndpoint: idempotent.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    sns.delete_platform_endpoint(str_req(&input, "EndpointArn")?).await?;
    Ok(json!({}))
}
