//! `quayside-bench`: a load generator (raw HTTP/1.1) that can be pointed at any SQS endpoint,
//! a fixed-answer HTTP server for the ceiling, and `suite`, which runs both against a fresh
//! Quayside and prints every figure beside the ceiling.

mod broker;
mod bulk;
mod ceiling;
mod client;
mod kinesis;
mod scenarios;

use clap::{Parser, Subcommand};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "quayside-bench")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the fixed-answer ceiling server.
    CeilingServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// One scenario against an endpoint (host:port): send, batch, e2e (a quarter of the
    /// connections produce, the rest consume), drain (consume only), list (ListQueues: the
    /// cost of a request that touches no store), publish, publish-batch, publish-drain
    /// (PublishBatch to 10 queues for the duration, then one of the queues drained for the
    /// duration: receives of fanned-out copies), kinesis-put
    /// (PutRecords of 500 into 4 shards), kinesis-subscribe (500,000 records put, then 4
    /// consumers subscribed to every shard from TRIM_HORIZON over HTTP/2) or kinesis-get
    /// (500,000 records put, then every shard read from TRIM_HORIZON), purge-queue or
    /// delete-queue (`seconds` x 100,000 messages queued, then the queue purged or deleted while
    /// SendMessage goes to another queue: the answer's time and the others' latencies).
    Load {
        #[arg(long)]
        endpoint: String,
        #[arg(long, default_value = "send")]
        scenario: String,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 1024)]
        body_bytes: usize,
    },
    /// mq-lite (or any STOMP/MQTT broker): stomp-send (`connections` producers SEND persistent
    /// 1 KiB messages to one queue, each waiting for its RECEIPT, one consumer draining it),
    /// mqtt-fanout (`subscribers` QoS 1 subscribers of one topic, `connections` publishers
    /// publishing QoS 1 and waiting for PUBACK: deliveries/s) or idle (`connections` STOMP
    /// connections opened and held; with `--pid`, the broker's resident memory before and
    /// after). With `--endpoint` (a quayside), a broker with the bench's user is made first.
    Broker {
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long, default_value = "127.0.0.1:61613")]
        stomp: String,
        #[arg(long, default_value = "127.0.0.1:1883")]
        mqtt: String,
        #[arg(long, default_value = "stomp-send")]
        scenario: String,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        #[arg(long, default_value_t = 100)]
        subscribers: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 1024)]
        body_bytes: usize,
        #[arg(long, default_value = broker::USER)]
        user: String,
        #[arg(long, default_value = broker::PASSWORD)]
        password: String,
        #[arg(long)]
        pid: Option<u32>,
    },
    /// Kinesis memory over time: a fresh quayside on the virtual clock, PutRecords at a steady
    /// rate into 4 shards while the clock moves an hour a second (so 24 hours of retention
    /// trims records 24 seconds old), a subscriber reading one shard, RSS and the store's size
    /// sampled every 30 s.
    Soak {
        /// Path of the quayside binary.
        #[arg(long)]
        quayside: String,
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Records a second.
        #[arg(long, default_value_t = 5000)]
        rate: u64,
    },
    /// Everything: start-up, memory, the three scenarios beside the ceiling, and a queue of
    /// a million messages.
    Suite {
        /// Path of the quayside binary.
        #[arg(long)]
        quayside: String,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Messages for the large-queue test (0 skips it).
        #[arg(long, default_value_t = 1_000_000)]
        million: u64,
    },
}

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    match cli.cmd {
        Cmd::CeilingServer { port } => {
            if let Err(e) = rt.block_on(ceiling::serve(port)) {
                eprintln!("ceiling: {e}");
                std::process::exit(1);
            }
        }
        Cmd::Load { endpoint, scenario, connections, seconds, body_bytes } => rt.block_on(async {
            let url = scenarios::create_queue(&endpoint, "bench-load").await;
            let d = Duration::from_secs(seconds);
            let s = match scenario.as_str() {
                "batch" => {
                    scenarios::closed_loop(
                        &endpoint,
                        connections,
                        d,
                        scenarios::batch_request(&endpoint, &url, body_bytes),
                        10,
                    )
                    .await
                }
                "e2e" => {
                    scenarios::end_to_end(
                        &endpoint,
                        &url,
                        connections / 4,
                        connections - connections / 4,
                        d,
                        body_bytes,
                    )
                    .await
                }
                "drain" => scenarios::drain(&endpoint, &url, connections, d).await,
                "publish" | "publish-batch" => {
                    let (topic, _) = scenarios::fan_out_topic(&endpoint, "bench-fanout", 10).await;
                    let (req, n) = if scenario == "publish" {
                        (scenarios::publish_request(&endpoint, &topic, body_bytes), 1)
                    } else {
                        (scenarios::publish_batch_request(&endpoint, &topic, body_bytes), 10)
                    };
                    scenarios::closed_loop(&endpoint, connections, d, req, n).await
                }
                "publish-drain" => {
                    let (topic, urls) = scenarios::fan_out_topic(&endpoint, "bench-fanout", 10).await;
                    let req = scenarios::publish_batch_request(&endpoint, &topic, body_bytes);
                    let filled = scenarios::closed_loop(&endpoint, connections, d, req, 10).await;
                    println!("filled: {:.0} messages/s", filled.items_per_s());
                    scenarios::drain(&endpoint, &urls[0], connections, d).await
                }
                "kinesis-put" => {
                    kinesis::create_stream(&endpoint, "bench-put", 4).await;
                    let req = kinesis::put_records_request(&endpoint, "bench-put", 500, body_bytes);
                    scenarios::closed_loop(&endpoint, connections, d, req, 500).await
                }
                "kinesis-subscribe" => {
                    kinesis::create_stream(&endpoint, "bench-sub", 4).await;
                    let req = kinesis::put_records_request(&endpoint, "bench-sub", 500, body_bytes);
                    kinesis::fill(&endpoint, req, 1000, connections).await;
                    kinesis::subscribe_all(&endpoint, "bench-sub", 4, false, d).await
                }
                "kinesis-get" => {
                    kinesis::create_stream(&endpoint, "bench-get", 4).await;
                    let req = kinesis::put_records_request(&endpoint, "bench-get", 500, body_bytes);
                    kinesis::fill(&endpoint, req, 1000, connections).await;
                    kinesis::read_all(&endpoint, "bench-get", 10_000, d).await
                }
                "list" => {
                    let req = client::json_request(&endpoint, "AmazonSQS.ListQueues", "{}");
                    scenarios::closed_loop(&endpoint, connections, d, req, 0).await
                }
                "purge-queue" | "delete-queue" => {
                    // `seconds` x 100,000 messages (10 s: a million), then the removal.
                    let n = seconds * 100_000;
                    let op = if scenario == "purge-queue" { "PurgeQueue" } else { "DeleteQueue" };
                    let big = scenarios::create_queue(&endpoint, "bench-bulk").await;
                    fill(&endpoint, &big, n / 10, connections).await;
                    let r = bulk::remove(&endpoint, op, &big, &url).await;
                    bulk::print(op, n, &r);
                    return;
                }
                _ => {
                    scenarios::closed_loop(
                        &endpoint,
                        connections,
                        d,
                        scenarios::send_request(&endpoint, &url, body_bytes),
                        1,
                    )
                    .await
                }
            };
            println!(
                "{scenario}: {:.0} requests/s, {:.0} messages/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.1} ms, max {:.1} ms, \
                 over 50 ms: {}, errors {}",
                s.rps(),
                s.items_per_s(),
                s.percentile_ms(0.5),
                s.percentile_ms(0.99),
                s.percentile_ms(0.999),
                s.percentile_ms(1.0),
                s.latencies_us.iter().filter(|l| **l > 50_000).count(),
                s.errors
            );
        }),
        Cmd::Broker {
            endpoint,
            stomp,
            mqtt,
            scenario,
            connections,
            subscribers,
            seconds,
            body_bytes,
            user,
            password,
            pid,
        } => rt.block_on(async {
            if let Some(e) = &endpoint {
                broker::create_broker(e).await;
            }
            let d = Duration::from_secs(seconds);
            match scenario.as_str() {
                "stomp-send" => {
                    let (s, consumed) = broker::stomp_send(&stomp, connections, d, body_bytes, &user, &password).await;
                    println!(
                        "stomp-send: {:.0} receipted messages/s, p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, consumed {:.0}/s, errors {}",
                        s.items_per_s(),
                        s.percentile_ms(0.5),
                        s.percentile_ms(0.99),
                        s.percentile_ms(1.0),
                        consumed as f64 / s.seconds,
                        s.errors
                    );
                }
                "mqtt-fanout" => {
                    let (s, delivered) =
                        broker::mqtt_fan_out(&mqtt, subscribers, connections, d, body_bytes, &user, &password).await;
                    println!(
                        "mqtt-fanout: {:.0} publishes/s (p50 {:.2} ms, p99 {:.2} ms), {:.0} deliveries/s to {subscribers} subscribers, errors {}",
                        s.items_per_s(),
                        s.percentile_ms(0.5),
                        s.percentile_ms(0.99),
                        delivered as f64 / s.seconds,
                        s.errors
                    );
                }
                "idle" => {
                    let rss = |pid: u32| {
                        std::fs::read_to_string(format!("/proc/{pid}/status"))
                            .ok()
                            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().to_string())))
                            .unwrap_or_default()
                    };
                    let before = pid.map(rss);
                    let held = broker::idle(&stomp, connections, &user, &password).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let after = pid.map(rss);
                    println!("idle: {} STOMP connections held; broker RSS before {before:?}, with them {after:?}", held.len());
                    drop(held);
                }
                other => eprintln!("unknown broker scenario {other}"),
            }
        }),
        Cmd::Soak { quayside, minutes, rate } => rt.block_on(soak(&quayside, minutes, rate)),
        Cmd::Suite { quayside, seconds, connections, million } => {
            rt.block_on(suite(&quayside, seconds, connections, million))
        }
    }
}

/// The broker's listeners on free ports: a benchmarked quayside never collides with another
/// broker (or quayside) on ActiveMQ's default ports.
const FREE_BROKER_PORTS: [&str; 6] = ["--stomp-port", "0", "--mqtt-port", "0", "--ws-port", "0"];

struct Proc {
    child: Child,
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a process and waits for its "listening on http://ADDR" line.
fn spawn(cmd: &mut Command) -> Proc {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("a listening line").expect("read");
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on http://".len()..].split_whitespace().next().unwrap_or("").to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Proc { child, addr }
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn first_answer(addr: &str) -> bool {
    let Ok(mut c) = client::Conn::connect(addr).await else {
        return false;
    };
    let req = format!("GET /_quayside/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    matches!(c.send(req.as_bytes()).await, Ok((200, _)))
}

async fn soak(quayside: &str, minutes: u64, rate: u64) {
    let data = std::env::temp_dir().join(format!("quayside-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let q = spawn(
        Command::new(quayside)
            .args(["serve", "--port", "0", "--log-level", "info", "--virtual-clock"])
            .args(FREE_BROKER_PORTS)
            .arg("--data-dir")
            .arg(&data),
    );
    let pid = q.child.id();
    kinesis::create_stream(&q.addr, "soak", 4).await;
    let req = kinesis::put_records_request(&q.addr, "soak", 500, 1024);
    let subscriber = {
        let addr = q.addr.clone();
        tokio::spawn(
            async move { kinesis::subscribe_all(&addr, "soak", 1, true, Duration::from_secs(minutes * 60)).await },
        )
    };
    let started = Instant::now();
    let end = started + Duration::from_secs(minutes * 60);
    let mut c = client::Conn::connect(&q.addr).await.expect("connect");
    let mut admin = client::Conn::connect(&q.addr).await.expect("connect");
    let body = r#"{"seconds": 3600}"#;
    let advance = format!(
        "POST /_quayside/clock/advance HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        q.addr,
        body.len()
    );
    let (mut put, mut next_sample, mut tick) = (0u64, started, started);
    println!("minute  records put  RSS MB  store MB");
    while Instant::now() < end {
        let now = Instant::now();
        if now >= tick {
            let (status, _) = admin.send(advance.as_bytes()).await.expect("the clock moves");
            assert_eq!(status, 200, "the clock moves");
            tick += Duration::from_secs(1);
        }
        if now >= next_sample {
            let store: u64 = std::fs::read_dir(&data)
                .map(|d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
                .unwrap_or(0);
            println!(
                "{:6.1}  {put:11}  {:6.1}  {:8.1}",
                started.elapsed().as_secs_f64() / 60.0,
                rss_mb(pid),
                store as f64 / 1e6
            );
            next_sample += Duration::from_secs(30);
        }
        // 500 records a call at `rate` records a second.
        let due = started + Duration::from_secs_f64(put as f64 / rate as f64);
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        if let Ok((200, _)) = c.send(&req).await {
            put += 500;
        }
    }
    let s = subscriber.await.unwrap_or_default();
    println!("subscriber: {} records in {} events", s.items, s.requests);
    drop(q);
    let _ = std::fs::remove_dir_all(&data);
}

async fn suite(quayside: &str, seconds: u64, conns: usize, million: u64) {
    let d = Duration::from_secs(seconds);
    let data = std::env::temp_dir().join(format!("quayside-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    println!(
        "machine: {} cores; {} connections; 1 KiB bodies; {seconds} s per scenario; durable store (WAL) in {}",
        num_cpus(),
        conns,
        data.display()
    );

    // Start-up: spawn to first answered request, polling the port.
    let port = free_port();
    let t = Instant::now();
    let child = Command::new(quayside)
        .args(["serve", "--port", &port.to_string(), "--log-level", "warn"])
        .args(FREE_BROKER_PORTS)
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn quayside");
    let addr = format!("127.0.0.1:{port}");
    while !first_answer(&addr).await {
        if t.elapsed() > Duration::from_secs(10) {
            panic!("quayside did not answer within 10 s");
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let startup_ms = t.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_mb = rss_mb(child.id());
    let q = Proc { child, addr };

    let ceiling = spawn(Command::new(std::env::current_exe().expect("exe")).args(["ceiling-server", "--port", "0"]));

    println!("\nstart to first answered request: {startup_ms:.1} ms (target < 50 ms)");
    println!("idle resident memory:            {idle_mb:.1} MB (target < 20 MB)\n");
    println!(
        "{:<44} {:>12} {:>12} {:>8} {:>9} {:>9}",
        "scenario", "quayside/s", "ceiling/s", "ratio", "p50 ms", "p99 ms"
    );

    let send_q = scenarios::create_queue(&q.addr, "bench-send").await;
    let s = scenarios::closed_loop(&q.addr, conns, d, scenarios::send_request(&q.addr, &send_q, 1024), 1).await;
    let c =
        scenarios::closed_loop(&ceiling.addr, conns, d, scenarios::send_request(&ceiling.addr, &send_q, 1024), 1).await;
    row("SendMessage (requests)", &s, s.rps(), c.rps());

    let batch_q = scenarios::create_queue(&q.addr, "bench-batch").await;
    let s = scenarios::closed_loop(&q.addr, conns, d, scenarios::batch_request(&q.addr, &batch_q, 1024), 10).await;
    let c = scenarios::closed_loop(&ceiling.addr, conns, d, scenarios::batch_request(&ceiling.addr, &batch_q, 1024), 1)
        .await;
    row("SendMessageBatch of 10 (messages)", &s, s.items_per_s(), c.rps() * 10.0);

    let e2e_q = scenarios::create_queue(&q.addr, "bench-e2e").await;
    let s = scenarios::end_to_end(&q.addr, &e2e_q, conns / 4, conns - conns / 4, d, 1024).await;
    row("end to end: batch send + receive 10 + delete", &s, s.items_per_s(), c.rps() * 10.0);
    println!(
        "(end to end: {} producer and {} consumer connections; ceiling column: the batch-request ceiling x 10)",
        conns / 4,
        conns - conns / 4
    );

    // SNS: a topic with 10 raw-delivery queues; each publish is 10 queue deliveries.
    let (topic, _) = scenarios::fan_out_topic(&q.addr, "bench-fanout", 10).await;
    let s = scenarios::closed_loop(&q.addr, conns, d, scenarios::publish_request(&q.addr, &topic, 1024), 1).await;
    row("SNS Publish to 10 queues (publishes)", &s, s.rps(), c.rps());
    let (topic, _) = scenarios::fan_out_topic(&q.addr, "bench-fanout-batch", 10).await;
    let s =
        scenarios::closed_loop(&q.addr, conns, d, scenarios::publish_batch_request(&q.addr, &topic, 1024), 10).await;
    row("SNS PublishBatch of 10, 10 queues (messages)", &s, s.items_per_s(), c.rps() * 10.0);
    println!("(SNS ceiling columns: the SQS batch-request ceiling; targets 15,000 publishes/s with p99 < 10 ms, 60,000 batch messages/s)");

    // Kinesis, as the issue measures it: 4 connections, 1 KiB records, 4 shards.
    kinesis::create_stream(&q.addr, "bench-put", 4).await;
    let put = kinesis::put_records_request(&q.addr, "bench-put", 500, 1024);
    let s = scenarios::closed_loop(&q.addr, 4, d, put, 500).await;
    let c = scenarios::closed_loop(
        &ceiling.addr,
        4,
        d,
        kinesis::put_records_request(&ceiling.addr, "bench-put", 500, 1024),
        1,
    )
    .await;
    row("Kinesis PutRecords of 500, 4 shards (records)", &s, s.items_per_s(), c.rps() * 500.0);
    kinesis::create_stream(&q.addr, "bench-get", 4).await;
    kinesis::fill(&q.addr, kinesis::put_records_request(&q.addr, "bench-get", 500, 1024), 1000, 4).await;
    let s = kinesis::read_all(&q.addr, "bench-get", 10_000, d).await;
    row("Kinesis GetRecords, 4 shards from TRIM_HORIZON", &s, s.items_per_s(), 0.0);
    let s = kinesis::subscribe_all(&q.addr, "bench-get", 4, false, d).await;
    row("Kinesis SubscribeToShard, 4 consumers x 4 shards", &s, s.items_per_s(), 0.0);
    println!(
        "(Kinesis: 4 connections; targets 120,000 records/s put, 240,000 read, 100,000 delivered to 4 consumers; \
         GetRecords and each consumer read 500,000 records)"
    );

    drop(q);
    if million > 0 {
        // A fresh process, so the queues of the scenarios above do not count.
        let _ = std::fs::remove_dir_all(&data);
        let q = spawn(
            Command::new(quayside)
                .args(["serve", "--port", "0", "--log-level", "info"])
                .args(FREE_BROKER_PORTS)
                .arg("--data-dir")
                .arg(&data),
        );
        let big = scenarios::create_queue(&q.addr, "bench-million").await;
        let small = scenarios::create_queue(&q.addr, "bench-small").await;
        let t = Instant::now();
        fill(&q.addr, &big, million / 10, conns).await;
        let fill_s = t.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss = rss_mb(q.child.id());
        fill(&q.addr, &small, 20_000, conns).await;
        // Both queues stay non-empty for the whole drain (about 3 s at a few 10k/s).
        let short = Duration::from_secs(3);
        let small_rate = scenarios::drain(&q.addr, &small, conns, short).await;
        let big_rate = scenarios::drain(&q.addr, &big, conns, short).await;
        println!("\n{million} messages of 1 KiB queued in {fill_s:.1} s ({:.0} messages/s)", million as f64 / fill_s);
        println!("resident memory with them queued: {rss:.1} MB (target < 300 MB)");
        println!(
            "receive 10 + delete batch: {:.0} messages/s from a 200,000-message queue, {:.0} messages/s from the {million}-message queue",
            small_rate.items_per_s(),
            big_rate.items_per_s()
        );
        bulk_removals(&q.addr, million, conns).await;
    }
    drop(ceiling);
    let _ = std::fs::remove_dir_all(&data);
}

/// PurgeQueue, then DeleteQueue, of a queue of `n` messages sent as batches of 10 with the
/// same 1 KiB body (as the issue measured DeleteQueue: 148 s for 108,000).
async fn bulk_removals(addr: &str, n: u64, conns: usize) {
    let other = scenarios::create_queue(addr, "bench-bystander").await;
    for op in ["PurgeQueue", "DeleteQueue"] {
        let big = scenarios::create_queue(addr, &format!("bench-{}", op.to_ascii_lowercase())).await;
        fill(addr, &big, n / 10, conns).await;
        let r = bulk::remove(addr, op, &big, &other).await;
        bulk::print(op, n, &r);
    }
}

/// A figure beside its ceiling (0: no ceiling measured for it).
fn row(name: &str, s: &scenarios::Stats, ours: f64, ceiling: f64) {
    let (ceiling, ratio) = if ceiling > 0.0 {
        (format!("{ceiling:.0}"), format!("{:.2}", ours / ceiling))
    } else {
        ("-".to_string(), "-".to_string())
    };
    println!(
        "{name:<44} {ours:>12.0} {ceiling:>12} {ratio:>8} {:>9.2} {:>9.2}{}",
        s.percentile_ms(0.5),
        s.percentile_ms(0.99),
        if s.errors > 0 { format!("  ({} errors)", s.errors) } else { String::new() }
    );
}

async fn fill(addr: &str, url: &str, requests: u64, conns: usize) {
    let req = std::sync::Arc::new(scenarios::batch_request(addr, url, 1024));
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (req, next, addr) = (req.clone(), next.clone(), addr.to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = client::Conn::connect(&addr).await.expect("connect");
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                let _ = c.send(&req).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(45666)
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
