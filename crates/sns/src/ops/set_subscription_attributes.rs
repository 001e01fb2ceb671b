use crate::error::SnsResult;
use crate::input::{str_opt, str_req};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// SetSubscriptionAttributes; a ReplayPolicy replays the topic's archive before the answer.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "SubscriptionArn")?;
    let name = str_req(&input, "AttributeName")?.to_string();
    let value = str_opt(&input, "AttributeValue").unwrap_or("").to_string();
    if name == "ReplayPolicy" && !value.is_empty() {
        // Before it is stored: its form, then the topic must archive and the subscription be
        // an SQS one.
        let sub = sns.subscription(arn)?;
        crate::subscription::check_replay_policy(&value)?;
        sns.check_replay(&sub)?;
    }
    let sub = sns.update_subscription(arn, |s| s.set_attribute(&name, &value)).await?;
    if name == "ReplayPolicy" {
        sns.replay(&sub, &ctx.host).await?;
    }
    Ok(json!({}))
}
