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

    fn set(&mut self, name: String, value: String) {
        self.0.retain(|(k, _)| *k != name);
        self.0.push((name, value));
    }

    /// Keeps every `<NameArn>value</NameArn>` and `<NameUrl>value</NameUrl>` of an answer as
    /// `$NameArn` / `$NameUrl`, and a URL's path as `$NameUrlPath`.
    fn learn(&mut self, body: &str) {
        for (at, _) in body.match_indices('<') {
            let rest = &body[at + 1..];
            let tag = rest.split('>').next().unwrap_or("");
            if (tag.ends_with("Arn") || tag.ends_with("Url")) && tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                if let Some(value) = element(&body[at..], tag) {
                    let value = unescape(value);
                    if tag.ends_with("Url") {
                        let path = value.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default();
                        self.set(format!("${tag}Path"), path);
                    }
                    self.set(format!("${tag}"), value);
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

/// The query protocol's two answer forms: XML, and JSON for a client that asks for it.
#[derive(Clone, Copy, PartialEq, Debug)]
enum QueryWire {
    Xml,
    Json,
}

/// Walks a query-protocol table (SNS's, SQS's) in both answer forms, each on a fresh server,
/// signing for `service` (the credential scope is what tells SNS's AddPermission from SQS's, as
/// it does for the SDKs; signatures are not checked). A case has a `form` (pairs), optional
/// `setup` forms (each must answer 200; their `<...Arn>` and `<...Url>` become placeholders),
/// `method` (GET sends the form as the query string), `path`, `headers`; and expects `status`,
/// `code` and `message` (or `message_prefix`), texts it `contains` and `lacks`, and the whole
/// `xml` (with $RID for the request id) or `exact_body`. XML fragments among the texts, and
/// `xml`, are checked in the XML form only.
async fn walk_query_table(table: &Value, service: &str) -> usize {
    let cases = table["cases"].as_array().unwrap();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    );
    for wire in [QueryWire::Xml, QueryWire::Json] {
        let env = start().await;
        let addr = env.running.addr;
        let host = addr.to_string();
        // Setups are answered in XML (their ARNs and URLs are learned from it).
        let signed = |form: String, method: String, path: String, extra: Vec<(String, String)>, json: bool| {
            let auth = auth.clone();
            async move {
                let mut headers: Vec<(&str, &str)> =
                    vec![("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", auth.as_str())];
                if json {
                    headers.push(("Accept", "application/json"));
                }
                headers.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                if method == "GET" {
                    let target = if form.is_empty() { path } else { format!("{path}?{form}") };
                    raw(addr, "GET", &target, &headers, b"").await
                } else {
                    raw(addr, &method, &path, &headers, form.as_bytes()).await
                }
            }
        };
        for (id, case) in cases.iter().enumerate() {
            let about = format!("{wire:?} {}", case["about"].as_str().unwrap_or(""));
            let mut fills = Fills::new(id);
            fills.set("$HOST".into(), host.clone());
            for setup in case["setup"].as_array().into_iter().flatten() {
                let r = signed(fills.form(setup), "POST".into(), "/".into(), vec![], false).await;
                assert_eq!(r.status, 200, "case {id} ({about}) setup: {}", r.body);
                fills.learn(&r.body);
            }
            let sent = fills.form(&case["form"]);
            let method = case["method"].as_str().unwrap_or("POST").to_string();
            let path = fills.fill(case["path"].as_str().unwrap_or("/"));
            let extra: Vec<(String, String)> = case["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| (h[0].as_str().unwrap().to_string(), fills.fill(h[1].as_str().unwrap())))
                .collect();
            let r = signed(sent.clone(), method, path, extra, wire == QueryWire::Json).await;
            let want = case["status"].as_u64().unwrap() as u16;
            assert_eq!(r.status, want, "case {id} ({about}) {sent}: {}", r.body);
            if let Some(want_code) = case["code"].as_str() {
                let (code, message) = match wire {
                    QueryWire::Xml => (
                        element(&r.body, "Code").unwrap_or("").to_string(),
                        unescape(element(&r.body, "Message").unwrap_or("")),
                    ),
                    QueryWire::Json => {
                        let v = r.json();
                        let e = &v["ErrorResponse"]["Error"];
                        (e["Code"].as_str().unwrap_or("").to_string(), e["Message"].as_str().unwrap_or("").to_string())
                    }
                };
                assert_eq!(code, want_code, "case {id} ({about}): {}", r.body);
                if let Some(m) = case["message"].as_str() {
                    assert_eq!(message, fills.fill(m), "case {id} ({about})");
                }
                if let Some(m) = case["message_prefix"].as_str() {
                    assert!(message.starts_with(&fills.fill(m)), "case {id} ({about}): {message}");
                }
            }
            let checked = |t: &&Value| wire == QueryWire::Xml || !t.as_str().unwrap_or("").starts_with('<');
            for text in case["contains"].as_array().into_iter().flatten().filter(checked) {
                let text = fills.fill(text.as_str().unwrap());
                assert!(r.body.contains(&text), "case {id} ({about}): no {text} in {}", r.body);
            }
            for text in case["lacks"].as_array().into_iter().flatten().filter(checked) {
                let text = fills.fill(text.as_str().unwrap());
                assert!(!r.body.contains(&text), "case {id} ({about}): {text} in {}", r.body);
            }
            if let (Some(xml), QueryWire::Xml) = (case["xml"].as_str(), wire) {
                let rid = element(&r.body, "RequestId").unwrap_or("");
                assert_eq!(r.body, xml.replace("$RID", rid), "case {id} ({about})");
            }
            if let Some(b) = case["exact_body"].as_str() {
                assert_eq!(r.body, fills.fill(b), "case {id} ({about})");
            }
        }
    }
    cases.len()
}

#[tokio::test]
async fn sns_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/sns/recorded.json")).unwrap();
    let n = walk_query_table(&table, "sns").await;
    println!("{n} recorded SNS answers hold in XML and JSON");
}

/// Kinesis's two protocols.
#[derive(Clone, Copy, PartialEq, Debug)]
enum KinesisWire {
    Json,
    Cbor,
}

/// One Kinesis call with `body` (JSON text) as sent: as is over AWS JSON 1.1, or encoded to
/// CBOR along the model's input shape (blobs as byte strings) as the Java SDK and the KCL send
/// it. The answer's body is read back as JSON text either way.
async fn kinesis_call(addr: std::net::SocketAddr, wire: KinesisWire, op: &str, body: &str) -> RawResponse {
    let target = format!("Kinesis_20131202.{op}");
    if wire == KinesisWire::Json {
        let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-json-1.1")];
        return raw(addr, "POST", "/", &headers, body.as_bytes()).await;
    }
    static MODEL: std::sync::OnceLock<aws_protocol::model::Model> = std::sync::OnceLock::new();
    let model = MODEL.get_or_init(|| {
        aws_protocol::model::Model::parse(include_str!("../../../fixtures/models/kinesis.json")).unwrap()
    });
    let value: Value = serde_json::from_str(body).unwrap();
    let cbor = aws_protocol::cbor::encode(Some(model), model.input_shape(op), &value);
    let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-cbor-1.1")];
    let mut r = raw(addr, "POST", "/", &headers, &cbor).await;
    if !r.bytes.is_empty() {
        let v = aws_protocol::cbor::decode(&r.bytes).unwrap_or_else(|e| panic!("{op}: not CBOR: {e:?}"));
        r.body = v.to_string();
    }
    r
}

/// Walks the Kinesis table over AWS JSON 1.1 and CBOR, each on a fresh server (the cases'
/// names repeat): the same status, type and message; exact bodies and headers over JSON (and an
/// empty body over both).
#[tokio::test]
async fn kinesis_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/kinesis/recorded.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    let body_of = |c: &Value, id: usize| match c.get("body_text").and_then(Value::as_str) {
        Some(t) => t.replace("$ID", &id.to_string()),
        None => c["body"].to_string().replace("$ID", &id.to_string()),
    };
    for wire in [KinesisWire::Json, KinesisWire::Cbor] {
        let env = start().await;
        let addr = env.running.addr;
        for (id, case) in cases.iter().enumerate() {
            let about = format!("{wire:?} {}", case["about"].as_str().unwrap_or(""));
            for setup in case["setup"].as_array().into_iter().flatten() {
                let r = kinesis_call(addr, wire, setup["op"].as_str().unwrap(), &body_of(setup, id)).await;
                assert_eq!(r.status, 200, "case {id} ({about}) setup: {}", r.body);
            }
            let op = case["op"].as_str().unwrap();
            let sent = body_of(case, id);
            let r = kinesis_call(addr, wire, op, &sent).await;
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
            match case["exact_body"].as_str() {
                Some("") => assert!(r.bytes.is_empty(), "case {id} ({about}): {}", r.body),
                Some(b) if wire == KinesisWire::Json => assert_eq!(r.body, b, "case {id} ({about})"),
                _ => {}
            }
            for (name, value) in case["headers"].as_object().into_iter().flatten() {
                assert_eq!(r.header(name), value.as_str(), "case {id} ({about}): header {name}");
            }
            // What the call left behind: a later call's answer contains these texts.
            if let (Some(after), KinesisWire::Json) = (case.get("after"), wire) {
                let r = kinesis_call(addr, wire, after["op"].as_str().unwrap(), &body_of(after, id)).await;
                assert_eq!(r.status, 200, "case {id} ({about}) after: {}", r.body);
                for text in after["contains"].as_array().into_iter().flatten() {
                    let text = text.as_str().unwrap().replace("$ID", &id.to_string());
                    assert!(r.body.contains(&text), "case {id} ({about}): no {text} in {}", r.body);
                }
            }
        }
    }
    println!("{} recorded Kinesis answers hold over JSON and CBOR", cases.len());
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

#[tokio::test]
async fn sqs_answers_as_recorded() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/sqs/recorded.json")).unwrap();
    let n = walk_query_table(&table, "sqs").await;
    // And over AWS JSON 1.0, as the SDKs speak it.
    let env = start().await;
    let addr = env.running.addr;
    let cases = table["json_cases"].as_array().unwrap();
    for (id, case) in cases.iter().enumerate() {
        let about = case["about"].as_str().unwrap_or("");
        let mut url = String::new();
        let fill = |s: &str, url: &str| s.replace("$ID", &id.to_string()).replace("$QueueUrl", url);
        for setup in case["setup"].as_array().into_iter().flatten() {
            let r = sqs_json(addr, setup[0].as_str().unwrap(), &fill(&setup[1].to_string(), &url)).await;
            assert_eq!(r.status, 200, "case {id} ({about}) setup: {}", r.body);
            if let Some(u) = r.json()["QueueUrl"].as_str() {
                url = u.to_string();
            }
        }
        let r = sqs_json(addr, case["op"].as_str().unwrap(), &fill(&case["body"].to_string(), &url)).await;
        assert_eq!(r.status as u64, case["status"].as_u64().unwrap(), "case {id} ({about}): {}", r.body);
        if let Some(q) = case["query_error"].as_str() {
            assert_eq!(r.header("x-amzn-query-error"), Some(q), "case {id} ({about}): {}", r.body);
        }
        if let Some(m) = case["message"].as_str() {
            assert_eq!(r.json()["message"].as_str(), Some(m), "case {id} ({about})");
        }
        for text in case["contains"].as_array().into_iter().flatten() {
            assert!(r.body.contains(text.as_str().unwrap()), "case {id} ({about}): {}", r.body);
        }
        for text in case["lacks"].as_array().into_iter().flatten() {
            assert!(!r.body.contains(text.as_str().unwrap()), "case {id} ({about}): {}", r.body);
        }
        if let Some(b) = case["exact_body"].as_str() {
            assert_eq!(r.body, b, "case {id} ({about})");
        }
    }
    println!("{n} recorded SQS query answers (XML and JSON) and {} JSON-protocol ones hold", cases.len());
}
