//! The broker's data plane, shared by every protocol (STOMP now; MQTT and WebSocket build on
//! it): one [`Vhost`] per Amazon MQ broker, holding its destinations (see [`state`]), storing
//! what must survive before a producer is told it was taken, and holding producers back while
//! the broker's memory is full (ActiveMQ's producer flow control).

pub mod bridge;
pub mod message;
pub mod persist;
pub mod policy;
pub mod selector;
pub mod state;

use message::{Destination, Message};
use parking_lot::Mutex;
use state::{ConsumerId, Delivery, Entry, Place, State, StoreOp, SubscribeError, Subscription};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use store::Store;
use tokio::sync::{mpsc, Notify};

/// The memory a broker's messages may hold before producers wait (ActiveMQ's producer flow
/// control), by default: `--mq-memory-limit` in MiB. ActiveMQ's own `memoryUsage` is 64 MB, but
/// ActiveMQ pages persistent messages to disk beyond it, and mq-lite keeps what it holds in
/// memory, so its default is larger.
pub const MEMORY_LIMIT: usize = 512 * 1024 * 1024;

/// Every broker's data plane.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    store: Store,
    vhosts: Mutex<HashMap<String, Arc<Vhost>>>,
    next_row: AtomicI64,
    next_message: AtomicU64,
    /// ActiveMQ message ids: `ID:<host>-<start>-<n>:1:1:1:<seq>`.
    id_prefix: String,
    memory_limit: usize,
    bridges: std::sync::OnceLock<Arc<bridge::Bridges>>,
}

/// One broker's data plane.
pub struct Vhost {
    pub broker_id: String,
    state: Mutex<State>,
    engine: std::sync::Weak<EngineInner>,
    room: Notify,
    /// The connected MQTT clients, by client id, each with its signal to close.
    mqtt_clients: Mutex<HashMap<String, Arc<Notify>>>,
    /// Consumers of bridged queues (fed from SQS).
    bridged: Arc<bridge::Consumers>,
    /// The broker's account and region while it bridges to SQS and SNS (set by the control
    /// plane from its tags).
    bridged_to: Mutex<Option<(String, String)>>,
    /// Rows whose insert is submitted and not yet written.
    unwritten: Arc<Mutex<std::collections::HashSet<i64>>>,
    /// Connections logged in to this broker, by a number of their own (`/_quayside/metrics`,
    /// the console).
    connections: Mutex<(u64, std::collections::BTreeMap<u64, Login>)>,
}

/// A connection logged in to a broker, as the console lists it.
#[derive(Debug, Clone)]
pub struct Login {
    /// `stomp` or `mqtt`.
    pub protocol: &'static str,
    /// `tcp`, `tls`, `ws` or `wss` ([`service::ConnectionInfo::transport`]).
    pub transport: &'static str,
    pub peer: std::net::SocketAddr,
    pub client_id: String,
    pub user: String,
    pub since_ms: i64,
}

/// A connection logged in to a broker: listed while it lives.
pub struct Connected(Arc<Vhost>, u64);

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.connections.lock().1.remove(&self.1);
    }
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The store failed: the message was not taken.
    Store(String),
    /// A bridge's service refused it (its words).
    Refused(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Store(m) => write!(f, "the message could not be stored: {m}"),
            SendError::Refused(m) => f.write_str(m),
        }
    }
}

/// Whether a queue of a bridging broker is an SQS queue (the DLQ and temporary queues stay
/// the broker's).
fn bridged_queue(d: &Destination) -> Option<&str> {
    match d {
        Destination::Queue(n) if n != message::DLQ && !n.starts_with("temp-queue://") => Some(n),
        _ => None,
    }
}

impl Engine {
    /// Loads every broker's stored messages and durable subscriptions.
    ///
    /// Errors: the store cannot be read.
    pub fn open(store: Store, now_ms: i64, memory_limit: usize) -> Result<Engine, String> {
        let (loaded, max_row) = store.run_blocking(persist::load).map_err(|e| e.to_string())?;
        let engine = Engine {
            inner: Arc::new(EngineInner {
                store,
                vhosts: Mutex::new(HashMap::new()),
                next_row: AtomicI64::new(max_row + 1),
                next_message: AtomicU64::new(1),
                id_prefix: format!("ID:quayside-{now_ms}-1:1:1:1"),
                memory_limit,
                bridges: std::sync::OnceLock::new(),
            }),
        };
        let mut max_seq = 0;
        for (broker, data) in loaded {
            let v = engine.vhost(&broker);
            let mut st = v.state.lock();
            for (key, topic, selector) in data.durables {
                let selector = selector.and_then(|s| selector::Selector::parse(&s).ok());
                st.restore_durable(key, topic, selector);
            }
            for (topic, m) in data.retained {
                max_seq = max_seq.max(m.seq);
                st.retained.insert(topic, Arc::new(m));
            }
            st.sessions.extend(data.sessions);
            for (row, place, m) in data.messages {
                max_seq = max_seq.max(m.seq);
                if let Some(p) = Place::from_key(&place) {
                    st.restore(p, Entry { row, message: Arc::new(m) });
                }
            }
        }
        engine.inner.next_message.store(max_seq as u64 + 1, Ordering::Relaxed);
        Ok(engine)
    }

    /// Connects the bridges to SQS and SNS.
    pub fn attach_bridges(&self, b: bridge::Bridges) {
        let _ = self.inner.bridges.set(Arc::new(b));
    }

    /// Every broker's data plane made so far, by broker id.
    pub fn vhosts(&self) -> Vec<(String, Arc<Vhost>)> {
        let mut all: Vec<_> = self.inner.vhosts.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// The data plane of broker `id` (made on first use).
    pub fn vhost(&self, id: &str) -> Arc<Vhost> {
        let mut all = self.inner.vhosts.lock();
        all.entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(Vhost {
                    broker_id: id.to_string(),
                    state: Mutex::new(State::default()),
                    engine: Arc::downgrade(&self.inner),
                    room: Notify::new(),
                    mqtt_clients: Mutex::new(HashMap::new()),
                    bridged: Arc::default(),
                    unwritten: Arc::default(),
                    bridged_to: Mutex::new(None),
                    connections: Default::default(),
                })
            })
            .clone()
    }

    /// Forgets a deleted broker's data plane at once, and its stored data in bounded steps
    /// (500 messages a store job, a pause between jobs), so that no other request waits long
    /// behind a big broker's deletion. A restart finishes what a stop cut short (see
    /// [`forget_unknown`](Self::forget_unknown)).
    pub fn forget(&self, id: &str) {
        self.inner.vhosts.lock().remove(id);
        let (store, id) = (self.inner.store.clone(), id.to_string());
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        rt.spawn(async move {
            loop {
                let broker = id.clone();
                match store.submit(move |t| persist::forget_some(t, &broker, 500)).await {
                    Ok(true) => tokio::time::sleep(std::time::Duration::from_millis(4)).await,
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!("mq: deleting the data of broker {id}: {e}");
                        return;
                    }
                }
            }
        });
    }

    /// Forgets the data of every broker the control plane no longer has (a deletion a stop
    /// cut short).
    pub fn forget_unknown(&self, known: impl Fn(&str) -> bool) {
        let gone: Vec<String> = self.inner.vhosts.lock().keys().filter(|id| !known(id)).cloned().collect();
        for id in gone {
            self.forget(&id);
        }
    }

    /// Forgets everything (the admin reset).
    ///
    /// Errors: the store failed.
    pub async fn reset(&self) -> Result<(), String> {
        self.inner.vhosts.lock().clear();
        self.inner.store.submit(persist::wipe).await.map_err(|e| e.to_string())
    }

    /// Brokers with a data plane in memory.
    pub fn vhost_count(&self) -> usize {
        self.inner.vhosts.lock().len()
    }
}

impl EngineInner {
    /// A message as the broker holds it: numbered, with an ActiveMQ message id. A retained
    /// copy (MQTT) is always stored.
    fn message(&self, o: Outgoing, now: i64, retained: bool) -> Arc<Message> {
        let seq = self.next_message.fetch_add(1, Ordering::Relaxed);
        Arc::new(Message {
            seq: seq as i64,
            id: format!("{}:{seq}", self.id_prefix),
            destination: o.destination,
            headers: o.headers,
            body: o.body,
            persistent: o.persistent || retained,
            priority: o.priority,
            timestamp: now,
            expires: o.expires,
            redeliveries: 0,
            binary: o.binary,
            qos: o.qos,
            retained,
            original: None,
        })
    }
}

/// A message as a producer hands it in.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub destination: Destination,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub persistent: bool,
    pub priority: u8,
    pub expires: i64,
    pub binary: bool,
    pub qos: u8,
}

impl Vhost {
    fn engine(&self) -> Option<Arc<EngineInner>> {
        self.engine.upgrade()
    }

    /// The bridges, and the broker's account and region, when it bridges.
    fn bridge(&self) -> Option<(Arc<bridge::Bridges>, String, String)> {
        let (account, region) = self.bridged_to.lock().clone()?;
        let b = self.engine()?.bridges.get()?.clone();
        Some((b, account, region))
    }

    /// Turns the broker's bridges on (its account and region) or off, as its tags say.
    pub fn set_bridge(&self, to: Option<(String, String)>) {
        *self.bridged_to.lock() = to;
    }

    /// Runs `f` on the state and submits the store changes it makes, in order. Returns the
    /// pending commit.
    fn with_state<T>(&self, f: impl FnOnce(&mut State, &mut Vec<StoreOp>) -> T) -> (T, Option<store::Pending<()>>) {
        let mut ops = Vec::new();
        let mut st = self.state.lock();
        let out = f(&mut st, &mut ops);
        // A message acknowledged before its insert was written is never written: the delete
        // cancels the insert (both under `unwritten`'s lock, so the writer sees one or the
        // other), and neither costs the writer anything.
        {
            let mut unwritten = self.unwritten.lock();
            ops.retain(|op| match op {
                StoreOp::Insert { row, .. } => {
                    unwritten.insert(*row);
                    true
                }
                StoreOp::Delete { row } => !unwritten.remove(row),
                _ => true,
            });
        }
        let pending = if ops.is_empty() {
            None
        } else {
            self.engine().map(|e| {
                let broker = self.broker_id.clone();
                let unwritten = self.unwritten.clone();
                e.store.submit(move |t| persist::apply(t, &broker, &ops, &unwritten))
            })
        };
        let memory = st.memory;
        drop(st);
        if let Some(e) = self.engine() {
            if memory < e.memory_limit {
                self.room.notify_waiters();
            }
        }
        (out, pending)
    }

    /// Takes a message: waits while the broker's memory is full, stores it (persistent ones)
    /// and hands it to its destination. Returns once it is stored: a receipt may be sent.
    ///
    /// Errors: the store failed (nothing was taken).
    pub async fn send(&self, o: Outgoing, now: i64) -> Result<(), SendError> {
        let Some(engine) = self.engine() else { return Err(SendError::Store("the broker is gone".into())) };
        if let Some((b, account, region)) = self.bridge() {
            if let (Some(name), Some(_)) = (bridged_queue(&o.destination), &b.sqs) {
                return b.send_to_queue(&account, &region, name, &o).await.map_err(SendError::Refused);
            }
            b.publish_to_topic(&account, &region, &o).await.map_err(SendError::Refused)?;
        }
        // Producer flow control.
        loop {
            let wait = self.room.notified();
            tokio::pin!(wait);
            wait.as_mut().enable();
            if self.state.lock().memory < engine.memory_limit {
                break;
            }
            wait.await;
        }
        let message = engine.message(o, now, false);
        let (_, pending) = self.with_state(|st, ops| {
            let places = st.places_for(&message);
            let entries: Vec<(Place, Entry)> = places
                .into_iter()
                .map(|p| {
                    let row = if message.persistent { engine.next_row.fetch_add(1, Ordering::Relaxed) } else { 0 };
                    if row != 0 {
                        ops.push(StoreOp::Insert { row, place: p.key(), message: message.clone() });
                    }
                    (p, Entry { row, message: message.clone() })
                })
                .collect();
            st.publish(message.clone(), entries, ops, now);
        });
        if let Some(p) = pending {
            p.await.map_err(|e| SendError::Store(e.to_string()))?;
        }
        Ok(())
    }

    /// Adds a consumer.
    ///
    /// Errors: a durable subscription in use.
    pub fn subscribe(
        &self,
        s: Subscription,
        tx: mpsc::UnboundedSender<Delivery>,
        now: i64,
    ) -> Result<ConsumerId, SubscribeError> {
        if let Some((b, account, region)) = self.bridge() {
            if let (Some(name), Some(sqs)) = (bridged_queue(&s.destination), &b.sqs) {
                let id = self.state.lock().next_consumer_id();
                let at = sqs::door::QueueAt::new(&account, &region, name);
                let cumulative = s.ack == state::AckMode::Client;
                self.bridged.start(sqs.clone(), at, id, s.prefetch.clamp(1, 1000), cumulative, tx);
                return Ok(id);
            }
        }
        self.with_state(|st, ops| st.subscribe(s, tx, ops, now)).0
    }

    fn bridged_sqs(&self) -> Option<sqs::Sqs> {
        self.engine()?.bridges.get()?.sqs.clone()
    }

    /// Removes a consumer; its unacknowledged messages come back.
    pub fn unsubscribe(&self, id: ConsumerId, now: i64) {
        if self.bridged.has(id) {
            if let Some(sqs) = self.bridged_sqs() {
                self.bridged.stop(&sqs, id);
            }
            return;
        }
        self.with_state(|st, ops| st.unsubscribe(id, ops, now));
    }

    /// Acknowledges a delivery; false if the consumer has no such delivery.
    pub fn ack(&self, id: ConsumerId, tag: u64, now: i64) -> bool {
        if self.bridged.has(id) {
            return self.bridged_sqs().is_some_and(|sqs| self.bridged.ack(&sqs, id, tag));
        }
        self.with_state(|st, ops| st.ack(id, tag, ops, now)).0
    }

    /// Acknowledges several deliveries as [`ack`](Self::ack) does, in one step: one store
    /// change for all of them.
    pub fn ack_all(&self, acks: &[(ConsumerId, u64)], now: i64) {
        let (bridged, local): (Vec<_>, Vec<_>) = acks.iter().copied().partition(|(id, _)| self.bridged.has(*id));
        if let (false, Some(sqs)) = (bridged.is_empty(), self.bridged_sqs()) {
            for (id, tag) in bridged {
                self.bridged.ack(&sqs, id, tag);
            }
        }
        if !local.is_empty() {
            self.with_state(|st, ops| {
                for (id, tag) in local {
                    st.ack(id, tag, ops, now);
                }
            });
        }
    }

    /// Refuses a delivery (to the DLQ); false if the consumer has no such delivery.
    pub fn nack(&self, id: ConsumerId, tag: u64, now: i64) -> bool {
        if self.bridged.has(id) {
            return self.bridged_sqs().is_some_and(|sqs| self.bridged.nack(&sqs, id, tag));
        }
        self.with_state(|st, ops| st.nack(id, tag, ops, now)).0
    }

    /// Whether a consumer holds a delivery.
    pub fn has_delivery(&self, id: ConsumerId, tag: u64) -> bool {
        self.state.lock().has_delivery(id, tag)
    }

    /// Removes an offline durable subscription; false if it is unknown or online.
    pub fn remove_durable(&self, key: &state::DurableKey) -> bool {
        self.with_state(|st, ops| st.remove_durable(key, ops)).0
    }

    /// Takes a message as [`send`](Self::send) does and, with `retain`, keeps it as its
    /// topic's retained message (an empty body clears it, and is not delivered: MQTT).
    ///
    /// Errors: the store failed.
    pub async fn publish_retained(&self, o: Outgoing, now: i64) -> Result<(), SendError> {
        let topic = o.destination.name().to_string();
        let Some(engine) = self.engine() else { return Err(SendError::Store("the broker is gone".into())) };
        let message = engine.message(o.clone(), now, true);
        let empty = o.body.is_empty();
        let (_, pending) = self.with_state(|st, ops| st.retain(&topic, message, ops));
        if let Some(p) = pending {
            p.await.map_err(|e| SendError::Store(e.to_string()))?;
        }
        if empty {
            return Ok(());
        }
        self.send(o, now).await
    }

    /// Retained messages of the topics a pattern covers.
    pub fn retained_for(&self, pattern: &str) -> Vec<Arc<Message>> {
        self.state.lock().retained_for(pattern)
    }

    /// A kept MQTT session's document.
    pub fn session(&self, client_id: &str) -> Option<String> {
        self.state.lock().sessions.get(client_id).cloned()
    }

    /// Keeps (`Some`) or forgets an MQTT session.
    pub fn save_session(&self, client_id: &str, doc: Option<String>) {
        self.with_state(|st, ops| match doc {
            Some(d) => {
                st.sessions.insert(client_id.to_string(), d.clone());
                ops.push(StoreOp::SaveSession { client_id: client_id.to_string(), doc: d });
            }
            None => {
                if st.sessions.remove(client_id).is_some() {
                    ops.push(StoreOp::DeleteSession { client_id: client_id.to_string() });
                }
            }
        });
    }

    /// The MQTT connection of a client id takes over from an earlier one: the earlier one is
    /// told to close. Returns the signal this connection is told by.
    pub fn take_over(&self, client_id: &str) -> Arc<Notify> {
        let mut clients = self.mqtt_clients.lock();
        if let Some(old) = clients.remove(client_id) {
            old.notify_one();
        }
        let me = Arc::new(Notify::new());
        clients.insert(client_id.to_string(), me.clone());
        me
    }

    /// The connection of a client id ended (unless another took over).
    pub fn left(&self, client_id: &str, me: &Arc<Notify>) {
        let mut clients = self.mqtt_clients.lock();
        if clients.get(client_id).is_some_and(|c| Arc::ptr_eq(c, me)) {
            clients.remove(client_id);
        }
    }

    /// Applies a broker's configuration settings (see [`policy`]).
    pub fn set_policy(&self, p: policy::Policy) {
        self.state.lock().policy = p;
    }

    /// The prefetch a configuration's policy sets for a destination, if any.
    pub fn prefetch_for(&self, d: &Destination, durable: bool) -> Option<usize> {
        let st = self.state.lock();
        match d {
            Destination::Queue(q) => st.policy.prefetch(Some(q), None, durable),
            Destination::Topic(t) => st.policy.prefetch(None, Some(t), durable),
        }
    }

    /// Counts a connection logged in to this broker until the returned value is dropped.
    pub fn connected(self: &Arc<Self>, login: Login) -> Connected {
        let mut c = self.connections.lock();
        c.0 += 1;
        let n = c.0;
        c.1.insert(n, login);
        Connected(self.clone(), n)
    }

    /// Connections logged in to this broker.
    pub fn connection_count(&self) -> usize {
        self.connections.lock().1.len()
    }

    /// The connections logged in to this broker, oldest first.
    pub fn logins(&self) -> Vec<Login> {
        self.connections.lock().1.values().cloned().collect()
    }

    /// Its destinations: (kind, name, messages waiting, consumers).
    pub fn destinations(&self) -> Vec<(&'static str, String, usize, usize)> {
        self.state.lock().destinations()
    }

    /// Messages waiting in a queue.
    pub fn depth(&self, queue: &str) -> usize {
        self.state.lock().depth(&Place::Queue(queue.to_string()))
    }
}
