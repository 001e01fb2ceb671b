//! The console (`/_quayside/ui`), driven in headless Chromium (Debian's `chromium`, which
//! `make test` installs when it is missing) through Playwright: every page is opened, its
//! buttons pressed, and a screenshot taken of each (`target/console-screenshots/`); then the
//! effects are checked with the AWS SDKs. Its answers' headers and the origin rules are
//! checked over raw HTTP.

use crate::common::*;
use crate::kinesis_records::kinesis;
use crate::mq_stomp::{stomp_env, Raw, PASSWORD};
use crate::sns_topics::sns;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::ScalingType;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "000000000000";

/// Receives until every one of `bodies` has come (a message move may take a moment): each
/// one's receive count.
async fn receive_bodies(env: &Env, url: &str, bodies: &[&str]) -> std::collections::HashMap<String, String> {
    let mut got = std::collections::HashMap::new();
    for _ in 0..50 {
        let out = env
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            let count = m.attributes().and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount));
            got.insert(m.body().unwrap_or_default().to_string(), count.cloned().unwrap_or_default());
        }
        if bodies.iter().all(|b| got.contains_key(*b)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    got
}

/// What the server holds when the browser comes: a queue with visible, in-flight and delayed
/// messages (one of them markup), its dead-letter queue holding a dead letter, a queue to
/// purge, a topic fanning out to two queues (one filtered), a resharded stream with a
/// consumer, a broker with two connections (plain and TLS) and a waiting message, and a queue in another account.
async fn seed(env: &Env, stomp: std::net::SocketAddr) -> (Raw, impl Sized) {
    let c = &env.client;
    let dlq = env.queue("orders-dlq").await;
    let dlq_arn = env.attribute(&dlq, "QueueArn").await.unwrap();
    let orders = env
        .queue_with(
            "orders",
            &[(
                QueueAttributeName::RedrivePolicy,
                &format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}"#),
            )],
        )
        .await;
    // A dead letter: received twice with a receive count of 1 allowed.
    c.send_message().queue_url(&orders).message_body("dead one").send().await.unwrap();
    for _ in 0..20 {
        c.receive_message().queue_url(&orders).visibility_timeout(0).send().await.unwrap();
        if env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref() == Some("1") {
            break;
        }
    }
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("1"));
    c.send_message().queue_url(&orders).message_body("in flight one").send().await.unwrap();
    let held = c.receive_message().queue_url(&orders).visibility_timeout(600).send().await.unwrap();
    assert_eq!(held.messages().len(), 1);
    c.send_message().queue_url(&orders).message_body("visible one").send().await.unwrap();
    c.send_message().queue_url(&orders).message_body(r#"<img src=x onerror="window.__xss=1">"#).send().await.unwrap();
    c.send_message().queue_url(&orders).message_body("delayed one").delay_seconds(600).send().await.unwrap();
    let scratch = env.queue("scratch").await;
    for b in ["a", "b"] {
        c.send_message().queue_url(&scratch).message_body(b).send().await.unwrap();
    }
    client(&env.endpoint(), "111111111111").create_queue().queue_name("far").send().await.unwrap();
    env.fifo_queue("jobs.fifo", false).await;
    let bulk = env.queue("bulk").await;
    for batch in 0..13 {
        let mut req = c.send_message_batch().queue_url(&bulk);
        for i in 0..10 {
            let entry = aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(format!("bulk {}", batch * 10 + i))
                .build()
                .unwrap();
            req = req.entries(entry);
        }
        req.send().await.unwrap();
    }

    let s = sns(&env.endpoint());
    let topic = s.create_topic().name("events").send().await.unwrap().topic_arn.unwrap();
    for (queue, filter) in [("paid", Some(r#"{"type":["order"]}"#)), ("audit", None)] {
        let url = env.queue(queue).await;
        let arn = env.attribute(&url, "QueueArn").await.unwrap();
        let mut sub =
            s.subscribe().topic_arn(&topic).protocol("sqs").endpoint(arn).attributes("RawMessageDelivery", "true");
        if let Some(f) = filter {
            sub = sub.attributes("FilterPolicy", f);
        }
        sub.send().await.unwrap();
    }
    let attr = |v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
    };
    for (text, kind) in [("an order", "order"), ("a refund", "refund")] {
        s.publish().topic_arn(&topic).message(text).message_attributes("type", attr(kind)).send().await.unwrap();
    }

    let k = kinesis(&env.endpoint());
    k.create_stream().stream_name("clicks").shard_count(1).send().await.unwrap();
    for i in 0..5 {
        k.put_record()
            .stream_name("clicks")
            .partition_key(format!("user-{i}"))
            .data(Blob::new(format!("click {i}")))
            .send()
            .await
            .unwrap();
    }
    k.update_shard_count()
        .stream_name("clicks")
        .target_shard_count(2)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .unwrap();
    let arn = k.describe_stream_summary().stream_name("clicks").send().await.unwrap();
    let arn = arn.stream_description_summary().unwrap().stream_arn().to_string();
    k.register_stream_consumer().stream_arn(arn).consumer_name("dashboard").send().await.unwrap();

    let mut conn = Raw::login(stomp, "client-id:console-test\n").await;
    conn.send("SUBSCRIBE\nid:1\ndestination:/queue/jobs\n\n\0").await;
    conn.send("SEND\ndestination:/queue/pending\npersistent:true\nreceipt:r\n\nwaiting\0").await;
    assert_eq!(conn.frame().await.command, "RECEIPT");
    // A second login, over TLS on the same port.
    let ca = env.running.tls_ca_pem().unwrap();
    let mut tls = crate::everyday::tls_connect(stomp, "localhost", ca, &[]).await.unwrap();
    let connect = format!("CONNECT\naccept-version:1.2\nlogin:admin\npasscode:{PASSWORD}\nclient-id:over-tls\n\n\0");
    tls.write_all(connect.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    while !got.starts_with(b"CONNECTED") {
        let mut buf = [0u8; 512];
        let n = tls.read(&mut buf).await.unwrap();
        assert!(n > 0, "the TLS login was answered");
        got.extend_from_slice(&buf[..n]);
    }
    (conn, tls)
}

fn rows(v: &Value) -> Vec<Vec<String>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Every page of the console in Chromium, with its buttons, and their effects checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_every_page_in_chromium_and_its_buttons_work() {
    let (sdk, stomp, _) = stomp_env(quayside::Config::for_tests()).await;
    let _conn = seed(&sdk, stomp).await;
    let endpoint = sdk.endpoint();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let out_dir = shots.clone();
    let out = tokio::task::spawn_blocking(move || {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/console-ui");
        assert!(
            dir.join("node_modules/playwright-core").exists(),
            "Playwright is not installed: run `make test` (it runs npm ci in tools/console-ui)"
        );
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            std::path::Path::new(&chromium).exists(),
            "no Chromium at {chromium}: run `make test` (it installs Debian's chromium when missing)"
        );
        std::process::Command::new("node")
            .arg(dir.join("drive.js"))
            .arg(&endpoint)
            .arg(&out_dir)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["errors"], serde_json::json!([]), "the page logged no errors");

    // Every resource, by account and region, with live charts.
    let o = &seen["overview"];
    assert_eq!(strings(&o["groups"]), [format!("{ACCOUNT} · us-east-1"), "111111111111 · us-east-1".to_string()]);
    let links = strings(&o["links"]);
    for name in
        ["orders", "orders-dlq", "scratch", "bulk", "jobs.fifo", "paid", "audit", "events", "clicks", "b", "far"]
    {
        assert!(links.contains(&name.to_string()), "{name} listed: {links:?}");
    }
    for c in o["charts"].as_array().unwrap() {
        assert!(c["paths"].as_u64().unwrap() >= 3, "a line per series after two refreshes: {c}");
    }
    assert!(o["sparklines"].as_u64().unwrap() >= 1, "{o}");
    assert_eq!(o["filtered"], serde_json::json!(["far"]), "\"ar\" names only the queue of the other account");
    assert_eq!(o["unfiltered"].as_u64(), Some(links.len() as u64));
    assert_eq!(o["live"], serde_json::json!(["visible 138", "visible 143"]), "five sent while the page was open");

    // A queue's messages, each state peeked; the form's send.
    let q = &seen["queue"];
    let mut visible = strings(&q["visible"]);
    visible.sort();
    assert_eq!(visible, [r#"<img src=x onerror="window.__xss=1">"#, "visible one"], "the markup shown as text");
    assert_eq!(strings(&q["in_flight"]), ["in flight one"]);
    assert_eq!(strings(&q["delayed"]), ["delayed one"]);
    assert_eq!(q["sent_note"], "Sent");
    assert!(strings(&q["after_send"]).contains(&"sent from the console".to_string()));
    assert_eq!((q["xss"].as_str(), q["images"].as_u64()), (Some("not run"), Some(0)));
    let orders = sdk.client.get_queue_url().queue_name("orders").send().await.unwrap().queue_url.unwrap();
    let d = &seen["dlq"];
    assert_eq!(
        (strings(&d["before"]), strings(&d["sources"])),
        (vec!["dead one".to_string()], vec!["orders".to_string()])
    );
    assert_eq!(d["note"], "Redrive started");
    // Peeking changed nothing (each message is received for the first time), the form's
    // message is there, and the redrive brought the dead letter back.
    let got = receive_bodies(&sdk, &orders, &["visible one", "sent from the console", "dead one"]).await;
    assert_eq!(got.get("visible one").map(String::as_str), Some("1"), "{got:?}");
    assert_eq!(got.get("sent from the console").map(String::as_str), Some("1"), "{got:?}");
    assert!(got.contains_key("dead one"), "redriven to orders: {got:?}");

    // The purge.
    assert_eq!((seen["scratch"]["before"].as_u64(), seen["scratch"]["note"].as_str()), (Some(7), Some("Purged")));
    let scratch = sdk.client.get_queue_url().queue_name("scratch").send().await.unwrap().queue_url.unwrap();
    assert!(sdk.nothing_to_receive(&scratch).await);

    // A FIFO queue's form sends with a group (and a deduplication id of its own).
    assert_eq!(
        (seen["fifo"]["note"].as_str(), seen["fifo"]["bodies"].clone()),
        (Some("Sent"), serde_json::json!(["first in line"]))
    );
    let fifo = sdk.client.get_queue_url().queue_name("jobs.fifo").send().await.unwrap().queue_url.unwrap();
    let got = sdk
        .client
        .receive_message()
        .queue_url(&fifo)
        .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    assert_eq!(m.body(), Some("first in line"));
    assert_eq!(
        m.attributes().unwrap().get(&MessageSystemAttributeName::MessageGroupId).map(String::as_str),
        Some("console")
    );

    // A page at a time: 100, then all 130 after "Show 100 more".
    assert_eq!(seen["bulk"], serde_json::json!([100, 130, false]));

    // The topic's fan-out, filter policies and recent matches.
    let t = &seen["topic"];
    assert_eq!(t["graph_boxes"], 3, "the topic and its two subscriptions");
    assert!(strings(&t["graph_text"]).iter().any(|s| s.contains("{\"type\":[\"order\"]}")), "{t}");
    assert_eq!(t["filters"].as_array().unwrap().len(), 1);
    assert!(t["filters"][0].as_str().unwrap().contains("\"order\""));
    let mut recent: Vec<Vec<String>> = t["recent"].as_array().unwrap().iter().map(strings).collect();
    recent.sort();
    assert_eq!(
        recent,
        [vec!["a refund", "an order"], vec!["an order"]],
        "newest first; the filtered one only matched the order"
    );

    // The stream's shards (the resharded parent closed, its children open) and consumer.
    let s = &seen["stream"];
    let shards = rows(&s["shards"]);
    assert_eq!(shards.len(), 3, "{shards:?}");
    assert_eq!(shards[0][1], "closed");
    assert_eq!((shards[1][1].as_str(), shards[1][2].as_str()), ("open", "shardId-000000000000"));
    assert_eq!(shards[0][4], "0 – 340282366920938463463374607431768211455");
    assert_eq!((s["lineage_boxes"].as_u64(), s["lineage_lines"].as_u64()), (Some(3), Some(2)));
    assert_eq!(rows(&s["consumers"])[0][0], "dashboard");

    // The broker's destinations and connections.
    let b = &seen["broker"];
    let tables: Vec<Vec<Vec<String>>> = b["tables"].as_array().unwrap().iter().map(rows).collect();
    assert!(tables[0].iter().any(|r| r[1] == "pending" && r[2] == "1"), "{tables:?}");
    assert!(tables[0].iter().any(|r| r[1] == "jobs" && r[3] == "1"), "{tables:?}");
    let logins: Vec<Vec<&str>> = tables[1].iter().map(|r| r[..4].iter().map(String::as_str).collect()).collect();
    assert_eq!(logins, [["STOMP", "TCP", "console-test", "admin"], ["STOMP", "TLS", "over-tls", "admin"]]);
    assert!(strings(&b["endpoints"]).iter().any(|e| e == &format!("stomp+ssl://localhost:{}", stomp.port())));

    assert!(seen["missing"][0].as_str().unwrap().contains("no queue no-such-queue"), "{seen}");
    for page in ["overview", "queue", "dlq", "topic", "stream", "broker"] {
        let size = std::fs::metadata(shots.join(format!("{page}.png"))).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "a screenshot of {page}: {size} bytes");
    }
}

/// The console's pages carry a policy that allows only their own script and no framing; its
/// answers are read-only; a page of another origin is refused, like every developer endpoint.
#[tokio::test]
async fn the_console_is_served_safely() {
    let env = start().await;
    let addr = env.running.addr;
    let page = raw(addr, "GET", "/_quayside/ui", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(page.body.contains("/_quayside/ui/app.js"));
    let script = raw(addr, "GET", "/_quayside/ui/app.js", &[], b"").await;
    assert_eq!((script.status, script.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
    assert!(!script.body.contains("innerHTML"), "values are written as text");

    env.queue("q").await;
    let list = raw(addr, "GET", "/_quayside/ui/api/resources", &[], b"").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["resources"][0]["name"], "q");
    assert_eq!(list["resources"][0]["figures"]["visible"], 0);
    let detail = raw(
        addr,
        "GET",
        "/_quayside/ui/api/detail?service=sqs&kind=queue&account=000000000000&region=us-east-1&name=q",
        &[],
        b"",
    )
    .await;
    assert_eq!((detail.status, detail.json()["attributes"]["VisibilityTimeout"].as_str()), (200, Some("30")));
    for (path, status) in [
        ("/_quayside/ui/api/detail?service=sqs&kind=queue&account=000000000000&region=us-east-1&name=nope", 404),
        ("/_quayside/ui/api/detail?service=dynamodb&kind=table", 404),
        ("/_quayside/ui/..%2f..%2fetc%2fpasswd", 404),
        ("/_quayside/ui/api/nothing", 404),
    ] {
        let r = raw(addr, "GET", path, &[], b"").await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.json()["error"].is_string(), "{path}");
    }
    let post = raw(addr, "POST", "/_quayside/ui/api/resources", &[("content-type", "application/json")], b"{}").await;
    assert_eq!(post.status, 405);
    let other = raw(addr, "GET", "/_quayside/ui/api/resources", &[("origin", "http://evil.example")], b"").await;
    assert_eq!(other.status, 403, "a page of another origin reads nothing");
    let local = raw(
        addr,
        "GET",
        "/_quayside/ui/api/resources",
        &[("origin", &format!("http://localhost:{}", addr.port()))],
        b"",
    )
    .await;
    assert_eq!(local.status, 200);
}
