//! Receiving: long polls, picking visible messages, redrive to dead-letter queues, retention
//! on the way, and ReceiveRequestAttemptId replays.

use crate::error::{SqsError, SqsResult};
use crate::index::{Meta, State};
use crate::limits::*;
use crate::persist::{self, StoredMessage};
use crate::queue::{Attempt, Queue};
use crate::receipt;
use crate::Sqs;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One received message, ready to render.
pub(crate) struct Received {
    pub stored: StoredMessage,
    pub receipt_handle: String,
    pub receive_count: u32,
}

/// One message marked in flight by a receive, to be recorded and read back.
#[derive(Debug, Clone, Copy)]
struct Delivery {
    id: i64,
    visible_ms: i64,
    receive_count: u32,
    nonce: u32,
}

/// A message leaving for the dead-letter queue under a new id.
struct Redrive {
    old_id: i64,
    new_id: i64,
    meta: Meta,
}

/// The knobs of one ReceiveMessage call (validated).
pub(crate) struct ReceiveRequest {
    pub max: usize,
    pub visibility_timeout: Option<i64>,
    pub wait_seconds: Option<i64>,
    pub attempt_id: Option<String>,
}

impl Sqs {
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
            if !got.is_empty() || now_real >= deadline || self.closing() {
                return Ok(got);
            }
            let mut sleep_for = deadline - now_real;
            if let Some(next) = queue.state.lock().index.next_deadline() {
                let ms = (next - self.now_ms()).max(1) as u64;
                sleep_for = sleep_for.min(Duration::from_millis(ms));
            }
            let _waiting = Waiting::new(self.waiting());
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(sleep_for) => {}
            }
        }
    }

    async fn try_receive(&self, queue: &Arc<Queue>, req: &ReceiveRequest) -> SqsResult<Vec<Received>> {
        let now = self.now_ms();
        let mut delivered: Vec<Delivery> = Vec::new();
        let mut moves: Vec<Redrive> = Vec::new();
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
                            moves.push(Redrive { old_id: id, new_id: self.next_message_id(), meta });
                            continue;
                        }
                    }
                    let nonce = receipt::nonce();
                    let visible = now + vt * 1000;
                    if let Some(m) = st.index.receive(id, now, visible, nonce) {
                        delivered.push(Delivery { id, visible_ms: visible, receive_count: m.receive_count, nonce });
                    }
                }
            }
            if let (true, Some(attempt)) = (queue.fifo, &req.attempt_id) {
                st.attempts.retain(|_, a| a.expires_ms > now);
                st.attempts.insert(
                    attempt.clone(),
                    Attempt {
                        expires_ms: now + DEDUP_WINDOW_MS,
                        received: delivered.iter().map(|d| (d.id, d.nonce)).collect(),
                    },
                );
            }
            if delivered.is_empty() && moves.is_empty() && expired.is_empty() {
                return Ok(Vec::new());
            }
            let jobs_delivered = delivered.clone();
            let jobs_moves: Vec<(i64, i64)> = moves.iter().map(|m| (m.old_id, m.new_id)).collect();
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
                for d in &jobs_delivered {
                    out.push(persist::receive(t, d.id, now, d.visible_ms, d.receive_count as i64, d.nonce as i64)?);
                }
                Ok(out)
            })
        };
        if let (Some(dlq), false) = (&dlq, moves.is_empty()) {
            dlq.take_moved(moves.iter().map(|m| (m.new_id, &m.meta)), now, true);
        }
        let stored = pending.await?;
        crate::queue::Counts::add(&queue.counts.received, delivered.len());
        Ok(pair(queue.id, stored, delivered.into_iter().map(|d| (d.id, d.nonce, d.receive_count))))
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
        let store = self.store().clone();
        Some(async move {
            // The bodies were committed with their sends: a reader serves them.
            let stored = store.read(move |c| ids.iter().map(|id| persist::read(c, *id)).collect()).await?;
            Ok(pair(queue_id, stored, still))
        })
    }
}

/// Counts a long poll as waiting while it lives (also when its request is dropped).
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(counter: &'a std::sync::atomic::AtomicUsize) -> Self {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Waiting(counter)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Pairs the rows read back from the store with the receives they were read for, by position
/// (the jobs read one row per receive, in order). A row that is missing — a message whose
/// earlier commit failed — is left out without shifting the others' receipt handles.
fn pair(
    queue_id: i64,
    stored: Vec<Option<StoredMessage>>,
    receives: impl IntoIterator<Item = (i64, u32, u32)>,
) -> Vec<Received> {
    stored
        .into_iter()
        .zip(receives)
        .filter_map(|(s, (id, nonce, count))| {
            Some(Received { receipt_handle: receipt::encode(queue_id, id, nonce), receive_count: count, stored: s? })
        })
        .collect()
}
