//! Amazon Kinesis Data Streams for Quayside, on the service interface: streams and shards with
//! their hash key ranges, persisted in the shared store.
//!
//! Built so far: the stream lifecycle (CreateStream, DeleteStream, DescribeStream,
//! DescribeStreamSummary, ListStreams, ListShards). Every other operation of the model answers
//! AWS's `NotImplemented` shape and is listed in docs/compatibility.md.

mod api;
pub mod error;
pub mod keys;
mod ops;
mod persist;
pub mod records;
pub mod stream;

pub use api::{def, KinesisService};
pub use error::{KinesisError, KinesisResult};
pub use persist::MIGRATIONS;

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
}

impl Kinesis {
    /// Loads every stream from the store (opened with [`MIGRATIONS`]).
    ///
    /// Errors: the store cannot be read.
    pub fn open(store: Store, clock: Arc<dyn Clock>) -> store::Result<Kinesis> {
        let mut streams = store.run_blocking(persist::load_streams)?;
        // Sequence numbering goes on from the last stored record (the stored meta only knows
        // where it was when last saved).
        for (stream_id, shard, next, last_ms) in store.run_blocking(persist::load_tips)? {
            let Some(s) = streams.iter_mut().find(|s| s.id == stream_id) else { continue };
            if let Some(sh) = s.shards.iter_mut().find(|sh| sh.index == shard) {
                sh.next = sh.next.max(next);
                sh.last_ms = sh.last_ms.max(last_ms);
            }
        }
        let next = streams.iter().map(|s| s.id).max().unwrap_or(0) + 1;
        let map = streams.into_iter().map(|s| ((s.account.clone(), s.region.clone(), s.name.clone()), s)).collect();
        Ok(Kinesis {
            inner: Arc::new(Inner { store, clock, streams: RwLock::new(map), next_id: AtomicI64::new(next) }),
        })
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

    /// Forgets every stream (the admin reset).
    pub async fn reset(&self) -> store::Result<()> {
        self.store().write(persist::reset).await?;
        self.inner.streams.write().clear();
        Ok(())
    }
}
