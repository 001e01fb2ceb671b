//! The reaper: deletes the rows of messages that are already gone from every queue's index —
//! a deleted queue's, a purged queue's, retention's, orphans found at start — in bounded
//! steps, each its own store job, so that DeleteQueue and PurgeQueue answer at once and no
//! request waits behind a million deletes on the writer (one DeleteQueue held it for 148 s).
//!
//! Nothing here needs to survive a stop: after a restart the same rows are found again — a
//! deleted queue's rows are orphans, a purged queue's are below its `purged_below`, expired
//! ones expire again — and handed back to the reaper.

use crate::persist;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Weak;
use store::Store;
use tokio::sync::Notify;

/// Rows deleted in one step: a few milliseconds of the writer's time.
pub(crate) const STEP: usize = 250;
/// The pause between steps: other jobs get the writer, and the checkpointer keeps up with the
/// WAL a million deletes write (without it a checkpoint that must catch up held the writer
/// back for most of a second).
const PAUSE: std::time::Duration = std::time::Duration::from_millis(4);

/// The ids waiting for deletion, and the wake-up of the task that deletes them.
#[derive(Default)]
pub(crate) struct Reaper {
    doomed: parking_lot::Mutex<VecDeque<i64>>,
    wake: Notify,
    /// Ids handed over and not yet deleted (health shows it).
    pending: AtomicUsize,
}

impl Reaper {
    /// Hands rows over for deletion; callable from anywhere (commit hooks included).
    pub(crate) fn doom(&self, ids: impl IntoIterator<Item = i64>) {
        let added = {
            let mut d = self.doomed.lock();
            let before = d.len();
            d.extend(ids);
            d.len() - before
        };
        if added > 0 {
            self.pending.fetch_add(added, Ordering::SeqCst);
            self.wake.notify_one();
        }
    }

    /// Forgets what waits (the tables are being wiped).
    pub(crate) fn forget(&self) {
        let n = {
            let mut d = self.doomed.lock();
            let n = d.len();
            d.clear();
            n
        };
        self.pending.fetch_sub(n, Ordering::SeqCst);
    }

    /// Rows handed over and not yet deleted.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Deletes one step's worth; false when nothing was waiting.
    pub(crate) async fn step(&self, store: &Store) -> bool {
        let ids: Vec<i64> = {
            let mut d = self.doomed.lock();
            let n = d.len().min(STEP);
            d.drain(..n).collect()
        };
        if ids.is_empty() {
            return false;
        }
        let n = ids.len();
        let r = store.submit(move |t| persist::delete_messages(t, &ids)).await;
        if let Err(e) = r {
            // The rows stay; a restart finds them again.
            tracing::warn!("sqs: deleting {n} messages' rows: {e}");
        }
        self.pending.fetch_sub(n, Ordering::SeqCst);
        true
    }
}

/// Starts the reaper's task on the current runtime (without one, the housekeeping tick steps
/// it). It ends with the service.
pub(crate) fn start(inner: Weak<crate::Inner>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
    handle.spawn(async move {
        loop {
            let Some(sqs) = inner.upgrade() else { return };
            let reaper = sqs.reaper.clone();
            let store = sqs.store.clone();
            drop(sqs);
            let notified = reaper.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let stepped = reaper.step(&store).await;
            // Nothing of the service is held while waiting: a stopped server's store (and its
            // data directory's lock) is released at once, not after the wait.
            drop(store);
            if stepped {
                tokio::time::sleep(PAUSE).await;
            } else {
                // Woken by more work, or now and then to notice that the service is gone.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), notified).await;
            }
        }
    });
}
