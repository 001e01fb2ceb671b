//! Amazon SNS for Quayside, over the shared store: topics and their attributes, tags,
//! permissions and data-protection policies; subscriptions with filter policies; publishing
//! (fan-out into SQS in the publish's own transaction, signed HTTP/S delivery with retries);
//! mobile push (platform applications and endpoints) and SMS, recorded instead of sent.
//!
//! The server holds it as a [`service::Service`] ([`def`]); it speaks the AWS query protocol
//! (XML, or JSON when the client asks), and never sees HTTP.

mod api;
mod archive;
mod arn;
mod declared;
mod delivery;
mod delivery_policy;
pub mod door;
mod error;
mod explain;
mod filter;
mod input;
mod inspect;
mod jackson;
mod limits;
mod message;
mod mobile;
mod model;
mod ops;
mod persist;
mod publish;
mod recorded;
mod signing;
mod sms;
mod subscription;
mod topic;

pub use api::{def, SnsService};
pub use error::{SnsError, SnsResult};
pub use persist::MIGRATIONS;

use parking_lot::{Mutex, RwLock};
use service::Clock;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::Store;
use subscription::Subscription;
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
    /// Subscriptions by ARN.
    subs: RwLock<BTreeMap<String, Subscription>>,
    /// Where SQS subscriptions deliver (absent when SNS runs without SQS, in unit tests).
    sqs: Option<sqs::Sqs>,
    clock: Arc<dyn Clock>,
    signer: signing::SignerCell,
    /// `--sns-cert-host`: the base of SigningCertURL, SubscribeURL and UnsubscribeURL, instead
    /// of the request's host.
    cert_base: Option<String>,
    /// FIFO topics' numbering and de-duplication windows, by topic ARN.
    fifo: Mutex<HashMap<String, publish::FifoState>>,
    /// Each topic's fan-out (confirmed subscriptions with parsed filters), built on demand.
    targets: RwLock<HashMap<String, Arc<Vec<Arc<publish::Target>>>>>,
    deliveries: Arc<delivery::Deliveries>,
    /// Platform applications and endpoints (mobile push).
    mobile: RwLock<mobile::Mobile>,
    /// SMS preferences, opt-outs and sandbox numbers.
    sms: RwLock<sms::SmsState>,
    /// The oldest archived message of each archiving FIFO topic (retention trimming).
    archive_oldest: Mutex<HashMap<String, i64>>,
    /// Messages published to each topic, and each subscription's traffic, since the process
    /// started (`/_quayside/metrics`).
    published: Mutex<HashMap<String, u64>>,
    sub_counts: Mutex<HashMap<String, Arc<publish::SubCounts>>>,
}

/// How SNS is opened.
pub struct Options {
    pub sqs: Option<sqs::Sqs>,
    pub clock: Arc<dyn Clock>,
    /// The base URL written into notifications (`https://sns.us-east-1.amazonaws.com`), or
    /// `None` for `http://<the request's host>`.
    pub cert_base: Option<String>,
    /// Whether HTTP/S deliveries (and confirmations) are sent; off in a throwaway server that
    /// only checks a config file.
    pub deliver: bool,
}

impl Sns {
    /// Messages published per topic; per subscription, messages matched, delivered and failed.
    pub fn metrics(&self, m: &mut service::Metrics) {
        use std::sync::atomic::Ordering::Relaxed;
        let published = self.inner.published.lock().clone();
        for t in self.inner.topics.read().values() {
            let labels = [("account", t.account.as_str()), ("region", t.region.as_str()), ("topic", t.name.as_str())];
            let n = published.get(&t.arn).copied().unwrap_or(0);
            m.counter(
                "quayside_sns_messages_published_total",
                "Messages published to the topic (duplicates of a FIFO topic not counted).",
                &labels,
                n as f64,
            );
        }
        let subs: Vec<Subscription> = self.inner.subs.read().values().cloned().collect();
        for s in subs {
            let c = self.sub_counts(&s.arn);
            let topic = topic::parse_arn(&s.topic_arn).map(|(_, _, name)| name).unwrap_or("");
            let labels = [("topic", topic), ("subscription", s.arn.as_str()), ("protocol", s.protocol.as_str())];
            m.counter(
                "quayside_sns_subscription_matches_total",
                "Messages that passed the subscription's filter policy.",
                &labels,
                c.matched.load(Relaxed) as f64,
            );
            m.counter(
                "quayside_sns_deliveries_total",
                "Messages the endpoint took: stored in its queue, recorded, or answered 2xx.",
                &labels,
                c.delivered.load(Relaxed) as f64,
            );
            m.counter(
                "quayside_sns_delivery_failures_total",
                "Messages its queue refused and HTTP/S attempts that failed.",
                &labels,
                c.failed.load(Relaxed) as f64,
            );
        }
    }

    /// The host name of `--sns-cert-host`, if set.
    pub fn cert_host(&self) -> Option<String> {
        let base = self.inner.cert_base.as_deref()?;
        let rest = base.split_once("://").map_or(base, |(_, r)| r);
        Some(rest.split(['/', ':']).next().unwrap_or(rest).to_string())
    }

    /// Loads every topic from the store (opened with [`MIGRATIONS`]).
    ///
    /// Errors: the store cannot be read.
    /// Starts the HTTP/S delivery worker when called inside an async runtime.
    ///
    /// Errors: the store cannot be read, or holds an unreadable signing key.
    pub fn open(store: Store, options: Options) -> Result<Sns, String> {
        let now = options.clock.now_ms();
        let (topics, subs, fifo, pending, max_id, (apps, endpoints), sms, archive_oldest) = store
            .run_blocking(move |t| {
                Ok((
                    persist::load_topics(t)?,
                    persist::load_subscriptions(t)?,
                    persist::load_fifo(t, now)?,
                    persist::load_delivery_keys(t)?,
                    persist::max_delivery_id(t)?,
                    persist::load_mobile(t)?,
                    persist::load_sms(t)?,
                    persist::archive_oldest(t)?,
                ))
            })
            .map_err(|e| e.to_string())?;
        let topics = topics.into_iter().map(|t| (t.arn.clone(), t)).collect();
        let subs = subs.into_iter().map(|s| (s.arn.clone(), s)).collect();
        let mut fifo_state: HashMap<String, publish::FifoState> = HashMap::new();
        for (arn, next) in fifo.0 {
            fifo_state.entry(arn).or_default().next_seq = next;
        }
        for d in fifo.1 {
            let st = fifo_state.entry(d.topic_arn.clone()).or_default();
            st.order.push_back((d.expires_ms, d.key.clone()));
            st.dedup.insert(d.key.clone(), d);
        }
        let signer = signing::SignerCell::open(&store)?;
        let sns = Sns {
            inner: Arc::new(Inner {
                store,
                topics: RwLock::new(topics),
                subs: RwLock::new(subs),
                sqs: options.sqs,
                clock: options.clock,
                signer,
                cert_base: options.cert_base,
                fifo: Mutex::new(fifo_state),
                targets: RwLock::new(HashMap::new()),
                deliveries: delivery::Deliveries::new(max_id),
                mobile: RwLock::new(mobile::Mobile {
                    apps: apps.into_iter().map(|a| (a.arn.clone(), a)).collect(),
                    endpoints: endpoints.into_iter().map(|e| (e.arn.clone(), e)).collect(),
                }),
                sms: RwLock::new(sms),
                archive_oldest: Mutex::new(archive_oldest.into_iter().collect()),
                published: Mutex::default(),
                sub_counts: Mutex::default(),
            }),
        };
        if options.deliver {
            delivery::start(&sns, pending);
        }
        Ok(sns)
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn sqs(&self) -> Option<&sqs::Sqs> {
        self.inner.sqs.as_ref()
    }

    /// The signing key (waits for it on a new data directory's first use).
    pub(crate) fn signer(&self) -> Option<Arc<signing::Signer>> {
        self.inner.signer.get()
    }

    pub(crate) fn next_delivery_id(&self) -> i64 {
        self.inner.deliveries.next_id()
    }

    /// The clock moved (virtual clock): due retries go now.
    pub fn clock_moved(&self) {
        self.inner.deliveries.wake();
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    /// A copy of the topic an ARN names.
    ///
    /// Errors: `InvalidParameter` for something that is not a topic ARN; `NotFound`.
    pub(crate) fn topic(&self, arn: &str) -> SnsResult<Topic> {
        arn::check_parts(arn, "TopicArn")?;
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
        self.clear_old_archive(&topic.arn).await;
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
        arn::check_parts(arn, "TopicArn")?;
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

    /// Deletes a topic and its subscriptions; deleting one that does not exist is not an error,
    /// as in AWS.
    pub(crate) async fn delete_topic(&self, arn: &str) -> SnsResult<()> {
        let pending = {
            let mut topics = self.inner.topics.write();
            if topics.remove(arn).is_none() {
                return Ok(());
            }
            let mut subs = self.inner.subs.write();
            let gone: Vec<String> = subs.values().filter(|s| s.topic_arn == arn).map(|s| s.arn.clone()).collect();
            let mut counts = self.inner.sub_counts.lock();
            for g in &gone {
                subs.remove(g);
                counts.remove(g);
            }
            drop(counts);
            self.inner.published.lock().remove(arn);
            self.forget_targets(arn);
            // Its archive stays listed: the trim takes it away in bounded steps (a topic gone
            // keeps nothing).
            let arn = arn.to_string();
            self.store().submit(move |t| {
                persist::delete_subscriptions(t, &gone)?;
                persist::delete_topic(t, &arn)
            })
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

    /// The subscriptions of a topic (or all, for `None`), in ARN order.
    pub(crate) fn subscriptions(&self, topic_arn: Option<&str>) -> Vec<Subscription> {
        self.inner.subs.read().values().filter(|s| topic_arn.is_none_or(|t| s.topic_arn == t)).cloned().collect()
    }

    /// A copy of the subscription an ARN names.
    ///
    /// Errors: `InvalidParameter` for a malformed ARN; `NotFound`.
    pub(crate) fn subscription(&self, arn: &str) -> SnsResult<Subscription> {
        check_subscription_arn(arn)?;
        self.inner.subs.read().get(arn).cloned().ok_or_else(SnsError::subscription_not_found)
    }

    /// Adds a subscription, or answers the existing one for the same topic, protocol and
    /// endpoint through `existing`.
    pub(crate) async fn subscribe(
        &self,
        sub: Subscription,
        existing: impl FnOnce(&Subscription) -> SnsResult<()>,
    ) -> SnsResult<Subscription> {
        let pending = {
            let topics = self.inner.topics.read();
            if !topics.contains_key(&sub.topic_arn) {
                return Err(SnsError::topic_not_found());
            }
            let mut subs = self.inner.subs.write();
            let same = subs
                .values()
                .find(|s| s.topic_arn == sub.topic_arn && s.protocol == sub.protocol && s.endpoint == sub.endpoint);
            if let Some(s) = same {
                existing(s)?;
                return Ok(s.clone());
            }
            subs.insert(sub.arn.clone(), sub.clone());
            self.forget_targets(&sub.topic_arn);
            let row = sub.clone();
            self.store().submit(move |t| persist::save_subscription(t, &row))
        };
        pending.await?;
        Ok(sub)
    }

    /// Applies `f` to a subscription and stores it.
    pub(crate) async fn update_subscription(
        &self,
        arn: &str,
        f: impl FnOnce(&mut Subscription) -> SnsResult<()>,
    ) -> SnsResult<Subscription> {
        check_subscription_arn(arn)?;
        let (pending, out) = {
            let mut subs = self.inner.subs.write();
            let s = subs.get_mut(arn).ok_or_else(SnsError::subscription_not_found)?;
            let mut changed = s.clone();
            f(&mut changed)?;
            *s = changed.clone();
            self.forget_targets(&changed.topic_arn);
            let row = changed.clone();
            (self.store().submit(move |t| persist::save_subscription(t, &row)), changed)
        };
        pending.await?;
        Ok(out)
    }

    /// Removes a subscription; an unknown one is not an error (Unsubscribe is idempotent).
    pub(crate) async fn unsubscribe(&self, arn: &str) -> SnsResult<()> {
        check_subscription_arn(arn)?;
        let pending = {
            let mut subs = self.inner.subs.write();
            let Some(gone) = subs.remove(arn) else {
                return Ok(());
            };
            self.inner.sub_counts.lock().remove(arn);
            self.forget_targets(&gone.topic_arn);
            let arns = vec![arn.to_string()];
            self.store().submit(move |t| persist::delete_subscriptions(t, &arns))
        };
        pending.await?;
        Ok(())
    }

    /// Forgets every topic and subscription (admin reset).
    pub async fn reset(&self) -> SnsResult<()> {
        self.inner.subs.write().clear();
        self.inner.sub_counts.lock().clear();
        self.inner.published.lock().clear();
        self.inner.topics.write().clear();
        self.inner.targets.write().clear();
        self.inner.fifo.lock().clear();
        *self.inner.mobile.write() = Default::default();
        *self.inner.sms.write() = Default::default();
        self.inner.archive_oldest.lock().clear();
        self.store().write(persist::reset).await?;
        Ok(())
    }

    /// How many topics exist (health).
    pub fn topic_count(&self) -> usize {
        self.inner.topics.read().len()
    }
}

/// A subscription ARN has the topic's six parts and an id: `arn:aws:sns:<region>:<account>:<topic>:<id>`.
///
/// Errors: `InvalidParameter` in AWS's words ("An ARN must have at least 6 elements, not 1").
fn check_subscription_arn(arn: &str) -> SnsResult<()> {
    arn::check_parts(arn, "SubscriptionArn")?;
    match arn.split(':').count() {
        // A topic's ARN: no subscription id (recorded).
        6 if arn.starts_with("arn:aws:sns:") => Err(SnsError::invalid_parameter("SubscriptionId")),
        7 if arn.starts_with("arn:aws:sns:") => Ok(()),
        _ => Err(SnsError::invalid_parameter("SubscriptionArn")),
    }
}
