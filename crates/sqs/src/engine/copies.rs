//! One message put into many standard queues at once (an SNS publish fanned out with raw
//! delivery): stored as one row — the body, what its copies share, and a list of the copies
//! (queue, id, visibility, MessageId) — instead of a row per queue. A copy gets a row of its own
//! in `sqs_messages` only when something first changes it (a receive, a move); until then the
//! store's verbs find it in the list (see [`crate::persist`]). The copies' ids are consecutive
//! and the first is the row's id, so a copy is found by its id alone.
//!
//! The steps are [`crate::enqueue`]'s: prepare under each queue's lock, store in the caller's
//! job, apply in its commit hook.

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

/// The store side of [`Sqs::prepare_copies`]: one row.
pub struct CopiesWrite {
    row: Option<CopiesRow>,
}

/// The in-memory side of [`Sqs::prepare_copies`].
pub struct CopiesApply {
    arrivals: Vec<(Arc<Queue>, i64)>,
    sent_ms: i64,
    visible_ms: Vec<i64>,
}

impl CopiesWrite {
    /// Stores several messages' copies (inside the caller's transaction).
    pub fn persist_all(t: &store::rusqlite::Transaction<'_>, writes: &[CopiesWrite]) -> store::Result<()> {
        for w in writes {
            if let Some(row) = &w.row {
                persist::insert_copies(t, row)?;
            }
        }
        Ok(())
    }
}

impl CopiesApply {
    /// After the commit: makes the copies receivable and wakes their queues' long polls. A
    /// failed commit leaves nothing to undo (no de-duplication ids on standard queues).
    pub fn apply(self, committed: bool) {
        if !committed {
            return;
        }
        for (i, (q, id)) in self.arrivals.iter().enumerate() {
            q.state.lock().index.insert(*id, Entry::fresh(self.sent_ms, self.visible_ms[i], None), self.sent_ms);
        }
        for (i, (q, _)) in self.arrivals.iter().enumerate() {
            // Once per queue, however many copies it got.
            if !self.arrivals[..i].iter().any(|(p, _)| Arc::ptr_eq(p, q)) {
                q.notify.notify_waiters();
            }
        }
    }
}

impl Sqs {
    /// Validates a message against each of `queues` (standard queues) and numbers a copy for
    /// each that accepts it, storing nothing: the caller stores the [`CopiesWrite`] in its own
    /// transaction and applies the [`CopiesApply`] after the commit. Returns, per queue, `Ok`
    /// or the error SendMessage would have given (a deleted queue answers QueueDoesNotExist).
    pub fn prepare_copies(
        &self,
        queues: &[Arc<Queue>],
        request: CopiesRequest,
    ) -> (Vec<SqsResult<()>>, CopiesWrite, CopiesApply) {
        let now = self.now_ms();
        let common = check(&request);
        let size = message::message_size(&request.body, &request.attributes) as i64;
        let mut results = Vec::with_capacity(queues.len());
        let mut accepted: Vec<(Arc<Queue>, i64)> = Vec::with_capacity(queues.len());
        for q in queues {
            let st = q.state.lock();
            let r = if st.deleted {
                Err(SqsError::queue_does_not_exist())
            } else if q.fifo {
                Err(SqsError::missing_parameter("MessageGroupId"))
            } else if let Err(e) = &common {
                Err(e.clone())
            } else if size > st.attrs.maximum_message_size {
                Err(SqsError::invalid_parameter_value(format!(
                    "One or more parameters are invalid. Reason: Message must be shorter than {} bytes.",
                    st.attrs.maximum_message_size
                )))
            } else {
                accepted.push((q.clone(), now + st.attrs.delay_seconds * 1000));
                Ok(())
            };
            results.push(r);
        }
        let mut apply = CopiesApply { arrivals: Vec::new(), sent_ms: now, visible_ms: Vec::new() };
        if accepted.is_empty() {
            return (results, CopiesWrite { row: None }, apply);
        }
        // Consecutive ids: the first is the row's.
        let first = self.next_message_ids(accepted.len());
        let mut copies = persist::new_list(*uuid::Uuid::new_v4().as_bytes(), accepted.len());
        for (i, (q, visible_ms)) in accepted.into_iter().enumerate() {
            persist::push_copy(&mut copies, q.id, (visible_ms - now) as u32);
            apply.arrivals.push((q, first + i as i64));
            apply.visible_ms.push(visible_ms);
        }
        let row = CopiesRow {
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
        };
        (results, CopiesWrite { row: Some(row) }, apply)
    }
}

/// The checks that do not depend on the queue, in SendMessage's order.
fn check(r: &CopiesRequest) -> SqsResult<()> {
    if r.body.is_empty() {
        return Err(SqsError::missing_parameter("MessageBody"));
    }
    message::check_body(&r.body)?;
    if let Some(g) = &r.group_id {
        super::send::check_id(g, "MessageGroupId")?;
    }
    Ok(())
}
