//! Config as code: the `streams` section of a Quayside file. A stream by name (in an account
//! and region) with its capacity mode, open shard count (provisioned streams), retention,
//! tags and enhanced fan-out consumers, applied through Kinesis's own operations
//! (CreateStream, UpdateShardCount, Increase/DecreaseStreamRetentionPeriod, AddTagsToStream,
//! RegisterStreamConsumer), so their checks and limits apply. Export writes the same shape.

use crate::ops;
use crate::Kinesis;
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::declare::{Applied, Declared, Fields, Mode, Outcome, Section};
use std::collections::BTreeMap;

/// Kinesis's default retention.
const DEFAULT_RETENTION_HOURS: i64 = 24;

struct Decl {
    name: String,
    account: String,
    region: String,
    mode: String,
    shards: Option<i64>,
    retention_hours: i64,
    tags: BTreeMap<String, String>,
    consumers: Vec<String>,
}

fn decl(v: &Value, account: &str, region: &str) -> Result<Decl, String> {
    const KEYS: &[&str] = &["name", "account", "region", "mode", "shards", "retention_hours", "tags", "consumers"];
    let f = Fields::of(v, "stream", KEYS, "")?;
    let shards = f.int("shards")?;
    Ok(Decl {
        name: f.required("name", "stream")?,
        account: f.text("account", account)?,
        region: f.text("region", region)?,
        mode: f.text("mode", if shards.is_some() { "PROVISIONED" } else { "ON_DEMAND" })?,
        shards,
        retention_hours: f.int("retention_hours")?.unwrap_or(DEFAULT_RETENTION_HOURS),
        tags: f.strings("tags")?,
        consumers: f.names("consumers")?,
    })
}

/// What a stream is now, as a declaration compares it.
struct Now {
    arn: String,
    mode: String,
    open: i64,
    retention: i64,
    tags: BTreeMap<String, String>,
    consumers: Vec<String>,
}

impl Kinesis {
    fn declared_now(&self, account: &str, region: &str, name: &str) -> Option<Now> {
        let streams = self.streams().read();
        let s = streams.get(&(account.to_string(), region.to_string(), name.to_string()))?;
        Some(Now {
            arn: s.arn(),
            mode: s.mode.clone(),
            open: s.shards.iter().filter(|sh| sh.closed.is_none()).count() as i64,
            retention: s.retention_hours,
            tags: s.tags.clone(),
            consumers: s.consumers.iter().map(|c| c.name.clone()).collect(),
        })
    }
}

impl Section for Kinesis {
    const NAME: &'static str = "streams";

    /// Every stream as a declaration, by account, region and name.
    fn export(&self) -> Vec<Value> {
        let streams = self.streams().read();
        streams
            .values()
            .map(|s| {
                let mut d = json!({"name": s.name, "account": s.account, "region": s.region, "mode": s.mode});
                if s.mode == "PROVISIONED" {
                    d["shards"] = json!(s.shards.iter().filter(|sh| sh.closed.is_none()).count());
                }
                if s.retention_hours != DEFAULT_RETENTION_HOURS {
                    d["retention_hours"] = json!(s.retention_hours);
                }
                if !s.tags.is_empty() {
                    d["tags"] = json!(s.tags);
                }
                let mut consumers: Vec<&str> = s.consumers.iter().map(|c| c.name.as_str()).collect();
                consumers.sort();
                if !consumers.is_empty() {
                    d["consumers"] = json!(consumers);
                }
                d
            })
            .collect()
    }

    /// Applies declarations: streams made, or brought to the file's shard count, retention,
    /// tags and consumers (`Mode::Update`; consumers the file does not name are left), or the
    /// differences reported (`Mode::Report`).
    ///
    /// Errors: the first declaration malformed or refused (Kinesis's code and message).
    async fn apply(&self, decls: &[Value], mode: Mode, account: &str, region: &str) -> Applied {
        let mut out = Outcome::default();
        for (i, v) in decls.iter().enumerate() {
            let d = decl(v, account, region).map_err(|e| Declared::error(i, e))?;
            let ctx = RequestContext::new(d.account.clone(), d.region.clone(), "localhost");
            let label = format!("stream {} ({} {})", d.name, d.account, d.region);
            let refused = |e: crate::error::KinesisError| Declared::error(i, format!("{label}: {}", e.message()));
            let Some(now) = self.declared_now(&d.account, &d.region, &d.name) else {
                let mut input = json!({"StreamName": d.name, "StreamModeDetails": {"StreamMode": d.mode}});
                if let Some(n) = d.shards {
                    input["ShardCount"] = json!(n);
                }
                if !d.tags.is_empty() {
                    input["Tags"] = json!(d.tags);
                }
                ops::create_stream::handle(self, &ctx, input).await.map_err(refused)?;
                if d.retention_hours > DEFAULT_RETENTION_HOURS {
                    let input = json!({"StreamName": d.name, "RetentionPeriodHours": d.retention_hours});
                    ops::increase_stream_retention_period::handle(self, &ctx, input).await.map_err(refused)?;
                }
                let arn = crate::stream::stream_arn(&d.account, &d.region, &d.name);
                for c in &d.consumers {
                    let input = json!({"StreamARN": arn, "ConsumerName": c});
                    ops::register_stream_consumer::handle(self, &ctx, input).await.map_err(refused)?;
                }
                out.made.push(label);
                continue;
            };
            let mut differences = Vec::new();
            if now.mode != d.mode {
                differences.push(format!("{label}: mode is {}, the file says {}", now.mode, d.mode));
            }
            let shards = d.shards.filter(|n| d.mode == "PROVISIONED" && *n != now.open);
            if let Some(n) = shards {
                differences.push(format!("{label}: {} open shards, the file says {n}", now.open));
            }
            if now.retention != d.retention_hours {
                differences
                    .push(format!("{label}: retention {} h, the file says {} h", now.retention, d.retention_hours));
            }
            let tags_differ = !d.tags.iter().all(|(k, v)| now.tags.get(k) == Some(v));
            if tags_differ {
                differences.push(format!("{label}: its tags differ from the file's"));
            }
            let missing: Vec<&String> = d.consumers.iter().filter(|c| !now.consumers.contains(c)).collect();
            for c in &missing {
                differences.push(format!("{label}: no consumer {c}"));
            }
            if differences.is_empty() {
                continue;
            }
            if mode == Mode::Report {
                out.differences.extend(differences);
                continue;
            }
            if now.mode != d.mode {
                // UpdateStreamMode takes the stream's ARN and the new mode.
                let input = json!({"StreamARN": now.arn, "StreamModeDetails": {"StreamMode": d.mode}});
                ops::update_stream_mode::handle(self, &ctx, input).await.map_err(refused)?;
            }
            if let Some(n) = shards {
                let input = json!({"StreamName": d.name, "TargetShardCount": n, "ScalingType": "UNIFORM_SCALING"});
                ops::update_shard_count::handle(self, &ctx, input).await.map_err(refused)?;
            }
            if now.retention != d.retention_hours {
                let input = json!({"StreamName": d.name, "RetentionPeriodHours": d.retention_hours});
                if d.retention_hours > now.retention {
                    ops::increase_stream_retention_period::handle(self, &ctx, input).await.map_err(refused)?;
                } else {
                    ops::decrease_stream_retention_period::handle(self, &ctx, input).await.map_err(refused)?;
                }
            }
            if tags_differ {
                let input = json!({"StreamName": d.name, "Tags": d.tags});
                ops::add_tags_to_stream::handle(self, &ctx, input).await.map_err(refused)?;
            }
            for c in missing {
                let input = json!({"StreamARN": now.arn, "ConsumerName": c});
                ops::register_stream_consumer::handle(self, &ctx, input).await.map_err(refused)?;
            }
            out.updated.push(label);
        }
        Ok(out)
    }
}
