//! Answers recorded against AWS, as tables in `fixtures/<service>/recorded.json`, one case a row
//! (`../shared/aws-recorded-behaviours.md` says where each comes from): a new recorded answer
//! is one line.

use crate::common::*;
use serde_json::Value;

/// What a case's placeholders stand for: `$ID`, `$OTHER_REGION`, and every `<...Arn>` its
/// setup answers named (`$SubscriptionArn`: the last one).
struct Fills(Vec<(String, String)>);

impl Fills {
    fn new(id: usize) -> Fills {
        Fills(vec![("$ID".into(), id.to_string()), ("$OTHER_REGION".into(), "eu-west-1".into())])
    }

    fn fill(&self, s: &str) -> String {
        // The longest names first, so `$TopicArn` does not eat `$TopicArnX`.
        let mut names: Vec<&(String, String)> = self.0.iter().collect();
        names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        names.iter().fold(s.to_string(), |s, (k, v)| s.replace(k.as_str(), v))
    }

    /// Keeps every `<NameArn>value</NameArn>` of an answer as `$NameArn`.
    fn learn(&mut self, body: &str) {
        for (at, _) in body.match_indices('<') {
            let rest = &body[at + 1..];
            let tag = rest.split('>').next().unwrap_or("");
            if tag.ends_with("Arn") && tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                if let Some(value) = element(&body[at..], tag) {
                    let name = format!("${tag}");
                    self.0.retain(|(k, _)| *k != name);
                    self.0.push((name, unescape(value)));
                }
            }
        }
    }

    /// A form of the table, with its placeholders filled.
    fn form(&self, pairs: &Value) -> String {
        pairs
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!("{}={}", self.fill(p[0].as_str().unwrap()), url_escape(&self.fill(p[1].as_str().unwrap())))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The text between `<tag>` and `</tag>`.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// XML-escaped text back to itself (the five entities).
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// A query call signed for `service` (the credential scope is what tells SNS's AddPermission from
/// SQS's, as it does for the SDKs; signatures are not checked).
async fn signed_query(addr: std::net::SocketAddr, service: &str, form: &str) -> RawResponse {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    );
    let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", auth.as_str())];
    raw(addr, "POST", "/", &headers, form.as_bytes()).await
}

#[tokio::test]
async fn sns_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/sns/recorded.json")).unwrap();
    let env = start().await;
    let addr = env.running.addr;
    let cases = table["cases"].as_array().unwrap();
    for (id, case) in cases.iter().enumerate() {
        let about = case["about"].as_str().unwrap_or("");
        let mut fills = Fills::new(id);
        for setup in case["setup"].as_array().into_iter().flatten() {
            let r = signed_query(addr, "sns", &fills.form(setup)).await;
            assert_eq!(r.status, 200, "case {id} ({about}) setup: {}", r.body);
            fills.learn(&r.body);
        }
        let sent = fills.form(&case["form"]);
        let r = signed_query(addr, "sns", &sent).await;
        let want = case["status"].as_u64().unwrap() as u16;
        assert_eq!(r.status, want, "case {id} ({about}) {sent}: {}", r.body);
        if want != 200 {
            let code = element(&r.body, "Code").unwrap_or("");
            let message = unescape(element(&r.body, "Message").unwrap_or(""));
            assert_eq!(code, case["code"].as_str().unwrap(), "case {id} ({about}): {}", r.body);
            if let Some(m) = case["message"].as_str() {
                assert_eq!(message, m, "case {id} ({about})");
            }
            if let Some(m) = case["message_prefix"].as_str() {
                assert!(message.starts_with(m), "case {id} ({about}): {message}");
            }
        }
        for text in case["contains"].as_array().into_iter().flatten() {
            let text = fills.fill(text.as_str().unwrap());
            assert!(r.body.contains(&text), "case {id} ({about}): no {text} in {}", r.body);
        }
        for text in case["lacks"].as_array().into_iter().flatten() {
            let text = fills.fill(text.as_str().unwrap());
            assert!(!r.body.contains(&text), "case {id} ({about}): {text} in {}", r.body);
        }
        if let Some(xml) = case["xml"].as_str() {
            let rid = element(&r.body, "RequestId").unwrap_or("");
            assert_eq!(r.body, xml.replace("$RID", rid), "case {id} ({about})");
        }
    }
    println!("{} recorded SNS answers hold", cases.len());
}

/// One Kinesis call over AWS JSON 1.1 with `body` as sent.
async fn kinesis_call(addr: std::net::SocketAddr, op: &str, body: &str) -> RawResponse {
    let target = format!("Kinesis_20131202.{op}");
    let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-json-1.1")];
    raw(addr, "POST", "/", &headers, body.as_bytes()).await
}

#[tokio::test]
async fn kinesis_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/kinesis/recorded.json")).unwrap();
    let env = start().await;
    let addr = env.running.addr;
    let cases = table["cases"].as_array().unwrap();
    let body_of = |c: &Value, id: usize| match c.get("body_text").and_then(Value::as_str) {
        Some(t) => t.replace("$ID", &id.to_string()),
        None => c["body"].to_string().replace("$ID", &id.to_string()),
    };
    for (id, case) in cases.iter().enumerate() {
        let about = case["about"].as_str().unwrap_or("");
        for setup in case["setup"].as_array().into_iter().flatten() {
            let r = kinesis_call(addr, setup["op"].as_str().unwrap(), &body_of(setup, id)).await;
            assert_eq!(r.status, 200, "case {id} ({about}) setup: {}", r.body);
        }
        let op = case["op"].as_str().unwrap();
        let sent = body_of(case, id);
        let r = kinesis_call(addr, op, &sent).await;
        let want = case["status"].as_u64().unwrap() as u16;
        assert_eq!(r.status, want, "case {id} ({about}) {op} {sent}: {}", r.body);
        if let Some(kind) = case["type"].as_str() {
            let v = r.json();
            assert_eq!(v["__type"], kind, "case {id} ({about}): {}", r.body);
            let key = if kind == "SerializationException" { "Message" } else { "message" };
            let message = v[key].as_str().unwrap_or_else(|| panic!("case {id} ({about}): no {key} in {}", r.body));
            let fill = |m: &str| m.replace("$ID", &id.to_string());
            if let Some(m) = case["message"].as_str() {
                assert_eq!(message, fill(m), "case {id} ({about})");
            }
            if let Some(m) = case["message_prefix"].as_str() {
                assert!(message.starts_with(&fill(m)), "case {id} ({about}): {message}");
            }
        }
        if let Some(b) = case["exact_body"].as_str() {
            assert_eq!(r.body, b, "case {id} ({about})");
        }
        for (name, value) in case["headers"].as_object().into_iter().flatten() {
            assert_eq!(r.header(name), value.as_str(), "case {id} ({about}): header {name}");
        }
    }
    println!("{} recorded Kinesis answers hold", cases.len());
}

#[tokio::test]
async fn the_kinesis_listener_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/kinesis/recorded.json")).unwrap();
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("kinesis", Some(0));
    let env = start_with(config).await;
    let addr = env.running.listeners["kinesis"];
    let cases = table["listener_cases"].as_array().unwrap();
    for (id, case) in cases.iter().enumerate() {
        let about = case["about"].as_str().unwrap_or("");
        let sent: Vec<(&str, &str)> = case["headers_sent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect();
        let method = case["method"].as_str().unwrap();
        let r = raw(addr, method, "/", &sent, case["body_text"].as_str().unwrap().as_bytes()).await;
        assert_eq!(r.status as u64, case["status"].as_u64().unwrap(), "case {id} ({about}): {}", r.body);
        if let Some(b) = case["exact_body"].as_str() {
            assert_eq!(r.body, b, "case {id} ({about})");
        }
        for (name, value) in case["headers"].as_object().into_iter().flatten() {
            assert_eq!(r.header(name), value.as_str(), "case {id} ({about}): header {name}");
        }
        for name in case["present"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            assert!(r.header(name).is_some_and(|v| !v.is_empty()), "case {id} ({about}): no {name}");
        }
    }
    println!("{} recorded answers of the Kinesis listener hold", cases.len());
}
