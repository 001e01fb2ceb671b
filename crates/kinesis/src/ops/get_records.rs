//! GetRecords: up to `Limit` (default and most 10,000) records from an iterator's position,
//! within 10 MiB, with the next iterator and how far behind the newest record the reader is.
//! At the end of a closed shard it answers the children and no next iterator.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use crate::records::{decode_chunk, ShardIterator, ITERATOR_LIFETIME_MS};
use crate::stream::shard_id;
use crate::{ops, persist, Kinesis};
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// GetRecords' cap on the records' data and partition keys (10 MiB).
const MAX_BYTES: usize = 10 * 1024 * 1024;
const MAX_LIMIT: u64 = 10_000;

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Value> {
    let text = str_opt(&input, "ShardIterator").unwrap_or_default();
    let Some(it) = ShardIterator::decode(text) else {
        return Err(KinesisError::invalid_argument("Invalid ShardIterator."));
    };
    let now = k.now_ms();
    if now.saturating_sub(it.issued_ms) > ITERATOR_LIFETIME_MS {
        return Err(KinesisError::iterator_expired(it.issued_ms, now, ITERATOR_LIFETIME_MS));
    }
    let shard = shard_id(it.shard);
    let gone = || KinesisError::shard_not_found(&shard, &it.stream, &it.account);
    // The shard's tip (positions below it are taken), whether it is closed, and its children.
    let (tip, closed, children) = {
        let streams = k.streams().read();
        let key = (it.account.clone(), it.region.clone(), it.stream.clone());
        let s = streams.get(&key).filter(|s| s.id == it.stream_id).ok_or_else(gone)?;
        let sh = s.shards.iter().find(|sh| sh.index == it.shard).ok_or_else(gone)?;
        let children: Vec<Value> = s
            .shards
            .iter()
            .filter(|c| c.parent == Some(it.shard) || c.adjacent_parent == Some(it.shard))
            .map(|c| {
                let parents: Vec<String> =
                    c.parent.iter().chain(c.adjacent_parent.iter()).map(|p| shard_id(*p)).collect();
                json!({
                    "ShardId": shard_id(c.index),
                    "ParentShards": parents,
                    "HashKeyRange": {"StartingHashKey": c.start.to_string(), "EndingHashKey": c.end.to_string()},
                })
            })
            .collect();
        (sh.next, sh.closed.is_some(), children)
    };
    ops::refuse_dry_run(&input)?;
    let limit = int_opt(&input, "Limit").map_or(MAX_LIMIT, |l| (l.max(1) as u64).min(MAX_LIMIT));
    let (stream_id, index, from) = (it.stream_id, it.shard, it.position);
    let chunks = if from < tip {
        // Read chunks until they hold `limit` records or the byte cap from `from` on.
        k.store()
            .read(move |c| {
                let (mut records, mut bytes) = (0u64, 0usize);
                persist::read_chunks(c, stream_id, index, from, |chunk| {
                    records += chunk.count - from.saturating_sub(chunk.first).min(chunk.count);
                    bytes += chunk.blob.len();
                    records < limit && bytes < MAX_BYTES
                })
            })
            .await?
    } else {
        Vec::new()
    };
    let (mut out, mut bytes, mut next, mut last_arrival) = (Vec::new(), 0usize, from, None);
    'chunks: for chunk in &chunks {
        for r in decode_chunk(chunk.first, &chunk.blob).filter(|r| r.position >= from) {
            if out.len() as u64 >= limit || (!out.is_empty() && bytes + r.size() > MAX_BYTES) {
                break 'chunks;
            }
            bytes += r.size();
            let mut rec = json!({
                "SequenceNumber": Seq { ms: chunk.arrival_ms, shard: index, position: r.position }.to_wire(),
                "ApproximateArrivalTimestamp": chunk.arrival_ms as f64 / 1000.0,
                "Data": B64.encode(r.data),
                "EncryptionType": "NONE",
            });
            if let Some(key) = r.partition_key {
                rec["PartitionKey"] = key.into();
            }
            out.push(rec);
            next = r.position + 1;
            last_arrival = Some(chunk.arrival_ms);
        }
    }
    // Caught up when nothing taken lies beyond what was read.
    let caught_up = next >= tip;
    let behind = match last_arrival {
        Some(ms) if !caught_up => now.saturating_sub(ms),
        _ => 0,
    };
    let mut answer = json!({ "Records": out, "MillisBehindLatest": behind });
    if closed && caught_up {
        answer["ChildShards"] = children.into();
    } else {
        let it = ShardIterator { position: next, issued_ms: now, ..it };
        answer["NextShardIterator"] = it.encode().into();
    }
    Ok(answer)
}
