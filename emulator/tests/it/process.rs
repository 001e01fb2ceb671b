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
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// SIGKILL, and wait until the process is gone.
    fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and waits (at most 30 s) for its listening line.
fn spawn(data_dir: &std::path::Path) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["serve", "--port", "0", "--log-level", "info", "--data-dir"])
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
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                break;
            }
        }
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    let mut proc_ = Proc { child, endpoint: String::new() };
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(endpoint) => proc_.endpoint = endpoint,
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
