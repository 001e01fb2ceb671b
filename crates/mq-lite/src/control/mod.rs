//! The Amazon MQ control plane: brokers, users, configurations and tags, all of an account and
//! region, kept in memory and stored (one document per broker and configuration) before an
//! answer is sent. Operations take the model's typed inputs ([`types::Request`]) and return
//! its typed outputs.

pub mod broker;
pub mod catalog;
pub mod configuration;
mod declared;
mod ops;
#[rustfmt::skip]
pub mod types;

use crate::error::{MqError, MqResult};
use crate::persist;
use aws_protocol::RequestContext;
use broker::{Broker, Transition};
use configuration::Configuration;
use parking_lot::RwLock;
use service::{Clock, Delays};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::Store;
use types::BrokerState;

pub use ops::dispatch;

/// The control plane's state.
#[derive(Clone)]
pub struct Mq {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    delays: Delays,
    brokers: RwLock<BTreeMap<String, Broker>>,
    configurations: RwLock<BTreeMap<String, Configuration>>,
    /// The URLs the broker side serves (`stomp://localhost:61613`), once its listeners are
    /// bound; DescribeBroker lists them.
    endpoints: RwLock<Vec<String>>,
    /// The data plane, told when a broker goes.
    engine: std::sync::OnceLock<crate::broker::Engine>,
    /// Held by every change from its check to its commit, so memory and the store see changes
    /// in one order (the control plane is not a hot path).
    writing: tokio::sync::Mutex<()>,
}

impl Mq {
    /// Loads every broker and configuration (the store opened with [`persist::MIGRATIONS`]).
    ///
    /// Errors: the store cannot be read, or holds a document this code did not write.
    pub fn open(store: Store, clock: Arc<dyn Clock>, delays: Delays) -> Result<Mq, String> {
        let (brokers, configs) = store.run_blocking(persist::load).map_err(|e| e.to_string())?;
        let parse = |doc: &str| serde_json::from_str::<serde_json::Value>(doc).map_err(|e| e.to_string());
        let mut b = BTreeMap::new();
        for doc in brokers {
            let broker = Broker::from_json(&parse(&doc)?).map_err(|e| format!("a stored broker: {e}"))?;
            b.insert(broker.id.clone(), broker);
        }
        let mut c = BTreeMap::new();
        for doc in configs {
            let config = Configuration::from_json(&parse(&doc)?).map_err(|e| format!("a stored configuration: {e}"))?;
            c.insert(config.id.clone(), config);
        }
        Ok(Mq {
            inner: Arc::new(Inner {
                store,
                clock,
                delays,
                brokers: RwLock::new(b),
                configurations: RwLock::new(c),
                endpoints: RwLock::new(Vec::new()),
                engine: std::sync::OnceLock::new(),
                writing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The delay of an operation's transition, in ms.
    pub(crate) fn delay(&self, operation: &str) -> u64 {
        self.inner.delays.of(operation)
    }

    /// Adds a URL the broker side serves (a listener was bound), in the order of the
    /// protocols' names.
    /// The listeners' endpoints, as DescribeBroker names them.
    pub fn endpoints(&self) -> Vec<String> {
        self.inner.endpoints.read().clone()
    }

    pub fn add_endpoint(&self, url: String) {
        let mut e = self.inner.endpoints.write();
        e.push(url);
        e.sort();
    }

    /// Connects the data plane, which forgets a broker's messages when the broker goes (and
    /// now those of brokers deleted before a stop finished forgetting them).
    pub fn attach_engine(&self, engine: crate::broker::Engine) {
        let brokers = self.inner.brokers.read();
        engine.forget_unknown(|id| brokers.contains_key(id));
        let running: Vec<String> = brokers.values().filter(|b| b.running()).map(|b| b.id.clone()).collect();
        drop(brokers);
        for id in running {
            self.apply_settings(&engine, &id);
        }
        let _ = self.inner.engine.set(engine);
    }

    /// Gives a running broker's data plane the settings of its current configuration revision
    /// (as Amazon MQ applies a configuration: when the broker starts or reboots) and whether it
    /// bridges (its tags, which change at once).
    fn apply_settings(&self, engine: &crate::broker::Engine, id: &str) {
        use base64::Engine as _;
        let vhost = engine.vhost(id);
        let xml = {
            let brokers = self.inner.brokers.read();
            vhost.set_bridge(brokers.get(id).and_then(Self::bridging));
            let configs = self.inner.configurations.read();
            brokers
                .get(id)
                .and_then(|b| b.configurations.as_ref()?.current.clone())
                .and_then(|c| configs.get(&c.id)?.revision(c.revision.unwrap_or(1)).map(|r| r.data.clone()))
                .and_then(|data| base64::engine::general_purpose::STANDARD.decode(data.trim()).ok())
                .and_then(|b| String::from_utf8(b).ok())
        };
        let policy = xml.map(|x| crate::broker::policy::Policy::parse(&x)).unwrap_or_default();
        vhost.set_policy(policy);
    }

    /// A broker's instances as DescribeBroker lists them (none until it runs), and the actions
    /// it asks of its user: a RabbitMQ broker says that its data plane is not served.
    pub(crate) fn instances(&self, b: &Broker) -> (Vec<types::BrokerInstance>, Vec<types::ActionRequired>) {
        if b.engine_type == types::EngineType::Rabbitmq {
            let note = types::ActionRequired {
                action_required_code: Some("QUAYSIDE_DATA_PLANE_NOT_SERVED".into()),
                action_required_info: Some(
                    "Quayside answers the Amazon MQ API for RabbitMQ brokers but does not serve AMQP yet: \
                     this broker has no endpoint."
                        .into(),
                ),
            };
            return (Vec::new(), vec![note]);
        }
        if !b.running() {
            return (Vec::new(), Vec::new());
        }
        let count = if b.deployment_mode == types::DeploymentMode::ActiveStandbyMultiAz { 2 } else { 1 };
        let endpoints = self.inner.endpoints.read().clone();
        let instance = types::BrokerInstance {
            console_url: None,
            endpoints: Some(endpoints),
            ip_address: Some("127.0.0.1".into()),
        };
        (vec![instance; count], Vec::new())
    }

    /// The running ActiveMQ broker whose user `username` has `password` (its pending-creation
    /// users cannot log in yet, its pending-deletion ones still can). `host` (STOMP's CONNECT
    /// header) narrows the search to the broker of that id or name, when it names one.
    pub fn authenticate(&self, host: Option<&str>, username: &str, password: &str) -> Option<String> {
        let brokers = self.inner.brokers.read();
        let named = |b: &&Broker| host.is_some_and(|h| h == b.id || h == b.name);
        let narrowed = brokers.values().any(|b| named(&b));
        brokers
            .values()
            .filter(|b| b.running() && b.engine_type == types::EngineType::Activemq)
            .filter(|b| !narrowed || named(b))
            .find(|b| {
                b.users.get(username).is_some_and(|u| {
                    let creating = u.pending.as_ref().is_some_and(|p| p.pending_change == types::ChangeType::Create);
                    !creating && u.password_hash == crate::password_hash(&b.id, password)
                })
            })
            .map(|b| b.id.clone())
    }

    /// The account and region of a broker that bridges to SQS and SNS (tagged
    /// `quayside:bridge=true`).
    fn bridging(b: &Broker) -> Option<(String, String)> {
        b.tags
            .get(crate::broker::bridge::TAG)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            .then(|| (b.account.clone(), b.region.clone()))
    }

    pub fn broker_count(&self) -> usize {
        self.inner.brokers.read().len()
    }

    /// Every broker (a copy), for the broker side and tests.
    pub fn brokers(&self) -> Vec<Broker> {
        self.inner.brokers.read().values().cloned().collect()
    }

    /// The broker `id` of the caller's account and region.
    ///
    /// Errors: `NotFoundException`.
    pub(crate) fn broker(&self, ctx: &RequestContext, id: &str) -> MqResult<Broker> {
        self.inner
            .brokers
            .read()
            .get(id)
            .filter(|b| b.account == ctx.account && b.region == ctx.region)
            .cloned()
            .ok_or_else(|| MqError::broker_not_found(id))
    }

    /// The brokers of the caller's account and region, by id.
    pub(crate) fn brokers_of(&self, ctx: &RequestContext) -> Vec<Broker> {
        let all = self.inner.brokers.read();
        all.values().filter(|b| b.account == ctx.account && b.region == ctx.region).cloned().collect()
    }

    /// The configuration `id` of the caller's account and region.
    ///
    /// Errors: `NotFoundException`.
    pub(crate) fn configuration(&self, ctx: &RequestContext, id: &str) -> MqResult<Configuration> {
        self.inner
            .configurations
            .read()
            .get(id)
            .filter(|c| c.account == ctx.account && c.region == ctx.region)
            .cloned()
            .ok_or_else(|| MqError::configuration_not_found(id))
    }

    pub(crate) fn configurations_of(&self, ctx: &RequestContext) -> Vec<Configuration> {
        let all = self.inner.configurations.read();
        all.values().filter(|c| c.account == ctx.account && c.region == ctx.region).cloned().collect()
    }

    /// Runs a change: `f` gets the current state under the write lock and returns what to
    /// store; memory changes only once the store has committed.
    ///
    /// Errors: `f`'s own; the store failed.
    pub(crate) async fn change<T>(&self, f: impl FnOnce(&Mq) -> MqResult<(Change, T)>) -> MqResult<T> {
        let _w = self.inner.writing.lock().await;
        let (change, out) = f(self)?;
        let docs: Vec<(bool, String, Option<String>)> = change
            .brokers
            .iter()
            .map(|(id, b)| (true, id.clone(), b.as_ref().map(|b| b.to_json().to_string())))
            .chain(
                change
                    .configurations
                    .iter()
                    .map(|(id, c)| (false, id.clone(), c.as_ref().map(|c| c.to_json().to_string()))),
            )
            .collect();
        self.inner
            .store
            .submit(move |t| {
                for (is_broker, id, doc) in &docs {
                    match (is_broker, doc) {
                        (true, Some(d)) => persist::save_broker(t, id, d)?,
                        (true, None) => persist::delete_broker(t, id)?,
                        (false, Some(d)) => persist::save_configuration(t, id, d)?,
                        (false, None) => persist::delete_configuration(t, id)?,
                    }
                }
                Ok(())
            })
            .await?;
        let gone: Vec<String> = change.brokers.iter().filter(|(_, b)| b.is_none()).map(|(id, _)| id.clone()).collect();
        let running: Vec<String> = change
            .brokers
            .iter()
            .filter(|(_, b)| b.as_ref().is_some_and(Broker::running))
            .map(|(id, _)| id.clone())
            .collect();
        {
            let mut brokers = self.inner.brokers.write();
            for (id, b) in change.brokers {
                match b {
                    Some(b) => brokers.insert(id, b),
                    None => brokers.remove(&id),
                };
            }
        }
        {
            let mut configs = self.inner.configurations.write();
            for (id, c) in change.configurations {
                match c {
                    Some(c) => configs.insert(id, c),
                    None => configs.remove(&id),
                };
            }
        }
        if let Some(engine) = self.inner.engine.get() {
            for id in gone {
                engine.forget(&id);
            }
            for id in running {
                self.apply_settings(engine, &id);
            }
        }
        Ok(out)
    }

    /// Ends the transitions that are due: brokers become RUNNING (a reboot applies what was
    /// pending) or go.
    pub async fn tick(&self) {
        let now = self.now_ms();
        let due: Vec<String> = self
            .inner
            .brokers
            .read()
            .values()
            .filter(|b| b.transition.is_some_and(|(at, _)| at <= now))
            .map(|b| b.id.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        let r = self
            .change(|mq| {
                let mut change = Change::default();
                let brokers = mq.inner.brokers.read();
                for id in &due {
                    let Some(mut b) = brokers.get(id).cloned() else { continue };
                    match b.transition.take() {
                        Some((_, Transition::Gone)) => change.brokers.push((b.id.clone(), None)),
                        Some((_, Transition::Running)) => {
                            finish(&mut b);
                            change.brokers.push((b.id.clone(), Some(b)));
                        }
                        None => {}
                    }
                }
                Ok((change, ()))
            })
            .await;
        if let Err(e) = r {
            tracing::warn!("mq: ending broker transitions: {e:?}");
        }
    }

    /// Forgets every broker and configuration.
    ///
    /// Errors: the store failed.
    pub async fn reset(&self) -> MqResult<()> {
        let _w = self.inner.writing.lock().await;
        self.inner.store.submit(persist::wipe).await?;
        if let Some(engine) = self.inner.engine.get() {
            engine.reset().await.map_err(MqError::Internal)?;
        }
        self.inner.brokers.write().clear();
        self.inner.configurations.write().clear();
        Ok(())
    }
}

/// A broker whose creation or reboot is over: RUNNING, with what was pending applied.
pub(crate) fn finish(b: &mut Broker) {
    if b.state == BrokerState::RebootInProgress {
        b.apply_pending();
    }
    if let Some(c) = b.configurations.as_mut() {
        // A new broker's configuration is pending until it runs.
        if c.current.is_none() {
            c.current = c.pending.take();
        }
    }
    b.state = BrokerState::Running;
    b.transition = None;
}

/// What a change stores: brokers and configurations by id, `None` to delete.
#[derive(Default)]
pub(crate) struct Change {
    pub brokers: Vec<(String, Option<Broker>)>,
    pub configurations: Vec<(String, Option<Configuration>)>,
}

impl Change {
    pub fn broker(b: Broker) -> Change {
        Change { brokers: vec![(b.id.clone(), Some(b))], ..Change::default() }
    }

    pub fn configuration(c: Configuration) -> Change {
        Change { configurations: vec![(c.id.clone(), Some(c))], ..Change::default() }
    }
}
