//! The house itself: HTTP/2 on the main port, a service's own TCP listener started and stopped
//! with the server, shutdown answering long polls, one Quayside per data directory, and the
//! virtual clock kept across a restart.

use crate::common::*;
use aws_protocol::{Response, ServiceRoutes};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use service::{BoxFuture, Call, Connection, ListenerKind, ListenerSpec, Service, ServiceDef};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An h2c (prior knowledge) request with hyper's own HTTP/2 client.
async fn h2_call(addr: std::net::SocketAddr, target: &str, body: &str) -> (u16, String, String) {
    let io = hyper_util::rt::TokioIo::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io).await.expect("h2 handshake");
    tokio::spawn(conn);
    let req = hyper::Request::post(format!("http://{addr}/"))
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let resp =
        tokio::time::timeout(Duration::from_secs(10), sender.send_request(req)).await.expect("answered").unwrap();
    let status = resp.status().as_u16();
    let version = format!("{:?}", resp.version());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, version, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn http2_prior_knowledge_on_the_main_port() {
    let env = start().await;
    let addr = env.running.addr;
    let (status, version, body) = h2_call(addr, "AmazonSQS.CreateQueue", r#"{"QueueName":"h2"}"#).await;
    assert_eq!((status, version.as_str()), (200, "HTTP/2.0"), "{body}");
    let url = serde_json::from_str::<serde_json::Value>(&body).unwrap()["QueueUrl"].as_str().unwrap().to_string();
    let (status, _, body) =
        h2_call(addr, "AmazonSQS.SendMessage", &format!(r#"{{"QueueUrl":"{url}","MessageBody":"over h2"}}"#)).await;
    assert_eq!(status, 200, "{body}");
    // The same queue over HTTP/1.1 with the SDK.
    let got = env.receive_with_attributes(&url).await;
    assert_eq!(got[0].body.as_deref(), Some("over h2"));
    let (status, _, body) = h2_call(addr, "AmazonSQS.GetQueueUrl", r#"{"QueueName":"missing"}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("QueueDoesNotExist"), "{body}");
}

/// A test service with a line-echo TCP listener.
struct Echo {
    routes: ServiceRoutes,
}

impl Service for Echo {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    /// `Echo_1.Stream` answers a streamed body: three event-stream frames sent one by one.
    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        let streams = call.operation == "Stream";
        Box::pin(async move {
            if !streams {
                return Response::new(400, "text/plain", "no such operation");
            }
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            tokio::spawn(async move {
                for i in 0..3 {
                    let frame = aws_protocol::eventstream::event(
                        "Tick",
                        "application/json",
                        format!("{{\"n\":{i}}}").as_bytes(),
                    );
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
            });
            Response {
                status: 200,
                content_type: "application/vnd.amazon.eventstream",
                headers: Vec::new(),
                body: aws_protocol::Body::Stream(rx),
            }
        })
    }

    fn serve_connection(
        &self,
        _listener: &'static str,
        conn: Box<dyn Connection>,
        _info: service::ConnectionInfo,
    ) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let (r, mut w) = tokio::io::split(conn);
            let mut lines = BufReader::new(r).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if w.write_all(format!("echo {line}\n").as_bytes()).await.is_err() {
                    return;
                }
            }
        })
    }
}

const ECHO_LISTENERS: &[ListenerSpec] =
    &[ListenerSpec { name: "echo", help: "echo lines", default_port: Some(0), kind: ListenerKind::Tcp }];

fn echo_def() -> ServiceDef {
    ServiceDef {
        name: "echo",
        migrations: Vec::new(),
        options: &[],
        listeners: ECHO_LISTENERS,
        open: Box::new(|_| {
            let routes = ServiceRoutes {
                name: "echo".into(),
                target_prefix: Some("Echo_1".into()),
                json_version: Some("1.1".into()),
                ..Default::default()
            };
            Ok(Arc::new(Echo { routes }) as Arc<dyn Service>)
        }),
    }
}

#[tokio::test]
async fn a_services_tcp_listener_starts_and_stops_with_the_server() {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("echo", Some(0));
    let mut defs = quayside::services::all();
    defs.push(echo_def());
    let running = quayside::start_with(config, defs).await.unwrap();
    let addr = running.listeners["echo"];
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = stream.into_split();
    w.write_all(b"hello\n").await.unwrap();
    let mut lines = BufReader::new(r).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap();
    assert_eq!(line.as_deref(), Some("echo hello"));
    // The main port serves the AWS APIs beside it.
    let c = client(&format!("http://{}", running.addr), "test");
    c.create_queue().queue_name("beside").send().await.unwrap();
    running.shutdown().await;
    // Stopped with the server: the open connection ends and no new one is accepted.
    let end = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap();
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// The three frames a streamed answer carried.
fn ticks(body: &[u8]) -> Vec<String> {
    aws_protocol::eventstream::decode_all(body)
        .unwrap()
        .iter()
        .map(|f| String::from_utf8_lossy(&f.payload).to_string())
        .collect()
}

#[tokio::test]
async fn streamed_bodies_over_http1_and_http2() {
    let mut defs = quayside::services::all();
    defs.push(echo_def());
    let running = quayside::start_with(quayside::Config::for_tests(), defs).await.unwrap();
    let addr = running.addr;
    let want = ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"];
    // HTTP/1.1: chunked.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: Echo_1.Stream\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tokio::io::AsyncReadExt::read_to_end(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head} {}", String::from_utf8_lossy(&buf[split..]));
    assert!(head.contains("content-type: application/vnd.amazon.eventstream"), "{head}");
    let mut body = Vec::new();
    let mut rest = &buf[split + 4..];
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        if n == 0 {
            break;
        }
        body.extend_from_slice(&rest[line_end + 2..line_end + 2 + n]);
        rest = &rest[line_end + 2 + n + 2..];
    }
    assert_eq!(ticks(&body), want);
    // HTTP/2: DATA frames.
    let io = hyper_util::rt::TokioIo::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io).await.unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::post(format!("http://{addr}/"))
        .header("x-amz-target", "Echo_1.Stream")
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(10), sender.send_request(req)).await.unwrap().unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(ticks(&body), want);
    running.shutdown().await;
}

#[tokio::test]
async fn an_h2c_upgrade_request_is_answered_over_http1() {
    let env = start().await;
    let r = raw(
        env.running.addr,
        "POST",
        "/",
        &[
            ("Connection", "Upgrade, HTTP2-Settings"),
            ("Upgrade", "h2c"),
            ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"),
            ("X-Amz-Target", "AmazonSQS.ListQueues"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().is_object());
}

#[tokio::test]
async fn shutdown_answers_waiting_long_polls() {
    let env = start().await;
    let url = env.queue("waiting").await;
    let c = env.client.clone();
    let poll = tokio::spawn(async move { c.receive_message().queue_url(url).wait_time_seconds(20).send().await });
    // Wait until the poll is parked in the server.
    wait_for_waiting_receives(env.running.addr, 1).await;
    let Env { running, .. } = env;
    running.shutdown().await;
    let answered =
        tokio::time::timeout(Duration::from_secs(10), poll).await.expect("answered before its 20 s").unwrap();
    let out = answered.expect("an empty answer, not a cut connection");
    assert!(out.messages.is_none_or(|m| m.is_empty()));
}

/// Waits (bounded) until the server reports `n` long polls waiting.
pub async fn wait_for_waiting_receives(addr: std::net::SocketAddr, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let h = raw(addr, "GET", "/_quayside/health", &[], b"").await.json();
        if h["services"]["sqs"]["waiting_receives"].as_u64() == Some(n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the long poll never reached the server");
}

#[tokio::test]
async fn one_quayside_per_data_dir() {
    let dir = temp_dir("lock");
    let config = durable(&dir);
    let first = quayside::start(config.clone()).await.unwrap();
    let second = quayside::start(config.clone()).await;
    let msg = second.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("another Quayside") && msg.contains(&dir.display().to_string()), "{msg}");
    first.shutdown().await;
    // Once the first has stopped, the directory is free.
    let again = quayside::start(config).await.unwrap();
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn start_up_errors_name_what_they_concern() {
    let dir = temp_dir("badfile");
    std::fs::write(dir.join("quayside.db"), b"this is not a database, just text that is long enough").unwrap();
    let mut config = durable(&dir);
    let msg = quayside::start(config.clone()).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains(&dir.join("quayside.db").display().to_string()), "{msg}");
    // A data dir that is a file.
    let file = dir.join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    config.data_dir = file.clone();
    let msg = quayside::start(config.clone()).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    // A port in use names the port.
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut config = quayside::Config::for_tests();
    config.port = port;
    let msg = quayside::start(config).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_virtual_clock_survives_a_restart() {
    let dir = temp_dir("clock");
    let mut config = durable(&dir);
    config.virtual_clock = true;
    let first = quayside::start(config.clone()).await.unwrap();
    let now =
        |addr| async move { raw(addr, "GET", "/_quayside/clock", &[], b"").await.json()["now_ms"].as_i64().unwrap() };
    let before = now(first.addr).await;
    assert!(first.advance_clock(86_400).await);
    // An advance past the year 9999 is refused and moves nothing.
    let r = raw(first.addr, "POST", "/_quayside/clock/advance", &[], br#"{"seconds": 1e300}"#).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = raw(first.addr, "POST", "/_quayside/clock/advance", &[], br#"{"seconds": 9000000000000000}"#).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(now(first.addr).await, before + 86_400_000);
    first.shutdown().await;
    let second = quayside::start(config).await.unwrap();
    assert_eq!(now(second.addr).await, before + 86_400_000);
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
