//! Amazon SQS for Quayside: every operation of the 2012-11-05 API, over the shared store.
//!
//! The server holds it as a [`service::Service`] ([`def`]): each call is decoded from its
//! protocol into a JSON-protocol-shaped value, run, and answered in the same protocol. Other
//! services put messages into queues through [`enqueue`]. It never sees HTTP.

mod api;
mod attributes;
mod body;
mod declared;
pub mod door;
pub mod enqueue;
mod error;
mod index;
mod limits;
mod message;
mod model;
mod persist;

mod developer;
mod engine;
mod input;
mod inspect;
mod ops;
mod queue;
mod receipt;
mod registry;
mod tasks;

pub use api::{def, SqsService};
pub use error::{SqsError, SqsResult};
pub use persist::MIGRATIONS;
pub use queue::{Queue, UrlStyle};

use aws_protocol::RequestContext;
use parking_lot::{Mutex, RwLock};
use queue::QueueKey;
use serde_json::Value;
use service::Clock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use store::Store;

/// Behaviour switches (`--limits strict|relaxed` in the emulator).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Enforce AWS's limits that test suites commonly trip over on an emulator: the
    /// 60-second block on re-creating a just-deleted queue's name, and one PurgeQueue per
    /// queue per 60 seconds.
    pub strict: bool,
    /// How queue URLs are written.
    pub url_style: UrlStyle,
}

/// The SQS service: all queues of all accounts and regions in this process.
#[derive(Clone)]
pub struct Sqs {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    config: Config,
    queues: RwLock<HashMap<QueueKey, Arc<Queue>>>,
    /// The next id of a message, a fanned-out message's copies, or a shared body: one
    /// sequence, so that a copy's list is the nearest body at or below its id.
    next_message_id: AtomicI64,
    next_queue_id: AtomicI64,
    /// Names deleted recently, for QueueDeletedRecently (strict mode).
    deleted: Mutex<HashMap<QueueKey, i64>>,
    tasks: Mutex<tasks::Tasks>,
    /// Ticks never overlap (the periodic one and one after a clock move could otherwise both
    /// spend a move task's rate budget).
    tick_lock: tokio::sync::Mutex<()>,
    /// Set at shutdown: long polls answer at once.
    closing: std::sync::atomic::AtomicBool,
    /// Long polls waiting right now (health shows it).
    waiting: std::sync::atomic::AtomicUsize,
    /// Requests that reached each operation's handler (past the model's checks), by
    /// `ops::OPERATIONS` index.
    handled: [std::sync::atomic::AtomicU64; 23],
    /// Deletes the rows of messages already gone (deleted and purged queues, retention).
    reaper: Arc<engine::reaper::Reaper>,
    /// The reaper runs on a task of its own (false without a runtime: the tick steps it).
    reaper_running: std::sync::atomic::AtomicBool,
}

impl Sqs {
    /// Loads every queue, message index entry, de-duplication entry and move task from the
    /// store. The store must have been opened with [`persist::MIGRATIONS`].
    ///
    /// Errors: the store cannot be read.
    pub fn open(store: Store, clock: Arc<dyn Clock>, config: Config) -> store::Result<Sqs> {
        let now = clock.now_ms();
        let (queues, max_id, dedup, tasks) = store.run_blocking(move |t| {
            let queues = persist::load_queues(t)?;
            let max_id = persist::max_message_id(t)?;
            let dedup = persist::load_dedup(t, now)?;
            let tasks = persist::load_tasks(t)?;
            Ok((queues, max_id, dedup, tasks))
        })?;
        let mut by_id = HashMap::new();
        let mut map = HashMap::new();
        let mut max_queue = 0;
        for row in queues {
            max_queue = max_queue.max(row.id);
            let q = Arc::new(Queue::from_row(row));
            by_id.insert(q.id, q.clone());
            map.insert(q.key(), q);
        }
        // Rows of deleted queues (orphans) and of purges are not loaded: the reaper deletes
        // them in bounded steps once open, as it did before the stop.
        let purged_below: HashMap<i64, i64> = by_id.iter().map(|(id, q)| (*id, q.state.lock().purged_below)).collect();
        let highest_mark = purged_below.values().copied().max().unwrap_or(0);
        let doomed = store.run_blocking({
            let by_id = by_id.clone();
            move |t| {
                let mut doomed = Vec::new();
                persist::load_index(t, |r| match by_id.get(&r.queue_id) {
                    Some(q) if r.id >= purged_below[&r.queue_id] => q.load_message(r, now),
                    _ => doomed.push(r.id),
                })?;
                Ok(doomed)
            }
        })?;
        let reaper = Arc::new(engine::reaper::Reaper::default());
        reaper.doom(doomed);
        for d in dedup {
            if let Some(q) = by_id.get(&d.queue_id) {
                q.load_dedup(d);
            }
        }
        let sqs = Sqs {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                queues: RwLock::new(map),
                // Above every purge mark too: the rows below one may all be gone, and a message
                // numbered below it would count as purged.
                next_message_id: AtomicI64::new((max_id + 1).max(highest_mark)),
                next_queue_id: AtomicI64::new(max_queue + 1),
                deleted: Mutex::new(HashMap::new()),
                tasks: Mutex::new(tasks::Tasks::load(&tasks)),
                tick_lock: tokio::sync::Mutex::new(()),
                closing: std::sync::atomic::AtomicBool::new(false),
                waiting: std::sync::atomic::AtomicUsize::new(0),
                handled: Default::default(),
                reaper_running: std::sync::atomic::AtomicBool::new(tokio::runtime::Handle::try_current().is_ok()),
                reaper,
            }),
        };
        engine::reaper::start(Arc::downgrade(&sqs.inner));
        Ok(sqs)
    }

    /// Runs one SQS operation on an input already decoded from its protocol (a JSON-protocol
    /// value): checks it against the model, then runs the operation.
    ///
    /// Errors: whatever AWS would answer, as an [`SqsError`].
    pub async fn dispatch(&self, ctx: &RequestContext, operation: &str, input: Value) -> SqsResult<Value> {
        if !model::has_operation(operation) {
            return Err(SqsError::invalid_action(operation));
        }
        if let Err(e) = model::check_input(operation, &input) {
            // A batch without entries is an empty batch to AWS, not a missing parameter.
            return Err(match (ops::batch_entry_name(operation), input.get("Entries")) {
                (Some(entry), None) => SqsError::empty_batch(entry),
                _ => e,
            });
        }
        ops::dispatch(self, ctx, operation, input).await
    }

    /// The queue's URL as this emulator writes it (`--queue-url-style`).
    pub fn url(&self, q: &Queue, ctx: &RequestContext) -> String {
        q.url(ctx, self.inner.config.url_style)
    }

    /// The current time of the injected clock, in milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Wakes every long poll (after the virtual clock moved, so timers are re-checked).
    pub fn wake_all(&self) {
        for q in self.all_queues() {
            q.notify.notify_waiters();
        }
    }

    /// The server is stopping: every waiting long poll answers now (empty if nothing came),
    /// and later ones do not wait.
    pub fn shutdown(&self) {
        self.inner.closing.store(true, Ordering::SeqCst);
        self.wake_all();
    }

    fn count_handled(&self, i: usize) {
        self.inner.handled[i].fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests reached each operation's handler (past the model's checks).
    pub fn handled_counts(&self) -> Vec<(&'static str, u64)> {
        ops::OPERATIONS.iter().zip(&self.inner.handled).map(|(op, n)| (*op, n.load(Ordering::Relaxed))).collect()
    }

    /// How many ReceiveMessage calls are waiting for messages now.
    pub fn waiting_receives(&self) -> usize {
        self.inner.waiting.load(Ordering::SeqCst)
    }

    pub(crate) fn waiting(&self) -> &std::sync::atomic::AtomicUsize {
        &self.inner.waiting
    }

    pub(crate) fn closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }

    /// Periodic housekeeping: retention expiry, de-duplication window, message move tasks.
    /// The emulator calls it about once a second (and after the virtual clock moves).
    pub async fn tick(&self) {
        let _one_at_a_time = self.inner.tick_lock.lock().await;
        engine::housekeeping(self).await;
        tasks::run(self).await;
    }

    /// Every queue, in no particular order.
    pub fn all_queues(&self) -> Vec<Arc<Queue>> {
        self.inner.queues.read().values().cloned().collect()
    }

    /// Every queue, in account, region and name order.
    fn queues_in_order(&self) -> Vec<Arc<Queue>> {
        let mut queues = self.all_queues();
        queues.sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        queues
    }

    /// Forgets every queue and message (admin reset). The store tables are wiped too.
    pub async fn reset(&self) -> SqsResult<()> {
        let queues: Vec<Arc<Queue>> = self.inner.queues.write().drain().map(|(_, q)| q).collect();
        for q in &queues {
            q.mark_deleted(); // the tables are wiped below
        }
        self.inner.deleted.lock().clear();
        self.inner.reaper.forget();
        *self.inner.tasks.lock() = tasks::Tasks::default();
        self.inner.store.write(persist::reset).await?;
        Ok(())
    }

    /// Rows of gone messages not yet deleted (for health).
    pub fn rows_to_delete(&self) -> usize {
        self.inner.reaper.pending()
    }

    /// Queue and message counts (for health and the developer endpoints).
    pub fn stats(&self) -> (usize, usize) {
        let queues = self.all_queues();
        let messages = queues.iter().map(|q| q.message_count()).sum();
        (queues.len(), messages)
    }

    /// Each queue's depth, in flight, delayed, oldest message's age and traffic.
    pub fn metrics(&self, m: &mut service::Metrics) {
        use std::sync::atomic::Ordering::Relaxed;
        let now = self.now_ms();
        for q in self.queues_in_order() {
            let labels = [("account", q.account.as_str()), ("region", q.region.as_str()), ("queue", q.name.as_str())];
            let d = q.depths(now);
            m.gauge(
                "quayside_sqs_messages_visible",
                "Messages available to receive (ApproximateNumberOfMessages).",
                &labels,
                d.visible as f64,
            );
            m.gauge(
                "quayside_sqs_messages_in_flight",
                "Messages received and not deleted, within their visibility timeout.",
                &labels,
                d.in_flight as f64,
            );
            m.gauge(
                "quayside_sqs_messages_delayed",
                "Messages sent with a delay that has not passed.",
                &labels,
                d.delayed as f64,
            );
            m.gauge(
                "quayside_sqs_oldest_message_age_seconds",
                "Age of the oldest message in the queue (0 when empty).",
                &labels,
                d.oldest_age_ms as f64 / 1000.0,
            );
            m.counter(
                "quayside_sqs_messages_sent_total",
                "Messages the queue took (sends, batches, SNS fan-out).",
                &labels,
                q.counts.sent.load(Relaxed) as f64,
            );
            m.counter(
                "quayside_sqs_messages_received_total",
                "Messages handed out by ReceiveMessage.",
                &labels,
                q.counts.received.load(Relaxed) as f64,
            );
            m.counter(
                "quayside_sqs_messages_deleted_total",
                "Messages deleted by their receipt handles.",
                &labels,
                q.counts.deleted.load(Relaxed) as f64,
            );
        }
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    fn next_message_id(&self) -> i64 {
        self.next_message_ids(1)
    }

    /// The first of `n` consecutive ids.
    fn next_message_ids(&self, n: usize) -> i64 {
        self.inner.next_message_id.fetch_add(n as i64, Ordering::Relaxed)
    }

    fn lookup(&self, key: &QueueKey) -> Option<Arc<Queue>> {
        self.inner.queues.read().get(key).cloned()
    }

    /// The queue an ARN names (`arn:aws:sqs:region:account:name`).
    pub fn queue_by_arn(&self, arn: &str) -> Option<Arc<Queue>> {
        self.lookup(&QueueKey::from_arn(arn)?)
    }

    /// The queue a QueueUrl names, in the request's region unless the URL names another.
    ///
    /// Errors: `QueueDoesNotExist` (also for URLs that name no queue).
    pub fn queue_by_url(&self, ctx: &RequestContext, url: &str) -> SqsResult<Arc<Queue>> {
        let key = QueueKey::from_url(url, ctx).ok_or_else(SqsError::queue_does_not_exist)?;
        self.lookup(&key).ok_or_else(SqsError::queue_does_not_exist)
    }
}
