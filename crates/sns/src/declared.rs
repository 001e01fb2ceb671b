//! Config as code: the `topics` section of a Quayside file. A topic by name (in an account and
//! region) with attributes, tags and subscriptions (`protocol`, `endpoint`, `attributes`),
//! applied through SNS's own CreateTopic, SetTopicAttributes, Subscribe and
//! SetSubscriptionAttributes, so their checks apply. SQS subscriptions may name a queue by
//! name (in the topic's account and region) or by ARN. Export writes the same shape.

use crate::ops;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Map, Value};
use service::declare::{Applied, Declared, Mode, Outcome};
use std::collections::BTreeMap;

/// The file's section this module owns.
pub const SECTION: &str = "topics";

struct Sub {
    protocol: String,
    endpoint: String,
    attributes: BTreeMap<String, String>,
}

struct Decl {
    name: String,
    account: String,
    region: String,
    attributes: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    subscriptions: Vec<Sub>,
}

fn strings(o: &Map<String, Value>, k: &str, at: &str) -> Result<BTreeMap<String, String>, String> {
    let Some(v) = o.get(k) else { return Ok(BTreeMap::new()) };
    let t = v.as_object().ok_or(format!("`{at}{k}` is a table of strings"))?;
    t.iter()
        .map(|(n, v)| match v {
            Value::String(s) => Ok((n.clone(), s.clone())),
            Value::Number(x) => Ok((n.clone(), x.to_string())),
            Value::Bool(b) => Ok((n.clone(), b.to_string())),
            _ => Err(format!("`{at}{k}.{n}` is a string")),
        })
        .collect()
}

fn only(o: &Map<String, Value>, keys: &[&str], what: &str) -> Result<(), String> {
    match o.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown key `{k}` (a {what} has {})", keys.join(", "))),
        None => Ok(()),
    }
}

fn text(o: &Map<String, Value>, k: &str, default: &str) -> Result<String, String> {
    match o.get(k) {
        None => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("`{k}` is a string")),
    }
}

fn decl(v: &Value, account: &str, region: &str) -> Result<Decl, String> {
    let o = v.as_object().ok_or("a topic is a table")?;
    only(o, &["name", "account", "region", "attributes", "tags", "subscriptions"], "topic")?;
    let name = text(o, "name", "")?;
    if name.is_empty() {
        return Err("a topic needs a `name`".into());
    }
    let (account, region) = (text(o, "account", account)?, text(o, "region", region)?);
    let mut subscriptions = Vec::new();
    for s in o.get("subscriptions").and_then(Value::as_array).into_iter().flatten() {
        let so = s.as_object().ok_or("a subscription is a table")?;
        only(so, &["protocol", "endpoint", "attributes"], "subscription")?;
        let protocol = text(so, "protocol", "")?;
        let mut endpoint = text(so, "endpoint", "")?;
        if protocol.is_empty() || endpoint.is_empty() {
            return Err("a subscription needs a `protocol` and an `endpoint`".into());
        }
        if protocol == "sqs" && !endpoint.starts_with("arn:") {
            endpoint = format!("arn:aws:sqs:{region}:{account}:{endpoint}");
        }
        subscriptions.push(Sub { protocol, endpoint, attributes: strings(so, "attributes", "subscriptions.")? });
    }
    if o.get("subscriptions").is_some_and(|s| !s.is_array()) {
        return Err("`subscriptions` is a list of tables".into());
    }
    Ok(Decl {
        name,
        account,
        region,
        attributes: strings(o, "attributes", "")?,
        tags: strings(o, "tags", "")?,
        subscriptions,
    })
}

fn refused(i: usize, what: &str, e: crate::error::SnsError) -> Declared {
    Declared::error(i, format!("{what}: {}: {}", e.code(), e.message()))
}

impl Sns {
    /// Every topic as a declaration, by ARN: its attributes as set, tags, and subscriptions
    /// (by protocol and endpoint) with theirs.
    pub fn export_declared(&self) -> Vec<Value> {
        let topics: Vec<crate::topic::Topic> = self.inner.topics.read().values().cloned().collect();
        topics
            .iter()
            .map(|t| {
                let mut attributes: Map<String, Value> =
                    t.attributes.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
                if t.fifo {
                    attributes.insert("FifoTopic".into(), "true".into());
                }
                let mut d = json!({"name": t.name, "account": t.account, "region": t.region});
                if !attributes.is_empty() {
                    d["attributes"] = Value::Object(attributes);
                }
                if !t.tags.is_empty() {
                    d["tags"] = json!(t.tags);
                }
                let mut subs = self.subscriptions(Some(&t.arn));
                subs.sort_by(|a, b| (&a.protocol, &a.endpoint).cmp(&(&b.protocol, &b.endpoint)));
                if !subs.is_empty() {
                    d["subscriptions"] = Value::Array(
                        subs.iter()
                            .map(|s| {
                                let mut e = json!({"protocol": s.protocol, "endpoint": s.endpoint});
                                let a = settable(&s.attributes);
                                if !a.is_empty() {
                                    e["attributes"] = json!(a);
                                }
                                e
                            })
                            .collect(),
                    );
                }
                d
            })
            .collect()
    }

    /// Applies declarations: topics made or brought to the file's attributes and tags, and
    /// their subscriptions made or brought to theirs (`Mode::Update`), or the differences
    /// reported (`Mode::Report`).
    ///
    /// Errors: the first declaration malformed or refused (SNS's code and message).
    pub async fn apply_declared(&self, decls: &[Value], mode: Mode, account: &str, region: &str) -> Applied {
        let mut out = Outcome::default();
        for (i, v) in decls.iter().enumerate() {
            let d = decl(v, account, region).map_err(|e| Declared::error(i, e))?;
            let ctx = RequestContext::new(d.account.clone(), d.region.clone(), "localhost");
            let arn = format!("arn:aws:sns:{}:{}:{}", d.region, d.account, d.name);
            let label = format!("topic {} ({} {})", d.name, d.account, d.region);
            let tags: Vec<Value> = d.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
            match self.topic(&arn).ok() {
                None => {
                    let input = json!({"Name": d.name, "Attributes": d.attributes, "Tags": tags});
                    ops::create_topic::handle(self, &ctx, input).await.map_err(|e| refused(i, &label, e))?;
                    out.made.push(label.clone());
                }
                Some(t) => {
                    let shown = t.shown();
                    let differ: Vec<(&String, &String)> = d
                        .attributes
                        .iter()
                        .filter(|(k, _)| k.as_str() != "FifoTopic")
                        .filter(|(k, v)| shown.get(k.as_str()) != Some(v))
                        .collect();
                    let tags_differ = !d.tags.iter().all(|(k, v)| t.tags.get(k) == Some(v));
                    match mode {
                        Mode::Report => {
                            for (k, v) in &differ {
                                let is = shown.get(k.as_str()).cloned().unwrap_or_default();
                                out.differences.push(format!("{label}: {k} is {is:?}, the file says {v:?}"));
                            }
                            if tags_differ {
                                out.differences.push(format!("{label}: its tags differ from the file's"));
                            }
                        }
                        Mode::Update if !differ.is_empty() || tags_differ => {
                            for (k, v) in differ {
                                let input = json!({"TopicArn": arn, "AttributeName": k, "AttributeValue": v});
                                ops::set_topic_attributes::handle(self, &ctx, input)
                                    .await
                                    .map_err(|e| refused(i, &label, e))?;
                            }
                            if tags_differ {
                                let input = json!({"ResourceArn": arn, "Tags": tags});
                                ops::tag_resource::handle(self, &ctx, input)
                                    .await
                                    .map_err(|e| refused(i, &label, e))?;
                            }
                            out.updated.push(label.clone());
                        }
                        Mode::Update => {}
                    }
                }
            }
            for s in &d.subscriptions {
                let sub_label = format!("{label}: subscription {} {}", s.protocol, s.endpoint);
                let existing = self
                    .subscriptions(Some(&arn))
                    .into_iter()
                    .find(|e| e.protocol == s.protocol && e.endpoint == s.endpoint);
                match existing {
                    None => {
                        let input = json!({"TopicArn": arn, "Protocol": s.protocol, "Endpoint": s.endpoint, "Attributes": s.attributes});
                        ops::subscribe::handle(self, &ctx, input).await.map_err(|e| refused(i, &sub_label, e))?;
                        out.made.push(sub_label);
                    }
                    Some(e) => {
                        let differ: Vec<(&String, &String)> =
                            s.attributes.iter().filter(|(k, v)| e.attributes.get(k.as_str()) != Some(v)).collect();
                        if differ.is_empty() {
                            continue;
                        }
                        match mode {
                            Mode::Report => {
                                for (k, v) in differ {
                                    let is = e.attributes.get(k.as_str()).cloned().unwrap_or_default();
                                    out.differences.push(format!("{sub_label}: {k} is {is:?}, the file says {v:?}"));
                                }
                            }
                            Mode::Update => {
                                for (k, v) in differ {
                                    let input =
                                        json!({"SubscriptionArn": e.arn, "AttributeName": k, "AttributeValue": v});
                                    ops::set_subscription_attributes::handle(self, &ctx, input)
                                        .await
                                        .map_err(|err| refused(i, &sub_label, err))?;
                                }
                                out.updated.push(sub_label);
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A subscription's attributes that Subscribe and SetSubscriptionAttributes take (what it
/// stores beyond them is SNS's own bookkeeping).
fn settable(a: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    const SETTABLE: &[&str] = &[
        "DeliveryPolicy",
        "FilterPolicy",
        "FilterPolicyScope",
        "RawMessageDelivery",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    ];
    a.iter().filter(|(k, _)| SETTABLE.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}
