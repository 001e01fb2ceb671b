//! PutRecords (and PutRecord, one record of the same path): each record goes to the open
//! shard whose hash key range holds MD5(partition key) or its ExplicitHashKey; under the AUTO
//! distribution a record without a key goes to the next open shard in turn. A call's records
//! for one shard are stored as one chunk with consecutive positions, in request order, in one
//! store transaction: when the call answers, every record it reports is stored.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::{hash_key, parse_hash_key, Seq};
use crate::persist::{self, NewChunk};
use crate::queues::RecordRef;
use crate::records::ChunkWriter;
use crate::stream::shard_id;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::str_opt;
use sqs::enqueue::{CopiesApply, CopiesRequest, CopiesWrite};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// PutRecords' cap on a call's data and partition keys together (10 MiB).
const MAX_CALL_BYTES: usize = 10 * 1024 * 1024;

/// One record to put, decoded and checked.
pub(crate) struct Entry {
    key: Option<String>,
    /// The hash key that places it (`None`: AUTO distribution, no key).
    hash: Option<u128>,
    data: Vec<u8>,
}

impl Entry {
    /// Reads a record's members (PutRecord's input, or an entry of PutRecords').
    ///
    /// Errors: `SerializationException` for Data that is not base64; `InvalidArgumentException`
    /// for an ExplicitHashKey outside the key space.
    pub(crate) fn read(v: &Value) -> KinesisResult<Entry> {
        let data = match v.get("Data") {
            Some(Value::String(s)) => {
                B64.decode(s).map_err(|_| KinesisError::serialization("Base64 decoding of Data failed."))?
            }
            _ => Vec::new(),
        };
        let key = str_opt(v, "PartitionKey").map(str::to_string);
        let hash = match str_opt(v, "ExplicitHashKey") {
            Some(text) => Some(parse_hash_key(text).ok_or_else(|| {
                KinesisError::invalid_argument(format!(
                    "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {text}"
                ))
            })?),
            None => key.as_deref().map(hash_key),
        };
        Ok(Entry { key, hash, data })
    }

    fn size(&self) -> usize {
        self.data.len() + self.key.as_ref().map_or(0, String::len)
    }
}

/// Where a stored record went.
pub(crate) struct Placed {
    pub shard: u32,
    pub seq: Seq,
}

/// Puts `entries` into the stream the input names; answers each record's place (or the shard
/// whose throughput it exceeded), in order, and the stream's encryption type.
///
/// Errors: the stream does not exist (or is not ACTIVE/UPDATING); a record without a
/// partition key on a USER_PARTITION_KEY stream; a record over the stream's maximum record
/// size; the store failed.
pub(crate) async fn put(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    entries: Vec<Entry>,
) -> KinesisResult<(Vec<Result<Placed, u32>>, &'static str)> {
    let key = ops::stream_key(ctx, input)?;
    let (pending, placed, encryption, put_into) = {
        let mut streams = k.streams().write();
        let s = streams.get_mut(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
        let put_into = s.id;
        if s.status != "ACTIVE" && s.status != "UPDATING" {
            return Err(KinesisError::stream_not_found(&key.2, &key.0));
        }
        let max_record = s.max_record_kib as usize * 1024;
        for e in &entries {
            if e.hash.is_none() && s.distribution != "AUTO" {
                return Err(KinesisError::invalid_argument(
                    "PartitionKey is required for streams with the USER_PARTITION_KEY record distribution strategy.",
                ));
            }
            if e.size() > max_record {
                return Err(KinesisError::invalid_argument(format!(
                    "Record size {} exceeds the stream's maximum record size of {} KiB.",
                    e.size(),
                    s.max_record_kib
                )));
            }
        }
        // Open shards in hash key order; AUTO records without a key take them in turn.
        let mut open: Vec<usize> = (0..s.shards.len()).filter(|&i| s.shards[i].closed.is_none()).collect();
        open.sort_by_key(|&i| s.shards[i].start);
        let now = k.now_ms();
        let mut turn = (now as usize).wrapping_add(entries.len());
        let mut writers: Vec<(usize, ChunkWriter)> = Vec::new();
        // Each entry's shard and place in its chunk; `None` when the shard's throughput is
        // used up (`--kinesis-enforce-limits`).
        let mut routes = Vec::with_capacity(entries.len());
        for e in &entries {
            let at = match e.hash {
                Some(h) => open.partition_point(|&i| s.shards[i].end < h).min(open.len().saturating_sub(1)),
                None => {
                    turn = turn.wrapping_add(1);
                    turn % open.len().max(1)
                }
            };
            let shard_at = open[at];
            if let Some(t) = k.throttle() {
                if !t.admit_put(s.id, s.shards[shard_at].index, e.size() as u64, now) {
                    routes.push(Err(s.shards[shard_at].index));
                    continue;
                }
            }
            let w = match writers.iter().position(|(i, _)| *i == shard_at) {
                Some(w) => w,
                None => {
                    writers.push((shard_at, ChunkWriter::default()));
                    writers.len() - 1
                }
            };
            let position_in_chunk = writers[w].1.count;
            writers[w].1.push(e.key.as_deref(), &e.data);
            routes.push(Ok((shard_at, position_in_chunk)));
        }
        // One arrival time for the call, never before any of its shards' last one.
        let arrival = writers.iter().map(|(i, _)| s.shards[*i].last_ms).fold(now, u64::max);
        let mut chunks = Vec::with_capacity(writers.len());
        let mut firsts = vec![0u64; s.shards.len()];
        // One count for the stream: each shard's records take the next positions in turn.
        let mut position = s.next_position();
        for (i, w) in writers {
            let sh = &mut s.shards[i];
            firsts[i] = position;
            position += w.count;
            sh.next = position;
            sh.last_ms = arrival;
            chunks.push(NewChunk { shard: sh.index, first: firsts[i], count: w.count, blob: w.blob });
        }
        let placed: Vec<Result<Placed, u32>> = routes
            .into_iter()
            .map(|r| {
                r.map(|(i, offset)| {
                    let (shard, created_ms) = (s.shards[i].index, s.shards[i].created_ms);
                    Placed { shard, seq: Seq::record(created_ms, arrival, shard, firsts[i] + offset) }
                })
            })
            .collect();
        let stream_id = s.id;
        let encryption = s.encryption_type();
        // The stream's queues (usually none) take every stored record, in the same transaction.
        let targets = k.queue_targets(stream_id);
        let copies = if targets.is_empty() {
            None
        } else {
            let refs: Vec<RecordRef> = placed
                .iter()
                .filter_map(|p| p.as_ref().ok())
                .map(|p| RecordRef {
                    stream_id,
                    shard: p.shard,
                    position: p.seq.at_position(),
                    arrival_ms: arrival,
                    created_ms: p.seq.created_ms,
                })
                .collect();
            enqueue_refs(k, &targets, &refs, &s.account)
        };
        let (write, apply) = copies.unzip();
        let pending = (!chunks.is_empty()).then(|| {
            k.store().submit_with_hook(
                move |t| {
                    persist::insert_chunks(t, stream_id, arrival, &chunks)?;
                    match &write {
                        Some(w) => w.persist(t),
                        None => Ok(()),
                    }
                },
                move |ok| {
                    if let Some(a) = apply {
                        a.apply(ok);
                    }
                },
            )
        });
        (pending, placed, encryption, put_into)
    };
    if let Some(pending) = pending {
        pending.await?;
        k.wake_readers();
        let mut per_shard: Vec<(u32, u64)> = Vec::new();
        for p in placed.iter().flatten() {
            match per_shard.iter_mut().find(|(s, _)| *s == p.shard) {
                Some((_, n)) => *n += 1,
                None => per_shard.push((p.shard, 1)),
            }
        }
        for (shard, n) in per_shard {
            k.note_put(put_into, shard, n);
        }
    }
    Ok((placed, encryption))
}

/// Prepares each record's message for all of `targets` (a stream's queues) as SQS copies: one
/// stored row per record however many queues the stream has. Answers what to store in the
/// caller's transaction and what to apply after its commit (None: nothing to enqueue).
pub(crate) fn enqueue_refs(
    k: &Kinesis,
    targets: &[String],
    refs: &[RecordRef],
    account: &str,
) -> Option<(CopiesWrite, CopiesApply)> {
    let sqs = k.sqs()?;
    if refs.is_empty() {
        return None;
    }
    let queues: Vec<_> = targets
        .iter()
        .filter_map(|arn| {
            let q = sqs.queue_by_arn(arn);
            if q.is_none() {
                tracing::warn!("kinesis: the SQS queue {arn} of a stream queue is gone");
            }
            q
        })
        .collect();
    if queues.is_empty() {
        return None;
    }
    let messages = refs
        .iter()
        .map(|r| {
            let request = CopiesRequest { body: r.encode(), sender_id: account.to_string(), ..Default::default() };
            (request, queues.clone())
        })
        .collect();
    let (results, write, apply) = sqs.prepare_copies(messages);
    if let Some(e) = results.iter().flatten().find_map(|r| r.as_ref().err()) {
        tracing::warn!("kinesis: enqueueing a record's place: {e}");
    }
    Some((write, apply))
}

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::refuse_dry_run(&input)?;
    let list = input["Records"].as_array().map(Vec::as_slice).unwrap_or_default();
    let entries = list.iter().map(Entry::read).collect::<KinesisResult<Vec<_>>>()?;
    let total: usize = entries.iter().map(Entry::size).sum();
    if total > MAX_CALL_BYTES {
        return Err(KinesisError::invalid_argument(format!(
            "Records size exceeds 10 MB limit. Total size of the records in the request was {total} bytes."
        )));
    }
    let (placed, encryption) = put(k, ctx, &input, entries).await?;
    let (name, account) = ops::stream_key(ctx, &input).map(|k| (k.2, k.0))?;
    let failed = placed.iter().filter(|p| p.is_err()).count();
    let records: Vec<Value> = placed
        .iter()
        .map(|p| match p {
            Ok(p) => json!({"SequenceNumber": p.seq.to_wire(), "ShardId": shard_id(p.shard)}),
            Err(shard) => json!({
                "ErrorCode": "ProvisionedThroughputExceededException",
                "ErrorMessage": KinesisError::rate_exceeded(&shard_id(*shard), &name, &account).message(),
            }),
        })
        .collect();
    Ok(json!({"FailedRecordCount": failed, "Records": records, "EncryptionType": encryption}))
}
