//! `POST /_quayside/sns/explain` (beyond AWS): for a topic's subscriptions, or for one policy,
//! whether a message would be delivered and which condition decided.
//!
//! Body: `{"TopicArn": ..}` or `{"FilterPolicy": .., "FilterPolicyScope": ..}`, plus the message
//! as Publish takes it: `"Message"` and `"MessageAttributes"` (`{"name": {"DataType",
//! "StringValue"}}`).

use crate::filter::{self, Policy, Scope};
use crate::message::{AttributeValue, Attributes};
use crate::Sns;
use aws_protocol::Response;
use serde_json::{json, Value};

fn bad(why: impl std::fmt::Display) -> Response {
    Response::json(400, "application/json", &json!({"error": why.to_string()}))
}

/// The request's MessageAttributes as a message carries them, taken as given (explain judges
/// policies, not attributes): entries without a DataType are left out, binary values count as
/// binary.
fn attributes_of(v: &Value) -> Attributes {
    let Some(m) = v.as_object() else { return Attributes::new() };
    m.iter()
        .filter_map(|(k, a)| {
            let data_type = a["DataType"].as_str()?.to_string();
            let binary_value = a.get("BinaryValue").map(|_| Vec::new());
            let string_value =
                Some(a["StringValue"].as_str().unwrap_or("").to_string()).filter(|_| binary_value.is_none());
            Some((k.clone(), AttributeValue { data_type, string_value, binary_value }))
        })
        .collect()
}

/// The decision of one policy on a message.
fn decide(policy: Option<Policy>, scope: Scope, message: &str, attributes: &Attributes) -> Value {
    let Some(policy) = policy else {
        return json!({"Matches": true, "Decided": "no filter policy: every message is delivered"});
    };
    let body = match scope {
        Scope::MessageBody => serde_json::from_str::<Value>(message).ok().filter(Value::is_object),
        Scope::MessageAttributes => None,
    };
    match policy.decide(scope, attributes, body.as_ref()) {
        Ok(()) => json!({"Matches": true, "Decided": "every key of the policy matched"}),
        Err(why) => json!({"Matches": false, "Decided": why}),
    }
}

pub(crate) fn answer(sns: &Sns, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return bad("expected a JSON object body");
    };
    let message = req["Message"].as_str().unwrap_or("");
    let attributes = attributes_of(req.get("MessageAttributes").unwrap_or(&Value::Null));
    if let Some(text) = req["FilterPolicy"].as_str() {
        let scope = match req["FilterPolicyScope"].as_str() {
            None => Scope::MessageAttributes,
            Some(s) => match Scope::parse(s) {
                Some(scope) => scope,
                None => return bad(format!("unknown FilterPolicyScope {s}")),
            },
        };
        return match filter::parse(text, scope) {
            Ok(p) => Response::json(200, "application/json", &decide(Some(p), scope, message, &attributes)),
            Err(e) => bad(e.to_aws().message),
        };
    }
    let Some(topic_arn) = req["TopicArn"].as_str() else {
        return bad("give a TopicArn or a FilterPolicy");
    };
    let topic = match sns.topic(topic_arn) {
        Ok(t) => t,
        Err(e) => return bad(e.to_aws().message),
    };
    let results: Vec<Value> = sns
        .subscriptions(Some(&topic.arn))
        .into_iter()
        .map(|s| {
            let mut d = decide(s.filter(), s.scope(), message, &attributes);
            d["SubscriptionArn"] = Value::String(s.arn.clone());
            d["Protocol"] = Value::String(s.protocol.clone());
            d["Endpoint"] = Value::String(s.endpoint.clone());
            if !s.confirmed {
                d["Matches"] = Value::Bool(false);
                d["Decided"] = Value::String("the subscription is pending confirmation".into());
            }
            d
        })
        .collect();
    Response::json(200, "application/json", &json!({"TopicArn": topic.arn, "Subscriptions": results}))
}
