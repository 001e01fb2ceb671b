//! mq-lite's STOMP listener with a Rust STOMP client nobody here wrote (`async-stomp`) and raw
//! frames where ActiveMQ's wire must be pinned: queues, topics, durable subscriptions, acks,
//! NACK to the DLQ, selectors, transactions, heart-beats, errors, frames split at every byte,
//! and persistent messages across a restart.

use crate::common::*;
use crate::mq_control::{broker, mq};
use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct-horse-battery";

/// A server with its STOMP listener on a free port and one broker (user `admin`).
pub async fn stomp_env(config: quayside::Config) -> (Env, SocketAddr, String) {
    let mut config = config;
    config.listener_ports.insert("stomp", Some(0));
    let env = start_with(config).await;
    let addr = env.running.listeners["stomp"];
    let c = mq(&env.endpoint());
    let id = match c.list_brokers().send().await.unwrap().broker_summaries().first() {
        Some(b) => b.broker_id.clone().unwrap(),
        None => broker(&c, "b").await,
    };
    (env, addr, id)
}

/// One frame as the server wrote it (parsed here, independently of the server's codec).
#[derive(Debug, Clone)]
pub struct F {
    pub command: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl F {
    pub fn h(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A STOMP 1.2 header as written (`\c` is `:`, `\n` a newline, `\\` a backslash).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match (c, c == '\\') {
            (_, true) => match it.next() {
                Some('c') => out.push(':'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// A raw STOMP connection.
pub struct Raw {
    s: TcpStream,
    buf: Vec<u8>,
    /// Heart-beats (bare EOLs) seen.
    pub beats: usize,
}

impl Raw {
    pub async fn open(addr: SocketAddr) -> Raw {
        Raw { s: TcpStream::connect(addr).await.unwrap(), buf: Vec::new(), beats: 0 }
    }

    /// Connected as `admin` in STOMP 1.2.
    pub async fn login(addr: SocketAddr, extra: &str) -> Raw {
        let mut r = Raw::open(addr).await;
        r.send(&format!("CONNECT\naccept-version:1.2\nlogin:admin\npasscode:{PASSWORD}\n{extra}\n\0")).await;
        let f = r.frame().await;
        assert_eq!(f.command, "CONNECTED", "{f:?}");
        r
    }

    pub async fn send(&mut self, text: &str) {
        self.s.write_all(text.as_bytes()).await.unwrap();
    }

    pub async fn send_bytes(&mut self, b: &[u8]) {
        self.s.write_all(b).await.unwrap();
    }

    /// The next frame (heart-beats counted and skipped); panics after 10 s.
    pub async fn frame(&mut self) -> F {
        self.try_frame(Duration::from_secs(10)).await.expect("a frame within 10 s")
    }

    /// The next frame, or `None` at the end of the stream or after `wait`.
    pub async fn try_frame(&mut self, wait: Duration) -> Option<F> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while self.buf.first() == Some(&b'\n') || self.buf.starts_with(b"\r\n") {
                let n = if self.buf[0] == b'\n' { 1 } else { 2 };
                self.buf.drain(..n);
                self.beats += 1;
            }
            if let Some(f) = self.parse() {
                return Some(f);
            }
            let mut chunk = [0u8; 8192];
            let n = tokio::time::timeout_at(deadline, self.s.read(&mut chunk)).await.ok()?.ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn parse(&mut self) -> Option<F> {
        let end = self.buf.windows(2).position(|w| w == b"\n\n")?;
        let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
        let mut lines = head.lines();
        let command = lines.next()?.to_string();
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':').map(|(k, v)| (unescape(k), unescape(v)))).collect();
        let start = end + 2;
        let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
        let body_end = match len {
            Some(n) if self.buf.len() > start + n => start + n,
            Some(_) => return None,
            None => start + self.buf[start..].iter().position(|b| *b == 0)?,
        };
        let body = self.buf[start..body_end].to_vec();
        self.buf.drain(..=body_end);
        Some(F { command, headers, body })
    }

    /// Whether the server closed the connection (within 10 s).
    pub async fn closed(&mut self) -> bool {
        let mut chunk = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.s.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }
}

/// A Rust STOMP client connects with the broker's user, sends with a receipt and receives
/// the message with ActiveMQ's headers; DescribeBroker names the listener's real port.
#[tokio::test]
async fn a_rust_stomp_client_sends_receives_and_acks() {
    let (env, addr, id) = stomp_env(quayside::Config::for_tests()).await;
    let d = mq(&env.endpoint()).describe_broker().broker_id(&id).send().await.unwrap();
    // TLS is on (the default): AWS's scheme, on the same port as plain STOMP.
    assert_eq!(d.broker_instances()[0].endpoints(), [format!("stomp+ssl://localhost:{}", addr.port())]);

    let mut conn = async_stomp::client::Connector::builder()
        .server(addr)
        .virtualhost("localhost")
        .login("admin".to_string())
        .passcode(PASSWORD.to_string())
        .connect()
        .await
        .unwrap();
    let sub = async_stomp::ToServer::Subscribe {
        destination: "/queue/orders".into(),
        id: "sub-1".into(),
        ack: Some(async_stomp::AckMode::ClientIndividual),
    };
    conn.send(sub.into()).await.unwrap();
    let mut send = async_stomp::Message::from(async_stomp::ToServer::Send {
        destination: "/queue/orders".into(),
        transaction: None,
        headers: Some(vec![("colour".into(), "red".into()), ("persistent".into(), "true".into())]),
        body: Some(b"one order".to_vec()),
    });
    send.extra_headers.push((b"receipt".to_vec(), b"r-1".to_vec()));
    conn.send(send).await.unwrap();
    let mut receipt = false;
    let mut message = None;
    while !(receipt && message.is_some()) {
        let item = tokio::time::timeout(Duration::from_secs(10), conn.next()).await.unwrap().unwrap().unwrap();
        match item.content {
            async_stomp::FromServer::Receipt { receipt_id } => {
                assert_eq!(receipt_id, "r-1");
                receipt = true;
            }
            async_stomp::FromServer::Message { destination, subscription, headers, body, .. } => {
                assert_eq!((destination.as_str(), subscription.as_str()), ("/queue/orders", "sub-1"));
                assert_eq!(body.as_deref(), Some(&b"one order"[..]));
                let h = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
                assert_eq!(h("colour").as_deref(), Some("red"));
                assert_eq!(h("persistent").as_deref(), Some("true"));
                message = Some(h("ack").expect("STOMP 1.2 deliveries carry an ack id"));
            }
            other => panic!("{other:?}"),
        }
    }
    conn.send(async_stomp::ToServer::Ack { id: message.unwrap(), transaction: None }.into()).await.unwrap();
    let mut done = async_stomp::Message::from(async_stomp::ToServer::Disconnect { receipt: Some("bye".into()) });
    done.extra_headers.clear();
    conn.send(done).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.next()).await;
    drop(conn);
    // Acknowledged: the message does not come back once its consumer is gone.
    let mut c = Raw::login(addr, "").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/orders\n\n\0").await;
    assert!(c.try_frame(Duration::from_millis(500)).await.is_none(), "the ACK was taken");
}

/// Queues: one consumer per message, in turn, within prefetch; a consumer that goes without
/// acknowledging gives its messages back, redelivered.
#[tokio::test]
async fn queues_round_robin_and_unacked_messages_come_back_redelivered() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let mut a = Raw::login(addr, "").await;
    let mut b = Raw::login(addr, "").await;
    for c in [&mut a, &mut b] {
        c.send("SUBSCRIBE\nid:s\ndestination:/queue/work\nack:client\nactivemq.prefetchSize:1\nreceipt:sub\n\n\0")
            .await;
        assert_eq!(c.frame().await.command, "RECEIPT");
    }
    let mut p = Raw::login(addr, "").await;
    for i in 1..=4 {
        p.send(&format!("SEND\ndestination:/queue/work\npersistent:true\nreceipt:{i}\n\nm{i}\0")).await;
        assert_eq!(p.frame().await.h("receipt-id"), Some(i.to_string().as_str()));
    }
    let fa = a.frame().await;
    let fb = b.frame().await;
    let mut bodies = vec![fa.body.clone(), fb.body.clone()];
    bodies.sort();
    assert_eq!(bodies, [b"m1".to_vec(), b"m2".to_vec()], "one each: prefetch 1");
    assert!(a.try_frame(Duration::from_millis(300)).await.is_none(), "no more until acked");
    // a acks and gets the next; b leaves without acking: its message comes back to a.
    a.send(&format!("ACK\nid:{}\n\n\0", fa.h("ack").unwrap())).await;
    let next = a.frame().await;
    assert_eq!(next.body, b"m3");
    drop(b);
    // b's going and a's ACK race (the broker may see the ACK first and hand a m4 before m2 is
    // back), so take the next two, acking each: one of them is b's message, redelivered.
    let mut ack = next.h("ack").unwrap().to_string();
    let mut rest = Vec::new();
    for _ in 0..2 {
        a.send(&format!("ACK\nid:{ack}\n\n\0")).await;
        let f = a.frame().await;
        ack = f.h("ack").unwrap().to_string();
        rest.push(f);
    }
    let back = rest.iter().find(|f| f.body == fb.body).expect("b's unacked message came back to a");
    assert_eq!(back.h("redelivered"), Some("true"));
    assert_eq!(back.h("message-id"), fb.h("message-id"));
    let other = rest.iter().find(|f| f.body != fb.body).unwrap();
    assert_eq!((other.body.as_slice(), other.h("redelivered")), (&b"m4"[..], None));
}

/// NACK sends a persistent message to ActiveMQ.DLQ (ActiveMQ's poison ack); selectors pick.
#[tokio::test]
async fn nacks_go_to_the_dlq_and_selectors_pick() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let mut c = Raw::login(addr, "").await;
    c.send("SUBSCRIBE\nid:red\ndestination:/queue/paint\nack:client-individual\nselector:colour = 'red' AND size > 2\n\n\0").await;
    c.send("SUBSCRIBE\nid:dlq\ndestination:/queue/ActiveMQ.DLQ\n\n\0").await;
    c.send("SEND\ndestination:/queue/paint\npersistent:true\ncolour:blue\nsize:5\n\nblue\0").await;
    c.send("SEND\ndestination:/queue/paint\npersistent:true\ncolour:red\nsize:1\n\nsmall\0").await;
    c.send("SEND\ndestination:/queue/paint\npersistent:true\ncolour:red\nsize:10\n\nbig red\0").await;
    let f = c.frame().await;
    assert_eq!((f.h("subscription"), f.body.as_slice()), (Some("red"), &b"big red"[..]));
    c.send(&format!("NACK\nid:{}\n\n\0", f.h("ack").unwrap())).await;
    let dead = c.frame().await;
    assert_eq!(dead.h("subscription"), Some("dlq"));
    assert_eq!(dead.h("destination"), Some("/queue/ActiveMQ.DLQ"));
    assert_eq!(dead.h("original-destination"), Some("/queue/paint"));
    assert_eq!(dead.body, b"big red");
    // A bad selector is refused with ActiveMQ's ERROR.
    c.send("SUBSCRIBE\nid:bad\ndestination:/queue/x\nselector:colour = \n\n\0").await;
    let e = c.frame().await;
    assert_eq!(e.command, "ERROR");
    assert!(e.h("message").unwrap().starts_with("Invalid selector"));
}

/// Topics reach every subscriber (wildcards too); a durable subscription keeps what comes
/// while its client is away, until it is unsubscribed by name.
#[tokio::test]
async fn topics_fan_out_and_durable_subscriptions_keep_messages() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let mut a = Raw::login(addr, "").await;
    let mut b = Raw::login(addr, "").await;
    a.send("SUBSCRIBE\nid:1\ndestination:/topic/news.sport\nreceipt:x\n\n\0").await;
    b.send("SUBSCRIBE\nid:1\ndestination:/topic/news.>\nreceipt:x\n\n\0").await;
    a.frame().await;
    b.frame().await;
    let mut d = Raw::login(addr, "client-id:reader\n").await;
    d.send("SUBSCRIBE\nid:d\ndestination:/topic/news.sport\nactivemq.subscriptionName:daily\nreceipt:x\n\n\0").await;
    d.frame().await;
    let mut p = Raw::login(addr, "").await;
    p.send("SEND\ndestination:/topic/news.sport\npersistent:true\nreceipt:1\n\ngoal\0").await;
    p.frame().await;
    assert_eq!(a.frame().await.body, b"goal");
    assert_eq!(b.frame().await.body, b"goal");
    assert_eq!(d.frame().await.body, b"goal");
    // The durable subscriber goes; what comes meanwhile waits for it.
    d.send("DISCONNECT\nreceipt:bye\n\n\0").await;
    assert_eq!(d.frame().await.h("receipt-id"), Some("bye"));
    p.send("SEND\ndestination:/topic/news.sport\npersistent:true\nreceipt:2\n\nsecond goal\0").await;
    p.frame().await;
    let mut d = Raw::login(addr, "client-id:reader\n").await;
    d.send("SUBSCRIBE\nid:d\ndestination:/topic/news.sport\nactivemq.subscriptionName:daily\n\n\0").await;
    assert_eq!(d.frame().await.body, b"second goal");
    // Named in UNSUBSCRIBE, it goes for good.
    d.send("UNSUBSCRIBE\nid:d\nactivemq.subscriptionName:daily\nreceipt:gone\n\n\0").await;
    assert_eq!(d.frame().await.h("receipt-id"), Some("gone"));
    // A second consumer of a durable subscription in use is refused.
    let mut e = Raw::login(addr, "client-id:other\n").await;
    e.send("SUBSCRIBE\nid:1\ndestination:/topic/t\nactivemq.subscriptionName:s\n\n\0").await;
    e.send("SUBSCRIBE\nid:2\ndestination:/topic/t\nactivemq.subscriptionName:s\n\n\0").await;
    let err = e.frame().await;
    assert_eq!(err.command, "ERROR");
    assert!(err.h("message").unwrap().contains("Durable consumer is in use"));
}

/// BEGIN/COMMIT/ABORT: sends and acks of a transaction take effect at COMMIT, none at ABORT.
#[tokio::test]
async fn transactions_commit_and_abort() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let mut c = Raw::login(addr, "").await;
    c.send("BEGIN\ntransaction:t1\n\n\0").await;
    c.send("SEND\ndestination:/queue/tx\ntransaction:t1\n\nkept\0").await;
    c.send("BEGIN\ntransaction:t2\n\n\0").await;
    c.send("SEND\ndestination:/queue/tx\ntransaction:t2\n\ndropped\0").await;
    c.send("ABORT\ntransaction:t2\n\n\0").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/tx\nack:client-individual\nreceipt:r\n\n\0").await;
    assert_eq!(c.frame().await.command, "RECEIPT");
    assert!(c.try_frame(Duration::from_millis(300)).await.is_none(), "nothing before COMMIT");
    c.send("COMMIT\ntransaction:t1\nreceipt:c\n\n\0").await;
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(c.frame().await);
    }
    let m = got.iter().find(|f| f.command == "MESSAGE").expect("the committed message");
    assert_eq!(m.body, b"kept");
    // An ack inside an aborted transaction is not made: the message stays with the consumer.
    c.send("BEGIN\ntransaction:t3\n\n\0").await;
    c.send(&format!("ACK\nid:{}\ntransaction:t3\n\n\0", m.h("ack").unwrap())).await;
    c.send("ABORT\ntransaction:t3\n\n\0").await;
    c.send("COMMIT\ntransaction:nope\n\n\0").await;
    let e = c.frame().await;
    assert_eq!((e.command.as_str(), e.h("message")), ("ERROR", Some("Invalid transaction id: nope")));
    c.send(&format!("ACK\nid:{}\nreceipt:a\n\n\0", m.h("ack").unwrap())).await;
    assert_eq!(c.frame().await.h("receipt-id"), Some("a"), "still ackable after the abort");
}

/// ActiveMQ's ERROR frames: fatal ones close the connection, others do not.
#[tokio::test]
async fn bad_frames_get_activemq_errors() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    // Wrong password: ERROR and close.
    let mut c = Raw::open(addr).await;
    c.send("CONNECT\naccept-version:1.2\nlogin:admin\npasscode:wrong\n\n\0").await;
    let e = c.frame().await;
    assert_eq!((e.command.as_str(), e.h("message")), ("ERROR", Some("User name [admin] or password is invalid.")));
    assert!(c.closed().await);
    // No login at all.
    let mut c = Raw::open(addr).await;
    c.send("CONNECT\naccept-version:1.2\n\n\0").await;
    assert_eq!(c.frame().await.h("message"), Some("User name [null] or password is invalid."));
    // A version the broker does not speak.
    let mut c = Raw::open(addr).await;
    c.send("CONNECT\naccept-version:2.0\nlogin:admin\npasscode:x\n\n\0").await;
    assert_eq!(
        c.frame().await.h("message"),
        Some("Invalid Protocol version[2.0], supported versions are: [1.0, 1.1, 1.2]")
    );
    assert!(c.closed().await);
    // Before CONNECT.
    let mut c = Raw::open(addr).await;
    c.send("SEND\ndestination:/queue/a\n\nx\0").await;
    assert_eq!(c.frame().await.h("message"), Some("Not connected."));
    // Not fatal: the connection goes on.
    let mut c = Raw::login(addr, "").await;
    c.send("SEND\nreceipt:r1\n\nx\0").await;
    let e = c.frame().await;
    assert_eq!(e.h("message"), Some("SEND received without a Destination specified!"));
    assert_eq!(e.h("receipt-id"), Some("r1"));
    c.send("SEND\ndestination:nowhere\n\nx\0").await;
    assert!(c.frame().await.h("message").unwrap().starts_with("Illegal destination name: [nowhere]"));
    c.send("SUBSCRIBE\ndestination:/queue/a\n\n\0").await;
    assert_eq!(c.frame().await.h("message"), Some("SUBSCRIBE received without a subscription id!"));
    c.send("ACK\nid:nothing\n\n\0").await;
    assert_eq!(c.frame().await.h("message"), Some("Unexpected ACK received for message-id [nothing]"));
    c.send("UNSUBSCRIBE\nid:none\n\n\0").await;
    assert_eq!(c.frame().await.h("message"), Some("No subscription matched."));
    // Another protocol on the STOMP port (an OpenWire client's first bytes), or a TLS record
    // that is no handshake TLS accepts: closed at once rather than left waiting for a frame.
    for hello in [&[0u8, 0, 1, 0x2a, 1, b'A', b'c', b't'][..], &[0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]] {
        let mut o = Raw::open(addr).await;
        o.send_bytes(hello).await;
        assert!(o.closed().await);
    }
    // Fatal: an unknown command, a malformed header, a frame over the limit.
    c.send("FOO\n\n\0").await;
    assert_eq!(c.frame().await.h("message"), Some("Unknown STOMP action: FOO"));
    assert!(c.closed().await);
    let mut c = Raw::login(addr, "").await;
    c.send("SEND\ndestination:/queue/a\nno colon here\n\n\0").await;
    assert_eq!(c.frame().await.command, "ERROR");
    assert!(c.closed().await);
    let mut c = Raw::login(addr, "").await;
    c.send(&format!("SEND\ndestination:/queue/a\ncontent-length:{}\n\n", 17 * 1024 * 1024)).await;
    assert_eq!(c.frame().await.h("message"), Some("The maximum data length was exceeded"));
    assert!(c.closed().await);
}

/// Frames that arrive a byte at a time, bodies holding NULs (content-length), heart-beats.
#[tokio::test]
async fn split_frames_binary_bodies_and_heart_beats() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let mut c = Raw::open(addr).await;
    let wire = format!(
        "CONNECT\naccept-version:1.1,1.2\nlogin:admin\npasscode:{PASSWORD}\nheart-beat:0,200\n\n\0\
         SUBSCRIBE\nid:s\ndestination:/queue/bin\n\n\0\
         SEND\ndestination:/queue/bin\ncontent-length:5\n\na\0b\0c\0\n"
    );
    for b in wire.as_bytes() {
        c.send_bytes(&[*b]).await;
        tokio::task::yield_now().await;
    }
    let connected = c.frame().await;
    assert_eq!(connected.h("heart-beat"), Some("200,0"), "the server beats every 200 ms, expects none");
    assert_eq!(connected.h("version"), Some("1.2"));
    let m = c.frame().await;
    assert_eq!(m.body, b"a\0b\0c");
    assert_eq!(m.h("content-length"), Some("5"));
    // Nothing else to say: heart-beats come.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while c.beats == 0 && tokio::time::Instant::now() < deadline {
        let _ = c.try_frame(Duration::from_millis(100)).await;
    }
    assert!(c.beats > 0, "the server sends heart-beats");
}

/// Persistent messages survive a restart; non-persistent ones do not (as in ActiveMQ).
#[tokio::test]
async fn persistent_messages_survive_a_restart() {
    let dir = temp_dir("mq-stomp-restart");
    let (env, addr, _) = stomp_env(durable(&dir)).await;
    let mut p = Raw::login(addr, "").await;
    p.send("SEND\ndestination:/queue/keep\npersistent:true\nreceipt:1\nk:v\n\nstored\0").await;
    p.frame().await;
    p.send("SEND\ndestination:/queue/keep\nreceipt:2\n\nin memory\0").await;
    p.frame().await;
    env.running.shutdown().await;
    let (_env, addr, _) = stomp_env(durable(&dir)).await;
    let mut c = Raw::login(addr, "").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/keep\n\n\0").await;
    let f = c.frame().await;
    assert_eq!((f.body.as_slice(), f.h("k"), f.h("persistent")), (&b"stored"[..], Some("v"), Some("true")));
    assert!(c.try_frame(Duration::from_millis(300)).await.is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs one of the Python client checks (`tools/py/*.py`, with the clients `make test`
/// installs under `tools/py/site`); its JSON output.
pub fn python_check(script: &str, args: &[String]) -> serde_json::Value {
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/py");
    let out = std::process::Command::new("python3")
        .arg(tools.join(script))
        .args(args)
        .env("PYTHONPATH", tools.join("site"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} failed (run `make test`, which installs stomp.py and paho-mqtt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{script}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// stomp.py, the Python STOMP client: selectors, client-individual acks, receipts,
/// transactions, a durable subscription across a disconnect, and a refused login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stomp_py_works_unchanged() {
    let (_env, addr, _) = stomp_env(quayside::Config::for_tests()).await;
    let args = ["127.0.0.1".to_string(), addr.port().to_string(), PASSWORD.to_string()];
    let v = tokio::task::spawn_blocking(move || python_check("stomp_check.py", &args)).await.unwrap();
    assert_eq!(v["queue"], serde_json::json!(["hello"]), "the selector kept the other one back: {v}");
    assert!(v["receipts"].as_array().unwrap().contains(&"r1".into()));
    assert_eq!(v["headers"]["kind"], "wanted");
    assert_eq!(v["headers"]["destination"], "/queue/py");
    assert_eq!(v["before_commit"], serde_json::json!([]));
    assert_eq!(v["after_commit"], serde_json::json!(["in tx"]));
    assert_eq!(v["durable"], serde_json::json!(["while away"]), "{v}");
    assert_eq!(v["bad_login"], "refused");
}

/// paho-mqtt, the Python MQTT client: wildcards at QoS 1 and 2, retained messages, a
/// persistent session that keeps what came while its client was away, a last will, and a
/// refused login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paho_mqtt_works_unchanged() {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("mqtt", Some(0));
    let (env, _, _) = stomp_env(config).await;
    let port = env.running.listeners["mqtt"].port();
    let args = ["127.0.0.1".to_string(), port.to_string(), PASSWORD.to_string()];
    let v = tokio::task::spawn_blocking(move || python_check("mqtt_check.py", &args)).await.unwrap();
    assert_eq!(
        v["wildcards"],
        serde_json::json!([["alerts/fire/level", "high", 2], ["sensors/kitchen/temp", "21.5", 1]]),
        "{v}"
    );
    assert_eq!(
        v["retained"],
        serde_json::json!([{"topic": "status/door", "payload": "open", "qos": 1, "retain": true}])
    );
    assert_eq!(v["session_present"], true);
    assert_eq!(v["offline"], serde_json::json!(["job-1"]));
    assert_eq!(v["will"], serde_json::json!(["gone"]));
    // CONNACK 4 (bad user name or password), which paho 2 reports as MQTT 5's reason 134.
    assert_eq!(v["bad_rc"], 134);
}

/// A broker's configuration XML is honoured where mq-lite implements the setting: the
/// redelivery plugin's maximum, an individual dead-letter strategy's queue prefix, a
/// discarding strategy, a queue prefetch.
#[tokio::test]
async fn the_configuration_xml_sets_redelivery_and_dead_letters() {
    use aws_sdk_mq::types::{ConfigurationId, EngineType};
    use base64::Engine as _;
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("stomp", Some(0));
    let env = start_with(config).await;
    let addr = env.running.listeners["stomp"];
    let c = mq(&env.endpoint());
    let cid =
        c.create_configuration().name("policies").engine_type(EngineType::Activemq).send().await.unwrap().id.unwrap();
    let xml = r#"<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy><policyMap><policyEntries>
    <policyEntry queue="paint.>" queuePrefetch="1">
      <deadLetterStrategy><individualDeadLetterStrategy queuePrefix="DLQ."/></deadLetterStrategy>
    </policyEntry>
    <policyEntry queue="audit"><deadLetterStrategy><discarding/></deadLetterStrategy></policyEntry>
  </policyEntries></policyMap></destinationPolicy>
  <plugins><redeliveryPlugin><redeliveryPolicyMap><redeliveryPolicyMap><defaultEntry>
    <redeliveryPolicy maximumRedeliveries="1"/>
  </defaultEntry></redeliveryPolicyMap></redeliveryPolicyMap></redeliveryPlugin></plugins>
</broker>"#;
    let data = base64::engine::general_purpose::STANDARD.encode(xml);
    c.update_configuration().configuration_id(&cid).data(data).send().await.unwrap();
    crate::mq_control::activemq(&c, "configured")
        .users(crate::mq_control::user("admin"))
        .configuration(ConfigurationId::builder().id(&cid).revision(2).build())
        .send()
        .await
        .unwrap();
    let mut s = Raw::login(addr, "").await;
    s.send("SUBSCRIBE\nid:dlq\ndestination:/queue/DLQ.paint.red\n\n\0").await;
    s.send("SEND\ndestination:/queue/paint.red\npersistent:true\nreceipt:1\n\nwet\0").await;
    s.frame().await;
    // Delivered, abandoned, redelivered once, abandoned again: past the maximum of 1.
    for round in 0..2 {
        let mut c = Raw::login(addr, "").await;
        c.send("SUBSCRIBE\nid:s\ndestination:/queue/paint.red\nack:client\n\n\0").await;
        let f = c.frame().await;
        assert_eq!((f.body.as_slice(), f.h("redelivered").is_some()), (&b"wet"[..], round == 1));
    }
    let dead = s.frame().await;
    assert_eq!(dead.h("destination"), Some("/queue/DLQ.paint.red"));
    assert!(dead.h("dlqDeliveryFailureCause").unwrap().contains("maximumRedeliveries = 1"));
    // The prefetch of 1: a second message waits until the first is acknowledged.
    let mut c = Raw::login(addr, "").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/paint.blue\nack:client\n\n\0").await;
    s.send("SEND\ndestination:/queue/paint.blue\n\nb1\0SEND\ndestination:/queue/paint.blue\nreceipt:2\n\nb2\0").await;
    assert_eq!(s.frame().await.h("receipt-id"), Some("2"));
    let first = c.frame().await;
    assert!(c.try_frame(Duration::from_millis(300)).await.is_none(), "queuePrefetch=1 holds the second back");
    c.send(&format!("ACK\nid:{}\n\n\0", first.h("ack").unwrap())).await;
    assert_eq!(c.frame().await.body, b"b2");
    // Discarded: a NACKed message of `audit` goes nowhere.
    s.send("SUBSCRIBE\nid:any-dlq\ndestination:/queue/ActiveMQ.DLQ\n\n\0").await;
    c.send("SUBSCRIBE\nid:a\ndestination:/queue/audit\nack:client-individual\n\n\0").await;
    s.send("SEND\ndestination:/queue/audit\npersistent:true\n\nlog\0").await;
    let a = loop {
        let f = c.frame().await;
        if f.h("subscription") == Some("a") {
            break f;
        }
    };
    c.send(&format!("NACK\nid:{}\n\n\0", a.h("ack").unwrap())).await;
    assert!(s.try_frame(Duration::from_millis(300)).await.is_none(), "discarded, not dead-lettered");
}

/// Producer flow control (`--mq-memory-limit`): once a broker's messages hold the limit, a
/// producer's next SEND waits (no RECEIPT) until a consumer makes room; nothing is refused
/// or lost.
#[tokio::test]
async fn producers_wait_while_the_broker_is_full() {
    let mut config = quayside::Config::for_tests();
    config.options.insert("mq-memory-limit", "1".into());
    let (_env, addr, _) = stomp_env(config).await;
    let mut p = Raw::login(addr, "").await;
    let body = "x".repeat(100 * 1024);
    for i in 0..20 {
        p.send(&format!("SEND\ndestination:/queue/full\npersistent:true\nreceipt:{i}\n\n{body}\0")).await;
    }
    let mut receipts = 0;
    while let Some(f) = p.try_frame(Duration::from_millis(500)).await {
        assert_eq!(f.command, "RECEIPT");
        receipts += 1;
    }
    assert!((9..20).contains(&receipts), "held back at about 1 MiB: {receipts} receipts");
    // A consumer drains; the waiting sends go through, every one.
    let mut c = Raw::login(addr, "").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/full\n\n\0").await;
    let mut got = 0;
    while got < 20 {
        assert_eq!(c.frame().await.command, "MESSAGE");
        got += 1;
    }
    while receipts < 20 {
        assert_eq!(p.frame().await.command, "RECEIPT");
        receipts += 1;
    }
}

/// stomp.py (`stomp+ssl`) and paho-mqtt (`mqtt+ssl`) over TLS on the broker's own ports,
/// trusting Quayside's CA, while plain clients keep using the same ports; without `--tls`,
/// DescribeBroker names the plain schemes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stomp_and_mqtt_over_tls_with_python_clients() {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("mqtt", Some(0));
    let (env, stomp, id) = stomp_env(config).await;
    let mqtt = env.running.listeners["mqtt"];
    let d = mq(&env.endpoint()).describe_broker().broker_id(&id).send().await.unwrap();
    let mut endpoints = d.broker_instances()[0].endpoints().to_vec();
    endpoints.sort();
    assert_eq!(
        endpoints,
        [format!("mqtt+ssl://localhost:{}", mqtt.port()), format!("stomp+ssl://localhost:{}", stomp.port())]
    );
    let ca = crate::common::temp_dir("broker-ca").join("ca.pem");
    std::fs::write(&ca, env.running.tls_ca_pem().unwrap()).unwrap();
    let args = vec![
        "localhost".to_string(),
        stomp.port().to_string(),
        mqtt.port().to_string(),
        PASSWORD.to_string(),
        ca.to_string_lossy().into_owned(),
    ];
    let v = tokio::task::spawn_blocking(move || python_check("tls_check.py", &args)).await.unwrap();
    assert_eq!(v["stomp"], "secret over stomp+ssl", "{v}");
    assert_eq!(v["mqtt"], "secret over mqtt+ssl", "{v}");
    assert!(v["stomp_tls"].as_str().is_some_and(|t| t.starts_with("TLS")), "{v}");
    assert!(v["mqtt_tls"].as_str().is_some_and(|t| t.starts_with("TLS")), "{v}");
    assert_eq!(v["stomp_ticket"], false, "no TLS 1.3 session ticket races stomp.py's first frame: {v}");
    // Plain STOMP on the same port.
    let mut plain = Raw::login(stomp, "").await;
    plain.send("SEND\ndestination:/queue/plain\nreceipt:r\n\nplain\0").await;
    assert_eq!(plain.frame().await.command, "RECEIPT");

    let mut config = quayside::Config::for_tests();
    config.tls = false;
    let (env, stomp, id) = stomp_env(config).await;
    let d = mq(&env.endpoint()).describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.broker_instances()[0].endpoints(), [format!("stomp://localhost:{}", stomp.port())]);
}
