//! The periodic tick: retention expiry, the de-duplication window, attempt ids.

use crate::persist;
use crate::Sqs;

/// Retention expiry, de-duplication window and attempt-id expiry for every queue.
pub(crate) async fn housekeeping(sqs: &Sqs) {
    let now = sqs.now_ms();
    let mut expired: Vec<i64> = Vec::new();
    let mut dedup_expired = false;
    for q in sqs.all_queues() {
        let mut st = q.state.lock();
        st.index.promote(now);
        let cutoff = now - st.attrs.message_retention_period * 1000;
        let before = expired.len();
        for id in st.index.sent_before(cutoff, 10_000) {
            st.index.remove(id);
            expired.push(id);
        }
        // An expired FIFO message in flight held its group: the next one is receivable now.
        if q.fifo && expired.len() > before {
            q.notify.notify_waiters();
        }
        dedup_expired |= st.expire_dedup(now);
        st.attempts.retain(|_, a| a.expires_ms > now);
    }
    // Expired rows go in the reaper's bounded steps (a restart before they are gone finds them
    // expired again).
    sqs.inner.reaper.doom(expired);
    if dedup_expired {
        if let Err(e) = sqs.store().write(move |t| persist::expire_dedup(t, now)).await {
            tracing::warn!("sqs housekeeping: {e}");
        }
    }
    // Without a runtime of its own (a test's), the reaper is stepped here.
    if !sqs.inner.reaper_running.load(std::sync::atomic::Ordering::SeqCst) {
        while sqs.inner.reaper.step(sqs.store()).await {}
    }
}
