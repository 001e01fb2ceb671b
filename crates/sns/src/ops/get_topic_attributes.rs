use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let t = sns.topic(arn)?;
    let mut attrs = t.shown();
    let subs = sns.subscriptions(Some(&t.arn));
    let confirmed = subs.iter().filter(|s| s.confirmed).count();
    attrs.insert("SubscriptionsConfirmed".into(), confirmed.to_string());
    attrs.insert("SubscriptionsPending".into(), (subs.len() - confirmed).to_string());
    if t.archive_days().is_some() {
        let begins = sns.archive_begins(&t.arn).unwrap_or_else(|| sns.now_ms());
        attrs.insert("BeginningArchiveTime".into(), aws_protocol::time::iso8601_ms(begins));
    }
    Ok(json!({"Attributes": attrs}))
}
