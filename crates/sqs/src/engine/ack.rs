//! Acknowledging: deletes and visibility changes by receipt handle.

use crate::error::{SqsError, SqsResult};
use crate::index::State;
use crate::limits::*;
use crate::persist;
use crate::queue::Queue;
use crate::receipt;
use crate::Sqs;
use std::sync::Arc;

impl Sqs {
    /// Deletes messages by receipt handle. Per handle: `Ok(())`, or `ReceiptHandleIsInvalid`
    /// for a handle that is not this queue's. On standard queues any handle the message was
    /// given deletes it, also an older one after it was received again (recorded); on FIFO
    /// queues only the latest, while its visibility timeout runs (it expires exactly then,
    /// recorded), and an expired one is refused. A deleted message's handle succeeds.
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
            // A timeout that ran out makes its message visible before the handle is judged.
            st.index.promote(self.now_ms());
            for h in handles {
                match own_handle(queue, h) {
                    Some((id, nonce)) => match st.index.get(id) {
                        Some(m) if handle_acts(queue, m, nonce) && (!queue.fifo || m.state == State::Inflight) => {
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
                    None => results.push(Err(SqsError::receipt_handle_is_invalid(h))),
                }
            }
            if ids.is_empty() {
                return Ok(results);
            }
            crate::queue::Counts::add(&queue.counts.deleted, ids.len());
            self.store().submit(move |t| {
                for id in &ids {
                    persist::delete_message(t, *id)?;
                }
                Ok(())
            })
        };
        // On a FIFO queue a delete can unlock its group: the next message of it is receivable.
        if queue.fifo {
            queue.notify.notify_waiters();
        }
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
                    let (id, nonce) = own_handle(queue, h).ok_or_else(|| SqsError::receipt_handle_is_invalid(h))?;
                    let Some(m) = st.index.get(id) else {
                        return Err(SqsError::invalid_value(
                            h,
                            "ReceiptHandle",
                            "Message does not exist or is not available for visibility timeout change.",
                        ));
                    };
                    // On FIFO queues the latest handle works while nobody has received the message
                    // again, also after its visibility ran out; on standard queues any handle
                    // the message was given (recorded).
                    if m.state == State::Delayed || !handle_acts(queue, m, nonce) {
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
                    // A message visible sooner than its poll's timer expects: parked polls
                    // re-read their deadline (a timeout of 0 makes it receivable at once).
                    let sooner = visible < m.visible_ms;
                    st.index.set_visible_at(id, visible, now);
                    woke |= sooner;
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

/// Whether a handle of this queue's message `m` with receive nonce `nonce` acts on it: on FIFO
/// queues the latest one only; on standard queues any, once the message was received (a
/// message never received has given no handle).
fn handle_acts(queue: &Queue, m: &crate::index::Meta, nonce: u32) -> bool {
    if queue.fifo {
        m.receipt == nonce
    } else {
        m.receive_count > 0 && nonce != 0
    }
}

/// The message id and receive nonce of a receipt handle issued by this queue; `None` for a
/// forged handle or another queue's.
fn own_handle(queue: &Queue, handle: &str) -> Option<(i64, u32)> {
    receipt::decode(handle).filter(|(qid, _, _)| *qid == queue.id).map(|(_, id, nonce)| (id, nonce))
}
