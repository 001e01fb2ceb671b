//! Config as code: the `queues` section of a Quayside file. Each declaration is a queue by
//! name (in an account and region) with attributes and tags, as SQS's own CreateQueue,
//! SetQueueAttributes and TagQueue take them. Export writes every queue the same way, so that
//! a file exported, applied to an empty server and exported again is the same file.

use crate::ops::{create_queue, set_queue_attributes};
use crate::queue::QueueKey;
use crate::Sqs;
use serde_json::{json, Map, Value};
use service::declare::{Applied, Declared, Fields, Mode, Outcome, Section};
use std::collections::BTreeMap;

/// Attributes that name other queues: set in a second pass, once every declared queue exists.
const LINKS: &[&str] = &["RedrivePolicy", "RedriveAllowPolicy"];

/// One declared queue.
struct Decl {
    key: QueueKey,
    attributes: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
}

/// Reads a declaration; the error says what is wrong with it.
fn decl(v: &Value, account: &str, region: &str) -> Result<Decl, String> {
    let f = Fields::of(v, "queue", &["name", "account", "region", "attributes", "tags"], "")?;
    Ok(Decl {
        key: QueueKey {
            account: f.text("account", account)?,
            region: f.text("region", region)?,
            name: f.required("name", "queue")?,
        },
        attributes: f.strings("attributes")?,
        tags: f.strings("tags")?,
    })
}

impl Section for Sqs {
    const NAME: &'static str = "queues";

    /// Every queue as a declaration, in account, region and name order: its settable
    /// attributes (defaults included) and tags.
    fn export(&self) -> Vec<Value> {
        self.queues_in_order()
            .iter()
            .map(|q| {
                let st = q.state.lock();
                let attributes: Map<String, Value> =
                    st.attrs.to_map().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect();
                let mut d = json!({"name": q.name, "account": q.account, "region": q.region, "attributes": attributes});
                if !st.tags.is_empty() {
                    d["tags"] = json!(st.tags);
                }
                d
            })
            .collect()
    }

    /// Applies declarations: makes the queues that are missing; for those that exist and
    /// differ, sets what the file says (`Mode::Update`) or reports the differences
    /// (`Mode::Report`). Queues are made first, then the attributes that name other queues
    /// (redrive policies), so a file may declare a dead-letter queue after its source.
    ///
    /// Errors: the first declaration that is malformed or that SQS refuses (its index, SQS's
    /// error code and message).
    async fn apply(&self, decls: &[Value], mode: Mode, account: &str, region: &str) -> Applied {
        let mut out = Outcome::default();
        let mut parsed = Vec::with_capacity(decls.len());
        for (i, v) in decls.iter().enumerate() {
            parsed.push(decl(v, account, region).map_err(|e| Declared::error(i, e))?);
        }
        // Pass 1: every queue exists (without its links).
        for (i, d) in parsed.iter().enumerate() {
            let label = format!("queue {} ({} {})", d.key.name, d.key.account, d.key.region);
            match self.queue_by_key(&d.key) {
                None => {
                    let attrs = d.attributes.iter().filter(|(k, _)| !LINKS.contains(&k.as_str()));
                    let attrs = attrs.map(|(k, v)| (k.clone(), v.clone())).collect();
                    let tags = d.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    create_queue::create(self, d.key.clone(), attrs, tags)
                        .await
                        .map_err(|e| Declared::error(i, format!("{}: {}", e.code(), e.message())))?;
                    out.made.push(label);
                }
                Some(q) => {
                    let (now, tags) = {
                        let st = q.state.lock();
                        (st.attrs.to_map(), st.tags.clone())
                    };
                    let differ: Vec<(String, String, String)> = d
                        .attributes
                        .iter()
                        .filter(|(k, _)| !LINKS.contains(&k.as_str()))
                        .filter_map(|(k, v)| {
                            let is = now.get(k.as_str()).cloned().unwrap_or_default();
                            (&is != v).then(|| (k.clone(), is, v.clone()))
                        })
                        .collect();
                    let tags_differ = !d.tags.iter().all(|(k, v)| tags.get(k) == Some(v));
                    if differ.is_empty() && !tags_differ {
                        continue;
                    }
                    match mode {
                        Mode::Report => {
                            for (k, is, want) in &differ {
                                out.differences.push(format!("{label}: {k} is {is:?}, the file says {want:?}"));
                            }
                            if tags_differ {
                                out.differences.push(format!("{label}: its tags differ from the file's"));
                            }
                        }
                        Mode::Update => {
                            let given = differ.into_iter().map(|(k, _, v)| (k, v)).collect::<Vec<_>>();
                            if !given.is_empty() {
                                set_queue_attributes::set(self, &q, given)
                                    .await
                                    .map_err(|e| Declared::error(i, format!("{}: {}", e.code(), e.message())))?;
                            }
                            if tags_differ {
                                let mut merged = tags;
                                merged.extend(d.tags.clone());
                                self.update_queue(&q, |st| st.tags = merged)
                                    .await
                                    .map_err(|e| Declared::error(i, e.message().to_string()))?;
                            }
                            out.updated.push(label);
                        }
                    }
                }
            }
        }
        // Pass 2: the links, once every queue they may name exists.
        for (i, d) in parsed.iter().enumerate() {
            let links: Vec<(String, String)> = d
                .attributes
                .iter()
                .filter(|(k, _)| LINKS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if links.is_empty() {
                continue;
            }
            let Some(q) = self.queue_by_key(&d.key) else { continue };
            let now = q.state.lock().attrs.to_map();
            let differ: Vec<(String, String)> = links
                .into_iter()
                .filter(|(k, v)| !same_json(now.get(k.as_str()).map(String::as_str).unwrap_or(""), v))
                .collect();
            if differ.is_empty() {
                continue;
            }
            let fresh = out.made.iter().any(|m| m.starts_with(&format!("queue {} (", d.key.name)));
            match mode {
                Mode::Report if !fresh => {
                    for (k, v) in &differ {
                        out.differences.push(format!(
                            "queue {} ({} {}): {k} differs from the file's {v:?}",
                            d.key.name, d.key.account, d.key.region
                        ));
                    }
                }
                _ => {
                    set_queue_attributes::set(self, &q, differ)
                        .await
                        .map_err(|e| Declared::error(i, format!("{}: {}", e.code(), e.message())))?;
                }
            }
        }
        Ok(out)
    }
}

/// Whether two attribute values say the same: equal texts, or equal JSON documents (a redrive
/// policy written with other spacing or key order).
fn same_json(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => normalise(&x) == normalise(&y),
        _ => false,
    }
}

/// Numbers and strings of numbers alike (`"maxReceiveCount": 5` and `"5"`).
fn normalise(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}
