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
        // Checked before it is stored: the topic must archive, the subscription be an SQS one.
        let mut s = sns.subscription(arn)?;
        s.set_attribute(&name, &value)?;
        sns.check_replay(&s)?;
    }
    let sub = sns.update_subscription(arn, |s| s.set_attribute(&name, &value)).await?;
    if name == "ReplayPolicy" {
        sns.replay(&sub, &ctx.host).await?;
    }
    Ok(json!({}))
}
