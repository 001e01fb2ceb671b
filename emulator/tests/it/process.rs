//! The built binary: start it on a data dir, acknowledge sends and receives, `kill -9` it,
//! restart on the same dir, and find everything acknowledged.

use crate::common::client;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Proc {
    child: Child,
    endpoint: String,
}

fn spawn(data_dir: &std::path::Path, extra: &[&str]) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quayside"))
        .args(["serve", "--port", "0", "--log-level", "info", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("quayside starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let endpoint = loop {
        let line = lines.next().expect("a listening line").unwrap();
        if let Some(i) = line.find("listening on http://") {
            let rest = &line[i + "listening on ".len()..];
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Proc { child, endpoint }
}

#[tokio::test]
async fn kill_dash_nine_loses_nothing_acknowledged() {
    let dir = std::env::temp_dir().join(format!("quayside-proc-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = spawn(&dir, &[]);
    let c = client(&p.endpoint, "test");
    let url = c.create_queue().queue_name("durable").send().await.unwrap().queue_url.unwrap();
    let fifo = c
        .create_queue()
        .queue_name("durable.fifo")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for i in 0..50 {
        c.send_message().queue_url(&url).message_body(format!("m{i}")).send().await.unwrap();
    }
    c.send_message().queue_url(&fifo).message_body("f1").message_group_id("g").send().await.unwrap();
    // Receive 10 with a long visibility timeout (in flight across the restart), delete 5.
    let got =
        c.receive_message().queue_url(&url).max_number_of_messages(10).visibility_timeout(600).send().await.unwrap();
    let got = got.messages.unwrap();
    assert_eq!(got.len(), 10);
    for m in &got[..5] {
        c.delete_message().queue_url(&url).receipt_handle(m.receipt_handle.clone().unwrap()).send().await.unwrap();
    }
    p.child.kill().unwrap(); // SIGKILL
    p.child.wait().unwrap();

    let mut p2 = spawn(&dir, &[]);
    let c = client(&p2.endpoint, "test");
    let url = c.get_queue_url().queue_name("durable").send().await.unwrap().queue_url.unwrap();
    let attrs = c
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    let get = |n: &str| attrs.get(&aws_sdk_sqs::types::QueueAttributeName::from(n)).cloned().unwrap();
    assert_eq!(get("ApproximateNumberOfMessages"), "40");
    assert_eq!(get("ApproximateNumberOfMessagesNotVisible"), "5", "in-flight state survives");
    // A receipt handle from before the crash still works.
    c.delete_message().queue_url(&url).receipt_handle(got[5].receipt_handle.clone().unwrap()).send().await.unwrap();
    // De-duplication state survives too.
    let fifo = c.get_queue_url().queue_name("durable.fifo").send().await.unwrap().queue_url.unwrap();
    c.send_message().queue_url(&fifo).message_body("f1").message_group_id("g").send().await.unwrap();
    let n = c
        .get_queue_attributes()
        .queue_url(&fifo)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(n.values().next().map(String::as_str), Some("1"));
    let mut bodies = Vec::new();
    loop {
        let r = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap();
        let Some(ms) = r.messages.filter(|m| !m.is_empty()) else {
            break;
        };
        bodies.extend(ms.into_iter().map(|m| m.body.unwrap()));
    }
    assert_eq!(bodies.len(), 40);
    p2.child.kill().unwrap();
    p2.child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
