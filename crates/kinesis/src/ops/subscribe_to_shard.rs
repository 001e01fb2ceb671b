//! SubscribeToShard: enhanced fan-out. The answer is an event stream
//! (`application/vnd.amazon.eventstream`): an `initial-response` event, then
//! `SubscribeToShardEvent`s carrying the shard's records from the starting position on, each
//! with its ContinuationSequenceNumber (where a new subscription goes on with
//! AFTER_SEQUENCE_NUMBER) and MillisBehindLatest. A reader that has caught up waits for the
//! next put's commit; without records an empty event is sent every 5 seconds. At the end of a
//! closed shard the last event names the children and no continuation, and the stream ends.
//! A subscription lasts 5 minutes; one consumer has one subscription to a shard at a time.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use crate::ops::get_shard_iterator::Start;
use crate::page::Page;
use crate::stream::{parse_shard_id, shard_id};
use crate::{ops, Kinesis};
use aws_protocol::{eventstream, Body, Protocol, RequestContext, Response};
use bytes::Bytes;
use serde_json::Value;
use service::codec::Output;
use service::input::str_opt;
use std::time::Duration;

/// How long a subscription lasts, on the service's clock (the virtual clock ends it too).
pub(crate) const LIFETIME_MS: u64 = 300_000;
/// The longest a subscriber waits without an event.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// An event's cap on records and their bytes.
const EVENT_RECORDS: u64 = 10_000;
const EVENT_BYTES: usize = 1024 * 1024;

/// What a subscription reads from.
struct Subscription {
    k: Kinesis,
    key: crate::StreamKey,
    stream_id: i64,
    consumer: String,
    consumer_ms: u64,
    shard: u32,
    position: u64,
    /// The arrival time of the last record delivered (or the shard's creation).
    last_ms: u64,
}

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Output> {
    let (key, name, _) = ops::consumer_ref(ctx, &input)?;
    let given = str_opt(&input, "ShardId").unwrap_or_default().to_string();
    let (stream_id, consumer_ms, index, next, created_ms) = ops::with_consumer(k, ctx, &input, |s, c| {
        if c.status != "ACTIVE" {
            return Err(KinesisError::in_use(format!(
                "Consumer {} with creation timestamp {} under stream {} and account {} is not in ACTIVE status.",
                c.name,
                c.created_ms / 1000,
                s.name,
                s.account
            )));
        }
        let gone = || KinesisError::shard_not_found(&given, &s.name, &s.account);
        let index = parse_shard_id(&given).ok_or_else(gone)?;
        let sh = s.shards.iter().find(|sh| sh.index == index).ok_or_else(gone)?;
        Ok((s.id, c.created_ms, index, sh.next, sh.created_ms))
    })?;
    let at = &input["StartingPosition"];
    let start = Start {
        operation: "SubscribeToShard",
        stream_id,
        index,
        name: &key.2,
        account: &key.0,
        next,
        created_ms,
        kind: str_opt(at, "Type").unwrap_or_default(),
        sequence: str_opt(at, "SequenceNumber"),
        timestamp: at["Timestamp"].as_f64(),
    };
    let position = start.position(k).await?;
    ops::refuse_dry_run(&input)?;
    let claim = (stream_id, name.clone(), index);
    if !k.subscriptions().lock().insert(claim) {
        return Err(KinesisError::in_use(format!(
            "Another active subscription exists for this consumer: {}:{}:{}:{name}",
            key.0,
            key.2,
            shard_id(index)
        )));
    }
    let sub = Subscription {
        k: k.clone(),
        key,
        stream_id,
        consumer: name,
        consumer_ms,
        shard: index,
        position,
        last_ms: created_ms,
    };
    Ok(Output::Encoded(Box::new(move |protocol| {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::spawn(sub.run(protocol, tx));
        Response {
            status: 200,
            content_type: "application/vnd.amazon.eventstream",
            headers: Vec::new(),
            body: Body::Stream(rx),
        }
    })))
}

/// What the subscription's shard looks like now.
enum Shard {
    /// The shard's next position, whether it is closed, and its children then.
    Live { tip: u64, created_ms: u64, closed: bool, children: Vec<Value>, encryption: &'static str },
    /// The stream, the consumer or the shard is gone.
    Gone(KinesisError),
}

impl Subscription {
    fn shard_now(&self) -> Shard {
        let streams = self.k.streams().read();
        let Some(s) = streams.get(&self.key).filter(|s| s.id == self.stream_id) else {
            return Shard::Gone(KinesisError::stream_not_found(&self.key.2, &self.key.0));
        };
        if !s.consumers.iter().any(|c| c.name == self.consumer && c.created_ms == self.consumer_ms) {
            return Shard::Gone(KinesisError::not_found(format!("Consumer {} not found.", self.consumer)));
        }
        let Some(sh) = s.shards.iter().find(|sh| sh.index == self.shard) else {
            return Shard::Gone(KinesisError::shard_not_found(&shard_id(self.shard), &s.name, &s.account));
        };
        let closed = sh.closed.is_some();
        Shard::Live {
            tip: sh.next,
            created_ms: sh.created_ms,
            closed,
            children: if closed { s.children_of(self.shard) } else { Vec::new() },
            encryption: s.encryption_type(),
        }
    }

    /// Streams events into `tx` until the lifetime ends, the shard ends, or the reader goes.
    async fn run(mut self, protocol: Protocol, tx: tokio::sync::mpsc::Sender<Bytes>) {
        let deadline_ms = self.k.now_ms() + LIFETIME_MS;
        let mut wakes = self.k.watch_wakes();
        let mut closing = self.k.watch_closing();
        let json = protocol != Protocol::Cbor11;
        let content_type = if json { "application/json" } else { "application/x-amz-cbor-1.1" };
        let empty: &[u8] = if json { b"{}" } else { &[0xa0] };
        if tx.send(eventstream::event("initial-response", content_type, empty)).await.is_err() {
            return self.release();
        }
        let mut last_event = tokio::time::Instant::now();
        loop {
            wakes.borrow_and_update();
            let (tip, created_ms, closed, children, encryption) = match self.shard_now() {
                Shard::Live { tip, created_ms, closed, children, encryption } => {
                    (tip, created_ms, closed, children, encryption)
                }
                Shard::Gone(e) => {
                    let e = e.to_aws();
                    let payload = if json {
                        serde_json::to_vec(&serde_json::json!({"message": e.message})).unwrap_or_default()
                    } else {
                        aws_protocol::cbor::encode(None, None, &serde_json::json!({"message": e.message}))
                    };
                    let _ = tx.send(eventstream::exception(&e.code, content_type, &payload)).await;
                    return self.release();
                }
            };
            let page = Page::read(
                &self.k,
                self.stream_id,
                (self.shard, created_ms),
                self.position,
                tip,
                EVENT_RECORDS,
                EVENT_BYTES,
                encryption,
            )
            .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("kinesis: SubscribeToShard could not read: {e:?}");
                    let payload = br#"{"message":"Internal service failure."}"#;
                    let _ = tx.send(eventstream::exception("InternalFailureException", content_type, payload)).await;
                    return self.release();
                }
            };
            let now = self.k.now_ms();
            let ended = closed && page.to >= tip;
            if page.count > 0 || ended || last_event.elapsed() >= HEARTBEAT {
                if let Some(ms) = page.last_arrival {
                    self.last_ms = ms;
                }
                self.position = page.to;
                let behind = match page.last_arrival {
                    Some(ms) if page.to < tip => now.saturating_sub(ms),
                    _ => 0,
                };
                self.k.note_read(self.stream_id, self.shard, page.count, behind);
                let continuation = (!ended).then(|| Seq::before(created_ms, self.last_ms, self.shard, self.position));
                let payload = event_payload(&page, continuation, behind, ended.then_some(children), json);
                if tx.send(eventstream::event("SubscribeToShardEvent", content_type, &payload)).await.is_err() {
                    return self.release();
                }
                last_event = tokio::time::Instant::now();
                if ended {
                    return self.release();
                }
                if page.count > 0 {
                    continue;
                }
            }
            // Caught up: wait for the next put or clock move, the heartbeat, or the reader
            // going away; then end if the lifetime is over.
            let wake = last_event + HEARTBEAT;
            tokio::select! {
                _ = wakes.changed() => {}
                _ = tokio::time::sleep_until(wake) => {}
                _ = tx.closed() => return self.release(),
                _ = closing.wait_for(|c| *c) => return self.release(),
            }
            if self.k.now_ms() >= deadline_ms {
                return self.release();
            }
        }
    }

    fn release(self) {
        self.k.subscriptions().lock().remove(&(self.stream_id, self.consumer.clone(), self.shard));
    }
}

/// A SubscribeToShardEvent: the records, the continuation (none at the end of a closed
/// shard), how far behind, and the children at the end.
fn event_payload(
    page: &Page,
    continuation: Option<Seq>,
    behind: u64,
    children: Option<Vec<Value>>,
    json: bool,
) -> Vec<u8> {
    if json {
        use std::io::Write;
        let mut out = Vec::with_capacity(page.json_capacity());
        out.extend_from_slice(b"{\"Records\":");
        page.write_json(&mut out);
        if let Some(c) = continuation {
            let _ = write!(out, ",\"ContinuationSequenceNumber\":\"{}\"", c.to_wire());
        }
        let _ = write!(out, ",\"MillisBehindLatest\":{behind}");
        if let Some(children) = children {
            out.extend_from_slice(b",\"ChildShards\":");
            let _ = serde_json::to_writer(&mut out, &children);
        }
        out.push(b'}');
        out
    } else {
        use ciborium::value::Value as Cbor;
        let text = |s: &str| Cbor::Text(s.to_string());
        let mut top = vec![(text("Records"), page.cbor())];
        if let Some(c) = continuation {
            top.push((text("ContinuationSequenceNumber"), Cbor::Text(c.to_wire())));
        }
        top.push((text("MillisBehindLatest"), Cbor::Integer(behind.into())));
        if let Some(children) = children {
            top.push((text("ChildShards"), aws_protocol::cbor::from_json(None, None, &Value::Array(children))));
        }
        let mut out = Vec::new();
        let _ = ciborium::ser::into_writer(&Cbor::Map(top), &mut out);
        out
    }
}
