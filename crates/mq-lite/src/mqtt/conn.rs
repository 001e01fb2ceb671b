//! One MQTT 3.1/3.1.1 connection, as ActiveMQ serves MQTT: topics are ActiveMQ topics (`a/b`
//! is `a.b`, `+` is `*`, `#` is `>`), so STOMP and MQTT clients share them; QoS 1 and 2
//! messages are persistent; a client that keeps its session (clean session off) keeps its
//! subscriptions, and its QoS 1 and 2 subscriptions are durable, so what comes while it is
//! away waits for it; retained messages; a last will published when the connection ends
//! without DISCONNECT; keep-alive (1.5 times the client's interval); a second connection
//! with the same client id takes over.

use super::packet::{decode, encode, Connect, Packet, PacketError, Publish};
use crate::broker::message::{Destination, Message};
use crate::broker::state::{AckMode, ConsumerId, Delivery, Subscription};
use crate::broker::{Outgoing, Vhost};
use crate::stomp::Shared;
use crate::wire::{batch, quiet_for, Out, Writer};
use bytes::BytesMut;
use serde_json::json;
use service::{Connection, ConnectionInfo};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most bytes one packet may hold.
const MAX_PACKET: usize = 16 * 1024 * 1024;
/// Messages a QoS 1 or 2 subscription may have in flight.
const PREFETCH: usize = 1000;
/// QoS 2 packet ids a client may leave open.
const MAX_OPEN_QOS2: usize = 65535;

/// CONNACK return codes.
const ACCEPTED: u8 = 0;
const BAD_PROTOCOL: u8 = 1;
const ID_REJECTED: u8 = 2;
const BAD_LOGIN: u8 = 4;
const NOT_AUTHORIZED: u8 = 5;

/// An MQTT topic name or filter as ActiveMQ names it (`/` and `.` swap, `+` is `*`, `#` is
/// `>`), ActiveMQ's own conversion.
pub fn to_activemq(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '#' => '>',
            '>' => '#',
            '+' => '*',
            '*' => '+',
            '/' => '.',
            '.' => '/',
            c => c,
        })
        .collect()
}

/// The reverse of [`to_activemq`].
pub fn to_mqtt(name: &str) -> String {
    to_activemq(name)
}

/// Whether a topic filter is valid: `#` only as the last level, `+` only as a whole level.
pub fn valid_filter(f: &str) -> bool {
    if f.is_empty() || f.len() > 65535 {
        return false;
    }
    let levels: Vec<&str> = f.split('/').collect();
    levels.iter().enumerate().all(|(i, l)| match *l {
        "#" => i == levels.len() - 1,
        "+" => true,
        l => !l.contains(['#', '+']),
    })
}

struct Sub {
    filter: String,
    qos: u8,
    consumer: ConsumerId,
}

/// A message on its way out at QoS 1 or 2, by packet id.
struct InFlight {
    consumer: ConsumerId,
    tag: u64,
    /// QoS 2 after PUBREC: waiting for PUBCOMP.
    released: bool,
}

struct Session {
    shared: Arc<Shared>,
    vhost: Arc<Vhost>,
    /// Counts this connection against its broker.
    _connected: crate::broker::Connected,
    client_id: String,
    clean: bool,
    out: mpsc::Sender<Out>,
    subs: BTreeMap<String, Sub>,
    by_consumer: HashMap<ConsumerId, String>,
    in_flight: HashMap<u16, InFlight>,
    next_id: u16,
    /// QoS 2 publishes received (PUBREC sent) and not yet released.
    incoming_qos2: HashSet<u16>,
    deliveries: mpsc::UnboundedSender<Delivery>,
}

/// Serves a connection until it closes, DISCONNECTs, is taken over, or the server stops.
pub async fn serve(shared: Arc<Shared>, io: Box<dyn Connection>, mut info: ConnectionInfo) {
    let (mut rd, wr) = tokio::io::split(io);
    let writer = Writer::spawn(wr);
    let mut buf = BytesMut::with_capacity(8192);
    // CONNECT first.
    let connect = tokio::select! {
        c = first_packet(&mut rd, &mut buf) => c,
        _ = tokio::time::sleep(CONNECT_TIMEOUT) => None,
        _ = info.stop.changed() => None,
    };
    let Some(connect) = connect else {
        writer.finish().await;
        return;
    };
    let Some((mut session, mut deliveries, kicked)) =
        accept(&shared, connect.clone(), &writer.out, (info.peer, info.transport())).await
    else {
        writer.finish().await;
        return;
    };
    let keep_alive = (connect.keep_alive > 0).then(|| Duration::from_millis(u64::from(connect.keep_alive) * 1500));
    let mut graceful = false;
    'conn: loop {
        let idle = quiet_for(keep_alive);
        tokio::select! {
            n = rd.read_buf(&mut buf) => {
                match n {
                    Ok(0) | Err(_) => break 'conn,
                    Ok(_) => {}
                }
                loop {
                    match decode(&mut buf, MAX_PACKET) {
                        Ok(Some(Packet::Disconnect)) => {
                            graceful = true;
                            break 'conn;
                        }
                        Ok(Some(p)) => {
                            if session.handle(p).await.is_err() {
                                break 'conn;
                            }
                        }
                        Ok(None) => break,
                        Err(PacketError(reason)) => {
                            tracing::info!("mqtt: closing {}'s connection: {reason}", session.client_id);
                            break 'conn;
                        }
                    }
                }
            }
            Some(d) = deliveries.recv() => session.deliver(batch(d, &mut deliveries)).await,
            _ = idle => {
                tracing::info!("mqtt: {} sent nothing within 1.5 keep-alive intervals", session.client_id);
                break 'conn;
            }
            _ = kicked.notified() => break 'conn,
            _ = info.stop.changed() => break 'conn,
        }
    }
    if !graceful {
        if let Some(w) = connect.will.clone() {
            let o = Outgoing {
                destination: Destination::Topic(to_activemq(&w.topic)),
                headers: Vec::new(),
                body: w.payload,
                persistent: w.qos > 0,
                priority: 4,
                expires: 0,
                binary: true,
                qos: w.qos,
            };
            let now = shared.clock.now_ms();
            let _ =
                if w.retain { session.vhost.publish_retained(o, now).await } else { session.vhost.send(o, now).await };
        }
    }
    session.close();
    session.vhost.left(&session.client_id, &kicked);
    drop(session);
    writer.finish().await;
}

async fn first_packet<R: tokio::io::AsyncRead + Unpin>(rd: &mut R, buf: &mut BytesMut) -> Option<Connect> {
    loop {
        // Whatever does not start with CONNECT is not MQTT: closed at its first byte.
        if buf.first().is_some_and(|b| b & 0xf0 != 0x10) {
            tracing::info!("mqtt: closing a connection that did not start with CONNECT (byte {:#04x})", buf[0]);
            return None;
        }
        match decode(buf, MAX_PACKET) {
            Ok(Some(Packet::Connect(c))) => return Some(c),
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) => {}
        }
        match rd.read_buf(buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

async fn write(out: &mpsc::Sender<Out>, p: &Packet) {
    let mut b = BytesMut::new();
    encode(p, &mut b);
    let _ = out.send(Out::Frame(b.freeze())).await;
}

/// CONNECT: the protocol, the client id, the login; the session restored or started afresh.
async fn accept(
    shared: &Arc<Shared>,
    c: Connect,
    out: &mpsc::Sender<Out>,
    (peer, transport): (std::net::SocketAddr, &'static str),
) -> Option<(Session, mpsc::UnboundedReceiver<Delivery>, Arc<tokio::sync::Notify>)> {
    let refuse = |code: u8| Packet::ConnAck { session_present: false, code };
    if c.level != 3 && c.level != 4 {
        write(out, &refuse(BAD_PROTOCOL)).await;
        return None;
    }
    let client_id = if c.client_id.is_empty() {
        if c.level == 3 || !c.clean_session {
            write(out, &refuse(ID_REJECTED)).await;
            return None;
        }
        format!("quayside-{}", uuid::Uuid::new_v4().simple())
    } else {
        c.client_id.clone()
    };
    let password = c.password.as_ref().map(|p| String::from_utf8_lossy(p).to_string());
    let broker = match (&c.username, &password) {
        (Some(u), Some(p)) => shared.mq.authenticate(None, u, p),
        _ => None,
    };
    let Some(broker) = broker else {
        tracing::info!("mqtt: refused a login as {:?}", c.username.as_deref().unwrap_or("null"));
        write(out, &refuse(if c.username.is_some() { BAD_LOGIN } else { NOT_AUTHORIZED })).await;
        return None;
    };
    let vhost = shared.engine.vhost(&broker);
    let kicked = vhost.take_over(&client_id);
    let (deliveries_tx, deliveries) = mpsc::unbounded_channel();
    let mut s = Session {
        shared: shared.clone(),
        vhost: vhost.clone(),
        _connected: vhost.connected(crate::broker::Login {
            protocol: "mqtt",
            transport,
            peer,
            client_id: client_id.clone(),
            user: c.username.clone().unwrap_or_default(),
            since_ms: shared.clock.now_ms(),
        }),
        client_id: client_id.clone(),
        clean: c.clean_session,
        out: out.clone(),
        subs: BTreeMap::new(),
        by_consumer: HashMap::new(),
        in_flight: HashMap::new(),
        next_id: 0,
        incoming_qos2: HashSet::new(),
        deliveries: deliveries_tx,
    };
    let stored = vhost.session(&client_id);
    let session_present = !c.clean_session && stored.is_some();
    if c.clean_session {
        // A clean session drops what an earlier one kept: its durable subscriptions too.
        if let Some(doc) = stored {
            for (filter, qos) in stored_subscriptions(&doc) {
                if qos > 0 {
                    vhost.remove_durable(&(client_id.clone(), durable_name(&filter)));
                }
            }
            vhost.save_session(&client_id, None);
        }
    }
    write(out, &Packet::ConnAck { session_present: session_present && c.level == 4, code: ACCEPTED }).await;
    if session_present {
        if let Some(doc) = vhost.session(&client_id) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&doc) {
                s.incoming_qos2 =
                    v["qos2"].as_array().into_iter().flatten().filter_map(|x| x.as_u64()).map(|x| x as u16).collect();
            }
            for (filter, qos) in stored_subscriptions(&doc) {
                s.subscribe_one(&filter, qos, false);
            }
        }
    }
    Some((s, deliveries, kicked))
}

/// The subscriptions of a stored session document.
fn stored_subscriptions(doc: &str) -> Vec<(String, u8)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(doc) else { return Vec::new() };
    v["subscriptions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s[0].as_str()?.to_string(), s[1].as_u64()? as u8)))
        .collect()
}

/// The durable subscription that keeps a session's QoS 1 and 2 messages for a filter.
fn durable_name(filter: &str) -> String {
    format!("mqtt:{filter}")
}

impl Session {
    fn now(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Stores the session (clean sessions keep nothing).
    fn save(&self) {
        if self.clean {
            return;
        }
        let subs: Vec<serde_json::Value> = self.subs.values().map(|s| json!([s.filter, s.qos])).collect();
        let mut qos2: Vec<u16> = self.incoming_qos2.iter().copied().collect();
        qos2.sort_unstable();
        self.vhost.save_session(&self.client_id, Some(json!({"subscriptions": subs, "qos2": qos2}).to_string()));
    }

    async fn handle(&mut self, p: Packet) -> Result<(), ()> {
        match p {
            Packet::Publish(p) => self.publish(p).await,
            Packet::PubAck(id) => {
                if let Some(f) = self.in_flight.remove(&id) {
                    self.vhost.ack(f.consumer, f.tag, self.now());
                }
                Ok(())
            }
            Packet::PubRec(id) => {
                if let Some(f) = self.in_flight.get_mut(&id) {
                    if !f.released {
                        f.released = true;
                        self.vhost.ack(f.consumer, f.tag, self.shared.clock.now_ms());
                    }
                }
                write(&self.out, &Packet::PubRel(id)).await;
                Ok(())
            }
            Packet::PubComp(id) => {
                self.in_flight.remove(&id);
                Ok(())
            }
            Packet::PubRel(id) => {
                if self.incoming_qos2.remove(&id) {
                    self.save();
                }
                write(&self.out, &Packet::PubComp(id)).await;
                Ok(())
            }
            Packet::Subscribe { id, filters } => {
                let mut codes = Vec::with_capacity(filters.len());
                let mut retained = Vec::new();
                for (filter, qos) in filters {
                    if valid_filter(&filter) {
                        let granted = self.subscribe_one(&filter, qos, true);
                        codes.push(granted);
                        retained.push((filter, qos));
                    } else {
                        codes.push(0x80);
                    }
                }
                self.save();
                write(&self.out, &Packet::SubAck { id, codes }).await;
                // Retained messages of the new subscriptions, flagged as retained.
                for (filter, qos) in retained {
                    for m in self.vhost.retained_for(&to_activemq(&filter)) {
                        let q = qos.min(m.qos);
                        let id = if q > 0 { Some(self.packet_id()) } else { None };
                        let p = Publish {
                            dup: false,
                            qos: q,
                            retain: true,
                            topic: to_mqtt(m.destination.name()),
                            id,
                            payload: m.body.clone(),
                        };
                        write(&self.out, &Packet::Publish(p)).await;
                    }
                }
                Ok(())
            }
            Packet::Unsubscribe { id, filters } => {
                let now = self.now();
                for f in filters {
                    if let Some(s) = self.subs.remove(&f) {
                        self.by_consumer.remove(&s.consumer);
                        self.vhost.unsubscribe(s.consumer, now);
                        if !self.clean && s.qos > 0 {
                            self.vhost.remove_durable(&(self.client_id.clone(), durable_name(&f)));
                        }
                    }
                }
                self.save();
                write(&self.out, &Packet::UnsubAck(id)).await;
                Ok(())
            }
            Packet::PingReq => {
                write(&self.out, &Packet::PingResp).await;
                Ok(())
            }
            // A second CONNECT, or packets only servers send: a protocol violation.
            _ => Err(()),
        }
    }

    /// Subscribes (replacing a subscription to the same filter); the QoS granted.
    fn subscribe_one(&mut self, filter: &str, qos: u8, fresh: bool) -> u8 {
        let now = self.now();
        if let Some(old) = self.subs.remove(filter) {
            self.by_consumer.remove(&old.consumer);
            self.vhost.unsubscribe(old.consumer, now);
        }
        let durable = (!self.clean && qos > 0).then(|| (self.client_id.clone(), durable_name(filter)));
        let spec = Subscription {
            destination: Destination::Topic(to_activemq(filter)),
            selector: None,
            ack: if qos == 0 { AckMode::Auto } else { AckMode::Individual },
            prefetch: if qos == 0 { crate::broker::state::PENDING_LIMIT } else { PREFETCH },
            durable,
        };
        match self.vhost.subscribe(spec, self.deliveries.clone(), now) {
            Ok(consumer) => {
                self.by_consumer.insert(consumer, filter.to_string());
                self.subs.insert(filter.to_string(), Sub { filter: filter.to_string(), qos, consumer });
                qos
            }
            Err(_) if !fresh => qos,
            Err(_) => 0x80,
        }
    }

    async fn publish(&mut self, p: Publish) -> Result<(), ()> {
        if p.topic.is_empty() || p.topic.contains(['+', '#']) {
            return Err(());
        }
        if p.qos == 2 {
            if let Some(id) = p.id {
                if self.incoming_qos2.contains(&id) {
                    // A retransmission: PUBREC again, deliver nothing twice.
                    write(&self.out, &Packet::PubRec(id)).await;
                    return Ok(());
                }
                if self.incoming_qos2.len() >= MAX_OPEN_QOS2 {
                    return Err(());
                }
            }
        }
        let o = Outgoing {
            destination: Destination::Topic(to_activemq(&p.topic)),
            headers: Vec::new(),
            body: p.payload,
            persistent: p.qos > 0,
            priority: 4,
            expires: 0,
            binary: true,
            qos: p.qos,
        };
        let now = self.now();
        let sent = if p.retain { self.vhost.publish_retained(o, now).await } else { self.vhost.send(o, now).await };
        if sent.is_err() {
            // Not taken: no acknowledgement, so the client sends it again.
            return Err(());
        }
        match (p.qos, p.id) {
            (1, Some(id)) => write(&self.out, &Packet::PubAck(id)).await,
            (2, Some(id)) => {
                self.incoming_qos2.insert(id);
                self.save();
                write(&self.out, &Packet::PubRec(id)).await;
            }
            _ => {}
        }
        Ok(())
    }

    fn packet_id(&mut self) -> u16 {
        loop {
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id != 0 && !self.in_flight.contains_key(&self.next_id) {
                return self.next_id;
            }
        }
    }

    /// PUBLISHes for deliveries, in one write; QoS 0 ones are acknowledged (together) once
    /// queued for writing.
    async fn deliver(&mut self, batch: Vec<Delivery>) {
        let (out, vhost, now) = (self.out.clone(), self.vhost.clone(), self.now());
        crate::wire::deliver_batch(&out, &batch, |d, buf| self.render(d, buf), Some(&vhost), now).await;
    }

    /// Encodes a delivery's PUBLISH into `buf`, at the lower of the subscription's and the
    /// message's QoS; answers the delivery if nothing will acknowledge it (QoS 0).
    fn render(&mut self, d: &Delivery, buf: &mut BytesMut) -> Option<(ConsumerId, u64)> {
        let filter = self.by_consumer.get(&d.consumer)?;
        let sub = self.subs.get(filter)?;
        let m: &Message = &d.message;
        let message_qos = if m.qos > 0 || !m.persistent { m.qos } else { 1 };
        let qos = sub.qos.min(message_qos);
        let consumer = sub.consumer;
        let id = if qos > 0 { Some(self.packet_id()) } else { None };
        let p = Publish {
            dup: m.redeliveries > 0,
            qos,
            retain: false,
            topic: to_mqtt(m.destination.name()),
            id,
            payload: m.body.clone(),
        };
        encode(&Packet::Publish(p), buf);
        match id {
            Some(id) => {
                self.in_flight.insert(id, InFlight { consumer, tag: d.tag, released: false });
                None
            }
            // QoS 0 (also on a QoS 1 or 2 subscription): nothing will acknowledge it.
            None => Some((d.consumer, d.tag)),
        }
    }

    /// The connection ends: consumers go (what was in flight comes back, to a durable
    /// subscription's queue or, for a clean session, nowhere); a kept session is stored.
    fn close(&mut self) {
        let now = self.now();
        for (_, s) in std::mem::take(&mut self.subs) {
            self.vhost.unsubscribe(s.consumer, now);
        }
        if self.clean {
            self.vhost.save_session(&self.client_id, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_convert_as_activemq_does() {
        assert_eq!(to_activemq("a/b/+/#"), "a.b.*.>");
        assert_eq!(to_activemq("v1.0/x"), "v1/0.x");
        assert_eq!(to_mqtt("a.b.c"), "a/b/c");
        assert!(valid_filter("a/+/c") && valid_filter("#") && valid_filter("a/#") && valid_filter("+"));
        assert!(!valid_filter("a/#/c") && !valid_filter("a+") && !valid_filter("") && !valid_filter("a/b#"));
    }
}
