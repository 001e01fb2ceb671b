//! The message engine shared by the single and batch operations (and by other services that
//! deliver into queues): send, receive, delete, change visibility, and housekeeping.
//!
//! Every change follows one pattern: under the queue's lock, update the in-memory index and
//! submit the matching store job (so both see changes in the same order); release the lock;
//! wait for the group commit; only then answer.

use crate::error::{SqsError, SqsResult};
use crate::index::{Meta, State};
use crate::limits::*;
use crate::message::{self, Attributes};
use crate::persist::{self, MessageRow, StoredMessage};
use crate::queue::{Attempt, DedupEntry, Queue};
use crate::receipt;
use crate::Sqs;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A message to put into a queue, from SendMessage(Batch) or from another service.
#[derive(Debug, Clone, Default)]
pub struct EnqueueRequest {
    pub body: String,
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

/// One received message, ready to render.
pub(crate) struct Received {
    pub stored: StoredMessage,
    pub receipt_handle: String,
    pub receive_count: u32,
}

/// The knobs of one ReceiveMessage call (validated).
pub(crate) struct ReceiveRequest {
    pub max: usize,
    pub visibility_timeout: Option<i64>,
    pub wait_seconds: Option<i64>,
    pub attempt_id: Option<String>,
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

fn check_id(value: &str, name: &str) -> SqsResult<()> {
    let ok = !value.is_empty()
        && value.len() <= MAX_GROUP_ID_LEN
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b.is_ascii_punctuation());
    if ok {
        Ok(())
    } else {
        Err(SqsError::invalid_value(
            value,
            name,
            &format!("{name} can only include alphanumeric and punctuation characters. 1 to 128 in length."),
        ))
    }
}

/// Checks a message against its queue, in AWS's order.
fn validate(q: &Queue, attrs: &crate::attributes::QueueAttributes, r: &EnqueueRequest) -> SqsResult<()> {
    if r.body.is_empty() {
        return Err(SqsError::missing_parameter("MessageBody"));
    }
    message::check_body(&r.body)?;
    let size = message::message_size(&r.body, &r.attributes);
    if size as i64 > attrs.maximum_message_size {
        return Err(SqsError::invalid_parameter_value(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {} bytes.",
            attrs.maximum_message_size
        )));
    }
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
        let Some(g) = &r.group_id else {
            return Err(SqsError::missing_parameter("MessageGroupId"));
        };
        check_id(g, "MessageGroupId")?;
        match &r.dedup_id {
            Some(d) => check_id(d, "MessageDeduplicationId")?,
            None if !attrs.content_based_deduplication => {
                return Err(SqsError::invalid_parameter_value(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ))
            }
            None => {}
        }
    } else {
        if let Some(d) = &r.dedup_id {
            return Err(SqsError::invalid_value(
                d,
                "MessageDeduplicationId",
                "The request include parameter that is not valid for this queue type",
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
    queue_id: i64,
    rows: Vec<MessageRow>,
    dedups: Vec<(String, String, Option<String>, i64)>,
}

/// The in-memory side of a [`PreparedEnqueue`].
pub struct EnqueueApply {
    queue: Arc<Queue>,
    /// (id, sent, visible, group) of each new message.
    metas: Vec<(i64, i64, i64, Option<String>)>,
    dedup_keys: Vec<String>,
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
        for r in &self.rows {
            persist::insert_message(t, r)?;
        }
        for (key, mid, seq, exp) in &self.dedups {
            persist::insert_dedup(t, self.queue_id, key, mid, seq.as_deref(), *exp)?;
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
            for (id, sent, visible, group) in self.metas {
                let group = group.as_deref().map(|g| st.index.intern(g));
                // Classified as of the send: visible, or delayed until its timer fires.
                st.index.insert(id, sent, visible, 0, 0, 0, group, sent);
            }
            drop(st);
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
        let mut write = EnqueueWrite { queue_id: queue.id, rows: Vec::new(), dedups: Vec::new() };
        let mut apply = EnqueueApply { queue: queue.clone(), metas: Vec::new(), dedup_keys: Vec::new() };
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
            let md5_of_body = message::md5_hex(r.body.as_bytes());
            let md5_of_attributes = message::md5_of_attributes(&r.attributes);
            let md5_of_system_attributes = message::md5_of_attributes(&system_attributes(&r.trace_header));
            let mut dedup_key = None;
            let dedup_id = if queue.fifo {
                let d = r.dedup_id.clone().unwrap_or_else(|| hex_sha256(r.body.as_bytes()));
                let key = if st.attrs.deduplication_scope == "messageGroup" {
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
            let sequence_number = queue.fifo.then(|| format!("{:020}", id));
            let delay = r.delay_seconds.unwrap_or(st.attrs.delay_seconds);
            let visible_ms = now + delay * 1000;
            if let Some(key) = dedup_key {
                let expires_ms = now + DEDUP_WINDOW_MS;
                st.dedup_order.push_back((expires_ms, key.clone()));
                st.dedup.insert(
                    key.clone(),
                    DedupEntry { message_id: message_id.clone(), sequence_number: sequence_number.clone(), expires_ms },
                );
                write.dedups.push((key.clone(), message_id.clone(), sequence_number.clone(), expires_ms));
                apply.dedup_keys.push(key);
            }
            apply.metas.push((id, now, visible_ms, if queue.fifo { r.group_id.clone() } else { None }));
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

    /// ReceiveMessage's engine: long polls until a message is there or the wait is over.
    pub(crate) async fn receive(&self, queue: &Arc<Queue>, req: &ReceiveRequest) -> SqsResult<Vec<Received>> {
        let wait = req.wait_seconds.unwrap_or_else(|| queue.state.lock().attrs.receive_message_wait_time_seconds);
        let deadline = Instant::now() + Duration::from_secs(wait.max(0) as u64);
        loop {
            let notified = queue.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let got = self.try_receive(queue, req).await?;
            let now_real = Instant::now();
            if !got.is_empty() || now_real >= deadline {
                return Ok(got);
            }
            let mut sleep_for = deadline - now_real;
            if let Some(next) = queue.state.lock().index.next_deadline() {
                let ms = (next - self.now_ms()).max(1) as u64;
                sleep_for = sleep_for.min(Duration::from_millis(ms));
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(sleep_for) => {}
            }
        }
    }

    async fn try_receive(&self, queue: &Arc<Queue>, req: &ReceiveRequest) -> SqsResult<Vec<Received>> {
        let now = self.now_ms();
        let mut delivered: Vec<(i64, i64, u32, u32)> = Vec::new();
        let mut moves: Vec<(i64, i64, Meta)> = Vec::new();
        let mut expired: Vec<i64> = Vec::new();
        let dlq;
        let replay = if req.attempt_id.is_some() {
            let mut st = queue.state.lock();
            self.replay_attempt(queue, &mut st, req, now)
        } else {
            None
        };
        if let Some(replay) = replay {
            return replay.await;
        }
        let pending = {
            let mut st = queue.state.lock();
            if st.deleted {
                return Err(SqsError::queue_does_not_exist());
            }
            st.index.promote(now);
            let retention_ms = st.attrs.message_retention_period * 1000;
            let redrive = st.attrs.redrive_policy.clone();
            dlq = redrive
                .as_ref()
                .and_then(|r| self.queue_by_arn(&r.dead_letter_target_arn))
                .filter(|d| d.id != queue.id);
            let vt = req.visibility_timeout.unwrap_or(st.attrs.visibility_timeout);
            for _ in 0..16 {
                if delivered.len() >= req.max {
                    break;
                }
                let ids = st.index.pick(req.max - delivered.len());
                if ids.is_empty() {
                    break;
                }
                for id in ids {
                    let Some(meta) = st.index.get(id).cloned() else {
                        continue;
                    };
                    if meta.sent_ms + retention_ms <= now {
                        st.index.remove(id);
                        expired.push(id);
                        continue;
                    }
                    if let (Some(r), Some(_)) = (&redrive, &dlq) {
                        if meta.receive_count as i64 >= r.max_receive_count {
                            st.index.remove(id);
                            moves.push((id, self.next_message_id(), meta));
                            continue;
                        }
                    }
                    let nonce = receipt::nonce();
                    let visible = now + vt * 1000;
                    if let Some(m) = st.index.receive(id, now, visible, nonce) {
                        delivered.push((id, visible, m.receive_count, nonce));
                    }
                }
            }
            if let (true, Some(attempt)) = (queue.fifo, &req.attempt_id) {
                st.attempts.retain(|_, a| a.expires_ms > now);
                st.attempts.insert(
                    attempt.clone(),
                    Attempt {
                        expires_ms: now + DEDUP_WINDOW_MS,
                        received: delivered.iter().map(|(id, _, _, n)| (*id, *n)).collect(),
                    },
                );
            }
            if delivered.is_empty() && moves.is_empty() && expired.is_empty() {
                return Ok(Vec::new());
            }
            let jobs_delivered = delivered.clone();
            let jobs_moves: Vec<(i64, i64)> = moves.iter().map(|(old, new, _)| (*old, *new)).collect();
            let dlq_id = dlq.as_ref().map(|d| d.id).unwrap_or(0);
            let source_arn = queue.arn.clone();
            let jobs_expired = expired.clone();
            self.store().submit(move |t| {
                for id in &jobs_expired {
                    persist::delete_message(t, *id)?;
                }
                for (old, new) in &jobs_moves {
                    persist::move_message(t, *old, *new, dlq_id, now, Some(&source_arn))?;
                }
                let mut out = Vec::with_capacity(jobs_delivered.len());
                for (id, visible, count, nonce) in &jobs_delivered {
                    if let Some(m) = persist::receive(t, *id, now, *visible, *count as i64, *nonce as i64)? {
                        out.push(m);
                    }
                }
                Ok(out)
            })
        };
        if let (Some(dlq), false) = (&dlq, moves.is_empty()) {
            let mut st = dlq.state.lock();
            for (_, new_id, meta) in &moves {
                let group = meta.group.as_deref().filter(|_| dlq.fifo).map(|g| st.index.intern(g));
                st.index.insert(*new_id, meta.sent_ms, now, meta.received_ms, meta.receive_count, 0, group, now);
            }
            drop(st);
            dlq.notify.notify_waiters();
        }
        let stored = pending.await?;
        Ok(stored
            .into_iter()
            .zip(delivered)
            .map(|(s, (id, _, count, nonce))| Received {
                receipt_handle: receipt::encode(queue.id, id, nonce),
                receive_count: count,
                stored: s,
            })
            .collect())
    }

    /// A repeated ReceiveRequestAttemptId within its window gets the same messages and
    /// receipt handles again, while they are still in flight under that receive.
    fn replay_attempt(
        &self,
        queue: &Arc<Queue>,
        st: &mut crate::queue::QueueState,
        req: &ReceiveRequest,
        now: i64,
    ) -> Option<impl std::future::Future<Output = SqsResult<Vec<Received>>> + use<>> {
        let attempt = st.attempts.get(req.attempt_id.as_ref()?)?;
        if !queue.fifo || attempt.expires_ms <= now {
            return None;
        }
        let still: Vec<(i64, u32, u32)> = attempt
            .received
            .iter()
            .filter_map(|(id, nonce)| {
                let m = st.index.get(*id)?;
                (m.state == State::Inflight && m.receipt == *nonce).then_some((*id, *nonce, m.receive_count))
            })
            .collect();
        if still.is_empty() {
            return None;
        }
        let queue_id = queue.id;
        let ids: Vec<i64> = still.iter().map(|(id, _, _)| *id).collect();
        let pending = self.store().submit(move |t| {
            let mut out = Vec::new();
            for id in &ids {
                if let Some(m) = persist::read(t, *id)? {
                    out.push(m);
                }
            }
            Ok(out)
        });
        Some(async move {
            let stored = pending.await?;
            Ok(stored
                .into_iter()
                .zip(still)
                .map(|(s, (id, nonce, count))| Received {
                    receipt_handle: receipt::encode(queue_id, id, nonce),
                    receive_count: count,
                    stored: s,
                })
                .collect())
        })
    }

    /// Deletes messages by receipt handle. Per handle: `Ok(())`, or `ReceiptHandleIsInvalid`
    /// for a handle that is not this queue's. On standard queues a stale handle (the message
    /// was received again since) succeeds without deleting, as AWS documents; on FIFO queues it
    /// is refused as expired. A deleted message's handle succeeds.
    ///
    /// Errors: `QueueDoesNotExist` for the whole call.
    pub(crate) async fn delete_many(&self, queue: &Arc<Queue>, handles: &[&str]) -> SqsResult<Vec<SqsResult<()>>> {
        let mut results = Vec::with_capacity(handles.len());
        let mut ids = Vec::new();
        let pending = {
            let mut st = queue.state.lock();
            if st.deleted {
                return Err(SqsError::queue_does_not_exist());
            }
            for h in handles {
                match receipt::decode(h) {
                    Some((qid, id, nonce)) if qid == queue.id => match st.index.get(id) {
                        Some(m) if m.receipt == nonce && (!queue.fifo || m.state == State::Inflight) => {
                            st.index.remove(id);
                            ids.push(id);
                            results.push(Ok(()));
                        }
                        // FIFO receipt handles expire with their visibility timeout or the
                        // next receive; AWS then refuses them.
                        Some(_) if queue.fifo => results.push(Err(SqsError::invalid_value(
                            h,
                            "ReceiptHandle",
                            "The receipt handle has expired.",
                        ))),
                        _ => results.push(Ok(())),
                    },
                    _ => results.push(Err(SqsError::receipt_handle_is_invalid(h))),
                }
            }
            if ids.is_empty() {
                return Ok(results);
            }
            self.store().submit(move |t| {
                for id in &ids {
                    persist::delete_message(t, *id)?;
                }
                Ok(())
            })
        };
        pending.await?;
        Ok(results)
    }

    /// Changes the visibility timeout of in-flight messages. Per entry: `Ok(())` or the
    /// error AWS gives for that handle.
    ///
    /// Errors: `QueueDoesNotExist` for the whole call.
    pub(crate) async fn change_visibility_many(
        &self,
        queue: &Arc<Queue>,
        entries: &[(&str, i64)],
    ) -> SqsResult<Vec<SqsResult<()>>> {
        let now = self.now_ms();
        let mut results = Vec::with_capacity(entries.len());
        let mut changes = Vec::new();
        let mut woke = false;
        let pending = {
            let mut st = queue.state.lock();
            if st.deleted {
                return Err(SqsError::queue_does_not_exist());
            }
            st.index.promote(now);
            for (h, timeout) in entries {
                let r = (|| {
                    if !(0..=MAX_VISIBILITY_TIMEOUT).contains(timeout) {
                        return Err(SqsError::invalid_value(
                            timeout,
                            "VisibilityTimeout",
                            "VisibilityTimeout must be an integer between 0 and 43200",
                        ));
                    }
                    let (qid, id, nonce) = receipt::decode(h).ok_or_else(|| SqsError::receipt_handle_is_invalid(h))?;
                    if qid != queue.id {
                        return Err(SqsError::receipt_handle_is_invalid(h));
                    }
                    let Some(m) = st.index.get(id) else {
                        return Err(SqsError::invalid_value(
                            h,
                            "ReceiptHandle",
                            "Message does not exist or is not available for visibility timeout change.",
                        ));
                    };
                    if m.state != State::Inflight || m.receipt != nonce {
                        return Err(SqsError::message_not_inflight());
                    }
                    let visible = now + timeout * 1000;
                    if visible > m.received_ms + MAX_VISIBILITY_TIMEOUT * 1000 {
                        return Err(SqsError::invalid_value(
                            timeout,
                            "VisibilityTimeout",
                            "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
                        ));
                    }
                    st.index.set_visible_at(id, visible, now);
                    woke |= *timeout == 0;
                    changes.push((id, visible));
                    Ok(())
                })();
                results.push(r);
            }
            if changes.is_empty() {
                return Ok(results);
            }
            self.store().submit(move |t| {
                for (id, v) in &changes {
                    persist::set_visible_at(t, *id, *v)?;
                }
                Ok(())
            })
        };
        if woke {
            queue.notify.notify_waiters();
        }
        pending.await?;
        Ok(results)
    }
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Retention expiry, de-duplication window and attempt-id expiry for every queue.
pub(crate) async fn housekeeping(sqs: &Sqs) {
    let now = sqs.now_ms();
    let mut expired: Vec<i64> = Vec::new();
    let mut dedup_expired = false;
    for q in sqs.all_queues() {
        let mut st = q.state.lock();
        st.index.promote(now);
        let cutoff = now - st.attrs.message_retention_period * 1000;
        for id in st.index.sent_before(cutoff, 10_000) {
            st.index.remove(id);
            expired.push(id);
        }
        dedup_expired |= st.expire_dedup(now);
        st.attempts.retain(|_, a| a.expires_ms > now);
    }
    if expired.is_empty() && !dedup_expired {
        return;
    }
    let r = sqs
        .store()
        .write(move |t| {
            for id in &expired {
                persist::delete_message(t, *id)?;
            }
            persist::expire_dedup(t, now)
        })
        .await;
    if let Err(e) = r {
        tracing::warn!("sqs housekeeping: {e}");
    }
}
