//! Stream queues (2026): at-least-once delivery of an ON_DEMAND stream's records to queue
//! consumers, on SQS's engine. Each stream queue is a pair of SQS queues in an account of its
//! own that no client can name (`kinesis-queues`): `kq-<id>` carries one message per record
//! (the record's place, `stream.shard.position.arrival`; the record itself stays in the
//! stream's chunks and is read at receive time) with the queue's visibility timeout, and
//! `kq-<id>-dlq` takes what was received MaxReceiveCount times (SQS's redrive). Receipt
//! handles, visibility timeouts, long polling and the dead-letter path are SQS's; a record the
//! stream no longer keeps is dropped when it comes up. Records are enqueued in the put's own
//! store transaction, as SQS copies (one stored row per record for all the stream's queues):
//! when PutRecord(s) answers, every queue of the stream holds them.

use crate::attachment::{Attached, Attachment};
use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use serde_json::{json, Value};
use sqs::door::{DoorError, Outgoing, QueueAt, QueueSettings, ReceiveOptions, Redrive};

/// The account the queues' SQS queues live in: not 12 digits, so no client's key selects it.
pub const INTERNAL_ACCOUNT: &str = "kinesis-queues";

/// Default visibility timeout, in seconds.
pub const DEFAULT_VISIBILITY: i64 = 30;
/// Default MaxReceiveCount of the built-in dead-letter handling.
pub const DEFAULT_MAX_RECEIVE: i64 = 6;
/// SQS keeps a message at most 14 days; the stream's retention trims records before that.
const SQS_RETENTION_SECONDS: u32 = 1_209_600;

/// A stream queue's stored facts.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamQueue {
    pub base: Attachment,
    pub visibility: i64,
    /// The built-in dead-letter handling's MaxReceiveCount; `None`: TargetType NONE.
    pub max_receive: Option<i64>,
    /// StartingPosition as given (LATEST when none was).
    pub starting: Value,
}

impl std::ops::Deref for StreamQueue {
    type Target = Attachment;
    fn deref(&self) -> &Attachment {
        &self.base
    }
}

impl std::ops::DerefMut for StreamQueue {
    fn deref_mut(&mut self) -> &mut Attachment {
        &mut self.base
    }
}

impl StreamQueue {
    pub fn arn(&self) -> String {
        format!("arn:aws:kinesis:{}:{}:queue/{}", self.region, self.account, self.id)
    }

    /// The SQS queue of its records, or of its dead-letter records.
    pub fn sqs_name(&self, dead: bool) -> String {
        if dead {
            format!("kq-{}-dlq", self.id)
        } else {
            format!("kq-{}", self.id)
        }
    }

    pub fn sqs_arn(&self, dead: bool) -> String {
        format!("arn:aws:sqs:{}:{INTERNAL_ACCOUNT}:{}", self.region, self.sqs_name(dead))
    }

    /// Where its SQS queue (or dead-letter queue) is.
    pub fn sqs_at(&self, dead: bool) -> QueueAt {
        QueueAt::new(INTERNAL_ACCOUNT, &self.region, &self.sqs_name(dead))
    }

    pub fn attributes(&self) -> Value {
        let dlq = match self.max_receive {
            Some(n) => json!({"TargetType": "BUILT_IN", "MaxReceiveCount": n}),
            None => json!({"TargetType": "NONE"}),
        };
        json!({"VisibilityTimeoutSeconds": self.visibility, "DeadLetterConfiguration": dlq})
    }

    /// QueueDescription.
    pub fn describe(&self) -> Value {
        json!({
            "QueueName": self.name,
            "QueueARN": self.arn(),
            "QueueStatus": self.status,
            "QueueCreationTimestamp": self.created_ms as f64 / 1000.0,
            "StreamConfigurationList": [{"StreamARN": self.stream_arn(), "StartingPosition": self.starting}],
            "QueueAttributes": self.attributes(),
        })
    }

    /// ListQueues' QueueSummary.
    pub fn summary(&self) -> Value {
        json!({
            "QueueName": self.name,
            "QueueARN": self.arn(),
            "QueueStatus": self.status,
            "QueueCreationTimestamp": self.created_ms as f64 / 1000.0,
            "Streams": [self.stream_identifier()],
        })
    }

    /// The settings of its SQS queues: the visibility timeout, and on the records' queue the
    /// redrive into the dead-letter queue.
    pub fn sqs_settings(&self, dead: bool) -> QueueSettings {
        QueueSettings {
            visibility_timeout_seconds: Some(self.visibility as u32),
            retention_seconds: Some(SQS_RETENTION_SECONDS),
            redrive: (!dead).then(|| {
                self.max_receive.map(|n| Redrive { dead_letter_arn: self.sqs_arn(true), max_receive_count: n as u32 })
            }),
            ..QueueSettings::default()
        }
    }

    pub fn to_json(&self) -> Value {
        self.base
            .to_json(json!({"visibility": self.visibility, "max_receive": self.max_receive, "starting": self.starting}))
    }

    pub fn from_json(v: &Value) -> Option<StreamQueue> {
        Some(StreamQueue {
            base: Attachment::from_json(v)?,
            visibility: v["visibility"].as_i64().unwrap_or(DEFAULT_VISIBILITY),
            max_receive: v["max_receive"].as_i64(),
            starting: v["starting"].clone(),
        })
    }
}

impl Attached for StreamQueue {
    fn arn(&self) -> String {
        StreamQueue::arn(self)
    }

    fn label(&self) -> String {
        format!("Queue {}", self.arn())
    }

    fn all(k: &Kinesis) -> &parking_lot::RwLock<std::collections::BTreeMap<String, Self>> {
        k.queues()
    }

    fn save(&self, t: &store::rusqlite::Transaction<'_>) -> store::Result<()> {
        persist::save_queue(t, self)
    }

    /// Its SQS queues go with it.
    fn remove(self, k: Kinesis) -> service::BoxFuture<'static, KinesisResult<()>> {
        Box::pin(async move {
            for dead in [false, true] {
                if let Some(sqs) = k.sqs() {
                    let _ = sqs.delete_queue_at(&self.sqs_at(dead)).await;
                }
            }
            let arn = self.arn();
            k.queues().write().remove(&arn);
            k.store().submit(move |t| persist::delete_queue(t, &arn)).await?;
            Ok(())
        })
    }
}

/// Reads QueueAttributes into (visibility, max receive count), from `base`.
///
/// Errors: InvalidArgumentException for BUILT_IN without MaxReceiveCount (wording chosen).
pub fn read_attributes(attributes: &Value, base: (i64, Option<i64>)) -> KinesisResult<(i64, Option<i64>)> {
    let visibility = attributes["VisibilityTimeoutSeconds"].as_i64().unwrap_or(base.0);
    let dlq = &attributes["DeadLetterConfiguration"];
    let max_receive = match dlq["TargetType"].as_str() {
        None => base.1,
        Some("NONE") => None,
        Some(_) => Some(dlq["MaxReceiveCount"].as_i64().ok_or_else(|| {
            KinesisError::invalid_argument("MaxReceiveCount is required when TargetType is BUILT_IN.")
        })?),
    };
    Ok((visibility, max_receive))
}

/// Where a record lies: what a queue's SQS message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef {
    pub stream_id: i64,
    pub shard: u32,
    pub position: u64,
    pub arrival_ms: u64,
    /// The shard's creation (its sequence numbers carry it).
    pub created_ms: u64,
}

impl RecordRef {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}.{}.{}", self.stream_id, self.shard, self.position, self.arrival_ms, self.created_ms)
    }

    /// Reads [`encode`](Self::encode)'s text (or the four fields written before the shard's
    /// creation was among them).
    pub fn decode(text: &str) -> Option<RecordRef> {
        let mut p = text.split('.');
        let r = RecordRef {
            stream_id: p.next()?.parse().ok()?,
            shard: p.next()?.parse().ok()?,
            position: p.next()?.parse().ok()?,
            arrival_ms: p.next()?.parse().ok()?,
            created_ms: match p.next() {
                Some(c) => c.parse().ok()?,
                None => 0,
            },
        };
        p.next().is_none().then_some(r)
    }

    /// The record's id: its sequence number (digits, as RecordId's pattern wants).
    pub fn record_id(&self) -> String {
        Seq::record(self.created_ms, self.arrival_ms, self.shard, self.position).to_wire()
    }
}

/// A receipt handle as answered: the record's place, then SQS's handle (the place lets
/// RestoreDeadLetterQueueRecords put the record back without another lookup).
pub fn receipt_handle(r: &RecordRef, sqs_handle: &str) -> String {
    format!("{}/{sqs_handle}", r.encode())
}

/// A receipt handle's record place and SQS handle.
pub fn split_handle(handle: &str) -> Option<(RecordRef, &str)> {
    let (place, sqs) = handle.split_once('/')?;
    Some((RecordRef::decode(place)?, sqs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_handles_round_trip() {
        let r = RecordRef { stream_id: 3, shard: 1, position: 42, arrival_ms: 1_700_000_000_000, created_ms: 5 };
        assert_eq!(RecordRef::decode(&r.encode()), Some(r));
        assert_eq!(RecordRef::decode("3.1.42.1700000000000"), Some(RecordRef { created_ms: 0, ..r }));
        let h = receipt_handle(&r, "abc/def+=");
        assert_eq!(split_handle(&h), Some((r, "abc/def+=")));
        assert_eq!(split_handle("nonsense"), None);
        assert!(r.record_id().bytes().all(|b| b.is_ascii_digit()));
    }
}

use crate::{persist, Kinesis};
use base64::Engine;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `ResourceNotFoundException` for a queue ARN (wording chosen).
pub fn not_found(arn: &str) -> KinesisError {
    KinesisError::not_found(format!("Queue {arn} not found."))
}

/// The queue an input's `QueueARN` names.
///
/// Errors: `ResourceNotFoundException`.
pub fn queue_of(k: &Kinesis, input: &Value) -> KinesisResult<StreamQueue> {
    let arn = input["QueueARN"].as_str().unwrap_or_default();
    k.queues().read().get(arn).cloned().ok_or_else(|| not_found(arn))
}

/// The SQS service the queues live in.
///
/// Errors: SQS is not running (a 500: the queues' SQS side is Quayside's own).
fn sqs(k: &Kinesis) -> KinesisResult<&sqs::Sqs> {
    k.sqs().ok_or_else(|| KinesisError::Internal("SQS is not running".into()))
}

fn internal(e: DoorError) -> KinesisError {
    KinesisError::Internal(format!("the queue's SQS side failed: {e}"))
}

/// Creates (or, after a stop part-way, finds again) the queue's SQS queues.
///
/// Errors: SQS refused them.
pub async fn create_sqs_queues(k: &Kinesis, q: &StreamQueue) -> KinesisResult<()> {
    for dead in [true, false] {
        sqs(k)?.create_queue_at(&q.sqs_at(dead), &q.sqs_settings(dead)).await.map_err(internal)?;
    }
    Ok(())
}

/// Sets the queue's attributes on its SQS queues.
///
/// Errors: SQS refused them.
pub async fn update_sqs_queues(k: &Kinesis, q: &StreamQueue) -> KinesisResult<()> {
    for dead in [true, false] {
        sqs(k)?.update_queue_at(&q.sqs_at(dead), &q.sqs_settings(dead)).await.map_err(internal)?;
    }
    Ok(())
}

/// ReceiveQueueRecords (or, `dead`, ReceiveDeadLetterQueueRecords): SQS's receive on the
/// queue's records (or dead-letter) queue, each message's record read from the stream.
///
/// Errors: the store failed.
pub async fn receive(k: &Kinesis, input: &Value, dead: bool) -> KinesisResult<Value> {
    let q = queue_of(k, input)?;
    if q.status != "ACTIVE" && q.status != "UPDATING" || (dead && q.max_receive.is_none()) {
        return Ok(json!({ "QueueRecords": [] }));
    }
    let options = ReceiveOptions {
        max: input["Limit"].as_u64().unwrap_or(10) as u32,
        wait_seconds: Some(input["WaitTimeSeconds"].as_u64().unwrap_or(0) as u32),
        visibility_timeout_seconds: input["VisibilityTimeoutSeconds"].as_u64().map(|v| v as u32),
    };
    let at = q.sqs_at(dead);
    let sqs = sqs(k)?;
    let messages = sqs.receive_at(&at, options).await.map_err(internal)?;
    let places: Vec<Option<RecordRef>> = messages.iter().map(|m| RecordRef::decode(&m.body)).collect();
    let mut records = read_records(k, places.iter().flatten().copied().collect()).await?.into_iter();
    let mut out = Vec::with_capacity(messages.len());
    for (m, place) in messages.iter().zip(places) {
        let Some(r) = place else { continue };
        let Some((key, data)) = records.next().flatten() else {
            // The stream no longer keeps it: the queue stops delivering it.
            let _ = sqs.delete_message_at(&at, &m.receipt_handle).await;
            continue;
        };
        let mut rec = json!({
            "ReceiptHandle": receipt_handle(&r, &m.receipt_handle),
            "RecordId": r.record_id(),
            "Data": B64.encode(data),
            "ApproximateArrivalTimestamp": r.arrival_ms as f64 / 1000.0,
            "FirstReceiveTimestamp": m.first_receive_ms.unwrap_or(0) as f64 / 1000.0,
            "ReceiveCount": m.receive_count,
        });
        if let Some(key) = key {
            rec["PartitionKey"] = key.into();
        }
        out.push(rec);
    }
    Ok(json!({ "QueueRecords": out }))
}

/// Each record's partition key and data, if the stream still keeps it (one store read).
async fn read_records(k: &Kinesis, places: Vec<RecordRef>) -> KinesisResult<Vec<Option<(Option<String>, Vec<u8>)>>> {
    let found = k
        .store()
        .read(move |c| {
            let mut out = Vec::with_capacity(places.len());
            for r in places {
                let chunks = persist::read_chunks(c, r.stream_id, r.shard, r.position, |_| false)?;
                out.push(chunks.iter().find_map(|ch| {
                    crate::records::decode_chunk(ch.first, &ch.blob)
                        .find(|x| x.position == r.position)
                        .map(|x| (x.partition_key.map(str::to_string), x.data.to_vec()))
                }));
            }
            Ok(out)
        })
        .await?;
    Ok(found)
}

/// What to do with each entry's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    Acknowledge,
    Visibility,
    Restore,
}

/// Acknowledge, UpdateVisibility or Restore for each entry (of the records queue, or `dead`,
/// the dead-letter queue): `Successful` and `Failed` by receipt handle.
///
/// Errors: the queue does not exist.
pub async fn settle(k: &Kinesis, input: &Value, dead: bool, what: Settle) -> KinesisResult<Value> {
    let q = queue_of(k, input)?;
    let sqs = sqs(k)?;
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for e in input["Entries"].as_array().cloned().unwrap_or_default() {
        let handle = e["ReceiptHandle"].as_str().unwrap_or_default().to_string();
        let outcome = match split_handle(&handle) {
            None => Err(DoorError::StaleHandle),
            Some((r, sqs_handle)) => {
                let at = q.sqs_at(dead);
                match what {
                    Settle::Acknowledge => sqs.delete_message_at(&at, sqs_handle).await,
                    Settle::Visibility => {
                        let v = e["VisibilityTimeoutSeconds"].as_u64().unwrap_or(0) as u32;
                        sqs.change_visibility_at(&at, sqs_handle, v).await
                    }
                    Settle::Restore => {
                        // Back on the normal path first, then off the dead-letter queue: a stop
                        // in between delivers it twice, never loses it.
                        let back =
                            Outgoing { body: r.encode(), sender_id: INTERNAL_ACCOUNT.into(), ..Outgoing::default() };
                        match sqs.send(&q.sqs_at(false), back).await {
                            Ok(_) => sqs.delete_message_at(&at, sqs_handle).await,
                            Err(e) => Err(e),
                        }
                    }
                }
            }
        };
        let outcome = outcome.map_err(|e| match e {
            DoorError::StaleHandle => {
                ("InvalidArgumentException".to_string(), format!("The receipt handle {handle} is not valid."))
            }
            e => ("InternalFailureException".to_string(), e.to_string()),
        });
        match outcome {
            Ok(_) => ok.push(json!({"ReceiptHandle": handle})),
            Err((code, message)) => {
                failed.push(json!({"ReceiptHandle": handle, "ErrorCode": code, "ErrorMessage": message}))
            }
        }
    }
    Ok(json!({"Successful": ok, "Failed": failed}))
}
