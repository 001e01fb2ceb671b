//! Kinesis scenarios: PutRecords of 500 records into a 4-shard stream, and GetRecords reading
//! every shard from TRIM_HORIZON on its own connection.

use crate::client::{json_request_as, Conn};
use crate::scenarios::Stats;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn request(addr: &str, op: &str, input: &Value) -> Vec<u8> {
    json_request_as(addr, &format!("Kinesis_20131202.{op}"), "1.1", &input.to_string())
}

/// One call that must answer 200; its body.
async fn call(c: &mut Conn, addr: &str, op: &str, input: Value) -> Value {
    let (status, body) = c.send(&request(addr, op, &input)).await.expect(op);
    assert_eq!(status, 200, "{op}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// Creates a stream of `shards` shards (ACTIVE at once in Quayside).
pub async fn create_stream(addr: &str, name: &str, shards: u32) {
    let mut c = Conn::connect(addr).await.expect("connect");
    call(&mut c, addr, "CreateStream", json!({"StreamName": name, "ShardCount": shards})).await;
}

/// PutRecords of `count` records of `bytes` bytes, with distinct partition keys (spread over
/// the shards by their MD5).
pub fn put_records_request(addr: &str, stream: &str, count: usize, bytes: usize) -> Vec<u8> {
    let data = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; bytes]);
    let records: Vec<Value> = (0..count).map(|i| json!({"PartitionKey": format!("key-{i}"), "Data": data})).collect();
    request(addr, "PutRecords", &json!({"StreamName": stream, "Records": records}))
}

/// Fills a stream with `calls` PutRecords calls over `conns` connections.
pub async fn fill(addr: &str, req: Vec<u8>, calls: u64, conns: usize) {
    let req = Arc::new(req);
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (req, next, addr) = (req.clone(), next.clone(), addr.to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::connect(&addr).await.expect("connect");
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let (status, body) = c.send(&req).await.expect("PutRecords");
                assert_eq!(status, 200, "PutRecords: {}", String::from_utf8_lossy(&body));
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// The ids of a stream's shards.
async fn shard_ids(c: &mut Conn, addr: &str, stream: &str) -> Vec<String> {
    let shards = call(c, addr, "ListShards", json!({"StreamName": stream})).await;
    shards["Shards"].as_array().into_iter().flatten().filter_map(|s| s["ShardId"].as_str().map(String::from)).collect()
}

/// Reads every shard of `stream` from TRIM_HORIZON, one connection per shard, `limit` records
/// per GetRecords, until each is caught up or `duration` ends; counts records read.
pub async fn read_all(addr: &str, stream: &str, limit: u32, duration: Duration) -> Stats {
    let mut c = Conn::connect(addr).await.expect("connect");
    let ids = shard_ids(&mut c, addr, stream).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in ids {
        let (addr, stream) = (addr.to_string(), stream.to_string());
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            let mut c = Conn::connect(&addr).await.expect("connect");
            let input = json!({"StreamName": stream, "ShardId": id, "ShardIteratorType": "TRIM_HORIZON"});
            let mut it = call(&mut c, &addr, "GetShardIterator", input).await["ShardIterator"].clone();
            while started.elapsed() < duration {
                let t = Instant::now();
                let req = request(&addr, "GetRecords", &json!({"ShardIterator": it, "Limit": limit}));
                let Ok((200, body)) = c.send(&req).await else {
                    s.errors += 1;
                    break;
                };
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let n = v["Records"].as_array().map_or(0, Vec::len) as u64;
                s.record(n, t);
                if n == 0 || v["MillisBehindLatest"] == 0 && n < u64::from(limit) {
                    break;
                }
                it = v["NextShardIterator"].clone();
            }
            s
        }));
    }
    Stats::gather(tasks, started).await
}

/// Enhanced fan-out: `consumers` consumers registered on `stream`, each subscribed to every
/// shard from TRIM_HORIZON over HTTP/2 (one connection per consumer, one HTTP/2 stream per
/// shard), counting the records the events deliver until every subscription has caught up (an
/// event with MillisBehindLatest 0; with `follow`, until its 5 minutes end) or `duration` ends.
pub async fn subscribe_all(addr: &str, stream: &str, consumers: usize, follow: bool, duration: Duration) -> Stats {
    let mut c = Conn::connect(addr).await.expect("connect");
    let ids = shard_ids(&mut c, addr, stream).await;
    let stream_arn = format!("arn:aws:kinesis:us-east-1:000000000000:stream/{stream}");
    let mut arns = Vec::new();
    for i in 0..consumers {
        let input = json!({"StreamARN": stream_arn, "ConsumerName": format!("bench-{i}")});
        let r = call(&mut c, addr, "RegisterStreamConsumer", input).await;
        arns.push(r["Consumer"]["ConsumerARN"].as_str().unwrap_or_default().to_string());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for arn in arns {
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let _ = tcp.set_nodelay(true);
        let (send, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .expect("HTTP/2");
        tokio::spawn(conn);
        for id in &ids {
            let mut send = send.clone();
            let body = json!({"ConsumerARN": arn, "ShardId": id, "StartingPosition": {"Type": "TRIM_HORIZON"}});
            let req = hyper::Request::post(format!("http://{addr}/"))
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", "Kinesis_20131202.SubscribeToShard")
                .body(http_body_util::Full::new(bytes::Bytes::from(body.to_string())))
                .expect("a request");
            tasks.push(tokio::spawn(async move {
                use http_body_util::BodyExt;
                let mut s = Stats::default();
                let Ok(res) = send.send_request(req).await else {
                    s.errors += 1;
                    return s;
                };
                let mut body = res.into_body();
                let (mut buf, mut caught_up) = (Vec::<u8>::new(), false);
                while !caught_up && started.elapsed() < duration {
                    let t = Instant::now();
                    let Some(Ok(frame)) = body.frame().await else { break };
                    let Ok(data) = frame.into_data() else { continue };
                    buf.extend_from_slice(&data);
                    let mut n = 0;
                    let mut at = 0;
                    while buf.len() - at >= 12 {
                        let total = u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]) as usize;
                        if buf.len() - at < total {
                            break;
                        }
                        let message = &buf[at..at + total];
                        n += count(message, b"{\"SequenceNumber\"");
                        caught_up |= !follow && count(message, b"\"MillisBehindLatest\":0}") > 0;
                        at += total;
                    }
                    buf.drain(..at);
                    if n > 0 {
                        s.record(n, t);
                    }
                }
                s
            }));
        }
    }
    Stats::gather(tasks, started).await
}

fn count(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len()).filter(|w| *w == needle).count() as u64
}
