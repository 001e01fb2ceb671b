use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// Unsubscribe: idempotent; a malformed ARN is refused.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    sns.unsubscribe(str_req(&input, "SubscriptionArn")?).await?;
    Ok(json!({}))
}
