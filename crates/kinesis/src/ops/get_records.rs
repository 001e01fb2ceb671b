//! GetRecords: up to `Limit` (default and most 10,000) records from an iterator's position,
//! within 10 MiB, with the next iterator and how far behind the newest record the reader is.
//! At the end of a closed shard it answers the children and no next iterator.

use crate::error::{KinesisError, KinesisResult};
use crate::page::Page;
use crate::records::{ShardIterator, ITERATOR_LIFETIME_MS};
use crate::stream::shard_id;
use crate::{ops, Kinesis};
use aws_protocol::{Protocol, Response};
use serde_json::Value;
use service::codec::Output;
use service::input::{int_opt, str_opt};

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
    let (tip, created_ms, closed, children, encryption) = {
        let streams = k.streams().read();
        let key = (it.account.clone(), it.region.clone(), it.stream.clone());
        let s = streams.get(&key).filter(|s| s.id == it.stream_id).ok_or_else(gone)?;
        let sh = s.shards.iter().find(|sh| sh.index == it.shard).ok_or_else(gone)?;
        // Only the end of a closed shard names its children.
        let closed = sh.closed.is_some();
        let children = if closed { s.children_of(it.shard) } else { Vec::new() };
        (sh.next, sh.created_ms, closed, children, s.encryption_type())
    };
    ops::refuse_dry_run(&input)?;
    if let Some(t) = k.throttle() {
        if !t.admit_read(it.stream_id, it.shard, now) {
            return Err(KinesisError::rate_exceeded(&shard, &it.stream, &it.account));
        }
    }
    let limit = int_opt(&input, "Limit").map_or(MAX_LIMIT, |l| (l.max(1) as u64).min(MAX_LIMIT));
    let page =
        Page::read(k, it.stream_id, (it.shard, created_ms), it.position, tip, limit, MAX_BYTES, encryption).await?;
    if let Some(t) = k.throttle() {
        t.read(it.stream_id, it.shard, page.bytes as u64, now);
    }
    // Caught up when nothing taken lies beyond what was read.
    let caught_up = page.to >= tip;
    let behind = match page.last_arrival {
        Some(ms) if !caught_up => now.saturating_sub(ms),
        _ => 0,
    };
    let (next, children) = if closed && caught_up {
        (None, children)
    } else {
        (Some(ShardIterator { position: page.to, issued_ms: now, ..it }.encode()), Vec::new())
    };
    k.note_read(it.stream_id, it.shard, page.count, behind);
    let answer = Answer { page, behind, next, children };
    Ok(Output::Encoded(Box::new(move |protocol| answer.encode(protocol))))
}

/// GetRecords' answer: the page, how far behind the newest record the reader is, and the next
/// iterator or (at the end of a closed shard) the children.
struct Answer {
    page: Page,
    behind: u64,
    next: Option<String>,
    children: Vec<Value>,
}

impl Answer {
    fn encode(self, protocol: Protocol) -> Response {
        match protocol {
            Protocol::Cbor11 => Response::ok("application/x-amz-cbor-1.1", self.cbor()),
            p => Response::ok(p.content_type(), self.json()),
        }
    }

    fn json(self) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::with_capacity(self.page.json_capacity());
        out.extend_from_slice(b"{\"Records\":");
        self.page.write_json(&mut out);
        let _ = write!(out, ",\"MillisBehindLatest\":{}", self.behind);
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
        let mut top =
            vec![(text("Records"), self.page.cbor()), (text("MillisBehindLatest"), Cbor::Integer(self.behind.into()))];
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
