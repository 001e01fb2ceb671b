use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req, string_map};
use crate::subscription::{self, Subscription, PROTOCOLS};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// Subscribe: checks the protocol, its endpoint and the attributes; SQS, Lambda, Firehose,
/// application and SMS subscriptions are confirmed at once, HTTP/S and email ones wait for
/// ConfirmSubscription. Subscribing again with the same protocol and endpoint answers the same
/// subscription, unless the attributes given differ.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let topic_arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(topic_arn, &ctx.region)?;
    let protocol = str_req(&input, "Protocol")?.to_ascii_lowercase();
    let topic = sns.topic(topic_arn)?;
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return Err(SnsError::invalid_parameter(format!(
            "Amazon SNS does not support this protocol string: {protocol}"
        )));
    }
    let endpoint = str_opt(&input, "Endpoint").ok_or_else(|| SnsError::invalid_parameter("Endpoint"))?;
    subscription::check_endpoint(&protocol, endpoint)?;
    if protocol == "application" && sns.platform_endpoint(endpoint).is_err() {
        return Err(SnsError::invalid_parameter(format!(
            "Endpoint Reason: Endpoint does not exist for endpoint arn{endpoint}"
        )));
    }
    if topic.fifo && !matches!(protocol.as_str(), "sqs" | "firehose") {
        return Err(SnsError::invalid_parameter(format!("Invalid protocol type: {protocol}")));
    }
    if !topic.fifo && protocol == "sqs" && endpoint.ends_with(".fifo") {
        return Err(SnsError::invalid_parameter(
            "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
        ));
    }
    let attributes = string_map(&input, "Attributes");
    let confirmed = !subscription::needs_confirmation(&protocol);
    let id = uuid_like();
    let mut sub = Subscription {
        arn: format!("{}:{id}", topic.arn),
        topic_arn: topic.arn.clone(),
        owner: ctx.account.clone(),
        protocol: protocol.clone(),
        endpoint: endpoint.to_string(),
        attributes: Default::default(),
        confirmed,
        token: (!confirmed).then(token),
        authenticated: false,
    };
    // The scope first, so the policy is checked against it.
    let mut ordered = attributes.clone();
    ordered.sort_by_key(|(k, _)| k != "FilterPolicyScope");
    for (k, v) in &ordered {
        sub.set_attribute(k, v).map_err(in_attributes)?;
    }
    if sub.attributes.contains_key("ReplayPolicy") {
        sns.check_replay(&sub)?;
    }
    let sub = sns
        .subscribe(sub, |existing| {
            if attributes.iter().any(|(k, v)| conflicts(existing, k, v)) {
                return Err(SnsError::invalid_parameter(
                    "Attributes Reason: Subscription already exists with different attributes",
                ));
            }
            Ok(())
        })
        .await?;
    if sub.attributes.contains_key("ReplayPolicy") && !sub.attributes.contains_key("ReplayStatus") {
        sns.replay(&sub, &ctx.host).await?;
    }
    if let Some(token) = sub.token.as_deref().filter(|_| !sub.confirmed) {
        sns.send_confirmation(&sub, "SubscriptionConfirmation", token, &ctx.host).await?;
    }
    let return_arn = input.get("ReturnSubscriptionArn").and_then(|v| v.as_bool()).unwrap_or(false);
    let shown = if sub.confirmed || return_arn { sub.arn } else { "pending confirmation".to_string() };
    Ok(json!({"SubscriptionArn": shown}))
}

/// A subscription id as AWS writes them (a UUID).
fn uuid_like() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A confirmation token: long and hexadecimal, as AWS's are.
fn token() -> String {
    (0..4).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect()
}

/// Whether Subscribe's `name` = `value` conflicts with the subscription that exists (recorded:
/// values compare after normalising, an attribute never set counts as its default, and the
/// attributes the call leaves out are not compared).
fn conflicts(existing: &Subscription, name: &str, value: &str) -> bool {
    let shown = existing.shown();
    let have = shown.get(name).map(String::as_str).or(match name {
        "FilterPolicyScope" => Some(existing.scope().as_str()),
        "RawMessageDelivery" => Some("false"),
        _ => None,
    });
    let Some(have) = have else { return !value.is_empty() };
    let json = |s: &str| serde_json::from_str::<Value>(s).ok();
    match name {
        "RawMessageDelivery" => !have.eq_ignore_ascii_case(value),
        _ if have == value => false,
        _ => json(have).is_none() || json(have) != json(value),
    }
}

/// Subscribe words an attribute's faulty value as being in its Attributes ("Invalid parameter:
/// Attributes Reason: RawMessageDelivery: ...", recorded for RawMessageDelivery and
/// FilterPolicy), SetSubscriptionAttributes does not.
fn in_attributes(e: SnsError) -> SnsError {
    match e {
        SnsError::Modeled { shape, message } if message != "Invalid parameter: AttributeName" => {
            let message = match message.strip_prefix("Invalid parameter: ") {
                Some(rest) if !rest.starts_with("Attributes Reason: ") => {
                    format!("Invalid parameter: Attributes Reason: {rest}")
                }
                _ => message,
            };
            SnsError::Modeled { shape, message }
        }
        other => other,
    }
}
