//! GetRecords: up to `Limit` (default and most 10,000) records from an iterator's position,
//! within 10 MiB, with the next iterator and how far behind the newest record the reader is.
//! At the end of a closed shard it answers the children and no next iterator.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use crate::records::{decode_chunk, ShardIterator, StoredRecord, ITERATOR_LIFETIME_MS};
use crate::stream::shard_id;
use crate::{ops, persist, Kinesis};
use aws_protocol::{Protocol, Response};
use base64::Engine;
use serde_json::Value;
use service::codec::Output;
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// GetRecords' cap on the records' data and partition keys (10 MiB).
const MAX_BYTES: usize = 10 * 1024 * 1024;
const MAX_LIMIT: u64 = 10_000;

pub(crate) async fn handle(k: &Kinesis, input: Value) -> KinesisResult<Output> {
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
    let (tip, closed, children, encryption) = {
        let streams = k.streams().read();
        let key = (it.account.clone(), it.region.clone(), it.stream.clone());
        let s = streams.get(&key).filter(|s| s.id == it.stream_id).ok_or_else(gone)?;
        let sh = s.shards.iter().find(|sh| sh.index == it.shard).ok_or_else(gone)?;
        // Only the end of a closed shard names its children.
        let closed = sh.closed.is_some();
        let children = if closed { s.children_of(it.shard) } else { Vec::new() };
        (sh.next, closed, children, s.encryption_type())
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
    // Which records this page holds: positions `from..next`, decided without copying them.
    let (mut count, mut bytes, mut next, mut last_arrival) = (0u64, 0usize, from, None);
    'chunks: for chunk in &chunks {
        for r in decode_chunk(chunk.first, &chunk.blob).filter(|r| r.position >= from) {
            if count >= limit || (count > 0 && bytes + r.size() > MAX_BYTES) {
                break 'chunks;
            }
            bytes += r.size();
            count += 1;
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
    let (next_iterator, children) = if closed && caught_up {
        (None, children)
    } else {
        (Some(ShardIterator { position: next, issued_ms: now, ..it }.encode()), Vec::new())
    };
    let page =
        Page { chunks, shard: index, from, to: next, count, bytes, behind, next: next_iterator, children, encryption };
    Ok(Output::Encoded(Box::new(move |protocol| page.encode(protocol))))
}

/// GetRecords' answer, written straight from the stored chunks into the body of the call's
/// protocol: a page of 10,000 records is megabytes, and an intermediate JSON value of it cost
/// more than reading it.
struct Page {
    chunks: Vec<persist::Chunk>,
    shard: u32,
    /// The page holds positions `from..to`.
    from: u64,
    to: u64,
    count: u64,
    bytes: usize,
    behind: u64,
    next: Option<String>,
    children: Vec<Value>,
    encryption: &'static str,
}

impl Page {
    fn encode(self, protocol: Protocol) -> Response {
        match protocol {
            Protocol::Cbor11 => Response::ok("application/x-amz-cbor-1.1", self.cbor()),
            p => Response::ok(p.content_type(), self.json()),
        }
    }

    /// The page's records with their chunk's arrival time.
    fn records(&self) -> impl Iterator<Item = (u64, StoredRecord<'_>)> {
        let (from, to) = (self.from, self.to);
        self.chunks.iter().flat_map(move |c| {
            decode_chunk(c.first, &c.blob)
                .filter(move |r| r.position >= from && r.position < to)
                .map(|r| (c.arrival_ms, r))
        })
    }

    fn seq(&self, arrival_ms: u64, position: u64) -> String {
        Seq { ms: arrival_ms, shard: self.shard, position }.to_wire()
    }

    fn json(self) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::with_capacity(self.bytes * 4 / 3 + self.count as usize * 200 + 1024);
        out.extend_from_slice(b"{\"Records\":[");
        for (i, (arrival_ms, r)) in self.records().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Sequence numbers are digits and base64 needs no escaping; the key may.
            let _ = write!(
                out,
                "{{\"SequenceNumber\":\"{}\",\"ApproximateArrivalTimestamp\":{}.{:03},\"Data\":\"",
                self.seq(arrival_ms, r.position),
                arrival_ms / 1000,
                arrival_ms % 1000
            );
            let at = out.len();
            out.resize(at + base64::encoded_len(r.data.len(), true).unwrap_or(0), 0);
            let n = B64.encode_slice(r.data, &mut out[at..]).unwrap_or(0);
            out.truncate(at + n);
            out.extend_from_slice(b"\"");
            if let Some(key) = r.partition_key {
                out.extend_from_slice(b",\"PartitionKey\":");
                let _ = serde_json::to_writer(&mut out, key);
            }
            let _ = write!(out, ",\"EncryptionType\":\"{}\"}}", self.encryption);
        }
        let _ = write!(out, "],\"MillisBehindLatest\":{}", self.behind);
        if let Some(next) = &self.next {
            out.extend_from_slice(b",\"NextShardIterator\":");
            let _ = serde_json::to_writer(&mut out, next);
        } else {
            out.extend_from_slice(b",\"ChildShards\":");
            let _ = serde_json::to_writer(&mut out, &self.children);
        }
        out.push(b'}');
        out
    }

    fn cbor(self) -> Vec<u8> {
        use ciborium::value::Value as Cbor;
        let text = |s: &str| Cbor::Text(s.to_string());
        let records = self
            .records()
            .map(|(arrival_ms, r)| {
                let mut m = vec![
                    (text("SequenceNumber"), Cbor::Text(self.seq(arrival_ms, r.position))),
                    (text("ApproximateArrivalTimestamp"), Cbor::Tag(1, Box::new(Cbor::Integer(arrival_ms.into())))),
                    (text("Data"), Cbor::Bytes(r.data.to_vec())),
                    (text("EncryptionType"), text(self.encryption)),
                ];
                if let Some(k) = r.partition_key {
                    m.push((text("PartitionKey"), text(k)));
                }
                Cbor::Map(m)
            })
            .collect();
        let mut top = vec![
            (text("Records"), Cbor::Array(records)),
            (text("MillisBehindLatest"), Cbor::Integer(self.behind.into())),
        ];
        match self.next {
            Some(next) => top.push((text("NextShardIterator"), Cbor::Text(next))),
            None => {
                top.push((text("ChildShards"), aws_protocol::cbor::from_json(None, None, &Value::Array(self.children))))
            }
        }
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = ciborium::ser::into_writer(&Cbor::Map(top), &mut out);
        out
    }
}
