//! One message put into many standard queues at once (an SNS publish fanned out with raw
//! delivery, a Kinesis record for a stream's queues): stored as one row — the body, what its
//! copies share, and a list of the copies (a seed their MessageIds derive from, then each
//! copy's queue, delay and whether it is gone) — instead of a row per queue. A copy gets a row
//! of its own in `sqs_messages` only when something first changes it (a receive, a move); until
//! then the store's verbs find it in the list (see [`crate::persist`]). The copies' ids are
//! consecutive and the first is the row's id, so a copy is found by its id alone.
//!
//! The steps are [`crate::enqueue`]'s: prepare under each queue's lock, store in the caller's
//! job, apply in its commit hook.

use super::send;
use crate::error::{SqsError, SqsResult};
use crate::index::Entry;
use crate::message::{self, Attributes};
use crate::persist::{self, CopiesRow};
use crate::queue::Queue;
use crate::Sqs;
use std::sync::Arc;

/// A message for several standard queues.
#[derive(Debug, Clone, Default)]
pub struct CopiesRequest {
    pub body: String,
    pub attributes: Attributes,
    /// Passed on to each queue's copy (MessageGroupId on standard queues: fair queues).
    pub group_id: Option<String>,
    /// Shown as the SenderId attribute.
    pub sender_id: String,
}

/// The store side of [`Sqs::prepare_copies`]: a row per message.
pub struct CopiesWrite {
    rows: Vec<CopiesRow>,
}

/// A queue's new copies: (id, visible from).
type Arrivals = (Arc<Queue>, Vec<(i64, i64)>);

/// The in-memory side of [`Sqs::prepare_copies`]: each queue's new copies.
pub struct CopiesApply {
    sent_ms: i64,
    arrivals: Vec<Arrivals>,
    reaper: Arc<super::reaper::Reaper>,
}

impl CopiesWrite {
    /// Stores the messages' rows (inside the caller's transaction).
    pub fn persist(&self, t: &store::rusqlite::Transaction<'_>) -> store::Result<()> {
        for row in &self.rows {
            persist::insert_copies(t, row)?;
        }
        Ok(())
    }
}

impl CopiesApply {
    /// After the commit: makes the copies receivable and wakes their queues' long polls, taking
    /// each queue's lock once. A failed commit leaves nothing to undo (no de-duplication ids on
    /// standard queues).
    pub fn apply(self, committed: bool) {
        if !committed {
            return;
        }
        let mut gone = Vec::new();
        for (q, copies) in &self.arrivals {
            {
                let mut st = q.state.lock();
                for (id, visible_ms) in copies {
                    // Numbered before a purge or for a queue deleted since: purged or orphaned.
                    if st.deleted || *id < st.purged_below {
                        gone.push(*id);
                        continue;
                    }
                    st.index.insert(*id, Entry::fresh(self.sent_ms, *visible_ms, None), self.sent_ms);
                }
            }
            q.notify.notify_waiters();
        }
        self.reaper.doom(gone);
    }
}

/// What a copy needs of its queue, read once per call under the queue's lock.
struct Target {
    queue: Arc<Queue>,
    refusal: Option<SqsError>,
    maximum_message_size: i64,
    delay_ms: i64,
}

impl Sqs {
    /// Validates each message against each of its queues (standard queues) and numbers a copy
    /// for each queue that accepts it, storing nothing: the caller stores the [`CopiesWrite`] in
    /// its own transaction and applies the [`CopiesApply`] after the commit. Each queue's lock
    /// is taken once, however many messages go to it. Returns, per message and queue, `Ok` or
    /// the error SendMessage would have given (a deleted queue answers QueueDoesNotExist).
    pub fn prepare_copies(
        &self,
        messages: Vec<(CopiesRequest, Vec<Arc<Queue>>)>,
    ) -> (Vec<Vec<SqsResult<()>>>, CopiesWrite, CopiesApply) {
        let now = self.now_ms();
        let mut targets: Vec<Target> = Vec::new();
        let mut arrivals: Vec<Vec<(i64, i64)>> = Vec::new();
        let mut results = Vec::with_capacity(messages.len());
        let mut rows = Vec::with_capacity(messages.len());
        for (request, queues) in messages {
            let common = check(&request);
            let size = message::message_size(&request.body, &request.attributes);
            let mut accepted: Vec<(usize, i64)> = Vec::with_capacity(queues.len());
            let mut outcome = Vec::with_capacity(queues.len());
            for q in queues {
                let t = match targets.iter().position(|t| Arc::ptr_eq(&t.queue, &q)) {
                    Some(t) => t,
                    None => {
                        let st = q.state.lock();
                        let refusal = if st.deleted {
                            Some(SqsError::queue_does_not_exist())
                        } else if q.fifo {
                            Some(SqsError::missing_parameter("MessageGroupId"))
                        } else {
                            None
                        };
                        let (maximum_message_size, delay_ms) =
                            (st.attrs.maximum_message_size, st.attrs.delay_seconds * 1000);
                        drop(st);
                        targets.push(Target { queue: q, refusal, maximum_message_size, delay_ms });
                        arrivals.push(Vec::new());
                        targets.len() - 1
                    }
                };
                let target = &targets[t];
                let r = match (&target.refusal, &common) {
                    (Some(e), _) | (None, Err(e)) => Err(e.clone()),
                    (None, Ok(())) => send::check_size(size, target.maximum_message_size),
                };
                if r.is_ok() {
                    accepted.push((t, target.delay_ms));
                }
                outcome.push(r);
            }
            results.push(outcome);
            if accepted.is_empty() {
                continue;
            }
            // Consecutive ids: the first is the row's.
            let first = self.next_message_ids(accepted.len());
            let mut copies = persist::new_list(*uuid::Uuid::new_v4().as_bytes(), accepted.len());
            for (i, (t, delay_ms)) in accepted.into_iter().enumerate() {
                persist::push_copy(&mut copies, targets[t].queue.id, delay_ms as u32);
                arrivals[t].push((first + i as i64, now + delay_ms));
            }
            rows.push(CopiesRow {
                id: first,
                // Computed when a copy is first received (no caller of a fan-out needs it before).
                md5_body: None,
                attributes: (!request.attributes.is_empty())
                    .then(|| message::attributes_to_json(&request.attributes).to_string()),
                body: request.body,
                group_id: request.group_id,
                sender_id: request.sender_id,
                sent_ms: now,
                copies,
            });
        }
        let arrivals = targets.into_iter().map(|t| t.queue).zip(arrivals).filter(|(_, a)| !a.is_empty()).collect();
        (results, CopiesWrite { rows }, CopiesApply { sent_ms: now, arrivals, reaper: self.inner.reaper.clone() })
    }
}

/// The checks that do not depend on the queue, in SendMessage's order.
fn check(r: &CopiesRequest) -> SqsResult<()> {
    send::check_body(&r.body)?;
    if let Some(g) = &r.group_id {
        send::check_id(g, "MessageGroupId")?;
    }
    Ok(())
}
