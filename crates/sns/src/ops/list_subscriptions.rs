use crate::error::SnsResult;
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::subscription::Subscription;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// One page of subscriptions, 100 a page, with an opaque NextToken; pending subscriptions show
/// `PendingConfirmation` for their ARN, as AWS lists them.
pub(crate) fn page(subs: Vec<Subscription>, next_token: Option<&str>) -> SnsResult<Value> {
    super::paged(
        subs,
        |s| &s.arn,
        next_token,
        PAGE_SIZE,
        ("Subscriptions", "NextToken"),
        |s| {
            json!({
                "SubscriptionArn": if s.confirmed { s.arn.as_str() } else { "PendingConfirmation" },
                "Owner": s.owner,
                "Protocol": s.protocol,
                "Endpoint": s.endpoint,
                "TopicArn": s.topic_arn,
            })
        },
    )
}

/// ListSubscriptions: the request's account and region.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let prefix = format!("arn:aws:sns:{}:{}:", ctx.region, ctx.account);
    let subs = sns.subscriptions(None).into_iter().filter(|s| s.topic_arn.starts_with(&prefix)).collect();
    page(subs, str_opt(&input, "NextToken"))
}
