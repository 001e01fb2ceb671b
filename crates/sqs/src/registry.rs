//! Queue lifecycle: create, update, delete, purge. The registry lock is never held while a
//! queue's lock is awaited (receives take queue then registry), so these clone what they need
//! and lock one thing at a time.

use crate::attributes::QueueAttributes;
use crate::error::{SqsError, SqsResult};
use crate::limits::{DELETED_QUEUE_BLOCK_MS, PURGE_INTERVAL_MS};
use crate::persist;
use crate::queue::{Queue, QueueKey, QueueState};
use crate::Sqs;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl Sqs {
    /// The queues whose RedrivePolicy names `dlq_arn` as their dead-letter queue.
    pub(crate) fn dead_letter_sources(&self, dlq_arn: &str) -> Vec<Arc<Queue>> {
        self.all_queues()
            .into_iter()
            .filter(|q| {
                q.state.lock().attrs.redrive_policy.as_ref().is_some_and(|r| r.dead_letter_target_arn == dlq_arn)
            })
            .collect()
    }

    pub(crate) fn queue_by_key(&self, key: &QueueKey) -> Option<Arc<Queue>> {
        self.lookup(key)
    }

    /// Creates a queue, or returns the existing one if every attribute the caller gave has
    /// the same value.
    ///
    /// Errors: `QueueNameExists` (QueueAlreadyExists) naming the first differing attribute;
    /// `QueueDeletedRecently` in strict mode.
    pub(crate) async fn create_queue(
        &self,
        key: QueueKey,
        attrs: QueueAttributes,
        tags: BTreeMap<String, String>,
        given: &[String],
    ) -> SqsResult<Arc<Queue>> {
        loop {
            if let Some(existing) = self.lookup(&key) {
                let current = existing.state.lock().attrs.to_map();
                let wanted = attrs.to_map();
                for name in given {
                    if current.get(name.as_str()) != wanted.get(name.as_str()) {
                        return Err(SqsError::queue_name_exists(format!(
                            "A queue already exists with the same name and a different value for attribute {name}"
                        )));
                    }
                }
                return Ok(existing);
            }
            let now = self.now_ms();
            if self.inner.config.strict {
                let mut deleted = self.inner.deleted.lock();
                deleted.retain(|_, at| now - *at < DELETED_QUEUE_BLOCK_MS);
                if deleted.contains_key(&key) {
                    return Err(SqsError::queue_deleted_recently());
                }
            }
            let pending = {
                let mut queues = self.inner.queues.write();
                if queues.contains_key(&key) {
                    continue; // created meanwhile: compare attributes against it
                }
                let id = self.inner.next_queue_id.fetch_add(1, Ordering::Relaxed);
                let q = Arc::new(Queue::new(id, key.clone(), attrs.clone(), tags.clone(), now / 1000));
                let row = q.to_row(&q.state.lock());
                queues.insert(key.clone(), q.clone());
                (q, self.store().submit(move |t| persist::insert_queue(t, &row)))
            };
            pending.1.await?;
            return Ok(pending.0);
        }
    }

    /// Applies `f` to the queue's state and stores the result; LastModifiedTimestamp moves.
    ///
    /// Errors: `QueueDoesNotExist` if the queue was deleted meanwhile.
    pub(crate) async fn update_queue(&self, q: &Arc<Queue>, f: impl FnOnce(&mut QueueState)) -> SqsResult<()> {
        let pending = {
            let mut st = q.state.lock();
            if st.deleted {
                return Err(SqsError::queue_does_not_exist());
            }
            f(&mut st);
            st.modified_s = self.now_ms() / 1000;
            let row = q.to_row(&st);
            self.store().submit(move |t| persist::update_queue(t, row.id, &row.attributes, &row.tags, row.modified_s))
        };
        pending.await?;
        Ok(())
    }

    /// Deletes a queue and its messages.
    pub(crate) async fn delete_queue(&self, q: &Arc<Queue>) -> SqsResult<()> {
        {
            let mut queues = self.inner.queues.write();
            if queues.get(&q.key()).is_none_or(|x| x.id != q.id) {
                return Err(SqsError::queue_does_not_exist());
            }
            queues.remove(&q.key());
        }
        // The registry lock is released before the queue's is taken (receives take them the
        // other way round). Once marked deleted, nothing else changes the queue.
        let ids = q.mark_deleted();
        let id = q.id;
        // The queue's row goes now; its messages' rows go in the reaper's bounded steps (they
        // are orphans from this commit on, and a restart finds them so).
        let pending = self.store().submit(move |t| persist::delete_queue(t, id));
        self.inner.deleted.lock().insert(q.key(), self.now_ms());
        pending.await?;
        self.inner.reaper.doom(ids);
        Ok(())
    }

    /// Deletes every message of a queue and forgets its de-duplication ids; with strict limits,
    /// once per 60 seconds.
    ///
    /// Errors: `PurgeQueueInProgress` within 60 seconds of the last purge (strict limits).
    pub(crate) async fn purge(&self, q: &Arc<Queue>, url: &str) -> SqsResult<()> {
        let now = self.now_ms();
        let pending = {
            let mut st = q.state.lock();
            if st.deleted {
                return Err(SqsError::queue_does_not_exist());
            }
            // Test suites purge between tests: only strict limits keep AWS's 60 seconds.
            if self.inner.config.strict && st.last_purge_ms.is_some_and(|t| now - t < PURGE_INTERVAL_MS) {
                return Err(SqsError::purge_in_progress(url));
            }
            st.last_purge_ms = Some(now);
            let ids = st.index.ids();
            st.index.clear();
            st.attempts.clear();
            // AWS forgets the queue's de-duplication ids with its messages.
            st.dedup.clear();
            st.dedup_order.clear();
            // Every message numbered so far is purged, also one whose send commits after this.
            let below = self.next_message_ids(0);
            st.purged_below = below;
            let queue_id = q.id;
            let pending = self.store().submit(move |t| persist::purge_queue(t, queue_id, below));
            (ids, pending)
        };
        pending.1.await?;
        // The rows go in the reaper's bounded steps; those left at a stop are below the mark.
        self.inner.reaper.doom(pending.0);
        Ok(())
    }
}
