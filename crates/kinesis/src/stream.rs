//! Streams and shards as Kinesis describes them.

use crate::keys::Seq;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One shard: its slice of the hash key space, its lineage and its sequence range.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    pub index: u32,
    pub start: u128,
    pub end: u128,
    pub parent: Option<u32>,
    pub adjacent_parent: Option<u32>,
    /// When it was opened (its first sequence number's time).
    pub created_ms: u64,
    /// Its last sequence number once closed by a reshard.
    pub closed: Option<Seq>,
    /// Its starting sequence number's position: below every record of it.
    pub first: u64,
    /// The position after its last record (`first + 1` while it has none): where LATEST
    /// starts. Positions are the stream's counter ([`Seq`]): the next record put into this shard
    /// takes the stream's [`next_position`](Stream::next_position), at or above this.
    pub next: u64,
    /// The arrival time of its last record (a later record never takes an earlier one, so
    /// its sequence numbers keep increasing if the clock steps back).
    pub last_ms: u64,
}

/// `arn:aws:kinesis:<region>:<account>:stream/<name>`.
pub fn stream_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:kinesis:{region}:{account}:stream/{name}")
}

pub fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

/// The index of a `shardId-000000000001`-style id: the decimal part after the last `-`, with
/// any prefix and any number of leading zeros, up to 2147483647 (recorded: `2147483647`,
/// `x-2147483647`, `a-00002147483647` and `-00002147483647` all name shardId-002147483647;
/// `2147483648`, `ABKLFD8` and `2.14E4` name none).
pub fn parse_shard_id(id: &str) -> Option<u32> {
    let digits = id.rsplit('-').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    let n: u64 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    u32::try_from(n).ok().filter(|n| *n <= i32::MAX as u32)
}

/// The end of a shard closed before Quayside wrote AWS's layout: `49` then 54 digits of
/// `arrival ms << 64 | shard << 40 | ordinal`, the ordinal being the last record's position plus
/// one (so the position of the last record is the ordinal less one).
fn legacy_end(text: &str, created_ms: u64) -> Option<Seq> {
    let digits = text.strip_prefix("49").filter(|d| d.len() == 54)?;
    let v: u128 = digits.parse().ok()?;
    let ordinal = (v & ((1 << 40) - 1)) as u64;
    Some(Seq::before(created_ms, (v >> 64) as u64, ((v >> 40) & ((1 << 24) - 1)) as u32, ordinal))
}

impl Shard {
    /// Closes the shard: its ending sequence number is its last record's (the shard's start
    /// for an empty one).
    fn close(&mut self, now: u64) {
        self.closed = Some(Seq::before(self.created_ms, now.max(self.last_ms), self.index, self.next));
    }

    pub fn starting_seq(&self) -> Seq {
        Seq::record(self.created_ms, self.created_ms, self.index, self.first)
    }

    pub fn describe(&self) -> Value {
        let mut range = Map::new();
        range.insert("StartingSequenceNumber".into(), self.starting_seq().to_wire().into());
        if let Some(end) = self.closed {
            range.insert("EndingSequenceNumber".into(), end.to_wire().into());
        }
        let mut o = Map::new();
        o.insert("ShardId".into(), shard_id(self.index).into());
        if let Some(p) = self.parent {
            o.insert("ParentShardId".into(), shard_id(p).into());
        }
        if let Some(p) = self.adjacent_parent {
            o.insert("AdjacentParentShardId".into(), shard_id(p).into());
        }
        o.insert(
            "HashKeyRange".into(),
            json!({"StartingHashKey": self.start.to_string(), "EndingHashKey": self.end.to_string()}),
        );
        o.insert("SequenceNumberRange".into(), Value::Object(range));
        Value::Object(o)
    }
}

/// Why a reshard was refused (the operation words it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReshardError {
    /// No shard of that index.
    NoShard(u32),
    /// The shard is closed already.
    Closed(u32),
    /// The split key is not inside the shard's range (start + 1 < key < end).
    SplitKey(u32),
    /// The two shards' ranges do not meet.
    NotAdjacent(u32, u32),
}

/// An enhanced fan-out consumer registered on a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub name: String,
    pub created_ms: u64,
    /// CREATING, ACTIVE or DELETING.
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

impl Consumer {
    /// `<stream arn>/consumer/<name>:<creation epoch seconds>`.
    pub fn arn(&self, stream_arn: &str) -> String {
        format!("{stream_arn}/consumer/{}:{}", self.name, self.created_ms / 1000)
    }

    /// ListStreamConsumers' and RegisterStreamConsumer's `Consumer`.
    pub fn describe(&self, stream_arn: &str) -> Value {
        json!({
            "ConsumerName": self.name,
            "ConsumerARN": self.arn(stream_arn),
            "ConsumerStatus": self.status,
            "ConsumerCreationTimestamp": self.created_ms as f64 / 1000.0,
        })
    }

    fn to_json(&self) -> Value {
        json!({"name": self.name, "created_ms": self.created_ms, "status": self.status, "tags": self.tags})
    }

    fn from_json(v: &Value) -> Consumer {
        Consumer {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            created_ms: v["created_ms"].as_u64().unwrap_or(0),
            status: v["status"].as_str().unwrap_or("ACTIVE").to_string(),
            tags: serde_json::from_value(v["tags"].clone()).unwrap_or_default(),
        }
    }
}

/// The default record distribution strategy: every record names its partition key.
pub const USER_PARTITION_KEY: &str = "USER_PARTITION_KEY";

/// A stream's stored facts (its records are rows of their own).
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub name: String,
    pub status: String,
    /// PROVISIONED or ON_DEMAND.
    pub mode: String,
    pub retention_hours: i64,
    pub created_ms: u64,
    pub shards: Vec<Shard>,
    pub tags: BTreeMap<String, String>,
    pub max_record_kib: i64,
    /// USER_PARTITION_KEY, or AUTO (ON_DEMAND streams only): records without a partition key
    /// are spread over the open shards.
    pub distribution: String,
    /// Shard-level metrics enabled (EnableEnhancedMonitoring), in AWS's order.
    pub enhanced: Vec<String>,
    /// The KMS key of a stream encrypted by StartStreamEncryption.
    pub key_id: Option<String>,
    /// UpdateStreamWarmThroughput's target (ON_DEMAND streams).
    pub warm_mibps: Option<i64>,
    /// PutResourcePolicy's document.
    pub policy: Option<String>,
    /// Enhanced fan-out consumers, in registration order.
    pub consumers: Vec<Consumer>,
}

impl Stream {
    pub fn arn(&self) -> String {
        stream_arn(&self.account, &self.region, &self.name)
    }

    /// Where the consumer `name` is in `consumers` (of creation time `secs`, when an ARN named it).
    pub fn consumer_at(&self, name: &str, secs: Option<u64>) -> Option<usize> {
        self.consumers.iter().position(|c| c.name == name && secs.is_none_or(|t| t == c.created_ms / 1000))
    }

    pub fn open_shards(&self) -> impl Iterator<Item = &Shard> {
        self.shards.iter().filter(|s| s.closed.is_none())
    }

    fn open_shard(&self, index: u32) -> Result<usize, ReshardError> {
        let at = self.shards.iter().position(|s| s.index == index).ok_or(ReshardError::NoShard(index))?;
        if self.shards[at].closed.is_some() {
            return Err(ReshardError::Closed(index));
        }
        Ok(at)
    }

    /// The position the stream's next record takes, whichever shard it goes to: one count for
    /// the whole stream (AWS's sequence numbers go up by one from put to put across shards).
    pub fn next_position(&self) -> u64 {
        self.shards.iter().map(|s| s.next.max(s.first + 1)).max().unwrap_or(1)
    }

    fn open_child(&mut self, start: u128, end: u128, parents: (Option<u32>, Option<u32>), now: u64) {
        let index = self.shards.iter().map(|s| s.index + 1).max().unwrap_or(0);
        let first = self.next_position();
        self.shards.push(Shard {
            index,
            start,
            end,
            parent: parents.0,
            adjacent_parent: parents.1,
            created_ms: now,
            closed: None,
            first,
            next: first + 1,
            last_ms: now,
        });
    }

    /// SplitShard: closes the shard, opens two children divided at `key`.
    pub fn split(&mut self, index: u32, key: u128, now: u64) -> Result<(), ReshardError> {
        let at = self.open_shard(index)?;
        let (start, end) = (self.shards[at].start, self.shards[at].end);
        if key <= start.saturating_add(1) || key >= end {
            return Err(ReshardError::SplitKey(index));
        }
        self.shards[at].close(now);
        self.open_child(start, key - 1, (Some(index), None), now);
        self.open_child(key, end, (Some(index), None), now);
        Ok(())
    }

    /// MergeShards: closes two shards whose ranges meet, opens one child over both.
    pub fn merge(&mut self, index: u32, adjacent: u32, now: u64) -> Result<(), ReshardError> {
        let (a, b) = (self.open_shard(index)?, self.open_shard(adjacent)?);
        let (x, y) = (&self.shards[a], &self.shards[b]);
        // Directional: the adjacent shard starts where the first ends (recorded: merging
        // shard 1 with shard 0 is refused).
        let (start, end) = if x.end.checked_add(1) == Some(y.start) {
            (x.start, y.end)
        } else {
            return Err(ReshardError::NotAdjacent(index, adjacent));
        };
        self.shards[a].close(now);
        self.shards[b].close(now);
        self.open_child(start, end, (Some(index), Some(adjacent)), now);
        Ok(())
    }

    /// UpdateShardCount with UNIFORM_SCALING: closes every open shard and opens `target`
    /// shards over even ranges; each child's parents are the (first two) closed shards its
    /// range overlaps.
    pub fn rescale(&mut self, target: u32, now: u64) {
        let old: Vec<(u32, u128, u128)> = self.open_shards().map(|s| (s.index, s.start, s.end)).collect();
        for sh in self.shards.iter_mut().filter(|s| s.closed.is_none()) {
            sh.close(now);
        }
        for (start, end) in crate::keys::even_ranges(target) {
            let mut over = old.iter().filter(|(_, s, e)| *s <= end && start <= *e).map(|o| o.0);
            let parents = (over.next(), over.next());
            self.open_child(start, end, parents, now);
        }
    }

    /// GetRecords' ChildShards of a closed shard: the shards opened from it.
    pub fn children_of(&self, index: u32) -> Vec<Value> {
        self.shards
            .iter()
            .filter(|c| c.parent == Some(index) || c.adjacent_parent == Some(index))
            .map(|c| {
                let parents: Vec<String> = c.parent.iter().chain(&c.adjacent_parent).map(|p| shard_id(*p)).collect();
                json!({
                    "ShardId": shard_id(c.index),
                    "ParentShards": parents,
                    "HashKeyRange": {"StartingHashKey": c.start.to_string(), "EndingHashKey": c.end.to_string()},
                })
            })
            .collect()
    }

    /// What records are stored as: KMS once StartStreamEncryption ran, NONE before.
    pub fn encryption_type(&self) -> &'static str {
        if self.key_id.is_some() {
            "KMS"
        } else {
            "NONE"
        }
    }

    fn mode_details(&self) -> Value {
        json!({"StreamMode": self.mode})
    }

    /// StreamDescription's members but the shards.
    fn common(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("StreamName".into(), self.name.clone().into());
        o.insert("StreamARN".into(), self.arn().into());
        o.insert("StreamStatus".into(), self.status.clone().into());
        o.insert("StreamModeDetails".into(), self.mode_details());
        o.insert("RetentionPeriodHours".into(), self.retention_hours.into());
        o.insert("StreamCreationTimestamp".into(), json!(self.created_ms as f64 / 1000.0));
        o.insert("EnhancedMonitoring".into(), json!([{ "ShardLevelMetrics": self.enhanced }]));
        o.insert("EncryptionType".into(), self.encryption_type().into());
        if let Some(key) = &self.key_id {
            o.insert("KeyId".into(), key.clone().into());
        }
        o
    }

    /// DescribeStream's StreamDescription with the shards from `first` on, at most `limit`.
    pub fn describe(&self, shards: &[&Shard], more: bool) -> Value {
        let mut o = self.common();
        o.insert("Shards".into(), shards.iter().map(|s| s.describe()).collect());
        o.insert("HasMoreShards".into(), more.into());
        Value::Object(o)
    }

    /// DescribeStreamSummary's StreamDescriptionSummary.
    pub fn summary(&self) -> Value {
        let mut o = self.common();
        o.insert("OpenShardCount".into(), self.open_shards().count().into());
        o.insert("ConsumerCount".into(), self.consumers.len().into());
        o.insert("MaxRecordSizeInKiB".into(), self.max_record_kib.into());
        o.insert("RecordDistributionStrategy".into(), self.distribution.clone().into());
        if let Some(target) = self.warm_mibps {
            o.insert("WarmThroughput".into(), json!({"TargetMiBps": target, "CurrentMiBps": target}));
        }
        Value::Object(o)
    }

    /// The stored form (everything but the id and the records).
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "mode": self.mode,
            "retention_hours": self.retention_hours,
            "created_ms": self.created_ms,
            "tags": self.tags,
            "max_record_kib": self.max_record_kib,
            "distribution": self.distribution,
            "enhanced": self.enhanced,
            "key_id": self.key_id,
            "warm_mibps": self.warm_mibps,
            "policy": self.policy,
            "consumers": self.consumers.iter().map(Consumer::to_json).collect::<Vec<_>>(),
            "shards": self.shards.iter().map(|s| json!({
                "index": s.index,
                "start": s.start.to_string(),
                "end": s.end.to_string(),
                "parent": s.parent,
                "adjacent_parent": s.adjacent_parent,
                "created_ms": s.created_ms,
                "closed": s.closed.map(|c| c.to_wire()),
                "first": s.first,
                "next": s.next,
                "last_ms": s.last_ms,
            })).collect::<Vec<_>>(),
        })
    }

    /// Reads the stored form back.
    pub fn from_json(id: i64, account: &str, region: &str, name: &str, v: &Value) -> Stream {
        let u128_of = |v: &Value| v.as_str().and_then(|s| s.parse::<u128>().ok()).unwrap_or(0);
        let u32_of = |v: &Value| v.as_u64().map(|n| n as u32);
        let shards = v["shards"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        let (index, created_ms) =
                            (u32_of(&s["index"]).unwrap_or(0), s["created_ms"].as_u64().unwrap_or(0));
                        let closed =
                            s["closed"].as_str().and_then(|c| Seq::parse(c).or_else(|| legacy_end(c, created_ms)));
                        Shard {
                            index,
                            start: u128_of(&s["start"]),
                            end: u128_of(&s["end"]),
                            parent: u32_of(&s["parent"]),
                            adjacent_parent: u32_of(&s["adjacent_parent"]),
                            created_ms,
                            closed,
                            first: s["first"].as_u64().unwrap_or(0),
                            next: s["next"].as_u64().unwrap_or(0),
                            last_ms: s["last_ms"].as_u64().unwrap_or(0),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Stream {
            id,
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            status: v["status"].as_str().unwrap_or("ACTIVE").to_string(),
            mode: v["mode"].as_str().unwrap_or("PROVISIONED").to_string(),
            retention_hours: v["retention_hours"].as_i64().unwrap_or(24),
            created_ms: v["created_ms"].as_u64().unwrap_or(0),
            shards,
            tags: serde_json::from_value(v["tags"].clone()).unwrap_or_default(),
            max_record_kib: v["max_record_kib"].as_i64().unwrap_or(1024),
            distribution: v["distribution"].as_str().unwrap_or(USER_PARTITION_KEY).to_string(),
            enhanced: serde_json::from_value(v["enhanced"].clone()).unwrap_or_default(),
            key_id: v["key_id"].as_str().map(str::to_string),
            warm_mibps: v["warm_mibps"].as_i64(),
            policy: v["policy"].as_str().map(str::to_string),
            consumers: v["consumers"]
                .as_array()
                .map(|a| a.iter().map(Consumer::from_json).collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ids_and_the_stored_form_round_trip() {
        assert_eq!(shard_id(1), "shardId-000000000001");
        assert_eq!(parse_shard_id("shardId-000000000001"), Some(1));
        assert_eq!(parse_shard_id("7"), Some(7));
        assert_eq!(parse_shard_id("shardId-x"), None);
        let s = Stream {
            id: 3,
            account: "000000000000".into(),
            region: "us-east-1".into(),
            name: "s".into(),
            status: "ACTIVE".into(),
            mode: "ON_DEMAND".into(),
            retention_hours: 48,
            created_ms: 1_700_000_000_000,
            shards: vec![Shard {
                index: 2,
                start: 5,
                end: u128::MAX,
                parent: Some(0),
                adjacent_parent: Some(1),
                created_ms: 1_700_000_000_000,
                closed: Some(Seq { created_ms: 1_700_000_000_000, ms: 1_700_000_000_000, shard: 2, position: 9 }),
                first: 3,
                next: 10,
                last_ms: 1_700_000_000_500,
            }],
            tags: [("k".to_string(), "v".to_string())].into(),
            max_record_kib: 2048,
            distribution: "AUTO".into(),
            enhanced: vec!["IncomingBytes".into()],
            key_id: Some("alias/aws/kinesis".into()),
            warm_mibps: Some(10),
            policy: Some("{}".into()),
            consumers: vec![Consumer {
                name: "c".into(),
                created_ms: 1_700_000_000_123,
                status: "ACTIVE".into(),
                tags: [("t".to_string(), "1".to_string())].into(),
            }],
        };
        assert_eq!(Stream::from_json(3, "000000000000", "us-east-1", "s", &s.to_json()), s);
    }
}
