//! mq-lite scenarios: STOMP SEND of persistent messages with receipts (one consumer draining
//! the queue), MQTT QoS 1 publishes fanned out to many subscribers, and idle connections.
//! Raw frames and packets over TCP, so the generator measures the broker, not a client
//! library. The same scenarios run against any STOMP or MQTT broker (ActiveMQ, mosquitto):
//! the login is `--user`/`--password`.

use crate::scenarios::Stats;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const USER: &str = "bench";
pub const PASSWORD: &str = "bench-password-1";

/// Creates an ActiveMQ broker with the bench's user through the Amazon MQ API.
pub async fn create_broker(endpoint: &str) {
    let body = format!(
        r#"{{"brokerName":"bench","engineType":"ACTIVEMQ","hostInstanceType":"mq.m5.large","deploymentMode":"SINGLE_INSTANCE","publiclyAccessible":false,"users":[{{"username":"{USER}","password":"{PASSWORD}"}}]}}"#
    );
    let req = format!(
        "POST /v1/brokers HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut c = crate::client::Conn::connect(endpoint).await.expect("connect");
    let (status, answer) = c.send(req.as_bytes()).await.expect("CreateBroker");
    // 409: made by an earlier run.
    assert!(status == 200 || status == 409, "CreateBroker: {status} {}", String::from_utf8_lossy(&answer));
}

/// A STOMP connection: reads whole frames (command and whether a body came).
pub struct Stomp {
    r: BufReader<tokio::io::ReadHalf<TcpStream>>,
    w: tokio::io::WriteHalf<TcpStream>,
    buf: Vec<u8>,
}

impl Stomp {
    async fn connect(addr: &str, user: &str, password: &str) -> std::io::Result<Stomp> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let (r, w) = tokio::io::split(s);
        let mut c = Stomp { r: BufReader::with_capacity(256 * 1024, r), w, buf: Vec::new() };
        c.w.write_all(
            format!("CONNECT\naccept-version:1.2\nhost:/\nlogin:{user}\npasscode:{password}\n\n\0").as_bytes(),
        )
        .await?;
        let f = c.frame().await?;
        if f != "CONNECTED" {
            return Err(std::io::Error::other(format!("CONNECT answered {f}")));
        }
        Ok(c)
    }

    /// The next frame's command (the whole frame is read; bodies end at NUL, as the bench's
    /// messages have none inside).
    async fn frame(&mut self) -> std::io::Result<String> {
        loop {
            self.buf.clear();
            let n = tokio::io::AsyncBufReadExt::read_until(&mut self.r, 0, &mut self.buf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let start = self.buf.iter().position(|b| *b != b'\n' && *b != b'\r').unwrap_or(self.buf.len());
            if start == self.buf.len() {
                continue;
            }
            let end = self.buf[start..].iter().position(|b| *b == b'\n').map_or(self.buf.len(), |e| start + e);
            return Ok(String::from_utf8_lossy(&self.buf[start..end]).trim_end_matches('\r').to_string());
        }
    }
}

/// `conns` producers each SEND a persistent message and wait for its RECEIPT (sent once the
/// message is stored), while one consumer drains the queue with auto acknowledgement.
pub async fn stomp_send(
    addr: &str,
    conns: usize,
    duration: Duration,
    body_bytes: usize,
    user: &str,
    pw: &str,
) -> (Stats, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let consumed = Arc::new(AtomicU64::new(0));
    let consumer = {
        let (addr, stop, consumed) = (addr.to_string(), stop.clone(), consumed.clone());
        let (user, pw) = (user.to_string(), pw.to_string());
        tokio::spawn(async move {
            let Ok(mut c) = Stomp::connect(&addr, &user, &pw).await else { return };
            let _ = c.w.write_all(b"SUBSCRIBE\nid:1\ndestination:/queue/bench\nack:auto\n\n\0").await;
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(500), c.frame()).await {
                    Ok(Ok(f)) if f == "MESSAGE" => {
                        consumed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Ok(_)) | Err(_) => {}
                    Ok(Err(_)) => return,
                }
            }
        })
    };
    let body = "x".repeat(body_bytes);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..conns {
        let (addr, stop, body) = (addr.to_string(), stop.clone(), body.clone());
        let (user, pw) = (user.to_string(), pw.to_string());
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            let Ok(mut c) = Stomp::connect(&addr, &user, &pw).await else {
                s.errors += 1;
                return s;
            };
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let frame = format!("SEND\ndestination:/queue/bench\npersistent:true\nreceipt:{n}-{i}\n\n{body}\0");
                let t = Instant::now();
                if c.w.write_all(frame.as_bytes()).await.is_err() {
                    s.errors += 1;
                    break;
                }
                match c.frame().await {
                    Ok(f) if f == "RECEIPT" => s.record(1, t),
                    _ => {
                        s.errors += 1;
                        break;
                    }
                }
            }
            s
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let stats = Stats::gather(tasks, started).await;
    let _ = consumer.await;
    (stats, consumed.load(Ordering::Relaxed))
}

fn mqtt_connect(client_id: &str, user: &str, pw: &str) -> Vec<u8> {
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0xc2, 0, 60];
    for s in [client_id.as_bytes(), user.as_bytes(), pw.as_bytes()] {
        body.extend_from_slice(&(s.len() as u16).to_be_bytes());
        body.extend_from_slice(s);
    }
    let mut p = vec![0x10];
    put_len(&mut p, body.len());
    p.extend(body);
    p
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            return;
        }
    }
}

/// Reads one MQTT packet: (first byte, body).
async fn mqtt_packet<R: tokio::io::AsyncRead + Unpin>(r: &mut R) -> std::io::Result<(u8, Vec<u8>)> {
    let first = r.read_u8().await?;
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = r.read_u8().await?;
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    Ok((first, body))
}

async fn mqtt_open(addr: &str, id: &str, user: &str, pw: &str) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    s.write_all(&mqtt_connect(id, user, pw)).await?;
    let (first, body) = mqtt_packet(&mut s).await?;
    if first != 0x20 || body.get(1) != Some(&0) {
        return Err(std::io::Error::other("CONNACK refused"));
    }
    Ok(s)
}

/// `subscribers` clients subscribe at QoS 1 to one topic (acknowledging every message);
/// `publishers` clients publish QoS 1 messages to it, each waiting for its PUBACK. Counts the
/// messages the subscribers received.
pub async fn mqtt_fan_out(
    addr: &str,
    subscribers: usize,
    publishers: usize,
    duration: Duration,
    body_bytes: usize,
    user: &str,
    pw: &str,
) -> (Stats, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicU64::new(0));
    let mut subs = Vec::new();
    for n in 0..subscribers {
        let mut s = mqtt_open(addr, &format!("bench-sub-{n}"), user, pw).await.expect("subscriber connects");
        let topic = b"bench/fan";
        let mut p = vec![0x82];
        let mut body = vec![0, 1, 0, topic.len() as u8];
        body.extend_from_slice(topic);
        body.push(1);
        put_len(&mut p, body.len());
        p.extend(body);
        s.write_all(&p).await.unwrap();
        let (first, _) = mqtt_packet(&mut s).await.unwrap();
        assert_eq!(first, 0x90, "SUBACK");
        let (stop, delivered) = (stop.clone(), delivered.clone());
        subs.push(tokio::spawn(async move {
            let (r, mut w) = tokio::io::split(s);
            let mut r = BufReader::with_capacity(256 * 1024, r);
            let mut acks = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let Ok(Ok((first, body))) = tokio::time::timeout(Duration::from_millis(500), mqtt_packet(&mut r)).await
                else {
                    continue;
                };
                if first >> 4 == 3 {
                    delivered.fetch_add(1, Ordering::Relaxed);
                    if (first >> 1) & 3 > 0 {
                        let tl = usize::from(u16::from_be_bytes([body[0], body[1]]));
                        acks.extend_from_slice(&[0x40, 2, body[2 + tl], body[3 + tl]]);
                        // Acknowledge what has arrived in one write.
                        if r.buffer().is_empty() {
                            if w.write_all(&acks).await.is_err() {
                                return;
                            }
                            acks.clear();
                        }
                    }
                }
            }
        }));
    }
    let payload = vec![b'x'; body_bytes];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..publishers {
        let (addr, stop, payload) = (addr.to_string(), stop.clone(), payload.clone());
        let (user, pw) = (user.to_string(), pw.to_string());
        tasks.push(tokio::spawn(async move {
            let mut st = Stats::default();
            let Ok(mut s) = mqtt_open(&addr, &format!("bench-pub-{n}"), &user, &pw).await else {
                st.errors += 1;
                return st;
            };
            let mut id: u16 = 0;
            while !stop.load(Ordering::Relaxed) {
                id = id.wrapping_add(1).max(1);
                let topic = b"bench/fan";
                let mut body = vec![0, topic.len() as u8];
                body.extend_from_slice(topic);
                body.extend_from_slice(&id.to_be_bytes());
                body.extend_from_slice(&payload);
                let mut p = vec![0x32];
                put_len(&mut p, body.len());
                p.extend(body);
                let t = Instant::now();
                if s.write_all(&p).await.is_err() {
                    st.errors += 1;
                    break;
                }
                // A broker that stops acknowledging (flow control) ends the publisher.
                match tokio::time::timeout(Duration::from_secs(5), mqtt_packet(&mut s)).await {
                    Ok(Ok((0x40, _))) => st.record(1, t),
                    _ => {
                        st.errors += 1;
                        break;
                    }
                }
            }
            st
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let stats = Stats::gather(tasks, started).await;
    for s in subs {
        let _ = s.await;
    }
    (stats, delivered.load(Ordering::Relaxed))
}

/// Opens `n` STOMP connections, each CONNECTed, and holds them until `hold` is over.
pub async fn idle(addr: &str, n: usize, user: &str, pw: &str) -> Vec<Stomp> {
    let mut open = Vec::with_capacity(n);
    for _ in 0..n {
        match Stomp::connect(addr, user, pw).await {
            Ok(c) => open.push(c),
            Err(e) => {
                eprintln!("idle: stopped at {} connections: {e}", open.len());
                break;
            }
        }
    }
    open
}
