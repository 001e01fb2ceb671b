//! Service-level tests: `Sqs::dispatch` without HTTP, on an in-memory or temporary store, with a
//! manual clock.

use aws_protocol::RequestContext;
use serde_json::{json, Value};
use sqs::{Config, Sqs};
use std::sync::Arc;
use store::{Durability, ManualClock, Store};

fn ctx() -> RequestContext {
    RequestContext::new("000000000000", "us-east-1", "localhost:4566")
}

fn open(path: Option<&std::path::Path>, clock: Arc<ManualClock>) -> Sqs {
    let store = Store::open(path, Durability::Process, sqs::persist::MIGRATIONS).unwrap();
    Sqs::open(store, clock, Config::default()).unwrap()
}

/// Message rows in the database file (read with a separate connection).
fn store_rows(path: &std::path::Path) -> i64 {
    let c = store::rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT COUNT(*) FROM sqs_messages", [], |r| r.get(0)).unwrap()
}

async fn call(s: &Sqs, op: &str, input: Value) -> Value {
    s.dispatch(&ctx(), op, input, false).await.unwrap_or_else(|e| panic!("{op}: {e}"))
}

#[tokio::test]
async fn every_model_operation_is_dispatched() {
    let s = open(None, Arc::new(ManualClock::new(1_700_000_000_000)));
    for op in sqs::model::operations() {
        // With an empty input each operation either works or names a missing parameter: none
        // may answer InvalidAction (not dispatched) or an internal error.
        match s.dispatch(&ctx(), op, json!({}), false).await {
            Ok(_) => {}
            Err(e) => {
                let code = e.code();
                assert_ne!(code, "InvalidAction", "{op} is not dispatched");
                assert_ne!(e.to_aws().status, 500, "{op}: {e}");
            }
        }
    }
    let e = s.dispatch(&ctx(), "Nope", json!({}), false).await.unwrap_err();
    assert_eq!(e.code(), "InvalidAction");
}

#[tokio::test]
async fn visibility_and_delay_follow_the_manual_clock() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let s = open(None, clock.clone());
    let url = call(&s, "CreateQueue", json!({"QueueName": "q"})).await["QueueUrl"].as_str().unwrap().to_string();
    call(&s, "SendMessage", json!({"QueueUrl": url, "MessageBody": "later", "DelaySeconds": 60})).await;
    let r = call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await;
    assert!(r.get("Messages").is_none());
    clock.advance_ms(60_000);
    let r = call(&s, "ReceiveMessage", json!({"QueueUrl": url, "VisibilityTimeout": 100})).await;
    assert_eq!(r["Messages"][0]["Body"], "later");
    clock.advance_ms(99_999);
    assert!(call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await.get("Messages").is_none());
    clock.advance_ms(1);
    assert_eq!(call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await["Messages"][0]["Body"], "later");
}

#[tokio::test]
async fn reopening_the_store_rebuilds_every_state() {
    let dir = std::env::temp_dir().join(format!("quayside-sqs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("q.db");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let handle;
    let url;
    {
        let s = open(Some(&path), clock.clone());
        url = call(
            &s,
            "CreateQueue",
            json!({"QueueName": "q", "Attributes": {"VisibilityTimeout": "50"}, "tags": {"a": "b"}}),
        )
        .await["QueueUrl"]
            .as_str()
            .unwrap()
            .to_string();
        for (body, delay) in [("visible", 0), ("inflight", 0), ("delayed", 30)] {
            call(&s, "SendMessage", json!({"QueueUrl": url, "MessageBody": body, "DelaySeconds": delay})).await;
        }
        let r = call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await;
        assert_eq!(r["Messages"][0]["Body"], "visible");
        handle = r["Messages"][0]["ReceiptHandle"].as_str().unwrap().to_string();
        let r = call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await;
        assert_eq!(r["Messages"][0]["Body"], "inflight");
        call(&s, "DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": handle})).await;
        // A deleted queue and a purged one leave nothing behind in the file.
        for name in ["gone", "purged"] {
            let u = call(&s, "CreateQueue", json!({"QueueName": name})).await["QueueUrl"].as_str().unwrap().to_string();
            call(&s, "SendMessage", json!({"QueueUrl": u, "MessageBody": "x"})).await;
            call(&s, if name == "gone" { "DeleteQueue" } else { "PurgeQueue" }, json!({"QueueUrl": u})).await;
        }
    }
    // Wait for the first store's writer thread to let go of the file.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let s = open(Some(&path), clock.clone());
    let attrs = call(&s, "GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["All"]})).await;
    assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "50");
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "0");
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1");
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"], "1");
    assert_eq!(call(&s, "ListQueueTags", json!({"QueueUrl": url})).await["Tags"]["a"], "b");
    let names = call(&s, "ListQueues", json!({})).await["QueueUrls"].to_string();
    assert!(!names.contains("/gone"), "{names}");
    let purged =
        call(&s, "GetQueueUrl", json!({"QueueName": "purged"})).await["QueueUrl"].as_str().unwrap().to_string();
    let counts = call(&s, "GetQueueAttributes", json!({"QueueUrl": purged, "AttributeNames": ["All"]})).await;
    assert_eq!(counts["Attributes"]["ApproximateNumberOfMessages"], "0");
    let rows = store_rows(&path);
    assert_eq!(rows, 2, "only the two live messages of q remain stored");
    clock.advance_ms(50_000);
    let r = call(
        &s,
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "AttributeNames": ["ApproximateReceiveCount"]}),
    )
    .await;
    // Standard queues deliver in the order messages became visible (the delayed one first).
    let msgs = r["Messages"].as_array().unwrap();
    let bodies: Vec<&str> = msgs.iter().map(|m| m["Body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["delayed", "inflight"]);
    assert_eq!(msgs[1]["Attributes"]["ApproximateReceiveCount"], "2");
    assert_eq!(msgs[0]["Attributes"]["ApproximateReceiveCount"], "1");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Another service (SNS) stores its own change and the enqueue in one transaction: the message
/// is receivable only if that transaction commits.
#[tokio::test]
async fn enqueue_as_part_of_another_services_transaction() {
    let mut migrations = sqs::persist::MIGRATIONS.to_vec();
    migrations.push(store::Migration { service: "other", version: 1, sql: "CREATE TABLE other_log (x TEXT NOT NULL)" });
    let store = Store::open(None, Durability::Process, &migrations).unwrap();
    let s = Sqs::open(store.clone(), Arc::new(ManualClock::new(1_700_000_000_000)), Config::default()).unwrap();
    let fifo =
        json!({"QueueName": "fan.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}});
    let url = call(&s, "CreateQueue", fifo).await["QueueUrl"].as_str().unwrap().to_string();
    let q = s.queue_by_arn("arn:aws:sqs:us-east-1:000000000000:fan.fifo").unwrap();
    let msg = || sqs::EnqueueRequest {
        body: "event".into(),
        group_id: Some("g".into()),
        sender_id: "000000000000".into(),
        ..Default::default()
    };

    // A transaction that fails after storing the message: nothing becomes receivable, and the
    // de-duplication id is released.
    let (_, write, apply) = s.prepare_enqueue(&q, vec![Ok(msg())]).unwrap().into_parts();
    let failed = store
        .submit_with_hook(
            move |t| {
                write.persist(t)?;
                t.execute("INSERT INTO other_log (x) VALUES (NULL)", [])?; // NOT NULL: fails
                Ok(())
            },
            move |ok| apply.apply(ok),
        )
        .await;
    assert!(failed.is_err());
    assert!(call(&s, "ReceiveMessage", json!({"QueueUrl": url})).await.get("Messages").is_none());

    // The same message in a transaction that commits: receivable, and a duplicate after it is
    // recognised.
    let (results, write, apply) = s.prepare_enqueue(&q, vec![Ok(msg())]).unwrap().into_parts();
    let id = results[0].as_ref().unwrap().message_id.clone();
    store
        .submit_with_hook(
            move |t| {
                write.persist(t)?;
                t.execute("INSERT INTO other_log (x) VALUES ('published')", [])?;
                Ok(())
            },
            move |ok| apply.apply(ok),
        )
        .await
        .unwrap();
    let dup = call(&s, "SendMessage", json!({"QueueUrl": url, "MessageBody": "event", "MessageGroupId": "g"})).await;
    assert_eq!(dup["MessageId"], id.as_str());
    let r = call(&s, "ReceiveMessage", json!({"QueueUrl": url, "MaxNumberOfMessages": 10})).await;
    assert_eq!(r["Messages"].as_array().unwrap().len(), 1);
    assert_eq!(r["Messages"][0]["MessageId"], id.as_str());
}
