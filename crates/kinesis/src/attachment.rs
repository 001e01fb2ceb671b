//! What a stream queue and a channel share: a named resource reading one stream, with a
//! generated id, a state (CREATING, ACTIVE, UPDATING, DELETING, and FAILED for channels) and
//! tags, stored as JSON; and their lifecycle (created, updated and deleted through a state
//! that lasts the operation's `--kinesis-delays`).

use crate::error::{KinesisError, KinesisResult};
use crate::stream::Stream;
use crate::Kinesis;
use parking_lot::RwLock;
use serde_json::{json, Value};
use service::BoxFuture;
use std::collections::BTreeMap;
use store::rusqlite::Transaction;

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// Generated: 32 lower-case hex digits.
    pub id: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub stream: String,
    pub stream_id: i64,
    pub stream_created_ms: u64,
    pub created_ms: u64,
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

impl Attachment {
    /// A new one on stream `s`, ACTIVE unless `transient` (then CREATING).
    pub fn new(name: &str, s: &Stream, now_ms: u64, transient: bool, tags: BTreeMap<String, String>) -> Attachment {
        Attachment {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: name.to_string(),
            account: s.account.clone(),
            region: s.region.clone(),
            stream: s.name.clone(),
            stream_id: s.id,
            stream_created_ms: s.created_ms,
            created_ms: now_ms,
            status: if transient { "CREATING" } else { "ACTIVE" }.into(),
            tags,
        }
    }

    pub fn stream_arn(&self) -> String {
        crate::stream::stream_arn(&self.account, &self.region, &self.stream)
    }

    /// `{"StreamARN", "StreamCreationTimestamp"}`, as summaries name the stream.
    pub fn stream_identifier(&self) -> Value {
        json!({"StreamARN": self.stream_arn(), "StreamCreationTimestamp": self.stream_created_ms as f64 / 1000.0})
    }

    /// Whether a StreamFilter list (empty: every stream) names its stream.
    pub fn matches(&self, filters: &[Value]) -> bool {
        filters.is_empty()
            || filters.iter().any(|f| {
                f["StreamARN"].as_str() == Some(self.stream_arn().as_str())
                    && f["StreamCreationTimestamp"]
                        .as_f64()
                        .is_none_or(|t| (t * 1000.0).round() as u64 == self.stream_created_ms)
            })
    }

    /// The stored form, with the owner's own members in `extra` (an object).
    pub fn to_json(&self, extra: Value) -> Value {
        let mut v = json!({
            "id": self.id, "name": self.name, "account": self.account, "region": self.region,
            "stream": self.stream, "stream_id": self.stream_id, "stream_created_ms": self.stream_created_ms,
            "created_ms": self.created_ms, "status": self.status, "tags": self.tags,
        });
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        v
    }

    pub fn from_json(v: &Value) -> Option<Attachment> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Some(Attachment {
            id: s("id")?,
            name: s("name")?,
            account: s("account")?,
            region: s("region")?,
            stream: s("stream")?,
            stream_id: v["stream_id"].as_i64()?,
            stream_created_ms: v["stream_created_ms"].as_u64().unwrap_or(0),
            created_ms: v["created_ms"].as_u64().unwrap_or(0),
            status: s("status").unwrap_or_else(|| "ACTIVE".into()),
            tags: serde_json::from_value(v["tags"].clone()).unwrap_or_default(),
        })
    }
}

/// A stream queue or a channel, as the lifecycle helpers below handle either: kept by ARN in
/// memory and in a table of its own, created ACTIVE (or CREATING for a delay), UPDATING for an
/// update's delay, removed at once or after DELETING.
pub(crate) trait Attached:
    Clone + Send + Sync + 'static + std::ops::Deref<Target = Attachment> + std::ops::DerefMut
{
    fn arn(&self) -> String;
    /// How a ResourceInUseException names it.
    fn label(&self) -> String;
    /// Every one of its kind, by ARN.
    fn all(k: &Kinesis) -> &RwLock<BTreeMap<String, Self>>;
    fn save(&self, t: &Transaction<'_>) -> store::Result<()>;
    /// Removes it for good: from memory, from the store, and whatever it owns besides.
    fn remove(self, k: Kinesis) -> BoxFuture<'static, KinesisResult<()>>;

    /// `ResourceInUseException` unless ACTIVE (it is being created, updated or deleted).
    fn require_active(&self) -> KinesisResult<()> {
        if self.status != "ACTIVE" {
            return Err(KinesisError::in_use(format!(
                "{} is not ACTIVE, instead in state {}.",
                self.label(),
                self.status
            )));
        }
        Ok(())
    }
}

/// Completes at start-up the transitions a stop cut short: CREATING and UPDATING are ACTIVE
/// (stored so); the ARNs of those left DELETING are answered, for the first tick to remove.
pub(crate) fn complete_at_start<T: Attached>(t: &Transaction<'_>, items: &mut [T]) -> store::Result<Vec<String>> {
    let mut deleting = Vec::new();
    for item in items.iter_mut() {
        match item.status.as_str() {
            "CREATING" | "UPDATING" => {
                item.status = "ACTIVE".into();
                item.save(t)?;
            }
            "DELETING" => deleting.push(item.arn()),
            _ => {}
        }
    }
    Ok(deleting)
}

impl Kinesis {
    /// Keeps `item` (in memory, then in the store).
    ///
    /// Errors: the store failed.
    pub(crate) async fn keep<T: Attached>(&self, item: &T) -> KinesisResult<()> {
        T::all(self).write().insert(item.arn(), item.clone());
        let saved = item.clone();
        self.store().submit(move |t| saved.save(t)).await?;
        Ok(())
    }

    /// After `delay_ms`, applies `f` to the item `arn` and keeps it (`f` answers false: the
    /// item is removed).
    pub(crate) fn finish_attached_later<T: Attached>(
        &self,
        arn: String,
        delay_ms: u64,
        f: impl FnOnce(&mut T) -> bool + Send + 'static,
    ) {
        self.after_delay(delay_ms, move |k| async move {
            let Some(mut item) = T::all(&k).read().get(&arn).cloned() else { return };
            let done = if f(&mut item) { k.keep(&item).await } else { item.remove(k.clone()).await };
            if let Err(e) = done {
                tracing::warn!("kinesis: a delayed transition of {arn} failed: {}", e.message());
            }
        });
    }

    /// A new item, kept; CREATING until `operation`'s delay is over.
    ///
    /// Errors: the store failed (the item is forgotten again).
    pub(crate) async fn create_attached<T: Attached>(&self, item: &T, operation: &str) -> KinesisResult<()> {
        if let Err(e) = self.keep(item).await {
            T::all(self).write().remove(&item.arn());
            return Err(e);
        }
        self.activate_later::<T>(item.arn(), self.delay(operation));
        Ok(())
    }

    /// Keeps an updated item, UPDATING for `operation`'s delay; answers it as kept.
    ///
    /// Errors: the store failed.
    pub(crate) async fn update_attached<T: Attached>(&self, mut item: T, operation: &str) -> KinesisResult<T> {
        let delay = self.delay(operation);
        if delay > 0 {
            item.status = "UPDATING".into();
        }
        self.keep(&item).await?;
        self.activate_later::<T>(item.arn(), delay);
        Ok(item)
    }

    /// Removes an item when the call answers, or after DELETING for `operation`'s delay.
    ///
    /// Errors: the store failed.
    pub(crate) async fn delete_attached<T: Attached>(&self, mut item: T, operation: &str) -> KinesisResult<()> {
        let delay = self.delay(operation);
        if delay == 0 {
            return item.remove(self.clone()).await;
        }
        item.status = "DELETING".into();
        self.keep(&item).await?;
        self.finish_attached_later::<T>(item.arn(), delay, |_| false);
        Ok(())
    }

    /// ACTIVE after `delay_ms` (nothing to do without a delay: it is ACTIVE already).
    fn activate_later<T: Attached>(&self, arn: String, delay_ms: u64) {
        if delay_ms > 0 {
            self.finish_attached_later::<T>(arn, delay_ms, |item| {
                item.status = "ACTIVE".into();
                true
            });
        }
    }
}
