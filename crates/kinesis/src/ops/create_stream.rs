//! CreateStream: a stream of `ShardCount` shards (4 for ON_DEMAND streams when none is
//! given) splitting the hash key space evenly. It is ACTIVE when the call answers.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::even_ranges;
use crate::stream::{Shard, Stream, USER_PARTITION_KEY};
use crate::{ops, persist, Finish, Kinesis, ON_DEMAND_STREAM_LIMIT};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

/// Shards of an ON_DEMAND stream created without a count (AWS starts them at 4).
const ON_DEMAND_SHARDS: i64 = 4;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let name = str_opt(&input, "StreamName").unwrap_or_default().to_string();
    // Without a mode: PROVISIONED with a count, else ON_DEMAND (recorded: a name alone makes a
    // stream of 4 shards, ON_DEMAND's starting size).
    let default_mode = if int_opt(&input, "ShardCount").is_some() { "PROVISIONED" } else { "ON_DEMAND" };
    let mode = input["StreamModeDetails"]["StreamMode"].as_str().unwrap_or(default_mode).to_string();
    let count = match (int_opt(&input, "ShardCount"), mode.as_str()) {
        (Some(n), _) => n,
        (None, "ON_DEMAND") => ON_DEMAND_SHARDS,
        (None, _) => {
            return Err(KinesisError::invalid_argument("ShardCount is required for a stream in PROVISIONED mode."))
        }
    };
    let distribution = str_opt(&input, "RecordDistributionStrategy").unwrap_or(USER_PARTITION_KEY).to_string();
    if distribution == "AUTO" && mode != "ON_DEMAND" {
        return Err(KinesisError::invalid_argument(
            "The AUTO record distribution strategy is only supported for streams in ON_DEMAND mode.",
        ));
    }
    let warm = int_opt(&input, "WarmThroughputMiBps").filter(|_| mode == "ON_DEMAND");
    let now = k.now_ms();
    let tags = input["Tags"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    let key = (ctx.account.clone(), ctx.region.clone(), name.clone());
    ops::check_shard_limit(k, &key, count.max(0) as usize)?;
    if mode == "ON_DEMAND" {
        let on_demand = k.on_demand_stream_count(&ctx.account, &ctx.region);
        if on_demand >= ON_DEMAND_STREAM_LIMIT {
            return Err(KinesisError::limit_exceeded(format!(
                "This request would exceed the limit of {ON_DEMAND_STREAM_LIMIT} ON_DEMAND streams for the account {} in {}.",
                ctx.account, ctx.region
            )));
        }
    }
    let delay = k.delay("CreateStream");
    let id = k.next_id();
    let pending = {
        let mut streams = k.streams().write();
        if streams.contains_key(&key) {
            return Err(KinesisError::stream_exists(&name, &ctx.account));
        }
        let shards = even_ranges(count as u32)
            .into_iter()
            .enumerate()
            .map(|(i, (start, end))| Shard {
                index: i as u32,
                start,
                end,
                parent: None,
                adjacent_parent: None,
                created_ms: now,
                closed: None,
                // Position 0 is every shard's start; the stream's first record takes 1.
                first: 0,
                next: 1,
                last_ms: now,
            })
            .collect();
        let stream = Stream {
            id,
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            name,
            status: if delay > 0 { "CREATING" } else { "ACTIVE" }.into(),
            mode,
            retention_hours: 24,
            created_ms: now,
            shards,
            tags,
            max_record_kib: int_opt(&input, "MaxRecordSizeInKiB").unwrap_or(1024),
            distribution,
            enhanced: Vec::new(),
            key_id: None,
            warm_mibps: warm,
            policy: None,
            consumers: Vec::new(),
        };
        let saved = stream.clone();
        streams.insert(key.clone(), stream);
        k.store().submit(move |t| persist::save_stream(t, &saved))
    };
    if let Err(e) = pending.await {
        k.streams().write().remove(&key);
        return Err(e.into());
    }
    if delay > 0 {
        k.finish_later(key, id, delay, |s| {
            s.status = "ACTIVE".into();
            Finish::Keep
        });
    }
    Ok(json!({}))
}
