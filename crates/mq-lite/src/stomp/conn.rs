//! One STOMP connection, as ActiveMQ's ProtocolConverter serves it: CONNECT (login checked
//! against the broker's users), SEND (a RECEIPT once stored), SUBSCRIBE/UNSUBSCRIBE with ack
//! modes, selectors, prefetch and durable subscriptions, ACK/NACK, transactions, heart-beats,
//! DISCONNECT; ERROR frames with ActiveMQ's messages. A reader loop handles frames and
//! deliveries; a writer task writes frames and heart-beats, so that a client that stops
//! reading holds back only its own deliveries.

use super::frame::{encode, Decoder, Frame, FrameError, Item, Version};
use super::Shared;
use crate::broker::message::Destination;
use crate::broker::selector::Selector;
use crate::broker::state::{AckMode, ConsumerId, Delivery, Subscription};
use crate::broker::{Outgoing, Vhost};
use crate::wire::{batch, quiet_for, Out, Writer};
use bytes::{Bytes, BytesMut};
use service::{Connection, ConnectionInfo};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// How long a connection may take to send CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most operations one transaction may hold.
const MAX_TRANSACTION_OPS: usize = 10_000;
/// ActiveMQ's prefetch defaults: queues, topics, durable topic subscriptions.
const QUEUE_PREFETCH: usize = 1000;
const TOPIC_PREFETCH: usize = 32767;
const DURABLE_PREFETCH: usize = 100;

/// An error of a frame: its message, and whether the connection closes after it.
struct Failure {
    message: String,
    fatal: bool,
}

fn fail(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), fatal: false }
}

fn fatal(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), fatal: true }
}

struct Sub {
    consumer: ConsumerId,
    destination: Destination,
    ack: AckMode,
}

enum TxOp {
    Send(Frame),
    Ack { consumer: ConsumerId, tag: u64 },
}

struct Conn {
    shared: Arc<Shared>,
    version: Version,
    out: mpsc::Sender<Out>,
    vhost: Option<Arc<Vhost>>,
    /// Counts this connection against its broker while it is logged in.
    connected: Option<crate::broker::Connected>,
    client_id: String,
    subs: HashMap<String, Sub>,
    /// Subscription id by consumer.
    by_consumer: HashMap<ConsumerId, String>,
    /// Client-mode deliveries by their ack id (1.2) or message id (1.0, 1.1).
    pending_acks: HashMap<String, (ConsumerId, u64)>,
    transactions: HashMap<String, Vec<TxOp>>,
    deliveries_tx: mpsc::UnboundedSender<Delivery>,
    peer: std::net::SocketAddr,
    transport: &'static str,
}

/// Serves a connection until it closes, the client disconnects, or the server stops.
pub async fn serve(shared: Arc<Shared>, io: Box<dyn Connection>, mut info: ConnectionInfo) {
    let peer = info.peer;
    let (mut rd, wr) = tokio::io::split(io);
    let writer = Writer::spawn(wr);
    let (deliveries_tx, mut deliveries) = mpsc::unbounded_channel();
    let mut conn = Conn {
        shared: shared.clone(),
        version: Version::V1_0,
        out: writer.out.clone(),
        vhost: None,
        connected: None,
        client_id: String::new(),
        subs: HashMap::new(),
        by_consumer: HashMap::new(),
        pending_acks: HashMap::new(),
        transactions: HashMap::new(),
        deliveries_tx,
        peer,
        transport: info.transport(),
    };
    let mut decoder = Decoder::new(shared.limits);
    let mut buf = BytesMut::with_capacity(8192);
    // Until CONNECT: a deadline; after it, the client's heart-beat (0: none).
    let mut read_limit = Some(CONNECT_TIMEOUT);
    'conn: loop {
        let idle = quiet_for(read_limit);
        tokio::select! {
            n = rd.read_buf(&mut buf) => {
                match n {
                    Ok(0) | Err(_) => break 'conn,
                    Ok(_) => {}
                }
                // Before CONNECT, bytes that cannot start a STOMP frame (OpenWire's, AMQP's
                // or TLS's on the wrong port) end the connection at once, said in the log.
                if conn.vhost.is_none() {
                    if let Some(&b) = buf.iter().find(|b| **b != b'\n' && **b != b'\r') {
                        if !b.is_ascii_uppercase() {
                            tracing::info!(
                                "stomp: closing a connection from {} that does not speak STOMP (first byte {b:#04x})",
                                peer
                            );
                            break 'conn;
                        }
                    }
                }
                loop {
                    match decoder.decode(&mut buf) {
                        Ok(Some(Item::HeartBeat)) => {}
                        Ok(Some(Item::Frame(f))) => {
                            match conn.handle(f).await {
                                Ok(Step::Go) => {}
                                Ok(Step::Connected(hb_read)) => {
                                    decoder.version = conn.version;
                                    read_limit = hb_read;
                                }
                                Ok(Step::Disconnect) => break 'conn,
                                Err(f) if f.fatal => break 'conn,
                                Err(_) => {}
                            }
                        }
                        Ok(None) => break,
                        Err(FrameError(message)) => {
                            conn.error(&message, None).await;
                            break 'conn;
                        }
                    }
                }
            }
            Some(d) = deliveries.recv() => conn.deliver(batch(d, &mut deliveries)).await,
            _ = idle => break 'conn,
            _ = info.stop.changed() => break 'conn,
        }
    }
    conn.close();
    drop(conn);
    writer.finish().await;
}

enum Step {
    Go,
    /// Connected; the read inactivity limit (none without heart-beats).
    Connected(Option<Duration>),
    Disconnect,
}

impl Conn {
    fn now(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    async fn write(&self, f: &Frame) {
        let mut b = BytesMut::new();
        encode(f, self.version, &mut b);
        let _ = self.out.send(Out::Frame(b.freeze())).await;
    }

    /// ERROR with ActiveMQ's message (and the failed frame's receipt id).
    async fn error(&self, message: &str, receipt: Option<&str>) {
        let mut f = Frame::new("ERROR").with("message", message).with("content-type", "text/plain");
        if let Some(r) = receipt {
            f = f.with("receipt-id", r);
        }
        self.write(&f.with_body(Bytes::from(message.to_string()))).await;
    }

    async fn receipt(&self, f: &Frame) {
        if let Some(r) = f.header("receipt") {
            self.write(&Frame::new("RECEIPT").with("receipt-id", r)).await;
        }
    }

    async fn handle(&mut self, f: Frame) -> Result<Step, Failure> {
        let receipt = f.header("receipt").map(str::to_string);
        let r = match f.command.as_str() {
            "CONNECT" | "STOMP" => self.connect(&f).await,
            "SEND" => self.send(f.clone()).await.map(|_| Step::Go),
            "SUBSCRIBE" => self.subscribe(&f).map(|_| Step::Go),
            "UNSUBSCRIBE" => self.unsubscribe(&f).map(|_| Step::Go),
            "ACK" => self.ack(&f, false).map(|_| Step::Go),
            "NACK" => self.ack(&f, true).map(|_| Step::Go),
            "BEGIN" => self.begin(&f).map(|_| Step::Go),
            "COMMIT" => self.commit(&f).await.map(|_| Step::Go),
            "ABORT" => self.abort(&f).map(|_| Step::Go),
            "DISCONNECT" => {
                // Consumers go before the receipt, as in ActiveMQ (the receipt answers the
                // connection's removal): a message sent after the client heard it never goes
                // to this connection (a durable subscription keeps it for the next one).
                self.close();
                self.receipt(&f).await;
                return Ok(Step::Disconnect);
            }
            other => Err(fatal(format!("Unknown STOMP action: {other}"))),
        };
        match r {
            Ok(step) => {
                if !matches!(step, Step::Connected(_)) {
                    self.receipt(&f).await;
                }
                Ok(step)
            }
            Err(e) => {
                self.error(&e.message, receipt.as_deref()).await;
                Err(e)
            }
        }
    }

    fn connected(&self) -> Result<&Arc<Vhost>, Failure> {
        self.vhost.as_ref().ok_or_else(|| fail("Not connected."))
    }

    async fn connect(&mut self, f: &Frame) -> Result<Step, Failure> {
        if self.vhost.is_some() {
            return Err(fail("Already connected."));
        }
        let accept = f.header("accept-version");
        let version = Version::negotiate(accept).ok_or_else(|| {
            fatal(format!(
                "Invalid Protocol version[{}], supported versions are: [1.0, 1.1, 1.2]",
                accept.unwrap_or_default()
            ))
        })?;
        let hb = f.header("heart-beat").unwrap_or("0,0").trim().to_string();
        let (cx, cy) = match hb.split_once(',').map(|(a, b)| (a.trim().parse::<u64>(), b.trim().parse::<u64>())) {
            Some((Ok(a), Ok(b))) => (a, b),
            _ => return Err(fatal(format!("Invalid heart-beat header:{hb}"))),
        };
        let login = f.header("login");
        let passcode = f.header("passcode").unwrap_or_default();
        let broker = login.and_then(|l| self.shared.mq.authenticate(f.header("host"), l, passcode));
        let Some(broker) = broker else {
            tracing::info!("stomp: refused a login as {:?}", login.unwrap_or("null"));
            return Err(Failure {
                message: format!("User name [{}] or password is invalid.", login.unwrap_or("null")),
                fatal: true,
            });
        };
        self.version = version;
        self.client_id = f
            .header("client-id")
            .map(str::to_string)
            .unwrap_or_else(|| format!("ID:quayside-{}", uuid::Uuid::new_v4()));
        let vhost = self.shared.engine.vhost(&broker);
        self.connected = Some(vhost.connected(crate::broker::Login {
            protocol: "stomp",
            transport: self.transport,
            peer: self.peer,
            client_id: self.client_id.clone(),
            user: login.unwrap_or_default().to_string(),
            since_ms: self.now(),
        }));
        self.vhost = Some(vhost);
        let mut reply = Frame::new("CONNECTED")
            .with("server", format!("ActiveMQ/{}", super::BROKER_VERSION))
            .with("heart-beat", format!("{cy},{cx}"))
            .with("session", self.client_id.clone())
            .with("version", version.as_str());
        if let Some(r) = f.header("request-id").or(f.header("receipt")) {
            reply = reply.with("response-id", r).with("receipt-id", r);
        }
        self.write(&reply).await;
        if cy > 0 {
            let _ = self.out.send(Out::HeartBeat(Duration::from_millis(cy))).await;
        }
        // The client promised a beat every cx ms; ActiveMQ allows 1.5 times that.
        Ok(Step::Connected((cx > 0).then(|| Duration::from_millis(cx * 3 / 2))))
    }

    async fn send(&mut self, f: Frame) -> Result<(), Failure> {
        let vhost = self.connected()?.clone();
        let dest = f.header("destination").ok_or_else(|| fail("SEND received without a Destination specified!"))?;
        let destination = Destination::from_stomp(dest).map_err(fail)?;
        if let Some(tx) = f.header("transaction") {
            let ops = self.transactions.get_mut(tx).ok_or_else(|| fail(format!("Invalid transaction id: {tx}")))?;
            if ops.len() >= MAX_TRANSACTION_OPS {
                return Err(fail(format!("Transaction {tx} holds more than {MAX_TRANSACTION_OPS} operations")));
            }
            ops.push(TxOp::Send(f));
            return Ok(());
        }
        let o = outgoing(&f, destination);
        let now = self.now();
        vhost.send(o, now).await.map_err(|e| fail(e.to_string()))
    }

    fn subscribe(&mut self, f: &Frame) -> Result<(), Failure> {
        let vhost = self.connected()?.clone();
        let id = f.header("id");
        if self.version != Version::V1_0 && id.is_none() {
            return Err(fail("SUBSCRIBE received without a subscription id!"));
        }
        let dest = f.header("destination").filter(|d| !d.is_empty() && *d != "null");
        let dest = dest.ok_or_else(|| fail("Invalid empty or 'null' Destination header"))?;
        let destination = Destination::from_stomp(dest).map_err(fail)?;
        let durable_name = f.header("activemq.subscriptionName").or(f.header("durable-subscription-name"));
        if matches!(destination, Destination::Queue(_)) && durable_name.is_some() {
            return Err(fail("Invalid Subscription: cannot durably subscribe to a Queue destination!"));
        }
        let selector = match f.header("selector") {
            Some(s) => Some(Selector::parse(s).map_err(|e| fail(format!("Invalid selector '{s}': {e}")))?),
            None => None,
        };
        let ack = match f.header("ack") {
            Some("client") => AckMode::Client,
            Some("client-individual") => AckMode::Individual,
            _ => AckMode::Auto,
        };
        let default_prefetch = match (&destination, durable_name) {
            (Destination::Queue(_), _) => QUEUE_PREFETCH,
            (_, Some(_)) => DURABLE_PREFETCH,
            _ => TOPIC_PREFETCH,
        };
        let default_prefetch = vhost.prefetch_for(&destination, durable_name.is_some()).unwrap_or(default_prefetch);
        let prefetch = f
            .header("activemq.prefetchSize")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(default_prefetch)
            .clamp(1, TOPIC_PREFETCH);
        let sub_id = id.map(str::to_string).unwrap_or_else(|| dest.to_string());
        if self.subs.contains_key(&sub_id) {
            return Err(fail(format!("Duplicate subscription id: {sub_id}")));
        }
        let spec = Subscription {
            destination: destination.clone(),
            selector,
            ack,
            prefetch,
            durable: durable_name.map(|n| (self.client_id.clone(), n.to_string())),
        };
        let now = self.now();
        let consumer = match vhost.subscribe(spec, self.deliveries_tx.clone(), now) {
            Ok(c) => c,
            Err(crate::broker::state::SubscribeError::DurableInUse(m)) => return Err(fail(m)),
        };
        self.by_consumer.insert(consumer, sub_id.clone());
        self.subs.insert(sub_id, Sub { consumer, destination, ack });
        Ok(())
    }

    fn unsubscribe(&mut self, f: &Frame) -> Result<(), Failure> {
        let vhost = self.connected()?.clone();
        let id = f.header("id");
        if self.version != Version::V1_0 && id.is_none() {
            return Err(fail("UNSUBSCRIBE received without a subscription id!"));
        }
        let destination = f.header("destination").map(Destination::from_stomp).transpose().map_err(fail)?;
        if id.is_none() && destination.is_none() {
            return Err(fail("Must specify the subscriptionId or the destination you are unsubscribing from"));
        }
        let now = self.now();
        // The durable subscription itself goes when it is named.
        if let Some(name) = f.header("activemq.subscriptionName").or(f.header("durable-subscription-name")) {
            if let Some(sub) = id.and_then(|i| self.subs.remove(i)) {
                self.by_consumer.remove(&sub.consumer);
                vhost.unsubscribe(sub.consumer, now);
            }
            if !vhost.remove_durable(&(self.client_id.clone(), name.to_string())) {
                return Err(fail(format!("No durable subscription named {name} for client {}", self.client_id)));
            }
            return Ok(());
        }
        let key = match id {
            Some(i) => self.subs.contains_key(i).then(|| i.to_string()),
            None => {
                self.subs.iter().find(|(_, s)| Some(&s.destination) == destination.as_ref()).map(|(k, _)| k.clone())
            }
        };
        let Some(sub) = key.and_then(|k| self.subs.remove(&k)) else {
            return Err(fail("No subscription matched."));
        };
        self.by_consumer.remove(&sub.consumer);
        self.pending_acks.retain(|_, (c, _)| *c != sub.consumer);
        vhost.unsubscribe(sub.consumer, now);
        Ok(())
    }

    fn ack(&mut self, f: &Frame, nack: bool) -> Result<(), Failure> {
        let vhost = self.connected()?.clone();
        let word = if nack { "NACK" } else { "ACK" };
        if nack && self.version == Version::V1_0 {
            return Err(fail("NACK received but connection is in v1.0 mode."));
        }
        let key = if self.version == Version::V1_2 {
            f.header("id").ok_or_else(|| {
                fail(if nack {
                    "NACK received without an ack header to acknowledge!".to_string()
                } else {
                    "ACK received without a ack id for acknowledge!".to_string()
                })
            })?
        } else {
            let id = f
                .header("message-id")
                .ok_or_else(|| fail(format!("{word} received without a message-id to acknowledge!")))?;
            if self.version == Version::V1_1 && f.header("subscription").is_none() {
                return Err(fail(format!("{word} received without a subscription id for acknowledge!")));
            }
            id
        };
        let unexpected = || fail(format!("Unexpected {word} received for message-id [{key}]"));
        let &(consumer, tag) = self.pending_acks.get(key).ok_or_else(unexpected)?;
        if let Some(tx) = f.header("transaction") {
            if nack {
                return Err(fail("Poison ack cannot be transacted"));
            }
            let ops = self.transactions.get_mut(tx).ok_or_else(|| fail(format!("Invalid transaction id: {tx}")))?;
            if ops.len() >= MAX_TRANSACTION_OPS {
                return Err(fail(format!("Transaction {tx} holds more than {MAX_TRANSACTION_OPS} operations")));
            }
            ops.push(TxOp::Ack { consumer, tag });
            return Ok(());
        }
        let now = self.now();
        let done = if nack { vhost.nack(consumer, tag, now) } else { vhost.ack(consumer, tag, now) };
        if !done {
            return Err(unexpected());
        }
        self.forget_acked(consumer, tag);
        Ok(())
    }

    /// Drops the ack ids an acknowledgement covered (client mode: every earlier one too).
    fn forget_acked(&mut self, consumer: ConsumerId, tag: u64) {
        let cumulative =
            self.by_consumer.get(&consumer).and_then(|s| self.subs.get(s)).is_some_and(|s| s.ack == AckMode::Client);
        self.pending_acks.retain(|_, (c, t)| !(*c == consumer && (*t == tag || cumulative && *t < tag)));
    }

    fn begin(&mut self, f: &Frame) -> Result<(), Failure> {
        self.connected()?;
        let tx = f.header("transaction").ok_or_else(|| fail("Must specify the transaction you are beginning"))?;
        if self.transactions.contains_key(tx) {
            return Err(fail(format!("The transaction was already started: {tx}")));
        }
        if self.transactions.len() >= 100 {
            return Err(fail("Too many open transactions"));
        }
        self.transactions.insert(tx.to_string(), Vec::new());
        Ok(())
    }

    async fn commit(&mut self, f: &Frame) -> Result<(), Failure> {
        let vhost = self.connected()?.clone();
        let tx = f.header("transaction").ok_or_else(|| fail("Must specify the transaction you are committing"))?;
        let ops = self.transactions.remove(tx).ok_or_else(|| fail(format!("Invalid transaction id: {tx}")))?;
        let now = self.now();
        for op in ops {
            match op {
                TxOp::Send(frame) => {
                    let Some(Ok(destination)) = frame.header("destination").map(Destination::from_stomp) else {
                        continue;
                    };
                    vhost.send(outgoing(&frame, destination), now).await.map_err(|e| fail(e.to_string()))?;
                }
                TxOp::Ack { consumer, tag } => {
                    if vhost.ack(consumer, tag, now) {
                        self.forget_acked(consumer, tag);
                    }
                }
            }
        }
        Ok(())
    }

    fn abort(&mut self, f: &Frame) -> Result<(), Failure> {
        self.connected()?;
        let tx = f.header("transaction").ok_or_else(|| fail("Must specify the transaction you are committing"))?;
        self.transactions.remove(tx).ok_or_else(|| fail(format!("Invalid transaction id: {tx}")))?;
        Ok(())
    }

    /// MESSAGE frames for deliveries, in one write; auto-acknowledged ones are acknowledged
    /// (together) once queued for writing.
    async fn deliver(&mut self, batch: Vec<Delivery>) {
        let (out, vhost, now) = (self.out.clone(), self.vhost.clone(), self.now());
        crate::wire::deliver_batch(&out, &batch, |d, buf| self.render(d, buf), vhost.as_deref(), now).await;
    }

    /// Encodes a delivery's MESSAGE frame into `buf`; answers the delivery if it is
    /// acknowledged automatically.
    fn render(&mut self, d: &Delivery, buf: &mut BytesMut) -> Option<(ConsumerId, u64)> {
        let sub_id = self.by_consumer.get(&d.consumer)?;
        let sub = self.subs.get(sub_id)?;
        let ack = sub.ack;
        let m = &d.message;
        let mut f = Frame::new("MESSAGE")
            .with("message-id", m.id.clone())
            .with("destination", m.destination.to_stomp())
            .with("timestamp", m.timestamp.to_string())
            .with("expires", m.expires.to_string())
            .with("priority", m.priority.to_string());
        if self.version != Version::V1_0 || !sub_id.starts_with('/') {
            f = f.with("subscription", sub_id.clone());
        }
        if m.redeliveries > 0 {
            f = f.with("redelivered", "true");
        }
        if m.persistent {
            f = f.with("persistent", "true");
        }
        if let Some(o) = &m.original {
            f = f.with("original-destination", o.to_stomp());
        }
        if ack != AckMode::Auto {
            let key = if self.version == Version::V1_2 {
                let ack_id = format!("{}-{}", d.consumer, d.tag);
                f = f.with("ack", ack_id.clone());
                ack_id
            } else {
                m.id.clone()
            };
            self.pending_acks.insert(key, (d.consumer, d.tag));
        }
        if m.binary {
            f = f.with("content-length", m.body.len().to_string());
        }
        for (k, v) in &m.headers {
            f = f.with(k, v.clone());
        }
        f.body = m.body.clone();
        encode(&f, self.version, buf);
        (ack == AckMode::Auto).then_some((d.consumer, d.tag))
    }

    /// The connection is going: its consumers go, and what they had not acknowledged comes
    /// back redelivered.
    fn close(&mut self) {
        let Some(v) = self.vhost.clone() else { return };
        let now = self.now();
        for (_, sub) in self.subs.drain() {
            v.unsubscribe(sub.consumer, now);
        }
    }
}

/// A SEND frame as the broker takes it: ActiveMQ's standard headers read, the user's kept.
fn outgoing(f: &Frame, destination: Destination) -> Outgoing {
    const DROPPED: &[&str] = &[
        "destination",
        "transaction",
        "receipt",
        "content-length",
        "persistent",
        "priority",
        "expires",
        "message-id",
        "redelivered",
        "subscription",
        "timestamp",
        "ack",
    ];
    let mut headers: Vec<(String, String)> = Vec::new();
    for (k, v) in &f.headers {
        if !DROPPED.contains(&k.as_str()) && !headers.iter().any(|(x, _)| x == k) {
            headers.push((k.clone(), v.clone()));
        }
    }
    Outgoing {
        destination,
        headers,
        body: f.body.clone(),
        persistent: f.header("persistent") == Some("true"),
        priority: f.header("priority").and_then(|p| p.parse().ok()).unwrap_or(4).min(9),
        expires: f.header("expires").and_then(|e| e.parse().ok()).unwrap_or(0),
        binary: f.header("content-length").is_some(),
        qos: 0,
    }
}
