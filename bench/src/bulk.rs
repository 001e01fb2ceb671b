//! Bulk removals: a queue of a million messages purged or deleted, timed from the request to
//! its answer, while SendMessage runs on another queue; then until the reaper has deleted
//! every row (`rows_to_delete` in `/_quayside/health` back to 0). The latencies the other
//! queue's sends see over that whole time are what "no request waits behind it" means.

use crate::client::{json_request, Conn};
use crate::scenarios::{self, Stats};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one bulk removal measured.
pub struct Removal {
    /// SendMessage to the other queue for 5 s before the removal (what a busy writer costs
    /// without it: WAL checkpoints under load).
    pub before: Stats,
    pub answered_ms: f64,
    /// From the answer until every row was deleted.
    pub rows_gone_s: f64,
    /// SendMessage to another queue meanwhile.
    pub others: Stats,
}

impl Removal {
    pub fn max_ms(&self) -> f64 {
        self.others.latencies_us.iter().copied().max().unwrap_or(0) as f64 / 1000.0
    }
}

async fn rows_to_delete(addr: &str) -> u64 {
    let Ok(mut c) = Conn::connect(addr).await else { return u64::MAX };
    let req = format!("GET /_quayside/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    match c.send(req.as_bytes()).await {
        Ok((200, body)) => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["services"]["sqs"]["rows_to_delete"].as_u64())
            .unwrap_or(u64::MAX),
        _ => u64::MAX,
    }
}

/// `op` (PurgeQueue or DeleteQueue) on `big` while 4 connections send to `other`, after 5 s
/// of the same sends without it.
pub async fn remove(addr: &str, op: &str, big: &str, other: &str) -> Removal {
    let before =
        scenarios::closed_loop(addr, 4, Duration::from_secs(5), scenarios::send_request(addr, other, 1024), 1).await;
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let req = Arc::new(scenarios::send_request(addr, other, 1024));
    let mut senders = Vec::new();
    for _ in 0..4 {
        let (stop, req, addr) = (stop.clone(), req.clone(), addr.to_string());
        senders.push(tokio::spawn(async move {
            let mut s = Stats::default();
            let Ok(mut c) = Conn::connect(&addr).await else { return s };
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match c.send(&req).await {
                    Ok((200, _)) => s.record(1, t),
                    _ => s.errors += 1,
                }
            }
            s
        }));
    }
    // The senders run a moment first, so the removal meets a busy writer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = Conn::connect(addr).await.expect("connect");
    let t = Instant::now();
    let (status, body) =
        c.send(&json_request(addr, &format!("AmazonSQS.{op}"), &json!({"QueueUrl": big}).to_string())).await.expect(op);
    let answered_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "{op}: {}", String::from_utf8_lossy(&body));
    let t = Instant::now();
    while rows_to_delete(addr).await > 0 {
        if t.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rows_gone_s = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let others = Stats::gather(senders, started).await;
    Removal { before, answered_ms, rows_gone_s, others }
}

pub fn print(op: &str, n: u64, r: &Removal) {
    println!(
        "{op} of {n} messages: answered in {:.1} ms (target < 1,000 ms); rows gone {:.1} s later; SendMessage to another \
         queue meanwhile: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.1} ms, max {:.1} ms, over 50 ms: {} of {} \
         (target: none){}",
        r.answered_ms,
        r.rows_gone_s,
        r.others.rps(),
        r.others.percentile_ms(0.5),
        r.others.percentile_ms(0.99),
        r.others.percentile_ms(0.999),
        r.max_ms(),
        r.others.latencies_us.iter().filter(|l| **l > 50_000).count(),
        r.others.requests,
        if r.others.errors > 0 { format!(", {} errors", r.others.errors) } else { String::new() }
    );
    let b = &r.before;
    println!(
        "  the same sends for 5 s before it: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.1} ms, max {:.1} ms, over 50 ms: {} of {}",
        b.rps(),
        b.percentile_ms(0.5),
        b.percentile_ms(0.99),
        b.percentile_ms(0.999),
        b.percentile_ms(1.0),
        b.latencies_us.iter().filter(|l| **l > 50_000).count(),
        b.requests
    );
}
