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
                match own_handle(queue, h) {
                    Some((id, nonce)) => match st.index.get(id) {
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
                    None => results.push(Err(SqsError::receipt_handle_is_invalid(h))),
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
                    // The latest handle works while nobody has received the message again, also
                    // after its visibility ran out.
                    // (A message never received has receipt 0, which no handle carries.)
                    if m.state == State::Delayed || m.receipt != nonce {
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

/// The message id and receive nonce of a receipt handle issued by this queue; `None` for a
/// forged handle or another queue's.
fn own_handle(queue: &Queue, handle: &str) -> Option<(i64, u32)> {
    receipt::decode(handle).filter(|(qid, _, _)| *qid == queue.id).map(|(_, id, nonce)| (id, nonce))
}
