//! What the console shows of Kinesis: each stream with its records in and out, and a stream's
//! shards (hash ranges, parents, open or closed, traffic and iterator age) and consumers
//! (with the shards each reads through SubscribeToShard now).

use crate::stream::shard_id;
use crate::Kinesis;
use serde_json::{json, Value};
use service::inspect::{Inspects, Resource};

impl Inspects for Kinesis {
    fn kind(&self) -> &'static str {
        "stream"
    }

    fn resources(&self, out: &mut Vec<Resource>) {
        let streams = self.inner.streams.read();
        let counts = self.shard_traffic(&streams);
        for s in streams.values() {
            let (mut records_in, mut records_out, mut behind) = (0u64, 0u64, 0u64);
            for sh in &s.shards {
                let c = counts.get(&(s.id, sh.index)).copied().unwrap_or_default();
                records_in += c.records_in;
                records_out += c.records_out;
                behind = behind.max(c.behind_ms);
            }
            out.push(
                Resource::new("stream", &s.account, &s.region, &s.name, &s.arn())
                    .figure("open_shards", s.open_shards().count())
                    .figure("consumers", s.consumers.len())
                    .figure("iterator_age_ms", behind)
                    .figure("records_in_total", records_in)
                    .figure("records_out_total", records_out),
            );
        }
    }

    fn detail(&self, account: &str, region: &str, name: &str) -> Option<Value> {
        let reading = self.inner.subscriptions.lock().clone();
        let streams = self.inner.streams.read();
        let counts = self.shard_traffic(&streams);
        let s = streams.get(&(account.to_string(), region.to_string(), name.to_string()))?;
        let arn = s.arn();
        let shards: Vec<Value> = s
            .shards
            .iter()
            .map(|sh| {
                let c = counts.get(&(s.id, sh.index)).copied().unwrap_or_default();
                let mut d = sh.describe();
                d["Open"] = Value::from(sh.closed.is_none());
                d["records_in_total"] = c.records_in.into();
                d["records_out_total"] = c.records_out.into();
                d["iterator_age_ms"] = c.behind_ms.into();
                d
            })
            .collect();
        let consumers: Vec<Value> = s
            .consumers
            .iter()
            .map(|c| {
                let mut on: Vec<String> = reading
                    .iter()
                    .filter(|(id, name, _)| *id == s.id && *name == c.name)
                    .map(|(_, _, shard)| shard_id(*shard))
                    .collect();
                on.sort();
                let mut d = c.describe(&arn);
                d["SubscribedShards"] = on.into();
                d
            })
            .collect();
        Some(json!({
            "kind": "stream",
            "account": s.account,
            "region": s.region,
            "name": s.name,
            "arn": arn,
            "status": s.status,
            "mode": s.mode,
            "retention_hours": s.retention_hours,
            "tags": s.tags,
            "shards": shards,
            "consumers": consumers,
        }))
    }
}
