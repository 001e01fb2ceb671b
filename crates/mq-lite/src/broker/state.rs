//! One broker's destinations and consumers, and the dispatch between them, as ActiveMQ does
//! it: a queue gives each message to one consumer (round-robin among those with prefetch room
//! whose selector matches, looking at most `MAX_PAGE` messages ahead, ActiveMQ's maxPageSize);
//! a topic gives each message to every subscriber (a non-durable one that is too slow loses
//! the oldest beyond `PENDING_LIMIT`, ActiveMQ's default constantPendingMessageLimitStrategy);
//! a durable subscription is a queue of its own. Unacknowledged messages of a consumer that
//! goes come back redelivered; after `MAX_REDELIVERIES` redeliveries, or at a NACK (ActiveMQ's
//! poison ack), a persistent message moves to `ActiveMQ.DLQ` and a non-persistent one is
//! dropped.
//!
//! Everything here runs under the broker's lock and does no I/O: store changes are returned
//! as [`StoreOp`]s for the caller to submit in order.

use super::message::{Destination, Message};
use super::selector::Selector;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::mpsc;

pub type ConsumerId = u64;

/// Messages a queue's dispatch looks at past ones no consumer takes (ActiveMQ's maxPageSize).
pub const MAX_PAGE: usize = 200;
/// Messages a slow non-durable topic subscriber may have waiting beyond its prefetch.
pub const PENDING_LIMIT: usize = 3000;
/// ActiveMQ's default redelivery policy: redelivered 6 times, then the DLQ.
pub const MAX_REDELIVERIES: u32 = 6;

/// How a subscription acknowledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMode {
    /// Acknowledged once written to the client.
    Auto,
    /// An ACK acknowledges every message delivered to the subscription up to it.
    Client,
    /// An ACK acknowledges that message alone.
    Individual,
}

/// A message on its way to a consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub consumer: ConsumerId,
    /// The consumer's own number for it (ACK and NACK name it).
    pub tag: u64,
    pub message: Arc<Message>,
}

/// A stored copy of a message in one place (a queue, or one durable subscription).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The store row; 0 for a message that is not stored (non-persistent).
    pub row: i64,
    pub message: Arc<Message>,
}

/// A durable subscription's identity: the connection's client id and the subscription name.
pub type DurableKey = (String, String);

/// Where entries wait.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    Queue(String),
    Durable(DurableKey),
}

impl Place {
    /// The stored form.
    pub fn key(&self) -> String {
        match self {
            Place::Queue(n) => format!("queue://{n}"),
            Place::Durable((c, n)) => format!("durable://{}/{n}", c.replace('/', "%2F")),
        }
    }

    pub fn from_key(key: &str) -> Option<Place> {
        if let Some(n) = key.strip_prefix("queue://") {
            return Some(Place::Queue(n.to_string()));
        }
        let rest = key.strip_prefix("durable://")?;
        let (c, n) = rest.split_once('/')?;
        Some(Place::Durable((c.replace("%2F", "/"), n.to_string())))
    }
}

/// A change the store must make, in this order.
#[derive(Debug, Clone)]
pub enum StoreOp {
    Insert {
        row: i64,
        place: String,
        message: Arc<Message>,
    },
    Delete {
        row: i64,
    },
    /// A redelivery count, or a move to the DLQ (new place, original destination).
    Update {
        row: i64,
        place: String,
        message: Arc<Message>,
    },
    SaveDurable {
        key: DurableKey,
        topic: String,
        selector: Option<String>,
    },
    DeleteDurable {
        key: DurableKey,
    },
    SaveRetained {
        topic: String,
        message: Arc<Message>,
    },
    DeleteRetained {
        topic: String,
    },
    SaveSession {
        client_id: String,
        doc: String,
    },
    DeleteSession {
        client_id: String,
    },
}

#[derive(Default)]
struct Queue {
    ready: VecDeque<Entry>,
    consumers: Vec<ConsumerId>,
    next: usize,
}

pub struct Durable {
    pub topic: String,
    pub selector: Option<Selector>,
    pub consumer: Option<ConsumerId>,
}

struct Consumer {
    place: Option<Place>,
    /// Non-durable topic subscriptions: the topic pattern.
    topic: Option<String>,
    selector: Option<Selector>,
    ack: AckMode,
    prefetch: usize,
    tx: mpsc::UnboundedSender<Delivery>,
    next_tag: u64,
    /// Delivered and not acknowledged, by tag.
    unacked: VecDeque<(u64, Entry)>,
    /// Non-durable topic messages waiting for prefetch room.
    pending: VecDeque<Arc<Message>>,
}

/// What to subscribe to.
pub struct Subscription {
    pub destination: Destination,
    pub selector: Option<Selector>,
    pub ack: AckMode,
    pub prefetch: usize,
    /// Topics: a durable subscription of this client id and name.
    pub durable: Option<DurableKey>,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeError {
    /// The durable subscription has an active consumer already.
    DurableInUse(String),
}

/// One broker's destinations.
#[derive(Default)]
pub struct State {
    queues: HashMap<Place, Queue>,
    consumers: HashMap<ConsumerId, Consumer>,
    durables: HashMap<DurableKey, Durable>,
    /// Non-durable topic subscribers, by topic pattern.
    topics: HashMap<String, Vec<ConsumerId>>,
    next_consumer: ConsumerId,
    /// Bytes of messages held (ready and unacknowledged), for producer flow control.
    pub memory: usize,
    /// MQTT's retained messages, by topic (ActiveMQ's name).
    pub retained: HashMap<String, Arc<Message>>,
    /// MQTT sessions kept between connections, by client id (a JSON document).
    pub sessions: HashMap<String, String>,
    /// The broker's configuration settings.
    pub policy: super::policy::Policy,
}

/// Whether an ActiveMQ topic pattern (`a.*.c`, `a.>`) covers a topic name.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    if !pattern.contains(['*', '>']) {
        return pattern == topic;
    }
    let mut p = pattern.split('.');
    let mut t = topic.split('.');
    loop {
        match (p.next(), t.next()) {
            (Some(">"), _) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

impl State {
    /// A consumer id for a consumer kept elsewhere (a bridged queue's).
    pub fn next_consumer_id(&mut self) -> ConsumerId {
        self.next_consumer += 1;
        self.next_consumer
    }

    /// Restores a stored entry (at start).
    pub fn restore(&mut self, place: Place, entry: Entry) {
        self.memory += entry.message.size();
        self.queues.entry(place).or_default().ready.push_back(entry);
    }

    /// Restores a durable subscription (at start), offline.
    pub fn restore_durable(&mut self, key: DurableKey, topic: String, selector: Option<Selector>) {
        self.queues.entry(Place::Durable(key.clone())).or_default();
        self.durables.insert(key, Durable { topic, selector, consumer: None });
    }

    /// Where a published message goes: a queue's place, or every durable subscription of the
    /// topic that takes it. Non-durable topic subscribers get it in [`publish`].
    pub fn places_for(&self, m: &Message) -> Vec<Place> {
        match &m.destination {
            Destination::Queue(n) => vec![Place::Queue(n.clone())],
            Destination::Topic(t) => {
                let mut v: Vec<Place> = self
                    .durables
                    .iter()
                    .filter(|(_, d)| topic_matches(&d.topic, t) && d.selector.as_ref().is_none_or(|s| s.matches(m)))
                    .map(|(k, _)| Place::Durable(k.clone()))
                    .collect();
                v.sort_by_key(Place::key);
                v
            }
        }
    }

    /// Adds a message: its stored copies (`entries`, one per place of [`places_for`]) wait
    /// in their places, and non-durable subscribers of its topic get it.
    pub fn publish(&mut self, message: Arc<Message>, entries: Vec<(Place, Entry)>, ops: &mut Vec<StoreOp>, now: i64) {
        for (place, entry) in entries {
            self.memory += entry.message.size();
            self.queues.entry(place.clone()).or_default().ready.push_back(entry);
            self.dispatch(&place, ops, now);
        }
        if let Destination::Topic(t) = &message.destination {
            let subscribers: Vec<ConsumerId> = self
                .topics
                .iter()
                .filter(|(p, _)| topic_matches(p, t))
                .flat_map(|(_, ids)| ids.iter().copied())
                .collect();
            for id in subscribers {
                let Some(c) = self.consumers.get_mut(&id) else { continue };
                if c.selector.as_ref().is_some_and(|s| !s.matches(&message)) {
                    continue;
                }
                if c.unacked.len() < c.prefetch {
                    send(c, id, Entry { row: 0, message: message.clone() }, &mut self.memory);
                } else {
                    c.pending.push_back(message.clone());
                    if c.pending.len() > self.policy.pending_limit(t) {
                        c.pending.pop_front();
                    }
                }
            }
        }
    }

    /// Gives a place's waiting messages to its consumers with room.
    fn dispatch(&mut self, place: &Place, ops: &mut Vec<StoreOp>, now: i64) {
        let Some(q) = self.queues.get_mut(place) else { return };
        if q.consumers.is_empty() {
            return;
        }
        let mut i = 0;
        while i < q.ready.len() && i < MAX_PAGE {
            if q.ready[i].message.expired(now) {
                if let Some(e) = q.ready.remove(i) {
                    self.memory = self.memory.saturating_sub(e.message.size());
                    if e.row != 0 {
                        ops.push(StoreOp::Delete { row: e.row });
                    }
                }
                continue;
            }
            let n = q.consumers.len();
            let mut chosen = None;
            let mut any_room = false;
            for k in 0..n {
                let id = q.consumers[(q.next + k) % n];
                let Some(c) = self.consumers.get(&id) else { continue };
                if c.unacked.len() >= c.prefetch {
                    continue;
                }
                any_room = true;
                if c.selector.as_ref().is_none_or(|s| s.matches(&q.ready[i].message)) {
                    chosen = Some((id, (q.next + k + 1) % n));
                    break;
                }
            }
            match chosen {
                Some((id, next)) => {
                    q.next = next;
                    let Some(entry) = q.ready.remove(i) else { break };
                    if let Some(c) = self.consumers.get_mut(&id) {
                        let mut held = 0;
                        send(c, id, entry, &mut held);
                    }
                }
                None if !any_room => break,
                None => i += 1,
            }
        }
    }

    /// Adds a consumer; its deliveries go to `tx`.
    ///
    /// Errors: a durable subscription that has a consumer already.
    pub fn subscribe(
        &mut self,
        s: Subscription,
        tx: mpsc::UnboundedSender<Delivery>,
        ops: &mut Vec<StoreOp>,
        now: i64,
    ) -> Result<ConsumerId, SubscribeError> {
        self.next_consumer += 1;
        let id = self.next_consumer;
        let (place, topic) = match (&s.destination, &s.durable) {
            (Destination::Queue(n), _) => (Some(Place::Queue(n.clone())), None),
            (Destination::Topic(t), Some(key)) => {
                let selector_text = s.selector.as_ref().map(|x| x.text.clone());
                match self.durables.get_mut(key) {
                    Some(d) if d.consumer.is_some() => {
                        return Err(SubscribeError::DurableInUse(format!(
                            "Durable consumer is in use for client: {} and subscriptionName: {}",
                            key.0, key.1
                        )))
                    }
                    Some(d) if d.topic == *t && d.selector.as_ref().map(|x| &x.text) == selector_text.as_ref() => {
                        d.consumer = Some(id);
                    }
                    _ => {
                        // New, or changed (another topic or selector): it starts afresh, as
                        // in JMS.
                        if self.durables.contains_key(key) {
                            self.drop_place(&Place::Durable(key.clone()), ops);
                        }
                        self.durables.insert(
                            key.clone(),
                            Durable { topic: t.clone(), selector: s.selector.clone(), consumer: Some(id) },
                        );
                        ops.push(StoreOp::SaveDurable { key: key.clone(), topic: t.clone(), selector: selector_text });
                    }
                }
                (Some(Place::Durable(key.clone())), None)
            }
            (Destination::Topic(t), None) => (None, Some(t.clone())),
        };
        let consumer = Consumer {
            place: place.clone(),
            topic: topic.clone(),
            selector: s.selector,
            ack: s.ack,
            prefetch: s.prefetch.max(1),
            tx,
            next_tag: 0,
            unacked: VecDeque::new(),
            pending: VecDeque::new(),
        };
        self.consumers.insert(id, consumer);
        match (&place, topic) {
            (Some(p), _) => {
                self.queues.entry(p.clone()).or_default().consumers.push(id);
                self.dispatch(p, ops, now);
            }
            (None, Some(t)) => self.topics.entry(t).or_default().push(id),
            (None, None) => {}
        }
        Ok(id)
    }

    /// Removes a consumer: what it had not acknowledged comes back, redelivered (or to the
    /// DLQ after `MAX_REDELIVERIES`). A durable subscription stays, offline.
    pub fn unsubscribe(&mut self, id: ConsumerId, ops: &mut Vec<StoreOp>, now: i64) {
        let Some(c) = self.consumers.remove(&id) else { return };
        if let Some(t) = &c.topic {
            if let Some(ids) = self.topics.get_mut(t) {
                ids.retain(|x| *x != id);
                if ids.is_empty() {
                    self.topics.remove(t);
                }
            }
        }
        for (_, e) in &c.unacked {
            if c.place.is_none() {
                self.memory = self.memory.saturating_sub(e.message.size());
            }
        }
        let Some(place) = c.place else { return };
        if let Place::Durable(key) = &place {
            if let Some(d) = self.durables.get_mut(key) {
                d.consumer = None;
            }
        }
        if let Some(q) = self.queues.get_mut(&place) {
            q.consumers.retain(|x| *x != id);
        }
        // Back to the front, in their order, each counted as redelivered.
        let mut back: Vec<Entry> = c.unacked.into_iter().map(|(_, e)| e).collect();
        back.sort_by_key(|e| e.message.seq);
        for e in back.into_iter().rev() {
            let mut m = (*e.message).clone();
            m.redeliveries += 1;
            let max = self.policy.max_redeliveries;
            if m.redeliveries > max {
                let cause = format!(
                    "Delivery[{}] exceeds redelivery policy limit:RedeliveryPolicy {{maximumRedeliveries = {max}}}",
                    m.redeliveries
                );
                self.dead_letter(e.row, m, &cause, ops, now);
                continue;
            }
            let entry = Entry { row: e.row, message: Arc::new(m) };
            if entry.row != 0 {
                ops.push(StoreOp::Update { row: entry.row, place: place.key(), message: entry.message.clone() });
            }
            self.queues.entry(place.clone()).or_default().ready.push_front(entry);
        }
        self.dispatch(&place, ops, now);
    }

    /// A persistent message that failed: to the DLQ (stored there), a non-persistent one is
    /// dropped.
    fn dead_letter(&mut self, row: i64, mut m: Message, cause: &str, ops: &mut Vec<StoreOp>, now: i64) {
        let (queue, topic) = match &m.destination {
            Destination::Queue(q) => (Some(q.as_str()), None),
            Destination::Topic(t) => (None, Some(t.as_str())),
        };
        let target = self.policy.dead_letter_queue(queue, topic, m.persistent);
        let already = target.as_deref().is_some_and(|t| m.destination == Destination::Queue(t.to_string()));
        let Some(dlq) = target.filter(|_| !already) else {
            self.memory = self.memory.saturating_sub(m.size());
            if row != 0 {
                ops.push(StoreOp::Delete { row });
            }
            return;
        };
        if m.original.is_none() {
            m.original = Some(m.destination.clone());
        }
        m.headers.retain(|(k, _)| k != "dlqDeliveryFailureCause");
        if !cause.is_empty() {
            m.headers.push(("dlqDeliveryFailureCause".into(), cause.to_string()));
        }
        m.destination = Destination::Queue(dlq.clone());
        m.redeliveries = 0;
        let place = Place::Queue(dlq);
        let entry = Entry { row, message: Arc::new(m) };
        if row != 0 {
            ops.push(StoreOp::Update { row, place: place.key(), message: entry.message.clone() });
        }
        self.queues.entry(place.clone()).or_default().ready.push_back(entry);
        self.dispatch(&place, ops, now);
    }

    /// Acknowledges `tag` (and, in client mode, every earlier delivery of the consumer).
    /// Returns whether the consumer had it.
    pub fn ack(&mut self, id: ConsumerId, tag: u64, ops: &mut Vec<StoreOp>, now: i64) -> bool {
        let Some(c) = self.consumers.get_mut(&id) else { return false };
        let Some(pos) = c.unacked.iter().position(|(t, _)| *t == tag) else { return false };
        let done: Vec<(u64, Entry)> = if c.ack == AckMode::Client {
            c.unacked.drain(..=pos).collect()
        } else {
            c.unacked.remove(pos).into_iter().collect()
        };
        for (_, e) in &done {
            self.memory = self.memory.saturating_sub(e.message.size());
            if e.row != 0 {
                ops.push(StoreOp::Delete { row: e.row });
            }
        }
        self.refill(id, ops, now);
        true
    }

    /// A NACK: the message is poison (ActiveMQ sends it to the DLQ at once).
    pub fn nack(&mut self, id: ConsumerId, tag: u64, ops: &mut Vec<StoreOp>, now: i64) -> bool {
        let Some(c) = self.consumers.get_mut(&id) else { return false };
        let Some(pos) = c.unacked.iter().position(|(t, _)| *t == tag) else { return false };
        let Some((_, e)) = c.unacked.remove(pos) else { return false };
        let is_queued = c.place.is_some();
        let m = (*e.message).clone();
        if is_queued {
            // ActiveMQ's poison ack from STOMP carries no cause (oracle: no
            // dlqDeliveryFailureCause on a NACKed message in the DLQ).
            self.dead_letter(e.row, m, "", ops, now);
        } else {
            self.memory = self.memory.saturating_sub(m.size());
        }
        self.refill(id, ops, now);
        true
    }

    /// After room opened in a consumer's prefetch: its place dispatches again, or its
    /// waiting topic messages go out.
    fn refill(&mut self, id: ConsumerId, ops: &mut Vec<StoreOp>, now: i64) {
        let Some(c) = self.consumers.get_mut(&id) else { return };
        if let Some(place) = c.place.clone() {
            self.dispatch(&place, ops, now);
            return;
        }
        while c.unacked.len() < c.prefetch {
            let Some(m) = c.pending.pop_front() else { break };
            send(c, id, Entry { row: 0, message: m }, &mut self.memory);
        }
    }

    /// The consumer's deliveries up to `tag`, in client mode, or `tag` alone: for checking an
    /// ACK names a delivery.
    pub fn has_delivery(&self, id: ConsumerId, tag: u64) -> bool {
        self.consumers.get(&id).is_some_and(|c| c.unacked.iter().any(|(t, _)| *t == tag))
    }

    /// Removes a durable subscription and its messages (UNSUBSCRIBE with its name).
    pub fn remove_durable(&mut self, key: &DurableKey, ops: &mut Vec<StoreOp>) -> bool {
        if self.durables.get(key).is_some_and(|d| d.consumer.is_some()) {
            return false;
        }
        if self.durables.remove(key).is_none() {
            return false;
        }
        self.drop_place(&Place::Durable(key.clone()), ops);
        ops.push(StoreOp::DeleteDurable { key: key.clone() });
        true
    }

    fn drop_place(&mut self, place: &Place, ops: &mut Vec<StoreOp>) {
        if let Some(q) = self.queues.remove(place) {
            for e in q.ready {
                self.memory = self.memory.saturating_sub(e.message.size());
                if e.row != 0 {
                    ops.push(StoreOp::Delete { row: e.row });
                }
            }
        }
    }

    /// Keeps (or, for an empty body, clears) a topic's retained message.
    pub fn retain(&mut self, topic: &str, message: Arc<Message>, ops: &mut Vec<StoreOp>) {
        if message.body.is_empty() {
            if self.retained.remove(topic).is_some() {
                ops.push(StoreOp::DeleteRetained { topic: topic.to_string() });
            }
        } else {
            self.retained.insert(topic.to_string(), message.clone());
            ops.push(StoreOp::SaveRetained { topic: topic.to_string(), message });
        }
    }

    /// Retained messages of the topics a pattern covers.
    pub fn retained_for(&self, pattern: &str) -> Vec<Arc<Message>> {
        let mut v: Vec<Arc<Message>> =
            self.retained.iter().filter(|(t, _)| topic_matches(pattern, t)).map(|(_, m)| m.clone()).collect();
        v.sort_by_key(|m| m.seq);
        v
    }

    /// Messages waiting in a queue (for tests and the console).
    pub fn depth(&self, place: &Place) -> usize {
        self.queues.get(place).map_or(0, |q| q.ready.len())
    }

    /// Queues and durable subscriptions with their waiting messages and consumers, and
    /// topics with their subscribers, in name order.
    pub fn destinations(&self) -> Vec<(&'static str, String, usize, usize)> {
        let mut out: Vec<(&'static str, String, usize, usize)> = self
            .queues
            .iter()
            .map(|(place, q)| match place {
                Place::Queue(n) => ("queue", n.clone(), q.ready.len(), q.consumers.len()),
                Place::Durable((client, name)) => {
                    ("durable", format!("{client}/{name}"), q.ready.len(), q.consumers.len())
                }
            })
            .collect();
        out.extend(self.topics.iter().map(|(t, subs)| ("topic", t.clone(), 0, subs.len())));
        out.sort();
        out
    }
}

fn send(c: &mut Consumer, id: ConsumerId, entry: Entry, memory: &mut usize) {
    c.next_tag += 1;
    let tag = c.next_tag;
    *memory += if entry.row == 0 && c.place.is_none() { entry.message.size() } else { 0 };
    let message = entry.message.clone();
    c.unacked.push_back((tag, entry));
    // A closed receiver means the connection is going; its unsubscribe brings the message back.
    let _ = c.tx.send(Delivery { consumer: id, tag, message });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::message::DLQ;
    use bytes::Bytes;

    fn message(seq: i64, dest: Destination, persistent: bool) -> Arc<Message> {
        Arc::new(Message {
            seq,
            id: format!("ID:{seq}"),
            destination: dest,
            headers: vec![("n".into(), seq.to_string())],
            body: Bytes::from(format!("m{seq}")),
            persistent,
            priority: 4,
            timestamp: 0,
            expires: 0,
            redeliveries: 0,
            binary: false,
            qos: 0,
            retained: false,
            original: None,
        })
    }

    fn put(s: &mut State, seq: i64, dest: Destination) -> Vec<StoreOp> {
        let m = message(seq, dest, true);
        let mut ops = Vec::new();
        let places = s.places_for(&m);
        let entries = places.into_iter().map(|p| (p, Entry { row: seq, message: m.clone() })).collect();
        s.publish(m, entries, &mut ops, 0);
        ops
    }

    fn sub(
        s: &mut State,
        dest: Destination,
        ack: AckMode,
        prefetch: usize,
    ) -> (ConsumerId, mpsc::UnboundedReceiver<Delivery>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let spec = Subscription { destination: dest, selector: None, ack, prefetch, durable: None };
        (s.subscribe(spec, tx, &mut Vec::new(), 0).unwrap(), rx)
    }

    fn q() -> Destination {
        Destination::Queue("q".into())
    }

    #[test]
    fn queues_round_robin_within_prefetch_and_redeliver_on_close() {
        let mut s = State::default();
        let (a, mut ra) = sub(&mut s, q(), AckMode::Client, 2);
        let (b, mut rb) = sub(&mut s, q(), AckMode::Client, 2);
        for i in 1..=5 {
            put(&mut s, i, q());
        }
        let got_a: Vec<i64> = std::iter::from_fn(|| ra.try_recv().ok()).map(|d| d.message.seq).collect();
        let got_b: Vec<i64> = std::iter::from_fn(|| rb.try_recv().ok()).map(|d| d.message.seq).collect();
        assert_eq!((got_a, got_b), (vec![1, 3], vec![2, 4]), "one each in turn, two each at most");
        assert_eq!(s.depth(&Place::Queue("q".into())), 1);
        // Client mode: acking the second acknowledges both.
        let mut ops = Vec::new();
        assert!(s.ack(a, 2, &mut ops, 0));
        assert_eq!(ops.len(), 2);
        let next: Vec<i64> = std::iter::from_fn(|| ra.try_recv().ok()).map(|d| d.message.seq).collect();
        assert_eq!(next, [5]);
        // b goes without acking: 2 and 4 come back, redelivered, to a (room for one).
        s.unsubscribe(b, &mut Vec::new(), 0);
        s.ack(a, 3, &mut Vec::new(), 0);
        let again: Vec<(i64, u32)> =
            std::iter::from_fn(|| ra.try_recv().ok()).map(|d| (d.message.seq, d.message.redeliveries)).collect();
        assert_eq!(again, [(2, 1), (4, 1)]);
    }

    #[test]
    fn redeliveries_past_the_policy_and_nacks_go_to_the_dlq() {
        let mut s = State::default();
        put(&mut s, 1, q());
        for round in 0..=MAX_REDELIVERIES {
            let (c, mut r) = sub(&mut s, q(), AckMode::Client, 10);
            let d = r.try_recv().expect("delivered");
            assert_eq!(d.message.redeliveries, round);
            s.unsubscribe(c, &mut Vec::new(), 0);
        }
        assert_eq!(s.depth(&Place::Queue("q".into())), 0);
        assert_eq!(s.depth(&Place::Queue(DLQ.into())), 1);
        let (_, mut dlq) = sub(&mut s, Destination::Queue(DLQ.into()), AckMode::Auto, 10);
        let d = dlq.try_recv().unwrap();
        assert_eq!(d.message.original, Some(q()));
        assert!(d.message.header("dlqDeliveryFailureCause").unwrap().contains("maximumRedeliveries = 6"));
        // A NACK is a poison ack.
        put(&mut s, 2, q());
        let (c, mut r) = sub(&mut s, q(), AckMode::Individual, 10);
        let d = r.try_recv().unwrap();
        assert!(s.nack(c, d.tag, &mut Vec::new(), 0));
        assert_eq!(dlq.try_recv().unwrap().message.seq, 2);
        // A non-persistent message is dropped instead.
        let m = message(3, q(), false);
        s.publish(m.clone(), vec![(Place::Queue("q".into()), Entry { row: 0, message: m })], &mut Vec::new(), 0);
        let d = r.try_recv().unwrap();
        s.nack(c, d.tag, &mut Vec::new(), 0);
        assert!(dlq.try_recv().is_err());
    }

    #[test]
    fn topics_fan_out_with_wildcards_and_durables_keep_messages() {
        let mut s = State::default();
        let (_, mut all) = sub(&mut s, Destination::Topic("a.>".into()), AckMode::Auto, 10);
        let (_, mut one) = sub(&mut s, Destination::Topic("a.*.c".into()), AckMode::Auto, 10);
        let (tx, mut durable_rx) = mpsc::unbounded_channel();
        let key = ("client".to_string(), "sub".to_string());
        let spec = Subscription {
            destination: Destination::Topic("a.b.c".into()),
            selector: None,
            ack: AckMode::Client,
            prefetch: 10,
            durable: Some(key.clone()),
        };
        let d = s.subscribe(spec, tx.clone(), &mut Vec::new(), 0).unwrap();
        put(&mut s, 1, Destination::Topic("a.b.c".into()));
        put(&mut s, 2, Destination::Topic("a.x".into()));
        assert_eq!(std::iter::from_fn(|| all.try_recv().ok()).count(), 2);
        assert_eq!(std::iter::from_fn(|| one.try_recv().ok()).count(), 1);
        assert_eq!(durable_rx.try_recv().unwrap().message.seq, 1);
        // Offline, it keeps what comes, and gets it (and what it had not acked) back.
        s.unsubscribe(d, &mut Vec::new(), 0);
        put(&mut s, 3, Destination::Topic("a.b.c".into()));
        let spec = Subscription {
            destination: Destination::Topic("a.b.c".into()),
            selector: None,
            ack: AckMode::Client,
            prefetch: 10,
            durable: Some(key.clone()),
        };
        let d = s.subscribe(spec, tx, &mut Vec::new(), 0).unwrap();
        let back: Vec<i64> = std::iter::from_fn(|| durable_rx.try_recv().ok()).map(|d| d.message.seq).collect();
        assert_eq!(back, [1, 3]);
        assert!(!s.remove_durable(&key, &mut Vec::new()), "not while it has a consumer");
        s.unsubscribe(d, &mut Vec::new(), 0);
        assert!(s.remove_durable(&key, &mut Vec::new()));
        assert!(topic_matches("a.b", "a.b") && !topic_matches("a.*", "a.b.c") && topic_matches(">", "x"));
    }

    #[test]
    fn slow_topic_subscribers_lose_the_oldest_beyond_the_limit() {
        let mut s = State::default();
        let (c, mut r) = sub(&mut s, Destination::Topic("t".into()), AckMode::Client, 1);
        for i in 1..=(PENDING_LIMIT as i64 + 10) {
            put(&mut s, i, Destination::Topic("t".into()));
        }
        let first = r.try_recv().unwrap();
        assert_eq!(first.message.seq, 1);
        assert!(s.ack(c, first.tag, &mut Vec::new(), 0));
        // 2..=10 were dropped: the newest 3000 waited beyond the one in flight.
        assert_eq!(r.try_recv().unwrap().message.seq, 11);
    }
}
