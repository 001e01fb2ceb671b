//! Amazon Kinesis Data Streams for Quayside, on the service interface: streams and shards with
//! their hash key ranges, records stored a call's chunk at a time, iterators, resharding,
//! enhanced fan-out consumers and SubscribeToShard's event stream, persisted in the shared
//! store. Operations not built yet answer AWS's `NotImplemented` shape and are listed in
//! docs/compatibility.md.

mod api;
pub mod attachment;
pub mod channels;
mod declared;
pub mod error;
mod inspect;
pub mod keys;
mod ops;
mod page;
mod persist;
pub mod queues;
pub mod records;
pub mod stream;
mod tags;
pub mod throttle;

pub use api::{def, KinesisService};
pub use error::{KinesisError, KinesisResult};
pub use persist::MIGRATIONS;

use attachment::Attached;
use parking_lot::RwLock;
use service::Clock;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use store::Store;
use stream::Stream;

/// A stream's key: account, region, name.
pub type StreamKey = (String, String, String);

/// The Kinesis service state.
#[derive(Clone)]
pub struct Kinesis {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    /// Streams by key, in name order per account and region (ListStreams' order).
    streams: RwLock<BTreeMap<StreamKey, Stream>>,
    next_id: AtomicI64,
    /// Open shards an account may have in a region (`--kinesis-shard-limit`).
    shard_limit: u32,
    /// UpdateAccountSettings' MinimumThroughputBillingCommitment by account, as answered.
    settings: RwLock<BTreeMap<String, serde_json::Value>>,
    /// How long each operation's transient state lasts (`--kinesis-delays`).
    delays: Delays,
    /// Each shard's throughput, with `--kinesis-enforce-limits`.
    throttle: Option<throttle::Throttle>,
    /// Bumped after every put's commit and clock move: SubscribeToShard's readers wait on it.
    wakes: tokio::sync::watch::Sender<u64>,
    /// SQS, whose engine carries the stream queues (absent: CreateQueue is refused).
    sqs: Option<sqs::Sqs>,
    /// Stream queues by ARN.
    queues: RwLock<BTreeMap<String, queues::StreamQueue>>,
    /// Channels by ARN.
    channels: RwLock<BTreeMap<String, channels::Channel>>,
    /// Where channels write their objects (`None`: in memory, recorded only).
    channel_dir: Option<std::path::PathBuf>,
    /// The ARNs of the channels and queues left DELETING by a stop, for the first tick.
    #[allow(clippy::type_complexity)]
    cut_short: parking_lot::Mutex<(Vec<String>, Vec<String>)>,
    /// Set when the server shuts down: subscriptions end.
    closing: tokio::sync::watch::Sender<bool>,
    /// Held by a channel delivery round.
    delivering: tokio::sync::Mutex<()>,
    /// SubscribeToShard's live subscriptions: (stream id, consumer, shard).
    subscriptions: parking_lot::Mutex<std::collections::HashSet<(i64, String, u32)>>,
    /// Each shard's traffic since the process started, by (stream id, shard): `/_quayside/metrics`.
    shard_counts: parking_lot::Mutex<std::collections::HashMap<(i64, u32), ShardCounts>>,
}

/// A shard's traffic since the process started.
#[derive(Default, Clone, Copy)]
struct ShardCounts {
    records_in: u64,
    records_out: u64,
    /// MillisBehindLatest of the last read (GetRecords or SubscribeToShard).
    behind_ms: u64,
}

/// The service's settings (`quayside serve --kinesis-...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Open shards an account may have in a region.
    pub shard_limit: u32,
    pub delays: Delays,
    /// Each shard's provisioned throughput is enforced.
    pub enforce_limits: bool,
    /// Where channels write their objects (`None`: recorded only).
    pub channel_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            shard_limit: DEFAULT_SHARD_LIMIT,
            delays: Delays::default(),
            enforce_limits: false,
            channel_dir: None,
        }
    }
}

/// What a delayed transition does with its stream when the delay is over.
pub(crate) enum Finish {
    Keep,
    Remove,
}

/// Transition delays per operation (`--kinesis-delays`).
pub use service::Delays;

/// AWS's default open-shard quota per account and region (us-east-1, us-west-2, eu-west-1).
pub const DEFAULT_SHARD_LIMIT: u32 = 500;

/// ON_DEMAND streams an account may have in a region.
pub const ON_DEMAND_STREAM_LIMIT: usize = 50;

impl Kinesis {
    /// Loads every stream from the store (opened with [`MIGRATIONS`]).
    ///
    /// Errors: the store cannot be read.
    pub fn open(
        store: Store,
        clock: Arc<dyn Clock>,
        options: Options,
        sqs: Option<sqs::Sqs>,
    ) -> store::Result<Kinesis> {
        let Options { shard_limit, delays, enforce_limits, channel_dir } = options;
        let streams = store.run_blocking(|t| {
            let mut streams = persist::load_streams(t)?;
            // A transition cut short by a stop completes now.
            // (Its chunks are orphans then, found below.)
            for s in streams.iter().filter(|s| s.status == "DELETING") {
                persist::delete_stream(t, s.id)?;
            }
            streams.retain(|s| s.status != "DELETING");
            for s in &mut streams {
                let before = s.clone();
                if s.status != "ACTIVE" {
                    s.status = "ACTIVE".into();
                }
                s.consumers.retain(|c| c.status != "DELETING");
                for c in &mut s.consumers {
                    c.status = "ACTIVE".into();
                }
                if *s != before {
                    persist::save_stream(t, s)?;
                }
            }
            // Sequence numbering goes on from each shard's newest stored record (the stored
            // meta only knows where it was when last saved).
            for s in &mut streams {
                for sh in &mut s.shards {
                    if let Some((next, last_ms)) = persist::shard_tip(t, s.id, sh.index)? {
                        sh.next = sh.next.max(next);
                        sh.last_ms = sh.last_ms.max(last_ms);
                    }
                }
            }
            Ok(streams)
        })?;
        // Above every id a deleted stream's chunks still carry, so none is read as a new
        // stream's; those chunks are deleted in bounded steps once the service runs.
        let (orphans, chunk_max) =
            store.run_blocking(|t| Ok((persist::orphan_streams(t)?, persist::max_chunk_stream(t)?)))?;
        let next = streams.iter().map(|s| s.id).max().unwrap_or(0).max(chunk_max) + 1;
        let settings = RwLock::new(store.run_blocking(persist::load_settings)?);
        // Queues and channels whose transition a stop cut short: ACTIVE now, or removed by
        // the first tick (a queue's SQS side goes with it).
        let (channels, queues, cut_short) = store.run_blocking(|t| {
            let mut channels = persist::load_channels(t)?;
            let mut queues = persist::load_queues(t)?;
            let deleting_channels = attachment::complete_at_start(t, &mut channels)?;
            let deleting_queues = attachment::complete_at_start(t, &mut queues)?;
            Ok((channels, queues, (deleting_channels, deleting_queues)))
        })?;
        let channels = channels.into_iter().map(|c| (c.arn(), c)).collect();
        let queues = queues.into_iter().map(|q| (q.arn(), q)).collect();
        let map = streams.into_iter().map(|s| ((s.account.clone(), s.region.clone(), s.name.clone()), s)).collect();
        let k = Kinesis {
            inner: Arc::new(Inner {
                store,
                clock,
                streams: RwLock::new(map),
                next_id: AtomicI64::new(next),
                shard_limit,
                settings,
                delays,
                throttle: enforce_limits.then(throttle::Throttle::default),
                sqs,
                queues: RwLock::new(queues),
                channels: RwLock::new(channels),
                cut_short: parking_lot::Mutex::new(cut_short),
                channel_dir,
                wakes: tokio::sync::watch::channel(0).0,
                closing: tokio::sync::watch::channel(false).0,
                subscriptions: Default::default(),
                shard_counts: Default::default(),
                delivering: tokio::sync::Mutex::new(()),
            }),
        };
        for id in orphans {
            k.delete_chunks_later(id);
        }
        Ok(k)
    }

    /// Deletes a deleted stream's chunks in bounded steps, each its own store job with a pause
    /// after it, so that a deleted stream of gigabytes holds no other request back. Without a
    /// runtime (a test's), the next start does it.
    pub(crate) fn delete_chunks_later(&self, stream_id: i64) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let store = self.inner.store.clone();
        handle.spawn(async move {
            loop {
                let step = store.submit(move |t| persist::delete_chunks(t, stream_id, persist::CHUNKS_PER_STEP));
                match step.await {
                    Ok(0) => return,
                    Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(4)).await,
                    Err(e) => {
                        // The chunks stay orphans; the next start deletes them.
                        tracing::warn!("kinesis: deleting a stream's records: {e}");
                        return;
                    }
                }
            }
        });
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.inner.clock.now_ms().max(0) as u64
    }

    pub(crate) fn streams(&self) -> &RwLock<BTreeMap<StreamKey, Stream>> {
        &self.inner.streams
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn shard_limit(&self) -> u32 {
        self.inner.shard_limit
    }

    pub(crate) fn settings(&self) -> &RwLock<BTreeMap<String, serde_json::Value>> {
        &self.inner.settings
    }

    pub(crate) fn sqs(&self) -> Option<&sqs::Sqs> {
        self.inner.sqs.as_ref()
    }

    pub(crate) fn channels(&self) -> &RwLock<BTreeMap<String, channels::Channel>> {
        &self.inner.channels
    }

    pub(crate) fn delivering(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.delivering
    }

    pub(crate) fn channel_dir(&self) -> Option<&std::path::Path> {
        self.inner.channel_dir.as_deref()
    }

    pub(crate) fn queues(&self) -> &RwLock<BTreeMap<String, queues::StreamQueue>> {
        &self.inner.queues
    }

    /// The SQS queues that take a stream's new records (its queues but those being deleted).
    pub(crate) fn queue_targets(&self, stream_id: i64) -> Vec<String> {
        let queues = self.inner.queues.read();
        if queues.is_empty() {
            return Vec::new();
        }
        queues
            .values()
            .filter(|q| q.stream_id == stream_id && q.status != "DELETING")
            .map(|q| q.sqs_arn(false))
            .collect()
    }

    /// Whether a stream has queues (it cannot be deleted or made PROVISIONED then).
    pub(crate) fn has_queues(&self, stream_id: i64) -> bool {
        self.inner.queues.read().values().any(|q| q.stream_id == stream_id)
    }

    /// The throughput limits, when enforced.
    pub(crate) fn throttle(&self) -> Option<&throttle::Throttle> {
        self.inner.throttle.as_ref()
    }

    /// The transition delay of an operation, in milliseconds.
    pub(crate) fn delay(&self, operation: &str) -> u64 {
        self.inner.delays.of(operation)
    }

    /// Runs `f` after `delay_ms`, unless the server stops first (the next start completes a
    /// transition a stop cut short).
    fn after_delay<F>(&self, delay_ms: u64, f: impl FnOnce(Kinesis) -> F + Send + 'static)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let k = self.clone();
        let mut closing = self.watch_closing();
        tokio::spawn(async move {
            let due = tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(delay_ms)) => true,
                _ = closing.wait_for(|c| *c) => false,
            };
            if due {
                f(k).await;
            }
        });
    }

    /// After `delay_ms`, applies `f` to the stream `key` (if it is still the stream `id`) and
    /// stores the result: a transient state (CREATING, UPDATING, DELETING) ending.
    pub(crate) fn finish_later(
        &self,
        key: StreamKey,
        id: i64,
        delay_ms: u64,
        f: impl FnOnce(&mut Stream) -> Finish + Send + 'static,
    ) {
        self.after_delay(delay_ms, move |k| async move {
            let pending = {
                let mut streams = k.inner.streams.write();
                let Some(s) = streams.get_mut(&key).filter(|s| s.id == id) else {
                    return;
                };
                match f(s) {
                    Finish::Keep => {
                        let saved = s.clone();
                        k.store().submit(move |t| persist::save_stream(t, &saved))
                    }
                    Finish::Remove => {
                        streams.remove(&key);
                        k.store().submit(move |t| persist::delete_stream(t, id))
                    }
                }
            };
            match pending.await {
                Ok(()) if !k.inner.streams.read().values().any(|s| s.id == id) => k.delete_chunks_later(id),
                Ok(()) => {}
                Err(e) => tracing::warn!("kinesis: a delayed stream transition could not be stored: {e}"),
            }
        });
    }

    /// Removes the channels and queues a stop left DELETING.
    async fn remove_cut_short(&self) {
        let (channels, queues) = std::mem::take(&mut *self.inner.cut_short.lock());
        self.remove_all::<channels::Channel>(&channels).await;
        self.remove_all::<queues::StreamQueue>(&queues).await;
    }

    async fn remove_all<T: Attached>(&self, arns: &[String]) {
        let items: Vec<T> = arns.iter().filter_map(|arn| T::all(self).read().get(arn).cloned()).collect();
        for item in items {
            let arn = item.arn();
            if let Err(e) = item.remove(self.clone()).await {
                tracing::warn!("kinesis: removing {arn}, left DELETING by a stop: {}", e.message());
            }
        }
    }

    /// Counts records committed into a shard.
    pub(crate) fn note_put(&self, stream_id: i64, shard: u32, records: u64) {
        self.inner.shard_counts.lock().entry((stream_id, shard)).or_default().records_in += records;
    }

    /// Counts records read from a shard, and how far behind the newest record the reader is.
    pub(crate) fn note_read(&self, stream_id: i64, shard: u32, records: u64, behind_ms: u64) {
        let mut counts = self.inner.shard_counts.lock();
        let c = counts.entry((stream_id, shard)).or_default();
        c.records_out += records;
        c.behind_ms = behind_ms;
    }

    /// Each shard's traffic, by (stream id, shard), for `streams`; deleted streams' counts go
    /// here (the metrics and the console are their only readers).
    fn shard_traffic(
        &self,
        streams: &BTreeMap<StreamKey, Stream>,
    ) -> std::collections::HashMap<(i64, u32), ShardCounts> {
        let live: std::collections::HashSet<i64> = streams.values().map(|s| s.id).collect();
        let mut all = self.inner.shard_counts.lock();
        all.retain(|(id, _), _| live.contains(id));
        all.clone()
    }

    /// Per shard: records in and out, and the last read's iterator age.
    pub fn metrics(&self, m: &mut service::Metrics) {
        let streams = self.inner.streams.read();
        let counts = self.shard_traffic(&streams);
        for s in streams.values() {
            for sh in &s.shards {
                let c = counts.get(&(s.id, sh.index)).copied().unwrap_or_default();
                let shard = stream::shard_id(sh.index);
                let labels = [
                    ("account", s.account.as_str()),
                    ("region", s.region.as_str()),
                    ("stream", s.name.as_str()),
                    ("shard", shard.as_str()),
                ];
                m.counter(
                    "quayside_kinesis_records_in_total",
                    "Records put into the shard.",
                    &labels,
                    c.records_in as f64,
                );
                m.counter(
                    "quayside_kinesis_records_out_total",
                    "Records read from the shard (GetRecords and SubscribeToShard).",
                    &labels,
                    c.records_out as f64,
                );
                m.gauge(
                    "quayside_kinesis_iterator_age_milliseconds",
                    "MillisBehindLatest of the shard's last read.",
                    &labels,
                    c.behind_ms as f64,
                );
            }
        }
    }

    /// Records were committed (or the virtual clock moved): wakes SubscribeToShard's readers.
    pub(crate) fn wake_readers(&self) {
        self.inner.wakes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that changes after each put's commit and clock move.
    pub(crate) fn watch_wakes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.wakes.subscribe()
    }

    /// The server is shutting down: subscriptions end now.
    pub fn shutdown(&self) {
        self.inner.closing.send_replace(true);
    }

    /// A receiver that turns true when the server shuts down.
    pub(crate) fn watch_closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    pub(crate) fn subscriptions(&self) -> &parking_lot::Mutex<std::collections::HashSet<(i64, String, u32)>> {
        &self.inner.subscriptions
    }

    /// Open shards of an account in a region, every stream counted.
    pub(crate) fn open_shard_count(&self, account: &str, region: &str) -> usize {
        let streams = self.inner.streams.read();
        streams.values().filter(|s| s.account == account && s.region == region).map(|s| s.open_shards().count()).sum()
    }

    /// Housekeeping (about once a second, and when the virtual clock moves): records older
    /// than their stream's retention are trimmed, a chunk at a time (a chunk's records arrived
    /// together).
    pub async fn tick(&self) {
        self.remove_cut_short().await;
        self.deliver_channels().await;
        let now = self.now_ms();
        let shards: Vec<(i64, u32, u64)> = {
            let streams = self.inner.streams.read();
            streams
                .values()
                .flat_map(|s| {
                    let cutoff = now.saturating_sub(s.retention_hours.max(0) as u64 * 3_600_000);
                    s.shards.iter().map(move |sh| (s.id, sh.index, cutoff))
                })
                .collect()
        };
        if shards.is_empty() {
            return;
        }
        // Where each shard's kept records begin, read off the writer's path.
        let found = self
            .store()
            .read(move |c| {
                let mut trims = Vec::new();
                for (id, shard, cutoff) in shards {
                    let keep_from = persist::position_at(c, id, shard, cutoff)?.unwrap_or(u64::MAX);
                    if persist::has_chunks_before(c, id, shard, keep_from)? {
                        trims.push((id, shard, keep_from));
                    }
                }
                Ok(trims)
            })
            .await;
        let trims = match found {
            Ok(t) if !t.is_empty() => t,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!("kinesis: retention check failed: {e}");
                return;
            }
        };
        // The streams' stored numbering goes with the trim, so a restart after every record
        // is gone still numbers on.
        let metas: Vec<Stream> = {
            let streams = self.inner.streams.read();
            streams.values().filter(|s| trims.iter().any(|t| t.0 == s.id)).cloned().collect()
        };
        // The trims go in bounded steps (a day of records expiring at once after the clock
        // moved was one job holding the writer).
        for (id, shard, before) in trims {
            loop {
                let step = self.store().submit(move |t| persist::trim(t, id, shard, before, persist::CHUNKS_PER_STEP));
                match step.await {
                    Ok(n) if (n as i64) < persist::CHUNKS_PER_STEP => break,
                    Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(4)).await,
                    Err(e) => {
                        tracing::warn!("kinesis: retention trim failed: {e}");
                        return;
                    }
                }
            }
        }
        let done = self
            .store()
            .write(move |t| {
                for s in &metas {
                    persist::save_stream(t, s)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = done {
            tracing::warn!("kinesis: retention trim failed: {e}");
        }
    }

    /// ON_DEMAND streams of an account in a region.
    pub(crate) fn on_demand_stream_count(&self, account: &str, region: &str) -> usize {
        let streams = self.inner.streams.read();
        streams.values().filter(|s| s.account == account && s.region == region && s.mode == "ON_DEMAND").count()
    }

    /// Forgets every stream (the admin reset).
    pub async fn reset(&self) -> store::Result<()> {
        self.store().write(persist::reset).await?;
        self.inner.streams.write().clear();
        self.inner.settings.write().clear();
        self.inner.queues.write().clear();
        self.inner.channels.write().clear();
        Ok(())
    }
}
