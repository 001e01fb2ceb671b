use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let t = sns.topic(str_req(&input, "TopicArn")?)?;
    let mut attrs = t.shown();
    let subs = sns.subscriptions(Some(&t.arn));
    let confirmed = subs.iter().filter(|s| s.confirmed).count();
    attrs.insert("SubscriptionsConfirmed".into(), confirmed.to_string());
    attrs.insert("SubscriptionsPending".into(), (subs.len() - confirmed).to_string());
    Ok(json!({"Attributes": attrs}))
}
