use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ConfirmSubscription: the token a pending subscription of the topic was given.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let token = str_req(&input, "Token")?;
    // The token is read first: no topic means no token of it (recorded: 400 "Invalid
    // parameter: Token" for a topic that does not exist, not 404).
    let topic = sns.topic(arn).map_err(|e| match e {
        SnsError::Modeled { shape: "NotFoundException", .. } => SnsError::invalid_parameter("Token"),
        e => e,
    })?;
    let authenticate = str_opt(&input, "AuthenticateOnUnsubscribe").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let found = sns.subscriptions(Some(&topic.arn)).into_iter().find(|s| s.token.as_deref() == Some(token));
    let Some(sub) = found else {
        return Err(SnsError::invalid_parameter("Token"));
    };
    let sub = sns
        .update_subscription(&sub.arn, |s| {
            s.confirmed = true;
            s.authenticated |= authenticate;
            Ok(())
        })
        .await?;
    Ok(json!({"SubscriptionArn": sub.arn}))
}
