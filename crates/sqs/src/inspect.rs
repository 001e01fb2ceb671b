//! What the console shows of SQS: each queue with its depths and traffic, and a queue's
//! attributes with the queues that send it their dead letters (the sources a redrive returns
//! messages to). Its messages are peeked through the developer view (`developer.rs`).

use crate::Sqs;
use serde_json::{json, Map, Value};
use service::inspect::{Inspects, Resource};
use std::sync::atomic::Ordering::Relaxed;

impl Inspects for Sqs {
    fn kind(&self) -> &'static str {
        "queue"
    }

    fn resources(&self, out: &mut Vec<Resource>) {
        let now = self.now_ms();
        for q in self.all_queues() {
            let d = q.depths(now);
            out.push(
                Resource::new("queue", &q.account, &q.region, &q.name, &q.arn)
                    .figure("visible", d.visible)
                    .figure("in_flight", d.in_flight)
                    .figure("delayed", d.delayed)
                    .figure("oldest_age_seconds", d.oldest_age_ms / 1000)
                    .figure("sent_total", q.counts.sent.load(Relaxed))
                    .figure("received_total", q.counts.received.load(Relaxed))
                    .figure("deleted_total", q.counts.deleted.load(Relaxed)),
            );
        }
    }

    fn detail(&self, account: &str, region: &str, name: &str) -> Option<Value> {
        let key = crate::queue::QueueKey { account: account.into(), region: region.into(), name: name.into() };
        let q = self.queue_by_key(&key)?;
        let d = q.depths(self.now_ms());
        let attributes: Map<String, Value> = {
            let st = q.state.lock();
            let mut a: Map<String, Value> =
                st.attrs.to_map().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect();
            a.insert("CreatedTimestamp".into(), st.created_s.to_string().into());
            a.insert("LastModifiedTimestamp".into(), st.modified_s.to_string().into());
            a
        };
        let mut sources: Vec<String> = self.dead_letter_sources(&q.arn).iter().map(|s| s.name.clone()).collect();
        sources.sort();
        Some(json!({
            "kind": "queue",
            "account": q.account,
            "region": q.region,
            "name": q.name,
            "arn": q.arn,
            "fifo": q.fifo,
            "visible": d.visible,
            "in_flight": d.in_flight,
            "delayed": d.delayed,
            "oldest_age_seconds": d.oldest_age_ms / 1000,
            "attributes": attributes,
            "dead_letter_sources": sources,
        }))
    }
}
