//! Config as code: the `topics` section of a Quayside file. A topic by name (in an account and
//! region) with attributes, tags and subscriptions (`protocol`, `endpoint`, `attributes`),
//! applied through SNS's own CreateTopic, SetTopicAttributes, Subscribe and
//! SetSubscriptionAttributes, so their checks apply. SQS subscriptions may name a queue by
//! name (in the topic's account and region) or by ARN. Export writes the same shape.

use crate::ops;
use crate::subscription::SETTABLE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Map, Value};
use service::declare::{Applied, Declared, Fields, Mode, Outcome, Section};
use std::collections::BTreeMap;

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

fn decl(v: &Value, account: &str, region: &str) -> Result<Decl, String> {
    let f = Fields::of(v, "topic", &["name", "account", "region", "attributes", "tags", "subscriptions"], "")?;
    let name = f.required("name", "topic")?;
    let (account, region) = (f.text("account", account)?, f.text("region", region)?);
    let mut subscriptions = Vec::new();
    for s in f.tables("subscriptions")? {
        let sf = Fields::of(s, "subscription", &["protocol", "endpoint", "attributes"], "subscriptions.")?;
        let protocol = sf.required("protocol", "subscription")?;
        let mut endpoint = sf.required("endpoint", "subscription")?;
        if protocol == "sqs" && !endpoint.starts_with("arn:") {
            endpoint = format!("arn:aws:sqs:{region}:{account}:{endpoint}");
        }
        subscriptions.push(Sub { protocol, endpoint, attributes: sf.strings("attributes")? });
    }
    Ok(Decl { name, account, region, attributes: f.strings("attributes")?, tags: f.strings("tags")?, subscriptions })
}

fn refused(i: usize, what: &str, e: crate::error::SnsError) -> Declared {
    Declared::error(i, format!("{what}: {}: {}", e.code(), e.message()))
}

impl Section for Sns {
    const NAME: &'static str = "topics";

    /// Every topic as a declaration, by ARN: its attributes as set, tags, and subscriptions
    /// (by protocol and endpoint) with theirs.
    fn export(&self) -> Vec<Value> {
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
    async fn apply(&self, decls: &[Value], mode: Mode, account: &str, region: &str) -> Applied {
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
    a.iter().filter(|(k, _)| SETTABLE.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}
