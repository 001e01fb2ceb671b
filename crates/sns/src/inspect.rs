//! What the console shows of SNS: each topic with its publishes, and a topic's fan-out: each
//! subscription with its endpoint, filter policy, traffic and the last messages that passed
//! its filter.

use crate::subscription::Subscription;
use crate::Sns;
use serde_json::{json, Value};
use service::inspect::{Inspects, Resource};
use std::sync::atomic::Ordering::Relaxed;

impl Inspects for Sns {
    fn kind(&self) -> &'static str {
        "topic"
    }

    fn resources(&self, out: &mut Vec<Resource>) {
        let published = self.inner.published.lock().clone();
        let mut subs: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let all = self.inner.subs.read();
        for s in all.values() {
            *subs.entry(s.topic_arn.as_str()).or_default() += 1;
        }
        for t in self.inner.topics.read().values() {
            out.push(
                Resource::new("topic", &t.account, &t.region, &t.name, &t.arn)
                    .figure("subscriptions", subs.get(t.arn.as_str()).copied().unwrap_or(0))
                    .figure("published_total", published.get(&t.arn).copied().unwrap_or(0)),
            );
        }
    }

    fn detail(&self, account: &str, region: &str, name: &str) -> Option<Value> {
        let topic = self.inner.topics.read().get(&crate::topic::arn(region, account, name)).cloned()?;
        let subs: Vec<Subscription> =
            self.inner.subs.read().values().filter(|s| s.topic_arn == topic.arn).cloned().collect();
        let published = self.inner.published.lock().get(&topic.arn).copied().unwrap_or(0);
        let subscriptions: Vec<Value> = subs.iter().map(|s| self.shown_subscription(s)).collect();
        Some(json!({
            "kind": "topic",
            "account": topic.account,
            "region": topic.region,
            "name": topic.name,
            "arn": topic.arn,
            "fifo": topic.fifo,
            "attributes": topic.attributes,
            "tags": topic.tags,
            "published_total": published,
            "subscriptions": subscriptions,
        }))
    }
}

impl Sns {
    fn shown_subscription(&self, s: &Subscription) -> Value {
        let c = self.sub_counts(&s.arn);
        let recent: Vec<Value> = c
            .recent
            .lock()
            .iter()
            .rev()
            .map(|m| json!({"message_id": m.message_id, "at_ms": m.at_ms, "subject": m.subject, "preview": m.preview}))
            .collect();
        // An SQS endpoint by its queue's name too, so the console can link to it.
        let queue = (s.protocol == "sqs").then(|| s.endpoint.rsplit(':').next().unwrap_or("").to_string());
        json!({
            "arn": s.arn,
            "protocol": s.protocol,
            "endpoint": s.endpoint,
            "queue": queue,
            "confirmed": s.confirmed,
            "raw": s.attributes.get("RawMessageDelivery").is_some_and(|v| v == "true"),
            "filter_policy": s.attributes.get("FilterPolicy"),
            "filter_policy_scope": s.attributes.get("FilterPolicyScope").map_or("MessageAttributes", String::as_str),
            "matched_total": c.matched.load(Relaxed),
            "delivered_total": c.delivered.load(Relaxed),
            "failed_total": c.failed.load(Relaxed),
            "recent_matches": recent,
        })
    }
}
