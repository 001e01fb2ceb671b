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

/// How many entries a page of `/_quayside/sns/messages` or `/_quayside/sns/deliveries`
/// lists unless `limit` says otherwise (up to 1,000); `NextToken` continues.
const PAGE: i64 = 100;

/// The `limit` and `NextToken` of a paged view.
fn page_params(call: &PathCall<'_>) -> (i64, i64) {
    let limit = call.params.get("limit").and_then(|l| l.parse().ok()).unwrap_or(PAGE).clamp(1, 1000);
    let after = call.params.get("NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    (limit, after)
}

/// `GET /_quayside/sns/deliveries`: the HTTP/S deliveries not yet made (or given up on), with
/// their failed attempts and the time of the next one, a page at a time.
pub(crate) async fn deliveries(sns: &Sns, call: &PathCall<'_>) -> Response {
    let (limit, after) = page_params(call);
    match sns.store().read(move |c| persist::page_deliveries(c, after, limit + 1)).await {
        Ok(mut rows) => {
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next = rows.last().filter(|_| more).map(|d| d.id.to_string());
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
            let mut page = json!({"deliveries": list});
            if let Some(n) = next {
                page["NextToken"] = n.into();
            }
            json(200, &page)
        }
        Err(e) => json(500, &json!({"error": e.to_string()})),
    }
}

/// Recorded notifications after `after` that `keep` selects, read a batch at a time; at most
/// `limit` (then also the id to continue after).
async fn select(
    sns: &Sns,
    after: i64,
    limit: usize,
    keep: impl Fn(&str, &Value) -> bool,
) -> store::Result<(Vec<(i64, String, Value)>, Option<i64>)> {
    let mut out = Vec::new();
    let mut after = after;
    loop {
        let from = after;
        let rows = sns.store().read(move |c| persist::load_recorded(c, from, 256)).await?;
        let Some(last) = rows.last().map(|r| r.0) else { return Ok((out, None)) };
        for (id, kind, body) in rows {
            let Ok(v) = serde_json::from_str::<Value>(&body) else { continue };
            if keep(&kind, &v) {
                if out.len() == limit {
                    return Ok((out, Some(id - 1)));
                }
                out.push((id, kind, v));
            }
        }
        after = last;
    }
}

/// Serves the three endpoints.
/// Which recorded notifications a view selects, by kind and record.
type Selector = Box<dyn Fn(&str, &Value) -> bool + Send + Sync>;

pub(crate) async fn answer(sns: &Sns, call: PathCall<'_>) -> Response {
    let param = |k: &str| call.params.get(k).map(str::to_string);
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    // What the path and its filters select, and the shape of the answer.
    let (keep, shape): (Selector, &str) = match call.path {
        "/_aws/sns/sms-messages" => {
            let phone = param("phoneNumber");
            let account = param("accountId").unwrap_or_else(|| "000000000000".into());
            let region = param("region").unwrap_or_else(|| "us-east-1".into());
            let keep = move |kind: &str, v: &Value| {
                kind == "sms"
                    && phone.as_ref().is_none_or(|p| field(v, "Endpoint").as_ref() == Some(p))
                    && field(v, "TopicArn")
                        .as_deref()
                        .and_then(arn_scope)
                        .is_none_or(|(a, r)| a == account && r == region)
            };
            (Box::new(keep), "sms")
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
            let keep = move |kind: &str, v: &Value| {
                kind == "application"
                    && endpoint.as_ref().is_none_or(|e| field(v, "Endpoint").as_ref() == Some(e))
                    && field(v, "Endpoint")
                        .as_deref()
                        .and_then(arn_scope)
                        .is_some_and(|(a, r)| a == account && r == region)
            };
            (Box::new(keep), "application")
        }
        _ => {
            let (topic, sub, protocol) = (param("topic"), param("subscription"), param("protocol"));
            let keep = move |kind: &str, v: &Value| {
                topic.as_ref().is_none_or(|t| field(v, "TopicArn").as_ref() == Some(t))
                    && sub.as_ref().is_none_or(|s| field(v, "SubscriptionArn").as_ref() == Some(s))
                    && protocol.as_ref().is_none_or(|p| kind == p)
            };
            (Box::new(keep), "all")
        }
    };
    // LocalStack's shapes have no pages: they list what is kept (the newest KEPT_RECORDED).
    let (limit, after) = match (call.method, shape) {
        ("GET", "all") => page_params(&call),
        _ => (persist::KEPT_RECORDED, 0),
    };
    let (selected, next) = match select(sns, after, limit as usize, keep).await {
        Ok(s) => s,
        Err(e) => return json(500, &json!({"error": e.to_string()})),
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
                _ => {
                    let mut page = json!({"messages": selected.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>()});
                    if let Some(n) = next {
                        page["NextToken"] = n.to_string().into();
                    }
                    json(200, &page)
                }
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
