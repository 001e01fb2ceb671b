//! What Quayside records instead of sending (email, email-json, SMS, mobile push, Lambda,
//! Firehose), and the developer endpoints that read it:
//!
//! - `GET /_quayside/sns/messages` (`topic`, `subscription`, `protocol` filters; `DELETE`
//!   clears what they select): every recorded notification, oldest first;
//! - LocalStack's `/_aws/sns/sms-messages` (`phoneNumber`, `accountId`, `region`) and
//!   `/_aws/sns/platform-endpoint-messages` (`endpointArn`, `accountId`, `region`), in
//!   LocalStack's shapes, `DELETE` included;
//! - `/_aws/sns/phone-opt-outs`: `POST {"phoneNumber", "accountId"}` opts a number out (as
//!   LocalStack's endpoint does: a recipient replied STOP), `GET ?accountId=` lists the
//!   account's opted-out numbers, `DELETE ?phoneNumber=&accountId=` opts one back in.

use crate::message::Published;
use crate::{persist, Sns};
use aws_protocol::Response;
use serde_json::{json, Map, Value};
use service::PathCall;

impl Sns {
    /// Records a message published straight to a phone number (`sms`) or a platform endpoint
    /// (`application`, with the text for the endpoint's platform).
    pub(crate) async fn record_direct(
        &self,
        kind: &'static str,
        endpoint: &str,
        p: &Published,
        text: &str,
    ) -> crate::SnsResult<()> {
        let body = crate::publish::record(None, kind, endpoint, p, text).to_string();
        self.store().submit(move |t| persist::insert_recorded(t, kind, &body)).await?;
        Ok(())
    }
}

fn json(status: u16, v: &Value) -> Response {
    Response::json(status, "application/json", v)
}

/// The account and region of an ARN (`arn:aws:sns:<region>:<account>:...`).
fn arn_scope(arn: &str) -> Option<(&str, &str)> {
    crate::arn::split(arn, "sns").map(|a| (a.account, a.region))
}

/// `GET /_quayside/sns/deliveries`: the HTTP/S deliveries not yet made (or given up on), with
/// their failed attempts and the time of the next one.
pub(crate) async fn deliveries(sns: &Sns) -> Response {
    match sns.store().read(persist::load_deliveries).await {
        Ok(rows) => {
            let list: Vec<Value> = rows
                .into_iter()
                .map(|d| {
                    json!({
                        "SubscriptionArn": d.subscription_arn,
                        "TopicArn": d.topic_arn,
                        "Endpoint": d.endpoint,
                        "Type": d.message_type,
                        "MessageId": d.message_id,
                        "Attempts": d.attempt,
                        "NextAttempt": aws_protocol::time::iso8601_ms(d.next_ms),
                    })
                })
                .collect();
            json(200, &json!({"deliveries": list}))
        }
        Err(e) => json(500, &json!({"error": e.to_string()})),
    }
}

/// Serves the three endpoints.
pub(crate) async fn answer(sns: &Sns, call: PathCall<'_>) -> Response {
    let rows = match sns.store().read(persist::load_recorded).await {
        Ok(r) => r,
        Err(e) => return json(500, &json!({"error": e.to_string()})),
    };
    let param = |k: &str| call.params.get(k).map(str::to_string);
    let records: Vec<(i64, String, Value)> =
        rows.into_iter().filter_map(|(id, kind, body)| Some((id, kind, serde_json::from_str(&body).ok()?))).collect();
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (selected, shape): (Vec<&(i64, String, Value)>, &str) = match call.path {
        "/_aws/sns/sms-messages" => {
            let phone = param("phoneNumber");
            let account = param("accountId").unwrap_or_else(|| "000000000000".into());
            let region = param("region").unwrap_or_else(|| "us-east-1".into());
            let sel = records
                .iter()
                .filter(|(_, kind, v)| {
                    kind == "sms"
                        && phone.as_ref().is_none_or(|p| field(v, "Endpoint").as_ref() == Some(p))
                        && field(v, "TopicArn")
                            .as_deref()
                            .and_then(arn_scope)
                            .is_none_or(|(a, r)| a == account && r == region)
                })
                .collect();
            (sel, "sms")
        }
        "/_aws/sns/platform-endpoint-messages" => {
            let endpoint = param("endpointArn");
            let (account, region) = match endpoint.as_deref().and_then(arn_scope) {
                Some((a, r)) => (a.to_string(), r.to_string()),
                None => (
                    param("accountId").unwrap_or_else(|| "000000000000".into()),
                    param("region").unwrap_or_else(|| "us-east-1".into()),
                ),
            };
            let sel = records
                .iter()
                .filter(|(_, kind, v)| {
                    kind == "application"
                        && endpoint.as_ref().is_none_or(|e| field(v, "Endpoint").as_ref() == Some(e))
                        && field(v, "Endpoint")
                            .as_deref()
                            .and_then(arn_scope)
                            .is_some_and(|(a, r)| a == account && r == region)
                })
                .collect();
            (sel, "application")
        }
        _ => {
            let (topic, sub, protocol) = (param("topic"), param("subscription"), param("protocol"));
            let sel = records
                .iter()
                .filter(|(_, kind, v)| {
                    topic.as_ref().is_none_or(|t| field(v, "TopicArn").as_ref() == Some(t))
                        && sub.as_ref().is_none_or(|s| field(v, "SubscriptionArn").as_ref() == Some(s))
                        && protocol.as_ref().is_none_or(|p| kind == p)
                })
                .collect();
            (sel, "all")
        }
    };
    match call.method {
        "DELETE" => {
            let ids: Vec<i64> = selected.iter().map(|(id, _, _)| *id).collect();
            match sns.store().submit(move |t| persist::delete_recorded(t, &ids)).await {
                Ok(()) => Response::new(204, "text/plain", ""),
                Err(e) => json(500, &json!({"error": e.to_string()})),
            }
        }
        "GET" => {
            let region = param("region").unwrap_or_else(|| "us-east-1".into());
            match shape {
                "sms" => {
                    let mut by_phone: Map<String, Value> = Map::new();
                    for (_, _, v) in &selected {
                        let phone = field(v, "Endpoint").unwrap_or_default();
                        let mut m = v.clone();
                        m["PhoneNumber"] = Value::String(phone.clone());
                        if let Some(o) = m.as_object_mut() {
                            o.remove("Endpoint");
                            o.remove("Protocol");
                            o.remove("Timestamp");
                        }
                        if let Some(a) = by_phone.entry(phone).or_insert_with(|| json!([])).as_array_mut() {
                            a.push(m);
                        }
                    }
                    json(200, &json!({"sms_messages": by_phone, "region": region}))
                }
                "application" => {
                    let mut by_endpoint: Map<String, Value> = Map::new();
                    for (_, _, v) in &selected {
                        let arn = field(v, "Endpoint").unwrap_or_default();
                        let m = json!({
                            "TargetArn": arn, "TopicArn": v["TopicArn"], "SubscriptionArn": v["SubscriptionArn"],
                            "Message": v["Message"], "MessageAttributes": v["MessageAttributes"],
                            "MessageStructure": v.get("MessageStructure").cloned().unwrap_or(Value::Null),
                            "Subject": v["Subject"], "MessageId": v["MessageId"],
                        });
                        if let Some(a) = by_endpoint.entry(arn).or_insert_with(|| json!([])).as_array_mut() {
                            a.push(m);
                        }
                    }
                    json(200, &json!({"platform_endpoint_messages": by_endpoint, "region": region}))
                }
                _ => json(200, &json!({"messages": selected.iter().map(|(_, _, v)| v.clone()).collect::<Vec<_>>()})),
            }
        }
        _ => Response::new(405, "text/plain", "GET or DELETE"),
    }
}

/// Serves `/_aws/sns/phone-opt-outs`.
pub(crate) async fn phone_opt_outs(sns: &Sns, call: PathCall<'_>) -> Response {
    let body: Value = serde_json::from_slice(call.body).unwrap_or(Value::Null);
    let param = |k: &str| {
        body.get(k).and_then(Value::as_str).map(str::to_string).or_else(|| call.params.get(k).map(str::to_string))
    };
    let account = param("accountId").unwrap_or_else(|| "000000000000".into());
    let phone = param("phoneNumber");
    let change = match (call.method, phone) {
        ("GET", _) => return json(200, &json!({"phone_numbers": sns.opted_out(&account), "account_id": account})),
        ("POST", Some(p)) => sns.set_opted_out(&account, &p, true).await,
        ("DELETE", Some(p)) => sns.set_opted_out(&account, &p, false).await,
        ("POST" | "DELETE", None) => return json(400, &json!({"error": "phoneNumber is required"})),
        _ => return Response::new(405, "text/plain", "GET, POST or DELETE"),
    };
    match change {
        Ok(()) => json(200, &json!({})),
        Err(e) => json(500, &json!({"error": e.to_string()})),
    }
}
