//! Amazon SNS for Quayside, over the shared store: topics, their attributes, tags, permissions
//! and data-protection policies. Subscriptions, publishing (fan-out into SQS, HTTP delivery),
//! filter policies and SMS/mobile push are the next steps of the SNS issue; until they land,
//! those operations answer AWS's `NotImplemented` shape (docs/compatibility.md lists them).
//!
//! The server holds it as a [`service::Service`] ([`def`]); it speaks the AWS query protocol
//! (XML, or JSON when the client asks), and never sees HTTP.

mod api;
mod error;
mod input;
mod limits;
mod model;
mod ops;
mod persist;
mod topic;

pub use api::{def, SnsService};
pub use error::{SnsError, SnsResult};
pub use persist::MIGRATIONS;

use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::Store;
use topic::Topic;

/// The SNS service: every topic of every account and region in this process.
#[derive(Clone)]
pub struct Sns {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    /// Topics by ARN (ordered, so ListTopics pages are stable).
    topics: RwLock<BTreeMap<String, Topic>>,
}

impl Sns {
    /// Loads every topic from the store (opened with [`MIGRATIONS`]).
    ///
    /// Errors: the store cannot be read.
    pub fn open(store: Store) -> store::Result<Sns> {
        let topics = store.run_blocking(|t| persist::load_topics(t))?;
        let map = topics.into_iter().map(|t| (t.arn.clone(), t)).collect();
        Ok(Sns { inner: Arc::new(Inner { store, topics: RwLock::new(map) }) })
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    /// A copy of the topic an ARN names.
    ///
    /// Errors: `InvalidParameter` for something that is not a topic ARN; `NotFound`.
    pub(crate) fn topic(&self, arn: &str) -> SnsResult<Topic> {
        if topic::parse_arn(arn).is_none() {
            return Err(SnsError::invalid_parameter("TopicArn"));
        }
        self.inner.topics.read().get(arn).cloned().ok_or_else(SnsError::topic_not_found)
    }

    /// Stores a new topic, or answers the existing one through `existing`.
    pub(crate) async fn create_topic(
        &self,
        topic: Topic,
        existing: impl FnOnce(&Topic) -> SnsResult<()>,
    ) -> SnsResult<String> {
        let pending = {
            let mut topics = self.inner.topics.write();
            if let Some(t) = topics.get(&topic.arn) {
                existing(t)?;
                return Ok(t.arn.clone());
            }
            let row = topic.clone();
            topics.insert(topic.arn.clone(), topic);
            (row.arn.clone(), self.store().submit(move |t| persist::save_topic(t, &row)))
        };
        pending.1.await?;
        Ok(pending.0)
    }

    /// Applies `f` to a topic and stores the result.
    ///
    /// Errors: those of [`topic`](Self::topic), or `f`'s own.
    pub(crate) async fn update_topic(&self, arn: &str, f: impl FnOnce(&mut Topic) -> SnsResult<()>) -> SnsResult<()> {
        if topic::parse_arn(arn).is_none() {
            return Err(SnsError::invalid_parameter("TopicArn"));
        }
        let pending = {
            let mut topics = self.inner.topics.write();
            let t = topics.get_mut(arn).ok_or_else(SnsError::topic_not_found)?;
            let mut changed = t.clone();
            f(&mut changed)?;
            *t = changed.clone();
            self.store().submit(move |tx| persist::save_topic(tx, &changed))
        };
        pending.await?;
        Ok(())
    }

    /// Deletes a topic; deleting one that does not exist is not an error, as in AWS.
    pub(crate) async fn delete_topic(&self, arn: &str) -> SnsResult<()> {
        let pending = {
            let mut topics = self.inner.topics.write();
            if topics.remove(arn).is_none() {
                return Ok(());
            }
            let arn = arn.to_string();
            self.store().submit(move |t| persist::delete_topic(t, &arn))
        };
        pending.await?;
        Ok(())
    }

    /// ARNs of an account's topics in a region, in order.
    pub(crate) fn topic_arns(&self, account: &str, region: &str) -> Vec<String> {
        self.inner
            .topics
            .read()
            .values()
            .filter(|t| t.account == account && t.region == region)
            .map(|t| t.arn.clone())
            .collect()
    }

    /// Forgets every topic (admin reset).
    pub async fn reset(&self) -> SnsResult<()> {
        self.inner.topics.write().clear();
        self.store().write(persist::reset).await?;
        Ok(())
    }

    /// How many topics exist (health).
    pub fn topic_count(&self) -> usize {
        self.inner.topics.read().len()
    }
}
