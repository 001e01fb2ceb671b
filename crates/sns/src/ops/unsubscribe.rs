use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// Unsubscribe: idempotent; a malformed ARN is refused. A confirmed HTTP/S subscription is
/// sent an UnsubscribeConfirmation, as AWS does.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "SubscriptionArn")?;
    let before = sns.subscription(arn).ok();
    sns.unsubscribe(arn).await?;
    if let Some(sub) = before.filter(|s| s.confirmed) {
        let token = sub.token.clone().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        sns.send_confirmation(&sub, "UnsubscribeConfirmation", &token, &ctx.host).await?;
    }
    Ok(json!({}))
}
