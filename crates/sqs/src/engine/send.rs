//! Sending: validation against the queue, FIFO de-duplication, numbering, and the
//! prepare / store / apply-after-commit steps.

use crate::body::Body;
use crate::error::{SqsError, SqsResult};
use crate::index::Entry;
use crate::limits::*;
use crate::message::{self, Attributes};
use crate::persist::{self, MessageRow};
use crate::queue::{DedupEntry, Queue};
use crate::Sqs;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A message to put into a queue, from SendMessage(Batch) or from another service.
#[derive(Debug, Clone, Default)]
pub struct EnqueueRequest {
    /// Owned, or shared with other queues' copies ([`Sqs::share_body`]).
    pub body: Body,
    pub attributes: Attributes,
    /// The AWSTraceHeader system attribute.
    pub trace_header: Option<String>,
    pub delay_seconds: Option<i64>,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    /// Shown as the SenderId attribute (the sender's account).
    pub sender_id: String,
}

/// What a successful send returns.
#[derive(Debug, Clone)]
pub struct EnqueueResult {
    pub message_id: String,
    pub md5_of_body: String,
    pub md5_of_attributes: Option<String>,
    pub md5_of_system_attributes: Option<String>,
    pub sequence_number: Option<String>,
}

fn system_attributes(trace: &Option<String>) -> Attributes {
    let mut a = Attributes::new();
    if let Some(t) = trace {
        a.insert(
            "AWSTraceHeader".into(),
            message::AttributeValue { data_type: "String".into(), string_value: Some(t.clone()), binary_value: None },
        );
    }
    a
}

pub(super) fn check_id(value: &str, name: &str) -> SqsResult<()> {
    if service::names::valid_message_id(value) {
        Ok(())
    } else {
        Err(SqsError::invalid_value(
            value,
            name,
            &format!("{name} can only include alphanumeric and punctuation characters. 1 to 128 in length."),
        ))
    }
}

/// A FIFO send without a de-duplication id to a queue without content-based de-duplication.
pub(crate) fn missing_dedup_id() -> SqsError {
    SqsError::invalid_parameter_value(
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
    )
}

/// A body is there and holds only the characters SQS allows.
pub(super) fn check_body(body: &str) -> SqsResult<()> {
    if body.is_empty() {
        return Err(SqsError::missing_parameter("MessageBody"));
    }
    message::check_body(body)
}

/// A message of `size` bytes (body and attributes) fits a queue's MaximumMessageSize.
pub(super) fn check_size(size: usize, maximum_message_size: i64) -> SqsResult<()> {
    if size as i64 > maximum_message_size {
        return Err(SqsError::invalid_parameter_value(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {maximum_message_size} bytes."
        )));
    }
    Ok(())
}

/// Checks a message against its queue, in AWS's order.
fn validate(q: &Queue, attrs: &crate::attributes::QueueAttributes, r: &EnqueueRequest) -> SqsResult<()> {
    check_body(&r.body)?;
    check_size(message::message_size(&r.body, &r.attributes), attrs.maximum_message_size)?;
    if let Some(d) = r.delay_seconds {
        if !(0..=MAX_DELAY_SECONDS).contains(&d) {
            return Err(SqsError::invalid_value(d, "DelaySeconds", "DelaySeconds must be >= 0 and <= 900."));
        }
        if q.fifo && d != 0 {
            return Err(SqsError::invalid_value(
                d,
                "DelaySeconds",
                "The request include parameter that is not valid for this queue type.",
            ));
        }
    }
    if q.fifo {
        // An empty group id is a missing one to AWS.
        let Some(g) = r.group_id.as_ref().filter(|g| !g.is_empty()) else {
            return Err(SqsError::missing_parameter("MessageGroupId"));
        };
        check_id(g, "MessageGroupId")?;
        match &r.dedup_id {
            Some(d) => check_id(d, "MessageDeduplicationId")?,
            None if !attrs.content_based_deduplication => return Err(missing_dedup_id()),
            None => {}
        }
    } else {
        if let Some(d) = &r.dedup_id {
            return Err(SqsError::invalid_value(
                d,
                "MessageDeduplicationId",
                "The request include parameter that is not valid for this queue type.",
            ));
        }
        if let Some(g) = &r.group_id {
            check_id(g, "MessageGroupId")?;
        }
    }
    Ok(())
}

/// Messages validated and numbered for one queue, not yet stored. Split it with
/// [`into_parts`](PreparedEnqueue::into_parts): run the [`EnqueueWrite`] inside a store job and
/// hand the [`EnqueueApply`] to that job's commit hook, so the messages become receivable exactly
/// when, and only if, the transaction that stores them commits.
pub struct PreparedEnqueue {
    /// One result per request, in order (duplicates within the FIFO window answer the original).
    pub results: Vec<SqsResult<EnqueueResult>>,
    write: EnqueueWrite,
    apply: EnqueueApply,
}

/// The store side of a [`PreparedEnqueue`].
pub struct EnqueueWrite {
    rows: Vec<MessageRow>,
    dedups: Vec<persist::DedupRow>,
}

/// The in-memory side of a [`PreparedEnqueue`].
pub struct EnqueueApply {
    queue: Arc<Queue>,
    arrivals: Vec<Arrival>,
    dedup_keys: Vec<String>,
    reaper: Arc<super::reaper::Reaper>,
}

/// A new message's place in the index, applied after the commit.
struct Arrival {
    id: i64,
    sent_ms: i64,
    visible_ms: i64,
    group: Option<String>,
}

impl PreparedEnqueue {
    /// True when nothing needs storing (every request failed or was a duplicate).
    pub fn is_empty(&self) -> bool {
        self.write.rows.is_empty()
    }

    pub fn into_parts(self) -> (Vec<SqsResult<EnqueueResult>>, EnqueueWrite, EnqueueApply) {
        (self.results, self.write, self.apply)
    }
}

impl EnqueueWrite {
    /// Stores the messages and their de-duplication ids (inside the caller's transaction).
    pub fn persist(&self, t: &store::rusqlite::Transaction<'_>) -> store::Result<()> {
        Self::persist_all(t, std::slice::from_ref(self))
    }

    /// Stores several queues' messages in one go: a body they share is stored once, with the
    /// count of the messages that reference it.
    pub fn persist_all(t: &store::rusqlite::Transaction<'_>, writes: &[EnqueueWrite]) -> store::Result<()> {
        // Usually one shared body (one publish) or a handful (a batch): a short list.
        let mut shared: Vec<(&crate::body::Shared, i64)> = Vec::new();
        for r in writes.iter().flat_map(|w| &w.rows) {
            if let Some(b) = r.body.as_shared() {
                match shared.iter_mut().find(|(s, _)| s.id == b.id) {
                    Some((_, n)) => *n += 1,
                    None => shared.push((b, 1)),
                }
            }
        }
        for (b, refs) in shared {
            persist::insert_body(t, b.id, &b.text, refs)?;
        }
        for w in writes {
            for r in &w.rows {
                persist::insert_message(t, r)?;
            }
            for d in &w.dedups {
                persist::insert_dedup(t, d)?;
            }
        }
        Ok(())
    }
}

impl EnqueueApply {
    /// After the commit: makes the messages receivable (and wakes long polls), or, if the
    /// commit failed, forgets their de-duplication ids again.
    pub fn apply(self, committed: bool) {
        let mut st = self.queue.state.lock();
        if committed {
            let mut gone = Vec::new();
            let arrived = self.arrivals.len();
            for a in self.arrivals {
                // Numbered before a purge or for a queue deleted since: purged or orphaned.
                if st.deleted || a.id < st.purged_below {
                    gone.push(a.id);
                    continue;
                }
                let group = a.group.as_deref().map(|g| st.index.intern(g));
                // Classified as of the send: visible, or delayed until its timer fires.
                st.index.insert(a.id, Entry::fresh(a.sent_ms, a.visible_ms, group), a.sent_ms);
            }
            drop(st);
            crate::queue::Counts::add(&self.queue.counts.sent, arrived - gone.len());
            self.reaper.doom(gone);
            self.queue.notify.notify_waiters();
        } else {
            for k in &self.dedup_keys {
                st.dedup.remove(k);
            }
        }
    }
}

impl Sqs {
    /// Validates messages against a queue, numbers them and reserves their FIFO
    /// de-duplication ids, without storing anything: the caller stores them in its own
    /// transaction and applies them after the commit (see [`PreparedEnqueue`]). SNS uses this
    /// to fan out into queues as part of its own committed change.
    ///
    /// Errors: `QueueDoesNotExist` if the queue was deleted; per-message validation errors are
    /// in the results.
    pub fn prepare_enqueue(
        &self,
        queue: &Arc<Queue>,
        requests: Vec<SqsResult<EnqueueRequest>>,
    ) -> SqsResult<PreparedEnqueue> {
        let now = self.now_ms();
        let mut results = Vec::with_capacity(requests.len());
        let mut write = EnqueueWrite { rows: Vec::new(), dedups: Vec::new() };
        let mut apply = EnqueueApply {
            queue: queue.clone(),
            arrivals: Vec::new(),
            dedup_keys: Vec::new(),
            reaper: self.inner.reaper.clone(),
        };
        let mut st = queue.state.lock();
        if st.deleted {
            return Err(SqsError::queue_does_not_exist());
        }
        st.expire_dedup(now);
        for req in requests {
            let r = match req.and_then(|r| validate(queue, &st.attrs, &r).map(|_| r)) {
                Ok(r) => r,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let md5_of_body = r.body.md5();
            let md5_of_attributes = message::md5_of_attributes(&r.attributes);
            let md5_of_system_attributes = message::md5_of_attributes(&system_attributes(&r.trace_header));
            let mut dedup_key = None;
            let dedup_id = if queue.fifo {
                let d = r.dedup_id.clone().unwrap_or_else(|| hex_sha256(r.body.as_bytes()));
                let key = if st.dedup_scope(now) == crate::attributes::DedupScope::MessageGroup {
                    format!("{}\u{0}{d}", r.group_id.as_deref().unwrap_or(""))
                } else {
                    d.clone()
                };
                if let Some(prev) = st.dedup.get(&key).filter(|e| e.expires_ms > now) {
                    results.push(Ok(EnqueueResult {
                        message_id: prev.message_id.clone(),
                        md5_of_body,
                        md5_of_attributes,
                        md5_of_system_attributes,
                        sequence_number: prev.sequence_number.clone(),
                    }));
                    continue;
                }
                dedup_key = Some(key);
                Some(d)
            } else {
                None
            };
            let id = self.next_message_id();
            let message_id = uuid::Uuid::new_v4().to_string();
            let sequence_number = queue.fifo.then(|| crate::queue::sequence_number(st.created_s, id));
            // FIFO messages take no delay of their own (only 0 is accepted): the queue's applies.
            let delay =
                if queue.fifo { st.attrs.delay_seconds } else { r.delay_seconds.unwrap_or(st.attrs.delay_seconds) };
            let visible_ms = now + delay * 1000;
            if let Some(key) = dedup_key {
                let expires_ms = now + DEDUP_WINDOW_MS;
                st.dedup_order.push_back((expires_ms, key.clone()));
                st.dedup.insert(
                    key.clone(),
                    DedupEntry { message_id: message_id.clone(), sequence_number: sequence_number.clone(), expires_ms },
                );
                write.dedups.push(persist::DedupRow {
                    queue_id: queue.id,
                    key: key.clone(),
                    message_id: message_id.clone(),
                    sequence_number: sequence_number.clone(),
                    expires_ms,
                });
                apply.dedup_keys.push(key);
            }
            let group = if queue.fifo { r.group_id.clone() } else { None };
            apply.arrivals.push(Arrival { id, sent_ms: now, visible_ms, group });
            write.rows.push(MessageRow {
                id,
                queue_id: queue.id,
                message_id: message_id.clone(),
                attributes: (!r.attributes.is_empty()).then(|| message::attributes_to_json(&r.attributes).to_string()),
                body: r.body,
                trace_header: r.trace_header,
                md5_body: md5_of_body.clone(),
                group_id: r.group_id,
                dedup_id,
                sender_id: r.sender_id,
                sent_ms: now,
                visible_ms,
            });
            results.push(Ok(EnqueueResult {
                message_id,
                md5_of_body,
                md5_of_attributes,
                md5_of_system_attributes,
                sequence_number,
            }));
        }
        Ok(PreparedEnqueue { results, write, apply })
    }

    /// A body to put into several queues (with [`prepare_enqueue`](Sqs::prepare_enqueue), then
    /// [`EnqueueWrite::persist_all`]): stored once and referenced by each queue's message, its
    /// MD5 computed once.
    pub fn share_body(&self, text: String) -> Body {
        Body::shared(self.next_message_id(), text)
    }

    /// Puts messages into a queue and waits until they are committed. Entries that are
    /// already errors are passed through, so batch results keep their order.
    ///
    /// Errors: the whole call fails with `QueueDoesNotExist` if the queue was deleted, or an
    /// internal error if the store fails; per-entry validation errors are in the results.
    pub(crate) async fn send_many(
        &self,
        queue: &Arc<Queue>,
        requests: Vec<SqsResult<EnqueueRequest>>,
    ) -> SqsResult<Vec<SqsResult<EnqueueResult>>> {
        let prepared = self.prepare_enqueue(queue, requests)?;
        if prepared.is_empty() {
            return Ok(prepared.results);
        }
        let (results, write, apply) = prepared.into_parts();
        self.store().submit_with_hook(move |t| write.persist(t), move |ok| apply.apply(ok)).await?;
        Ok(results)
    }

    /// Puts one message into the queue named by `queue_arn` and waits until it is committed
    /// (for callers that need no transaction of their own).
    ///
    /// Errors: `QueueDoesNotExist`, or the validation error SendMessage would give.
    pub async fn enqueue(&self, queue_arn: &str, request: EnqueueRequest) -> SqsResult<EnqueueResult> {
        let queue = self.queue_by_arn(queue_arn).ok_or_else(SqsError::queue_does_not_exist)?;
        let mut r = self.send_many(&queue, vec![Ok(request)]).await?;
        r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into())))
    }
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}
