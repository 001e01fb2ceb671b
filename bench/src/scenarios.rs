//! Load scenarios: closed loops over N keep-alive connections for a fixed time, with
//! per-request latencies.

use crate::client::{json_request, query_request, Conn};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run measured.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests: u64,
    pub items: u64,
    pub errors: u64,
    pub seconds: f64,
    pub latencies_us: Vec<u32>,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    pub fn items_per_s(&self) -> f64 {
        self.items as f64 / self.seconds
    }
    /// One answered request of `items` items, sent at `sent`.
    pub fn record(&mut self, items: u64, sent: Instant) {
        self.requests += 1;
        self.items += items;
        self.latencies_us.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
    }

    /// The connections' figures together, over the time since `started`.
    pub async fn gather(tasks: Vec<tokio::task::JoinHandle<Stats>>, started: Instant) -> Stats {
        let mut total = Stats::default();
        for t in tasks {
            if let Ok(s) = t.await {
                total.requests += s.requests;
                total.items += s.items;
                total.errors += s.errors;
                total.latencies_us.extend(s.latencies_us);
            }
        }
        total.seconds = started.elapsed().as_secs_f64();
        total
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i] as f64 / 1000.0
    }
}

fn body_of(bytes: usize) -> String {
    "x".repeat(bytes)
}

/// Creates a queue through the JSON protocol and returns its URL.
pub async fn create_queue(addr: &str, name: &str) -> String {
    let mut c = Conn::connect(addr).await.expect("connect");
    let req = json_request(addr, "AmazonSQS.CreateQueue", &json!({"QueueName": name}).to_string());
    let (status, body) = c.send(&req).await.expect("CreateQueue");
    assert_eq!(status, 200, "CreateQueue: {}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    v["QueueUrl"].as_str().unwrap_or_default().to_string()
}

pub fn send_request(addr: &str, queue_url: &str, body_bytes: usize) -> Vec<u8> {
    json_request(
        addr,
        "AmazonSQS.SendMessage",
        &json!({"QueueUrl": queue_url, "MessageBody": body_of(body_bytes)}).to_string(),
    )
}

pub fn batch_request(addr: &str, queue_url: &str, body_bytes: usize) -> Vec<u8> {
    let entries: Vec<Value> =
        (0..10).map(|i| json!({"Id": format!("m{i}"), "MessageBody": body_of(body_bytes)})).collect();
    json_request(addr, "AmazonSQS.SendMessageBatch", &json!({"QueueUrl": queue_url, "Entries": entries}).to_string())
}

/// One query call that must answer 200; returns the body.
async fn query_call(addr: &str, form: &str) -> String {
    let mut c = Conn::connect(addr).await.expect("connect");
    let (status, body) = c.send(&query_request(addr, form)).await.expect("query call");
    let body = String::from_utf8_lossy(&body).to_string();
    assert_eq!(status, 200, "{form}: {body}");
    body
}

/// A topic with `queues` raw-delivery SQS subscriptions (queues `<name>-0..`); returns the
/// topic ARN and the queue URLs.
pub async fn fan_out_topic(addr: &str, name: &str, queues: usize) -> (String, Vec<String>) {
    let body = query_call(addr, &format!("Action=CreateTopic&Version=2010-03-31&Name={name}")).await;
    let arn = body.split("<TopicArn>").nth(1).and_then(|s| s.split('<').next()).expect("TopicArn").to_string();
    let mut urls = Vec::new();
    for i in 0..queues {
        let url = create_queue(addr, &format!("{name}-{i}")).await;
        let queue_arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}-{i}");
        query_call(
            addr,
            &format!(
                "Action=Subscribe&Version=2010-03-31&TopicArn={arn}&Protocol=sqs&Endpoint={queue_arn}\
                 &Attributes.entry.1.key=RawMessageDelivery&Attributes.entry.1.value=true"
            ),
        )
        .await;
        urls.push(url);
    }
    (arn, urls)
}

pub fn publish_request(addr: &str, topic_arn: &str, body_bytes: usize) -> Vec<u8> {
    query_request(
        addr,
        &format!("Action=Publish&Version=2010-03-31&TopicArn={topic_arn}&Message={}", body_of(body_bytes)),
    )
}

pub fn publish_batch_request(addr: &str, topic_arn: &str, body_bytes: usize) -> Vec<u8> {
    let mut form = format!("Action=PublishBatch&Version=2010-03-31&TopicArn={topic_arn}");
    for i in 1..=10 {
        form.push_str(&format!(
            "&PublishBatchRequestEntries.member.{i}.Id=m{i}&PublishBatchRequestEntries.member.{i}.Message={}",
            body_of(body_bytes)
        ));
    }
    query_request(addr, &form)
}

/// Sends the same request over `conns` connections for `duration`; each 200 counts
/// `items_per_ok` items.
pub async fn closed_loop(addr: &str, conns: usize, duration: Duration, req: Vec<u8>, items_per_ok: u64) -> Stats {
    let req = Arc::new(req);
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let started = Instant::now();
    for _ in 0..conns {
        let req = req.clone();
        let stop = stop.clone();
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            let Ok(mut c) = Conn::connect(&addr).await else {
                s.errors += 1;
                return s;
            };
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match c.send(&req).await {
                    Ok((200, _)) => s.record(items_per_ok, t),
                    Ok(_) => s.errors += 1,
                    Err(_) => {
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
    Stats::gather(tasks, started).await
}

/// Producers send batches of 10; consumers receive up to 10 with long polling and delete
/// what they got in one DeleteMessageBatch. Counts messages deleted (delivered end to end).
pub async fn end_to_end(
    addr: &str,
    queue_url: &str,
    producers: usize,
    consumers: usize,
    duration: Duration,
    body_bytes: usize,
) -> Stats {
    let stop = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let send = Arc::new(batch_request(addr, queue_url, body_bytes));
    for _ in 0..producers {
        let (stop, errors, send, addr) = (stop.clone(), errors.clone(), send.clone(), addr.to_string());
        tasks.push(tokio::spawn(async move {
            let Ok(mut c) = Conn::connect(&addr).await else {
                return;
            };
            while !stop.load(Ordering::Relaxed) {
                if !matches!(c.send(&send).await, Ok((200, _))) {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let receive = Arc::new(json_request(
        addr,
        "AmazonSQS.ReceiveMessage",
        &json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}).to_string(),
    ));
    for _ in 0..consumers {
        let (stop, errors, delivered, receive, addr) =
            (stop.clone(), errors.clone(), delivered.clone(), receive.clone(), addr.to_string());
        let queue_url = queue_url.to_string();
        tasks.push(tokio::spawn(async move {
            let Ok(mut c) = Conn::connect(&addr).await else { return };
            while !stop.load(Ordering::Relaxed) {
                let Ok((200, body)) = c.send(&receive).await else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let Some(msgs) = v["Messages"].as_array().filter(|m| !m.is_empty()) else { continue };
                let entries: Vec<Value> = msgs
                    .iter()
                    .enumerate()
                    .map(|(i, m)| json!({"Id": format!("d{i}"), "ReceiptHandle": m["ReceiptHandle"]}))
                    .collect();
                let del = json_request(
                    &addr,
                    "AmazonSQS.DeleteMessageBatch",
                    &json!({"QueueUrl": queue_url, "Entries": entries}).to_string(),
                );
                match c.send(&del).await {
                    Ok((200, _)) => {
                        delivered.fetch_add(msgs.len() as u64, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(duration).await;
    let measured = started.elapsed().as_secs_f64();
    let items = delivered.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    Stats { requests: 0, items, errors: errors.load(Ordering::Relaxed), seconds: measured, latencies_us: Vec::new() }
}

/// Consumers only: receive 10 and delete them, for `duration` (the queue must hold enough).
pub async fn drain(addr: &str, queue_url: &str, consumers: usize, duration: Duration) -> Stats {
    end_to_end(addr, queue_url, 0, consumers, duration, 0).await
}
