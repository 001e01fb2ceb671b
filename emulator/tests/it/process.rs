//! The built binary: start it on a data dir, write under load, `kill -9` it while writes are in
//! flight, restart on the same dir, and find exactly what was acknowledged — standard bodies,
//! FIFO order and de-duplication ids, and an in-flight FIFO group still locked.

use crate::common::client;
use aws_sdk_sqs::types::QueueAttributeName as A;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running quayside child; killed when dropped, so a failing assertion leaves no process.
struct Proc {
    child: Child,
    endpoint: String,
    /// mq-lite's STOMP and MQTT listeners (on free ports).
    stomp: Option<std::net::SocketAddr>,
    mqtt: Option<std::net::SocketAddr>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// A `/proc/<pid>/status` figure in KiB (`VmRSS`, `VmHWM`: the peak).
    fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.trim_start_matches(':').trim().strip_suffix("kB")?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Starts measuring the peak (`VmHWM`) afresh from the current resident size.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").unwrap();
    }

    /// SIGKILL, and wait until the process is gone.
    fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and waits (at most 30 s) for its listening line.
fn spawn(data_dir: &std::path::Path) -> Proc {
    spawn_with(data_dir, &[])
}

/// [`spawn`] with more flags.
fn spawn_with(data_dir: &std::path::Path, extra: &[&str]) -> Proc {
    // The broker's listeners take free ports, so that tests running together never collide.
    let free_stomp: &[&str] = if extra.contains(&"--stomp-port") {
        &[]
    } else {
        &["--stomp-port", "0", "--mqtt-port", "0", "--ws-port", "0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["serve", "--port", "0", "--log-level", "info"])
        .args(free_stomp)
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("quayside starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(i) = line.find("listening on http://") {
                let rest = &line[i + "listening on ".len()..];
                let listener = |name: &str| {
                    line.split(&format!("{name} on "))
                        .nth(1)
                        .and_then(|a| a.split([',', ' ']).next())
                        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                };
                let (stomp, mqtt) = (listener("stomp"), listener("mqtt"));
                let _ = tx.send((rest.split_whitespace().next().unwrap_or("").to_string(), stomp, mqtt));
                break;
            }
        }
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    let mut proc_ = Proc { child, endpoint: String::new(), stomp: None, mqtt: None };
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok((endpoint, stomp, mqtt)) => {
            proc_.endpoint = endpoint;
            proc_.stomp = stomp;
            proc_.mqtt = mqtt;
        }
        Err(_) => panic!("quayside did not say it was listening within 30 s"),
    }
    proc_
}

/// Receives and deletes until the queue answers empty; the bodies, in the order received.
async fn drain(c: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut got = Vec::new();
    loop {
        let r = c.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
        let Some(ms) = r.messages.filter(|m| !m.is_empty()) else { return got };
        for m in ms {
            got.push(m.body.unwrap());
            c.delete_message().queue_url(url).receipt_handle(m.receipt_handle.unwrap()).send().await.unwrap();
        }
    }
}

#[derive(Default)]
struct Ledger {
    /// Bodies whose send was attempted (acknowledged or not).
    attempted: BTreeSet<String>,
    /// Bodies whose send was acknowledged (200).
    acked: BTreeSet<String>,
    /// FIFO: de-duplication id -> MessageId, for acknowledged sends.
    fifo_ids: BTreeMap<String, String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_under_load_loses_nothing_acknowledged() {
    let dir = std::env::temp_dir().join(format!("quayside-proc-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let url = c.create_queue().queue_name("durable").send().await.unwrap().queue_url.unwrap();
    let fifo = c
        .create_queue()
        .queue_name("durable.fifo")
        .attributes(A::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    // A FIFO group in flight across the crash: its second message must stay locked behind it.
    for (body, dedup) in [("locked-1", "L1"), ("locked-2", "L2")] {
        c.send_message()
            .queue_url(&fifo)
            .message_body(body)
            .message_group_id("locked")
            .message_deduplication_id(dedup)
            .send()
            .await
            .unwrap();
    }
    let held = c.receive_message().queue_url(&fifo).visibility_timeout(600).send().await.unwrap().messages.unwrap();
    assert_eq!(held[0].body.as_deref(), Some("locked-1"));
    let held_handle = held[0].receipt_handle.clone().unwrap();

    // Producers write until the process dies under them.
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut producers = Vec::new();
    for t in 0..4 {
        let (c, url, ledger) = (c.clone(), url.clone(), ledger.clone());
        producers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = format!("p{t}-{i}");
                ledger.lock().unwrap().attempted.insert(body.clone());
                match c.send_message().queue_url(&url).message_body(&body).send().await {
                    Ok(_) => ledger.lock().unwrap().acked.insert(body),
                    Err(_) => return,
                };
            }
        }));
    }
    {
        let (c, fifo, ledger) = (c.clone(), fifo.clone(), ledger.clone());
        producers.push(tokio::spawn(async move {
            for i in 0.. {
                let (body, dedup) = (format!("f-{i}"), format!("d-{i}"));
                ledger.lock().unwrap().attempted.insert(body.clone());
                let sent = c
                    .send_message()
                    .queue_url(&fifo)
                    .message_body(&body)
                    .message_group_id(format!("g{}", i % 3))
                    .message_deduplication_id(&dedup)
                    .send()
                    .await;
                match sent {
                    Ok(out) => {
                        let mut l = ledger.lock().unwrap();
                        l.acked.insert(body);
                        l.fifo_ids.insert(dedup, out.message_id.unwrap_or_default());
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill while the producers are writing (once a good number are acknowledged).
    for _ in 0..3000 {
        if ledger.lock().unwrap().acked.len() >= 400 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(ledger.lock().unwrap().acked.len() >= 400, "the producers did not get going");
    p.kill_9();
    for prod in producers {
        tokio::time::timeout(Duration::from_secs(60), prod)
            .await
            .expect("producers stop once the server is gone")
            .unwrap();
    }
    let ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();

    let p2 = spawn(&dir);
    let c = client(&p2.endpoint, "test");
    let url = c.get_queue_url().queue_name("durable").send().await.unwrap().queue_url.unwrap();
    let fifo = c.get_queue_url().queue_name("durable.fifo").send().await.unwrap().queue_url.unwrap();

    // Standard: every acknowledged body is back, exactly once, and nothing that was never sent.
    let got = drain(&c, &url).await;
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), got_set.len(), "no message came back twice");
    let acked_std: BTreeSet<&String> = ledger.acked.iter().filter(|b| b.starts_with('p')).collect();
    let missing: Vec<&&String> = acked_std.iter().filter(|b| !got_set.contains(**b)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(got_set.iter().all(|b| ledger.attempted.contains(b)), "only sent bodies come back");

    // FIFO: the locked group is still locked by the in-flight message from before the crash.
    let fifo_got = drain(&c, &fifo).await;
    assert!(!fifo_got.iter().any(|b| b.starts_with("locked")), "the in-flight group stayed locked: {fifo_got:?}");
    // Every acknowledged FIFO body is back, in send order within its group.
    for b in ledger.acked.iter().filter(|b| b.starts_with("f-")) {
        assert!(fifo_got.contains(b), "acknowledged FIFO message lost: {b}");
    }
    for g in 0..3 {
        let nums: Vec<u64> = fifo_got
            .iter()
            .filter_map(|b| b.strip_prefix("f-").and_then(|n| n.parse::<u64>().ok()))
            .filter(|n| n % 3 == g)
            .collect();
        assert!(nums.windows(2).all(|w| w[0] < w[1]), "group g{g} out of order: {nums:?}");
    }
    // De-duplication records survived: re-sending an acknowledged id answers the original MessageId.
    let (dedup, original) = ledger.fifo_ids.iter().next_back().expect("FIFO sends were acknowledged");
    let n: u64 = dedup.trim_start_matches("d-").parse().unwrap();
    let again = c
        .send_message()
        .queue_url(&fifo)
        .message_body(format!("f-{n}"))
        .message_group_id(format!("g{}", n % 3))
        .message_deduplication_id(dedup)
        .send()
        .await
        .unwrap();
    assert_eq!(again.message_id.as_deref(), Some(original.as_str()));
    assert!(c.receive_message().queue_url(&fifo).send().await.unwrap().messages.is_none_or(|m| m.is_empty()));
    // The receipt handle from before the crash still deletes, and that unlocks the group.
    c.delete_message().queue_url(&fifo).receipt_handle(&held_handle).send().await.unwrap();
    let next = c.receive_message().queue_url(&fifo).send().await.unwrap().messages.unwrap();
    assert_eq!(next[0].body.as_deref(), Some("locked-2"));
    drop(p2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// SNS fan-out under `kill -9`: two publishers send PublishBatch calls of ten to a topic with
/// three raw-delivery queues (stored as one row per message listing its copies) while a
/// consumer receives and deletes from the first queue (giving copies rows of their own, and
/// taking some away). After the restart every queue holds every acknowledged message exactly
/// once — except what the consumer deleted, which never comes back — and nothing that was
/// never published; a copy received before the crash comes back with its MessageId.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_kill_dash_nine_under_fan_out_loses_no_acknowledged_copy() {
    let dir = std::env::temp_dir().join(format!("quayside-proc-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let sns = crate::sns_topics::sns(&p.endpoint);
    let topic = sns.create_topic().name("fan").send().await.unwrap().topic_arn.unwrap();
    let mut urls = Vec::new();
    for i in 0..3 {
        let url = c.create_queue().queue_name(format!("fan-{i}")).send().await.unwrap().queue_url.unwrap();
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:000000000000:fan-{i}"))
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .unwrap();
        urls.push(url);
    }

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut tasks = Vec::new();
    for t in 0..2 {
        let (sns, topic, ledger) = (sns.clone(), topic.clone(), ledger.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let bodies: Vec<String> = (0..10).map(|k| format!("b{t}-{i}-{k}")).collect();
                let mut call = sns.publish_batch().topic_arn(&topic);
                for (k, b) in bodies.iter().enumerate() {
                    ledger.lock().unwrap().attempted.insert(b.clone());
                    let entry = aws_sdk_sns::types::PublishBatchRequestEntry::builder()
                        .id(format!("e{k}"))
                        .message(b)
                        .build()
                        .unwrap();
                    call = call.publish_batch_request_entries(entry);
                }
                match call.send().await {
                    Ok(out) => {
                        assert_eq!(out.successful.unwrap_or_default().len(), 10);
                        ledger.lock().unwrap().acked.extend(bodies);
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    // body -> MessageId of copies the consumer received and did not delete; bodies it deleted;
    // bodies whose delete it sent (one in flight at the kill may have been done, unanswered).
    let held = Arc::new(Mutex::new(BTreeMap::<String, String>::new()));
    let deleted = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let deleting = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    {
        let (c, url, held, deleted) = (c.clone(), urls[0].clone(), held.clone(), deleted.clone());
        let deleting = deleting.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0u64.. {
                let Ok(r) =
                    c.receive_message().queue_url(&url).max_number_of_messages(10).visibility_timeout(1).send().await
                else {
                    return;
                };
                for m in r.messages.unwrap_or_default() {
                    let body = m.body.unwrap();
                    // Every other batch is kept in flight (its copies now have rows of their own).
                    if n % 2 == 0 {
                        held.lock().unwrap().insert(body, m.message_id.unwrap());
                        continue;
                    }
                    deleting.lock().unwrap().insert(body.clone());
                    match c.delete_message().queue_url(&url).receipt_handle(m.receipt_handle.unwrap()).send().await {
                        Ok(_) => {
                            held.lock().unwrap().remove(&body);
                            deleted.lock().unwrap().insert(body);
                        }
                        Err(_) => return,
                    }
                }
            }
        }));
    }
    for _ in 0..3000 {
        if ledger.lock().unwrap().acked.len() >= 2000 && deleted.lock().unwrap().len() >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(ledger.lock().unwrap().acked.len() >= 2000, "the publishers did not get going");
    assert!(deleted.lock().unwrap().len() >= 100, "the consumer did not get going");
    p.kill_9();
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("clients stop once the server is gone")
            .unwrap();
    }
    let ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();
    let (held, deleted) = (held.lock().unwrap().clone(), deleted.lock().unwrap().clone());
    let deleting = deleting.lock().unwrap().clone();
    assert!(deleting.len() <= deleted.len() + 1, "one delete at most was in flight at the kill");

    let p2 = spawn(&dir);
    let c = client(&p2.endpoint, "test");
    // Copies held in flight (a 1 s visibility timeout) come back before the queue is read.
    for _ in 0..200 {
        let a = c
            .get_queue_attributes()
            .queue_url(&urls[0])
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        if a.attributes.unwrap_or_default().get(&A::ApproximateNumberOfMessagesNotVisible).map(String::as_str)
            == Some("0")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut in_queue: Vec<BTreeSet<String>> = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let mut got = Vec::new();
        let mut ids = BTreeMap::new();
        loop {
            let r = c.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
            let Some(ms) = r.messages.filter(|m| !m.is_empty()) else { break };
            for m in ms {
                let body = m.body.unwrap();
                ids.insert(body.clone(), m.message_id.unwrap());
                got.push(body);
                c.delete_message().queue_url(url).receipt_handle(m.receipt_handle.unwrap()).send().await.unwrap();
            }
        }
        let got_set: BTreeSet<&String> = got.iter().collect();
        assert_eq!(got.len(), got_set.len(), "fan-{i}: no copy came back twice");
        assert!(got.iter().all(|b| ledger.attempted.contains(b)), "fan-{i}: only published bodies come back");
        let lost: Vec<&String> =
            ledger.acked.iter().filter(|b| !(got_set.contains(b) || i == 0 && deleting.contains(*b))).collect();
        assert!(lost.is_empty(), "fan-{i}: acknowledged but lost: {} (first {:?})", lost.len(), lost.first());
        if i == 0 {
            let back: Vec<&String> = got.iter().filter(|b| deleted.contains(*b)).collect();
            assert!(back.is_empty(), "deleted copies came back: {back:?}");
            for (body, id) in &held {
                assert_eq!(ids.get(body), Some(id), "{body}: a copy received before the crash keeps its MessageId");
            }
        }
        // What queue 0's consumer took before the crash was in that queue too.
        let mut there: BTreeSet<String> = got.into_iter().collect();
        if i == 0 {
            there.extend(deleted.iter().cloned());
            there.extend(held.keys().cloned());
        }
        in_queue.push(there);
    }
    // A publish the crash cut off before its answer is in all three queues or in none: one
    // transaction holds every copy.
    let unanswered: Vec<&String> = ledger.attempted.iter().filter(|b| !ledger.acked.contains(*b)).collect();
    for b in &unanswered {
        let places: Vec<bool> = in_queue.iter().map(|q| q.contains(*b)).collect();
        assert!(places.iter().all(|p| *p == places[0]), "{b} unacknowledged, in some queues only: {places:?}");
    }
    println!(
        "{} acknowledged, {} cut off unanswered (each in all queues or none)",
        ledger.acked.len(),
        unanswered.len()
    );
    drop(p2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kill` (SIGTERM) under write load and an immediate `serve` on the same directory: the new
/// process waits for the old one to let go of the directory instead of failing, and finds every
/// acknowledged message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_right_after_sigterm_under_load_waits_for_the_old_process() {
    let dir = std::env::temp_dir().join(format!("quayside-term-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let url = c.create_queue().queue_name("term").send().await.unwrap().queue_url.unwrap();
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let mut producers = Vec::new();
    for t in 0..4 {
        let (c, url, acked) = (c.clone(), url.clone(), acked.clone());
        producers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = format!("t{t}-{i}");
                match c.send_message().queue_url(&url).message_body(&body).send().await {
                    Ok(_) => acked.lock().unwrap().insert(body),
                    Err(_) => return,
                };
            }
        }));
    }
    for _ in 0..3000 {
        if acked.lock().unwrap().len() >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = Command::new("kill").arg("-TERM").arg(p.child.id().to_string()).status().unwrap();
    assert!(status.success());
    // At once, while the old process may still be finishing.
    let p2 = spawn(&dir);
    for prod in producers {
        tokio::time::timeout(Duration::from_secs(60), prod).await.expect("producers stop").unwrap();
    }
    drop(p);
    let acked = acked.lock().unwrap().clone();
    let c = client(&p2.endpoint, "test");
    let got: BTreeSet<String> = drain(&c, &url).await.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|b| !got.contains(*b)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    drop(p2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kinesis under `kill -9`: producers put records (PutRecord and PutRecords of 20) into an
/// ON_DEMAND stream with a consumer and a stream queue until the process dies under them.
/// After a restart on the same directory every acknowledged record is read back by its
/// sequence number, with its data, in sequence order per shard; nothing unsent appears; the
/// numbering goes on above the old records; the consumer is back and subscribes; the queue
/// delivers every acknowledged record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinesis_kill_dash_nine_under_load_loses_no_acknowledged_record() {
    use aws_sdk_kinesis::primitives::Blob;
    use aws_sdk_kinesis::types::{PutRecordsRequestEntry, StreamMode, StreamModeDetails};
    let dir = std::env::temp_dir().join(format!("quayside-proc-k-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = spawn(&dir);
    let endpoint = format!("http://{}", p.endpoint.trim_start_matches("http://"));
    let k = crate::kinesis_records::kinesis(&endpoint);
    let on_demand = StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap();
    k.create_stream().stream_name("crash").stream_mode_details(on_demand).send().await.unwrap();
    let stream_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/crash";
    let consumer = k.register_stream_consumer().stream_arn(stream_arn).consumer_name("c").send().await.unwrap();
    let consumer_arn = consumer.consumer.unwrap().consumer_arn;
    let queue = kinesis_json(
        &p.endpoint,
        "CreateQueue",
        serde_json::json!({"QueueName": "q", "StreamConfigurationList": [{"StreamARN": stream_arn}]}),
    )
    .await;
    let queue_arn = queue["QueueDescription"]["QueueARN"].as_str().unwrap().to_string();

    // (sequence number, data) of every acknowledged record; data of every attempted one.
    let acked = Arc::new(Mutex::new(BTreeMap::<String, String>::new()));
    let attempted = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let mut producers = Vec::new();
    for t in 0..3 {
        let (k, acked, attempted) = (k.clone(), acked.clone(), attempted.clone());
        producers.push(tokio::spawn(async move {
            for i in 0.. {
                if t == 0 {
                    let data = format!("one-{i}");
                    attempted.lock().unwrap().insert(data.clone());
                    let r = k.put_record().stream_name("crash").partition_key(&data).data(Blob::new(data.clone()));
                    match r.send().await {
                        Ok(o) => acked.lock().unwrap().insert(o.sequence_number, data),
                        Err(_) => return,
                    };
                } else {
                    let mut r = k.put_records().stream_name("crash");
                    let datas: Vec<String> = (0..20).map(|j| format!("many{t}-{i}-{j}")).collect();
                    for d in &datas {
                        attempted.lock().unwrap().insert(d.clone());
                        let e = PutRecordsRequestEntry::builder().partition_key(d).data(Blob::new(d.clone())).build();
                        r = r.records(e.unwrap());
                    }
                    match r.send().await {
                        Ok(o) => {
                            let mut a = acked.lock().unwrap();
                            for (rec, d) in o.records.iter().zip(datas) {
                                a.insert(rec.sequence_number.clone().expect("stored"), d);
                            }
                        }
                        Err(_) => return,
                    }
                }
            }
        }));
    }
    for _ in 0..3000 {
        if acked.lock().unwrap().len() >= 2000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(acked.lock().unwrap().len() >= 2000, "the producers did not get going");
    p.kill_9();
    for prod in producers {
        tokio::time::timeout(Duration::from_secs(60), prod).await.expect("producers stop").unwrap();
    }
    let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
    let attempted = Arc::try_unwrap(attempted).ok().unwrap().into_inner().unwrap();

    let p2 = spawn(&dir);
    let k = crate::kinesis_records::kinesis(&format!("http://{}", p2.endpoint.trim_start_matches("http://")));
    let shards = k.list_shards().stream_name("crash").send().await.unwrap().shards.unwrap();
    let mut found = BTreeMap::new();
    let mut by_shard: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for sh in &shards {
        let mut it = crate::kinesis_records::trim_horizon(&k, "crash", &sh.shard_id).await;
        let mut last: Option<String> = None;
        loop {
            let r = k.get_records().shard_iterator(&it).send().await.unwrap();
            for rec in &r.records {
                assert!(last.as_ref().is_none_or(|l| l < &rec.sequence_number), "sequence order in {}", sh.shard_id);
                last = Some(rec.sequence_number.clone());
                let data = String::from_utf8(rec.data.as_ref().to_vec()).unwrap();
                assert!(attempted.contains(&data), "only sent records come back: {data}");
                by_shard
                    .entry(sh.shard_id.clone())
                    .or_default()
                    .push((rec.sequence_number.clone(), rec.data.as_ref().to_vec()));
                found.insert(rec.sequence_number.clone(), data);
            }
            if r.records.is_empty() {
                break;
            }
            it = r.next_shard_iterator.unwrap();
        }
    }
    let lost: Vec<_> = acked.iter().filter(|(s, d)| found.get(*s) != Some(*d)).take(5).collect();
    assert!(lost.is_empty(), "acknowledged but not found by sequence number and data: {lost:?}");
    let again =
        k.put_record().stream_name("crash").partition_key("after").data(Blob::new("after")).send().await.unwrap();
    // Numbering goes on: a record put after the restart is above every record its shard kept
    // from before it (AWS's numbers compare within a shard).
    let newest = by_shard.get(&again.shard_id).and_then(|v| v.iter().map(|(s, _)| s.clone()).max());
    assert!(newest.as_ref().is_none_or(|n| &again.sequence_number > n), "numbering goes on above {newest:?}");
    let d = k.describe_stream_consumer().consumer_arn(&consumer_arn).send().await.unwrap();
    assert_eq!(d.consumer_description.unwrap().consumer_status.as_str(), "ACTIVE");
    // The consumer subscribes after the restart and reads a shard's records from its start:
    // the same records, by sequence number and data, in order.
    let (shard, want) = by_shard.iter().max_by_key(|(_, v)| v.len()).expect("records survived");
    let start = aws_sdk_kinesis::types::StartingPosition::builder()
        .r#type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .build()
        .unwrap();
    let mut events = k
        .subscribe_to_shard()
        .consumer_arn(&consumer_arn)
        .shard_id(shard)
        .starting_position(start)
        .send()
        .await
        .unwrap()
        .event_stream;
    let mut read = Vec::new();
    while read.len() < want.len() {
        let Ok(got) = tokio::time::timeout(Duration::from_secs(30), events.recv()).await else {
            panic!("no event within 30 s after {} of {} records", read.len(), want.len());
        };
        match got.expect("a well-formed event") {
            Some(aws_sdk_kinesis::types::SubscribeToShardEventStream::SubscribeToShardEvent(e)) => {
                read.extend(e.records.iter().map(|r| (r.sequence_number.clone(), r.data.as_ref().to_vec())));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(&read[..want.len()], &want[..], "the subscription reads {shard}'s records as GetRecords did");
    drop(events);

    // The queue delivers every acknowledged record (at least once).
    let mut delivered = BTreeSet::new();
    loop {
        let r =
            kinesis_json(&p2.endpoint, "ReceiveQueueRecords", serde_json::json!({"QueueARN": queue_arn, "Limit": 10}))
                .await;
        let recs = r["QueueRecords"].as_array().unwrap().clone();
        if recs.is_empty() {
            break;
        }
        let mut entries = Vec::new();
        for rec in &recs {
            delivered.insert(rec["RecordId"].as_str().unwrap().to_string());
            entries.push(serde_json::json!({"ReceiptHandle": rec["ReceiptHandle"]}));
        }
        kinesis_json(
            &p2.endpoint,
            "AcknowledgeQueueRecords",
            serde_json::json!({"QueueARN": queue_arn, "Entries": entries}),
        )
        .await;
    }
    let undelivered: Vec<_> = acked.keys().filter(|s| !delivered.contains(*s)).take(5).collect();
    assert!(undelivered.is_empty(), "acknowledged records the queue never delivered: {undelivered:?}");
    drop(p2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One Kinesis call over raw AWS JSON 1.1 to `endpoint` (host:port or http://host:port),
/// answering the body of its 200.
async fn kinesis_json(endpoint: &str, op: &str, input: serde_json::Value) -> serde_json::Value {
    let addr: std::net::SocketAddr = endpoint.trim_start_matches("http://").parse().unwrap();
    let target = format!("Kinesis_20131202.{op}");
    let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-json-1.1")];
    let r = crate::common::raw(addr, "POST", "/", &headers, input.to_string().as_bytes()).await;
    assert_eq!(r.status, 200, "{op}: {}", r.body);
    r.json_or_null()
}

/// Out of file descriptors (`ulimit -n 64`, 150 idle connections), the accept loop backs off
/// and says so once per episode: it logged `Too many open files` millions of times and kept
/// both cores busy. Once the idle connections are closed by `--idle-timeout`, it serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_the_server_backs_off_and_recovers() {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_quayside"))
        .args([
            "serve",
            "--port",
            "0",
            "--stomp-port",
            "0",
            "--mqtt-port",
            "0",
            "--ws-port",
            "0",
            "--in-memory",
            "--log-level",
            "info",
            "--idle-timeout",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("quayside starts");
    let stdout = child.stdout.take().unwrap();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(i) = line.find("listening on http://") {
                    let rest = &line[i + "listening on http://".len()..];
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
    }
    let proc_ = Proc { child, endpoint: String::new(), stomp: None, mqtt: None };
    let addr: std::net::SocketAddr = rx.recv_timeout(Duration::from_secs(30)).expect("listening").parse().unwrap();
    let count = |needle: &str| lines.lock().unwrap().iter().filter(|l| l.contains(needle)).count();
    // Idle connections until the server runs out of descriptors.
    let mut held = Vec::new();
    for _ in 0..150 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let wait_for = |needle: &'static str, n: usize| {
        let count = &count;
        async move {
            for _ in 0..600 {
                if count(needle) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the server never logged {needle:?} {n} time(s)");
        }
    };
    wait_for("cannot accept connections", 1).await;
    // The idle ones are closed after 2 s, and the server accepts again.
    wait_for("accepting connections again", 1).await;
    drop(held);
    let c = crate::common::client(&format!("http://{addr}"), "test");
    let mut answered = false;
    for _ in 0..100 {
        if c.list_queues().send().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the server answers again");
    let total = lines.lock().unwrap().len();
    let episodes = count("cannot accept connections");
    assert!(episodes <= 5, "one line per episode, not per try: {episodes} episodes");
    assert!(count("Too many open files") <= 5 && total < 50, "{total} log lines");
    drop(proc_);
}

/// Reads a whole HTTP/1.1 answer (a streamed one too) of a GET and answers its body's length.
async fn get_len(endpoint: &str, path: &str, accept_json: bool) -> usize {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = endpoint.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let accept = if accept_json { "Accept: application/json\r\n" } else { "" };
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{accept}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    assert!(buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..buf.len().min(300)]));
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    crate::common::dechunk(&buf[split + 4..]).len()
}

/// The developer view of a queue of 80 MiB is streamed: three GETs at once raise the peak
/// memory by a few batches of messages, not by the queue twice over each (one GET of a 100 MiB queue took the
/// process from 58 MB to 499 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_developer_view_of_a_big_queue_is_streamed() {
    let dir = crate::common::temp_dir("dev-view");
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let url = c.create_queue().queue_name("big").send().await.unwrap().queue_url.unwrap();
    let body = "x".repeat(256 * 1024);
    for _ in 0..320 {
        c.send_message().queue_url(&url).message_body(&body).send().await.unwrap();
    }
    p.reset_peak();
    let before = p.memory_kib("VmRSS");
    let path = "/_aws/sqs/messages/us-east-1/000000000000/big";
    let (a, b, json) = tokio::join!(
        get_len(&p.endpoint, path, false),
        get_len(&p.endpoint, path, false),
        get_len(&p.endpoint, path, true)
    );
    assert!(a > 80 << 20 && b == a && json > 80 << 20, "every message is in each answer: {a} {b} {json}");
    let peak = p.memory_kib("VmHWM");
    eprintln!("developer view: {before} KiB before, peak {peak} KiB");
    // What is bounded stays: each GET's batch of 16 messages, and the SQLite page cache of the
    // reader connection it uses (16 MiB each). The whole queue would be 160 MiB a GET.
    assert!(
        peak.saturating_sub(before) < 100 * 1024,
        "three GETs of an 80 MiB queue raised the peak from {before} KiB to {peak} KiB"
    );
    // Paged: MaxNumberOfMessages and the NextToken it answers.
    let r = crate::common::raw(
        p.endpoint.trim_start_matches("http://").parse().unwrap(),
        "GET",
        &format!("{path}?MaxNumberOfMessages=100"),
        &[("Accept", "application/json")],
        b"",
    )
    .await
    .json();
    assert_eq!(r["Messages"].as_array().unwrap().len(), 100);
    let token = r["NextToken"].as_str().unwrap().to_string();
    let r = crate::common::raw(
        p.endpoint.trim_start_matches("http://").parse().unwrap(),
        "GET",
        &format!("{path}?MaxNumberOfMessages=100&NextToken={token}"),
        &[("Accept", "application/json")],
        b"",
    )
    .await
    .json();
    assert_eq!(r["Messages"].as_array().unwrap().len(), 100);
    assert!(r["NextToken"].is_string());
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kinesis channel deliveries are kept in the store and their objects read from disk as the
/// answer is streamed: 40 MB of delivered records do not stay in memory, and reading them all
/// back raises the peak by about one object (100 MB of records took the process from 35 MB
/// to 211 MB, and one GET to 790 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_deliveries_are_read_from_disk_not_kept_in_memory() {
    use base64::Engine;
    let dir = crate::common::temp_dir("channel-memory");
    let p = spawn_with(&dir, &["--virtual-clock"]);
    let e = p.endpoint.clone();
    let on_demand = serde_json::json!({"StreamMode": "ON_DEMAND"});
    kinesis_json(&e, "CreateStream", serde_json::json!({"StreamName": "src", "StreamModeDetails": on_demand})).await;
    let channel = serde_json::json!({
        "ChannelName": "lake",
        "ServiceExecutionRoleARN": "arn:aws:iam::000000000000:role/c",
        "StreamConfigurationList": [{"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/src",
            "RecordConfiguration": {"RecordFormatType": "BYTE_ARRAY"}}],
        "S3DestinationConfiguration": {"DataFreshnessInSeconds": 1, "StorageConfiguration": {
            "BucketARN": "arn:aws:s3:::landing", "ExpectedBucketOwner": "000000000000", "CompressionType": "NONE"}},
    });
    kinesis_json(&e, "CreateChannel", channel).await;
    let data = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 100_000]);
    let addr: std::net::SocketAddr = e.trim_start_matches("http://").parse().unwrap();
    // Six rounds of 40 MB put and delivered: the deliveries are not kept in memory, so the
    // process does not grow by 40 MB a round.
    let mut resident = Vec::new();
    for round in 1..=6u64 {
        for call in 0..80 {
            let records: Vec<serde_json::Value> = (0..5)
                .map(|i| serde_json::json!({"PartitionKey": format!("k{round}-{call}-{i}"), "Data": data}))
                .collect();
            kinesis_json(&e, "PutRecords", serde_json::json!({"StreamName": "src", "Records": records})).await;
        }
        let r = crate::common::raw(
            addr,
            "POST",
            "/_quayside/clock/advance",
            &[("Content-Type", "application/json")],
            br#"{"seconds": 5}"#,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut delivered = 0;
        for _ in 0..100 {
            let r = crate::common::raw(
                addr,
                "GET",
                "/_quayside/kinesis/channels/deliveries?content=false&limit=1000",
                &[],
                b"",
            )
            .await;
            delivered = r.json()["deliveries"].as_array().unwrap().iter().map(|d| d["Bytes"].as_u64().unwrap()).sum();
            if delivered >= round * 40_000_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(delivered, round * 40_000_000);
        resident.push(p.memory_kib("VmRSS"));
    }
    eprintln!("channel deliveries: resident after each round {resident:?} KiB");
    // Kept in memory, five more rounds would be 200 MB more. What may grow is bounded: the
    // SQLite page caches of the writer and the readers (16 MiB each) filling as rounds read
    // their chunks, and the allocator's free lists.
    assert!(resident[5].saturating_sub(resident[0]) < 120 * 1024, "the deliveries stayed in memory: {resident:?} KiB");
    p.reset_peak();
    let before = p.memory_kib("VmRSS");
    let len = get_len(&e, "/_quayside/kinesis/channels/deliveries?limit=1000", false).await;
    assert!(len > 6 * 53_000_000, "every object's content, in base64: {len}");
    let peak = p.memory_kib("VmHWM");
    assert!(peak.saturating_sub(before) < 60 * 1024, "one GET raised the peak from {before} KiB to {peak} KiB");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits (bounded) until SQS reports no message rows left to delete.
async fn reaped(endpoint: &str) {
    let addr: std::net::SocketAddr = endpoint.trim_start_matches("http://").parse().unwrap();
    for _ in 0..600 {
        let h = crate::common::raw(addr, "GET", "/_quayside/health", &[], b"").await.json();
        if h["services"]["sqs"]["rows_to_delete"] == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("rows are still waiting to be deleted");
}

/// PurgeQueue and DeleteQueue answer before their rows are gone; `kill -9` right after leaves
/// rows behind, and the restart neither brings a purged message back nor loses one sent
/// after the purge, and finishes deleting the rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_during_bulk_removals_brings_nothing_back() {
    let dir = crate::common::temp_dir("bulk-kill");
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let big = c.create_queue().queue_name("big").send().await.unwrap().queue_url.unwrap();
    let keep = c.create_queue().queue_name("keep").send().await.unwrap().queue_url.unwrap();
    let body = "b".repeat(1024);
    for i in 0..2_000 {
        let entries: Vec<aws_sdk_sqs::types::SendMessageBatchRequestEntry> = (0..10)
            .map(|j| {
                aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                    .id(format!("e{j}"))
                    .message_body(format!("purged-{i}-{j}-{body}"))
                    .build()
                    .unwrap()
            })
            .collect();
        c.send_message_batch().queue_url(&big).set_entries(Some(entries)).send().await.unwrap();
    }
    for i in 0..10 {
        c.send_message().queue_url(&keep).message_body(format!("keep-{i}")).send().await.unwrap();
    }
    c.purge_queue().queue_url(&big).send().await.unwrap();
    c.send_message().queue_url(&big).message_body("after the purge").send().await.unwrap();
    let addr: std::net::SocketAddr = p.endpoint.trim_start_matches("http://").parse().unwrap();
    let h = crate::common::raw(addr, "GET", "/_quayside/health", &[], b"").await.json();
    assert!(h["services"]["sqs"]["rows_to_delete"].as_u64().unwrap() > 0, "killed while rows wait: {h}");
    p.kill_9();
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let mut got = Vec::new();
    loop {
        let r = c.receive_message().queue_url(&big).max_number_of_messages(10).send().await.unwrap();
        let Some(ms) = r.messages.filter(|m| !m.is_empty()) else { break };
        for m in ms {
            got.push(m.body.unwrap());
            c.delete_message().queue_url(&big).receipt_handle(m.receipt_handle.unwrap()).send().await.unwrap();
        }
    }
    assert_eq!(got, vec!["after the purge".to_string()], "no purged message came back");
    reaped(&p.endpoint).await;
    // DeleteQueue, killed at once: the queue stays gone, its rows are deleted after the restart.
    c.delete_queue().queue_url(&big).send().await.unwrap();
    p.kill_9();
    let p = spawn(&dir);
    let c = client(&p.endpoint, "test");
    let e = c.get_queue_url().queue_name("big").send().await.unwrap_err();
    assert_eq!(crate::common::code(&e.into_service_error()), "AWS.SimpleQueueService.NonExistentQueue");
    reaped(&p.endpoint).await;
    let kept = drain(&c, &keep).await;
    assert_eq!(kept.len(), 10, "the other queue's messages are all there: {kept:?}");
    drop(p);
    let db = store::rusqlite::Connection::open(dir.join("quayside.db")).unwrap();
    let rows: i64 = db.query_row("SELECT COUNT(*) FROM sqs_messages", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "every removed message's row is gone");
    let _ = std::fs::remove_dir_all(&dir);
}

/// DeleteStream answers before its records' chunks are gone (they go in bounded steps);
/// killed right after, the restart finds them orphaned and a new stream of the same name never
/// sees them (its id is above every id a chunk carries), and they are deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_streams_records_never_reach_a_new_stream() {
    use base64::Engine;
    let dir = crate::common::temp_dir("stream-orphans");
    let p = spawn(&dir);
    let e = p.endpoint.clone();
    kinesis_json(&e, "CreateStream", serde_json::json!({"StreamName": "s", "ShardCount": 4})).await;
    let data = base64::engine::general_purpose::STANDARD.encode("old");
    for call in 0..200 {
        let records: Vec<serde_json::Value> =
            (0..8).map(|i| serde_json::json!({"PartitionKey": format!("k{call}-{i}"), "Data": data})).collect();
        kinesis_json(&e, "PutRecords", serde_json::json!({"StreamName": "s", "Records": records})).await;
    }
    kinesis_json(&e, "DeleteStream", serde_json::json!({"StreamName": "s"})).await;
    p.kill_9();
    let db = dir.join("quayside.db");
    let orphans: i64 = store::rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM kinesis_chunks", [], |r| r.get(0))
        .unwrap();
    assert!(orphans > 0, "killed while the deleted stream's chunks remained");
    let p = spawn(&dir);
    let e = p.endpoint.clone();
    kinesis_json(&e, "CreateStream", serde_json::json!({"StreamName": "s", "ShardCount": 4})).await;
    let new = base64::engine::general_purpose::STANDARD.encode("new");
    kinesis_json(&e, "PutRecord", serde_json::json!({"StreamName": "s", "PartitionKey": "n", "Data": new})).await;
    let mut seen = Vec::new();
    for shard in 0..4 {
        let it = kinesis_json(
            &e,
            "GetShardIterator",
            serde_json::json!({"StreamName": "s", "ShardId": format!("shardId-{shard:012}"), "ShardIteratorType": "TRIM_HORIZON"}),
        )
        .await["ShardIterator"]
            .clone();
        let r = kinesis_json(&e, "GetRecords", serde_json::json!({"ShardIterator": it, "Limit": 10000})).await;
        seen.extend(r["Records"].as_array().unwrap().iter().map(|r| r["Data"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen, vec![new], "only the new stream's record");
    // The orphans are deleted after the restart.
    for _ in 0..200 {
        let left: i64 = store::rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM kinesis_chunks", [], |r| r.get(0))
            .unwrap();
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: i64 = store::rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM kinesis_chunks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1, "the deleted stream's chunks are gone; the new record's remains");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// mq-lite: producers send persistent messages over STOMP, each waiting for its RECEIPT; the
/// server is killed with SIGKILL mid-stream; after the restart every receipted message is in
/// the queue, exactly once (identities checked by body).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stomp_kill_dash_nine_loses_no_receipted_message() {
    use crate::mq_stomp::Raw;
    let dir = crate::common::temp_dir("mq-kill9");
    let p = spawn(&dir);
    let c = crate::mq_control::mq(&p.endpoint);
    crate::mq_control::broker(&c, "kill9").await;
    let addr = p.stomp.expect("the STOMP listener's address");
    let receipted: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut producers = Vec::new();
    for n in 0..4 {
        let receipted = receipted.clone();
        producers.push(tokio::spawn(async move {
            let mut s = Raw::login(addr, "").await;
            for i in 0.. {
                let body = format!("p{n}-{i}");
                s.send(&format!("SEND\ndestination:/queue/kept\npersistent:true\nreceipt:{body}\n\n{body}\0")).await;
                match s.try_frame(Duration::from_secs(5)).await {
                    Some(f) if f.command == "RECEIPT" => {
                        receipted.lock().unwrap().insert(body);
                    }
                    _ => return,
                }
            }
        }));
    }
    while receipted.lock().unwrap().len() < 2000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.kill_9();
    for t in producers {
        let _ = t.await;
    }
    let acknowledged = receipted.lock().unwrap().clone();
    let p = spawn(&dir);
    let addr = p.stomp.unwrap();
    let mut s = Raw::login(addr, "").await;
    s.send("SUBSCRIBE\nid:s\ndestination:/queue/kept\n\n\0").await;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(f) = s.try_frame(Duration::from_secs(2)).await {
        *seen.entry(String::from_utf8(f.body).unwrap()).or_default() += 1;
    }
    let missing: Vec<&String> = acknowledged.iter().filter(|b| !seen.contains_key(*b)).collect();
    assert!(missing.is_empty(), "{} receipted messages lost, e.g. {:?}", missing.len(), missing.first());
    assert!(seen.values().all(|n| *n == 1), "a message came back twice");
    assert!(acknowledged.len() >= 2000);
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A deleted broker's stored messages go in bounded steps after DeleteBroker answers; a
/// kill -9 right after the deletion leaves the rest to the restart, which finds the rows of a
/// broker it no longer has and deletes them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_brokers_messages_go_even_across_kill_dash_nine() {
    use crate::mq_stomp::Raw;
    let dir = crate::common::temp_dir("mq-forget");
    let p = spawn(&dir);
    let c = crate::mq_control::mq(&p.endpoint);
    let id = crate::mq_control::broker(&c, "doomed").await;
    let mut s = Raw::login(p.stomp.unwrap(), "").await;
    // 20,000 rows: 40 steps of 500 with a pause between, far longer than the kill below takes.
    for i in 0..20_000 {
        let receipt = if i == 19_999 { "receipt:last\n" } else { "" };
        s.send(&format!("SEND\ndestination:/queue/q{}\npersistent:true\n{receipt}\nm{i}\0", i % 3)).await;
    }
    assert_eq!(s.frame().await.h("receipt-id"), Some("last"));
    let db = dir.join("quayside.db");
    let count = || -> i64 {
        store::rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM mq_messages WHERE broker = ?1", [&id], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 20_000);
    c.delete_broker().broker_id(&id).send().await.unwrap();
    p.kill_9();
    // The steps were cut short: what is left is the restart's to delete.
    assert!(count() > 0, "the deletion finished before the kill; the restart's part is untested");
    let p = spawn(&dir);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while count() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count(), 0, "the restart deleted the gone broker's messages");
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// MQTT: a kept session's QoS 1 subscription (durable) waits offline; publishers' QoS 1
/// messages, each PUBACKed after it is stored, survive SIGKILL and reach the subscriber when
/// it comes back after the restart, every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_kill_dash_nine_loses_no_pubacked_message() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    fn connect(id: &str, clean: bool) -> Vec<u8> {
        let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', 4, if clean { 0xc2 } else { 0xc0 }, 0, 60];
        for s in [id.as_bytes(), b"admin", crate::mq_stomp::PASSWORD.as_bytes()] {
            body.extend_from_slice(&(s.len() as u16).to_be_bytes());
            body.extend_from_slice(s);
        }
        let mut p = vec![0x10, body.len() as u8];
        p.extend(body);
        p
    }
    async fn packet(s: &mut tokio::net::TcpStream) -> Option<(u8, Vec<u8>)> {
        let first = s.read_u8().await.ok()?;
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = s.read_u8().await.ok()?;
            len |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).await.ok()?;
        Some((first, body))
    }
    async fn open(addr: std::net::SocketAddr, id: &str, clean: bool) -> tokio::net::TcpStream {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(&connect(id, clean)).await.unwrap();
        assert_eq!(packet(&mut s).await.unwrap().0, 0x20);
        s
    }
    let dir = crate::common::temp_dir("mq-mqtt-kill9");
    let p = spawn(&dir);
    crate::mq_control::broker(&crate::mq_control::mq(&p.endpoint), "kill9").await;
    let addr = p.mqtt.expect("the MQTT listener's address");
    // The subscriber keeps its session and goes away.
    let mut sub = open(addr, "keeper", false).await;
    sub.write_all(&[0x82, 8, 0, 1, 0, 3, b'k', b'/', b'#', 1]).await.unwrap();
    assert_eq!(packet(&mut sub).await.unwrap().0, 0x90);
    sub.write_all(&[0xe0, 0]).await.unwrap();
    drop(sub);
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut publishers = Vec::new();
    for n in 0..4 {
        let acked = acked.clone();
        publishers.push(tokio::spawn(async move {
            let mut s = open(addr, &format!("pub-{n}"), true).await;
            for i in 1u16.. {
                let body = format!("p{n}-{i}");
                let mut v = vec![0, 3, b'k', b'/', b'x'];
                v.extend_from_slice(&i.to_be_bytes());
                v.extend_from_slice(body.as_bytes());
                let mut pkt = vec![0x32, v.len() as u8];
                pkt.extend(v);
                if s.write_all(&pkt).await.is_err() {
                    return;
                }
                match tokio::time::timeout(Duration::from_secs(5), packet(&mut s)).await {
                    Ok(Some((0x40, _))) => {
                        acked.lock().unwrap().insert(body);
                    }
                    _ => return,
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 1000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.kill_9();
    for t in publishers {
        let _ = t.await;
    }
    let acknowledged = acked.lock().unwrap().clone();
    let p = spawn(&dir);
    let addr = p.mqtt.unwrap();
    let mut sub = open(addr, "keeper", false).await;
    let mut seen = BTreeSet::new();
    while let Ok(Some((first, body))) = tokio::time::timeout(Duration::from_secs(3), packet(&mut sub)).await {
        if first >> 4 != 3 {
            continue;
        }
        let tl = usize::from(u16::from_be_bytes([body[0], body[1]]));
        let id = [body[2 + tl], body[3 + tl]];
        seen.insert(String::from_utf8(body[4 + tl..].to_vec()).unwrap());
        sub.write_all(&[0x40, 2, id[0], id[1]]).await.unwrap();
    }
    let missing: Vec<&String> = acknowledged.iter().filter(|b| !seen.contains(*b)).collect();
    assert!(missing.is_empty(), "{} PUBACKed messages lost, e.g. {:?}", missing.len(), missing.first());
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `quayside healthcheck --port P`'s exit code and what it said on stderr.
fn healthcheck(port: u16) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["healthcheck", "--port", &port.to_string(), "--timeout", "5"])
        .output()
        .expect("quayside healthcheck runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The binary prints `Ready.` on stdout, after its listening line and after its start-up hooks
/// have run; `quayside healthcheck` exits 1 before that (and with no server) and 0 after.
#[test]
fn ready_is_printed_after_the_hooks_and_healthcheck_follows_it() {
    let dir = crate::common::temp_dir("ready");
    let hooks = dir.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let go = dir.join("go");
    std::fs::write(hooks.join("wait.sh"), format!("while [ ! -e '{}' ]; do sleep 0.05; done\n", go.display())).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["serve", "--port", "0", "--stomp-port", "off", "--mqtt-port", "off", "--ws-port", "off"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--init-dir")
        .arg(&hooks)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("quayside starts");
    let stdout = child.stdout.take().unwrap();
    let mut proc_ = Proc { child, endpoint: String::new(), stomp: None, mqtt: None };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // (The hook's own log line may come first: hooks start once the listeners are bound.)
    let listening = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok())
        .find(|l| l.contains("listening on http://"))
        .expect("a listening line");
    let addr = listening.split("listening on http://").nth(1).unwrap().split(' ').next();
    let port: u16 = addr.unwrap().rsplit(':').next().unwrap().parse().unwrap();
    proc_.endpoint = format!("http://127.0.0.1:{port}");
    // The hook waits: the server answers, but is not ready, and has said nothing more.
    let (code, why) = healthcheck(port);
    assert_eq!(code, 1, "not ready while a hook runs");
    assert!(why.contains("not ready yet"), "{why}");
    // (Log lines go to stdout too: the hook's start is one.)
    let early: Vec<String> = std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(300)).ok()).collect();
    assert!(!early.iter().any(|l| l == "Ready."), "Ready. before the hooks ran: {early:?}");
    std::fs::write(&go, "").unwrap();
    let ready = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok()).find(|l| l == "Ready.");
    assert!(ready.is_some(), "a Ready. line after the hook");
    assert_eq!(healthcheck(port), (0, String::new()));
    // `quayside export` prints the state as a --config file.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(crate::common::client(&proc_.endpoint, "test").create_queue().queue_name("exported").send()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["export", "--port", &port.to_string()])
        .output()
        .expect("quayside export runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("[[queues]]") && text.contains("name = \"exported\""), "{text}");
    proc_.kill_9();
    let (code, why) = healthcheck(port);
    assert_eq!(code, 1, "no server, no health");
    assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
}
