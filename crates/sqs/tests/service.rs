//! Service-level tests: SQS through its service interface (`Service::call`), without HTTP, on
//! an in-memory or temporary store, with a manual clock. Each test body runs twice: once with
//! JSON 1.0 input, once with the same input as query parameters (answered as JSON), so both
//! decoders and both error mappings are held to the same behaviour.

use aws_protocol::{Protocol, RequestContext};
use serde_json::{json, Value};
use service::{Call, Input, ManualClock, Service};
use sqs::{Config, Sqs, SqsService};
use std::sync::Arc;
use store::{Durability, Store};

fn ctx() -> RequestContext {
    RequestContext::new("000000000000", "us-east-1", "localhost:4566")
}

#[derive(Debug, Clone, Copy)]
enum Wire {
    Json,
    Query,
}

const WIRES: [Wire; 2] = [Wire::Json, Wire::Query];

struct Svc {
    svc: SqsService,
    wire: Wire,
}

/// A JSON input as query parameters, in the wrapped forms (`.member.N`, `.entry.N.key`); the
/// flattened forms SDKs send are pinned by the HTTP tests.
fn to_query(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                to_query(&p, x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                to_query(&format!("{prefix}.member.{}", i + 1), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Maps become `.entry.N.key/value` (the JSON form cannot tell a map from a structure, so the
/// caller names the map members).
fn query_form(op: &str, input: &Value) -> String {
    const MAPS: &[&str] = &["Attributes", "tags", "Tags", "MessageAttributes"];
    let mut pairs = vec![("Action".to_string(), op.to_string())];
    if let Value::Object(m) = input {
        for (k, x) in m {
            match (MAPS.contains(&k.as_str()), x) {
                (true, Value::Object(entries)) => {
                    for (i, (ek, ev)) in entries.iter().enumerate() {
                        pairs.push((format!("{k}.entry.{}.key", i + 1), ek.clone()));
                        to_query(&format!("{k}.entry.{}.value", i + 1), ev, &mut pairs);
                    }
                }
                _ => to_query(k, x, &mut pairs),
            }
        }
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

impl Svc {
    /// One call: the output, or the (query) error code and message.
    async fn try_call(&self, op: &str, input: Value) -> Result<Value, (String, String)> {
        let ctx = ctx();
        let body = input.to_string();
        let (protocol, call_input) = match self.wire {
            Wire::Json => (Protocol::AwsJson10, Input::Body(body.as_bytes())),
            Wire::Query => (
                Protocol::AwsQueryJson,
                Input::Query(aws_protocol::query::QueryParams::parse(query_form(op, &input).as_bytes())),
            ),
        };
        let call = Call { ctx: &ctx, protocol, operation: op, input: call_input, path: "/", method: "POST", query: "" };
        let r = self.svc.call(call).await;
        let v: Value = serde_json::from_slice(r.bytes()).unwrap_or(Value::Null);
        if r.status == 200 {
            return Ok(match self.wire {
                Wire::Json => v,
                Wire::Query => v[format!("{op}Response")][format!("{op}Result")].clone(),
            });
        }
        assert!(r.status < 500, "{op} over {:?}: {} {v}", self.wire, r.status);
        Err(match self.wire {
            Wire::Json => {
                let header = r.headers.iter().find(|(k, _)| *k == "x-amzn-query-error").map(|(_, v)| v.clone());
                let code = header.and_then(|h| h.split(';').next().map(str::to_string));
                let code = code
                    .unwrap_or_else(|| v["__type"].as_str().unwrap_or("").rsplit('#').next().unwrap_or("").to_string());
                (code, v["message"].as_str().unwrap_or("").to_string())
            }
            Wire::Query => {
                let e = &v["ErrorResponse"]["Error"];
                (e["Code"].as_str().unwrap_or("").to_string(), e["Message"].as_str().unwrap_or("").to_string())
            }
        })
    }

    async fn call(&self, op: &str, input: Value) -> Value {
        self.try_call(op, input).await.unwrap_or_else(|e| panic!("{op} over {:?}: {e:?}", self.wire))
    }
}

fn open(path: Option<&std::path::Path>, clock: Arc<ManualClock>, wire: Wire) -> Svc {
    let sqs = match path {
        Some(path) => reopen(path, clock).1,
        None => {
            let store = Store::open(None, Durability::Process, sqs::MIGRATIONS).unwrap();
            Sqs::open(store, clock, Config::default()).unwrap()
        }
    };
    Svc { svc: SqsService::new(sqs), wire }
}

/// Opens SQS on a database file, which a store dropped just before may still be letting go of
/// (its writer and checkpoint threads finish after the drop, and SQLite can answer "database is
/// locked" at once meanwhile): retried for up to 10 s.
fn reopen(path: &std::path::Path, clock: Arc<ManualClock>) -> (Store, Sqs) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let opened = Store::open(Some(path), Durability::Process, sqs::MIGRATIONS)
            .and_then(|store| Ok((store.clone(), Sqs::open(store, clock.clone(), Config::default())?)));
        match opened {
            Ok(opened) => return opened,
            Err(e) if std::time::Instant::now() >= deadline => panic!("reopening {}: {e}", path.display()),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// Waits (bounded) until the reaper has deleted every gone message's row: DeleteQueue,
/// PurgeQueue and retention answer at once and leave the rows to it.
async fn reaped(s: &Svc) {
    for _ in 0..1000 {
        if s.svc.sqs().rows_to_delete() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{} rows still to delete", s.svc.sqs().rows_to_delete());
}

/// Message rows in the database file (read with a separate connection).
fn store_rows(path: &std::path::Path) -> i64 {
    let c = store::rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT COUNT(*) FROM sqs_messages", [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn every_model_operation_is_dispatched() {
    for wire in WIRES {
        let s = open(None, Arc::new(ManualClock::new(1_700_000_000_000)), wire);
        for op in s.svc.routes().operations.clone() {
            // With an empty input each operation either works or names a missing parameter:
            // none may answer InvalidAction (not dispatched) or an internal error (try_call
            // fails the test on any 5xx).
            if let Err((code, _)) = s.try_call(&op, json!({})).await {
                assert_ne!(code, "InvalidAction", "{op} is not dispatched");
            }
        }
        let (code, _) = s.try_call("Nope", json!({})).await.unwrap_err();
        assert_eq!(code, if matches!(wire, Wire::Json) { "UnknownOperationException" } else { "InvalidAction" });
    }
}

#[tokio::test]
async fn visibility_and_delay_follow_the_manual_clock() {
    for wire in WIRES {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let s = open(None, clock.clone(), wire);
        let url = s.call("CreateQueue", json!({"QueueName": "q"})).await["QueueUrl"].as_str().unwrap().to_string();
        s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": "later", "DelaySeconds": 60})).await;
        let r = s.call("ReceiveMessage", json!({"QueueUrl": url})).await;
        assert!(r.get("Messages").is_none());
        clock.advance_ms(60_000);
        let r = s.call("ReceiveMessage", json!({"QueueUrl": url, "VisibilityTimeout": 100})).await;
        assert_eq!(r["Messages"][0]["Body"], "later");
        clock.advance_ms(99_999);
        assert!(s.call("ReceiveMessage", json!({"QueueUrl": url})).await.get("Messages").is_none());
        clock.advance_ms(1);
        assert_eq!(s.call("ReceiveMessage", json!({"QueueUrl": url})).await["Messages"][0]["Body"], "later");
    }
}

#[tokio::test]
async fn reopening_the_store_rebuilds_every_state() {
    for wire in WIRES {
        let dir = std::env::temp_dir().join(format!("quayside-sqs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("q.db");
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let handle;
        let url;
        {
            let s = open(Some(&path), clock.clone(), wire);
            url = s
                .call(
                    "CreateQueue",
                    json!({"QueueName": "q", "Attributes": {"VisibilityTimeout": "50"}, "tags": {"a": "b"}}),
                )
                .await["QueueUrl"]
                .as_str()
                .unwrap()
                .to_string();
            for (body, delay) in [("visible", 0), ("inflight", 0), ("delayed", 30)] {
                s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": body, "DelaySeconds": delay})).await;
            }
            let r = s.call("ReceiveMessage", json!({"QueueUrl": url})).await;
            assert_eq!(r["Messages"][0]["Body"], "visible");
            handle = r["Messages"][0]["ReceiptHandle"].as_str().unwrap().to_string();
            let r = s.call("ReceiveMessage", json!({"QueueUrl": url})).await;
            assert_eq!(r["Messages"][0]["Body"], "inflight");
            s.call("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": handle})).await;
            // A deleted queue and a purged one leave nothing behind in the file.
            for name in ["gone", "purged"] {
                let u =
                    s.call("CreateQueue", json!({"QueueName": name})).await["QueueUrl"].as_str().unwrap().to_string();
                s.call("SendMessage", json!({"QueueUrl": u, "MessageBody": "x"})).await;
                s.call(if name == "gone" { "DeleteQueue" } else { "PurgeQueue" }, json!({"QueueUrl": u})).await;
            }
        }
        // Wait for the first store's writer thread to let go of the file.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let s = open(Some(&path), clock.clone(), wire);
        let attrs = s.call("GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["All"]})).await;
        assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "50");
        assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "0");
        assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1");
        assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"], "1");
        assert_eq!(s.call("ListQueueTags", json!({"QueueUrl": url})).await["Tags"]["a"], "b");
        let names = s.call("ListQueues", json!({})).await["QueueUrls"].to_string();
        assert!(!names.contains("/gone"), "{names}");
        let purged =
            s.call("GetQueueUrl", json!({"QueueName": "purged"})).await["QueueUrl"].as_str().unwrap().to_string();
        let counts = s.call("GetQueueAttributes", json!({"QueueUrl": purged, "AttributeNames": ["All"]})).await;
        assert_eq!(counts["Attributes"]["ApproximateNumberOfMessages"], "0");
        reaped(&s).await;
        let rows = store_rows(&path);
        assert_eq!(rows, 2, "only the two live messages of q remain stored");
        clock.advance_ms(50_000);
        let r = s
            .call(
                "ReceiveMessage",
                json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "AttributeNames": ["ApproximateReceiveCount"]}),
            )
            .await;
        // Standard queues serve the oldest visible message first (recorded: one whose
        // visibility ran out comes before one sent after it).
        let msgs = r["Messages"].as_array().unwrap();
        let bodies: Vec<&str> = msgs.iter().map(|m| m["Body"].as_str().unwrap()).collect();
        assert_eq!(bodies, vec!["inflight", "delayed"]);
        assert_eq!(msgs[0]["Attributes"]["ApproximateReceiveCount"], "2");
        assert_eq!(msgs[1]["Attributes"]["ApproximateReceiveCount"], "1");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Another service (SNS) stores its own change and the enqueue in one transaction: the message
/// is receivable only if that transaction commits.
#[tokio::test]
async fn enqueue_as_part_of_another_services_transaction() {
    let mut migrations = sqs::MIGRATIONS.to_vec();
    migrations.push(store::Migration { service: "other", version: 1, sql: "CREATE TABLE other_log (x TEXT NOT NULL)" });
    let store = Store::open(None, Durability::Process, &migrations).unwrap();
    let sqs = Sqs::open(store.clone(), Arc::new(ManualClock::new(1_700_000_000_000)), Config::default()).unwrap();
    let s = Svc { svc: SqsService::new(sqs.clone()), wire: Wire::Json };
    let fifo =
        json!({"QueueName": "fan.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}});
    let url = s.call("CreateQueue", fifo).await["QueueUrl"].as_str().unwrap().to_string();
    let q = sqs.queue_by_arn("arn:aws:sqs:us-east-1:000000000000:fan.fifo").unwrap();
    let msg = || sqs::enqueue::EnqueueRequest {
        body: "event".into(),
        group_id: Some("g".into()),
        sender_id: "000000000000".into(),
        ..Default::default()
    };

    // A transaction that fails after storing the message: nothing becomes receivable, and the
    // de-duplication id is released.
    let (_, write, apply) = sqs.prepare_enqueue(&q, vec![Ok(msg())]).unwrap().into_parts();
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
    assert!(s.call("ReceiveMessage", json!({"QueueUrl": url})).await.get("Messages").is_none());

    // The same message in a transaction that commits: receivable, and a duplicate after it is
    // recognised.
    let (results, write, apply) = sqs.prepare_enqueue(&q, vec![Ok(msg())]).unwrap().into_parts();
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
    let dup = s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": "event", "MessageGroupId": "g"})).await;
    assert_eq!(dup["MessageId"], id.as_str());
    let r = s.call("ReceiveMessage", json!({"QueueUrl": url, "MaxNumberOfMessages": 10})).await;
    assert_eq!(r["Messages"].as_array().unwrap().len(), 1);
    assert_eq!(r["Messages"][0]["MessageId"], id.as_str());
}

/// `(refs, body)` of every shared body in the database file.
fn stored_bodies(path: &std::path::Path) -> Vec<(i64, String)> {
    let c = store::rusqlite::Connection::open(path).unwrap();
    let mut st = c.prepare("SELECT refs, body FROM sqs_bodies ORDER BY id").unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// A body put into three queues by one fan-out is stored once, with three references; each
/// queue's copy reads it back (after a restart too), and the body goes with the last message
/// that references it, whichever way that message goes (DeleteMessage, PurgeQueue, DeleteQueue).
#[tokio::test]
async fn a_shared_body_is_stored_once_and_released_with_its_last_message() {
    let dir = std::env::temp_dir().join(format!("quayside-shared-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.db");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let text = "shared ".repeat(200);
    {
        let store = Store::open(Some(&path), Durability::Process, sqs::MIGRATIONS).unwrap();
        let sqs = Sqs::open(store.clone(), clock.clone(), Config::default()).unwrap();
        let s = Svc { svc: SqsService::new(sqs.clone()), wire: Wire::Json };
        for name in ["a", "b", "c"] {
            s.call("CreateQueue", json!({ "QueueName": name })).await;
        }
        let body = sqs.share_body(text.clone());
        let mut writes = Vec::new();
        let mut applies = Vec::new();
        for name in ["a", "b", "c"] {
            let q = sqs.queue_by_arn(&format!("arn:aws:sqs:us-east-1:000000000000:{name}")).unwrap();
            let req = sqs::enqueue::EnqueueRequest {
                body: body.clone(),
                sender_id: "000000000000".into(),
                ..Default::default()
            };
            let (results, write, apply) = sqs.prepare_enqueue(&q, vec![Ok(req)]).unwrap().into_parts();
            assert_eq!(results[0].as_ref().unwrap().md5_of_body, md5_of(&text));
            writes.push(write);
            applies.push(apply);
        }
        store
            .submit_with_hook(
                move |t| sqs::enqueue::EnqueueWrite::persist_all(t, &writes),
                move |ok| applies.into_iter().for_each(|a| a.apply(ok)),
            )
            .await
            .unwrap();
    }
    assert_eq!(stored_bodies(&path), vec![(3, text.clone())], "stored once, three references");

    let s = Svc { svc: SqsService::new(reopen(&path, clock).1), wire: Wire::Json };
    let url = |name: &str| format!("http://localhost:4566/000000000000/{name}");
    let mut handles = Vec::new();
    for name in ["a", "b", "c"] {
        let r = s.call("ReceiveMessage", json!({ "QueueUrl": url(name) })).await;
        assert_eq!(r["Messages"][0]["Body"], text.as_str(), "queue {name} after a restart");
        handles.push(r["Messages"][0]["ReceiptHandle"].as_str().unwrap().to_string());
    }
    s.call("DeleteMessage", json!({ "QueueUrl": url("a"), "ReceiptHandle": handles[0] })).await;
    assert_eq!(stored_bodies(&path), vec![(2, text.clone())]);
    s.call("PurgeQueue", json!({ "QueueUrl": url("b") })).await;
    reaped(&s).await;
    assert_eq!(stored_bodies(&path), vec![(1, text.clone())]);
    s.call("DeleteQueue", json!({ "QueueUrl": url("c") })).await;
    reaped(&s).await;
    assert_eq!(stored_bodies(&path), vec![], "released with the last message");
    assert_eq!(store_rows(&path), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `(references, copies still waiting in the list)` of every stored body.
fn stored_lists(path: &std::path::Path) -> Vec<(i64, usize)> {
    let c = store::rusqlite::Connection::open(path).unwrap();
    let mut st = c.prepare("SELECT refs, copies FROM sqs_bodies ORDER BY id").unwrap();
    let rows = st
        .query_map([], |r| {
            let copies: Option<Vec<u8>> = r.get(1)?;
            // A 16-byte seed, then 13 bytes per copy ending in its "gone" byte.
            let copies = copies.unwrap_or_default();
            let waiting = copies.get(16..).unwrap_or_default().chunks_exact(13).filter(|c| c[12] == 0).count();
            Ok((r.get(0)?, waiting))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// A message put into several standard queues at once (an SNS raw fan-out) is one stored row
/// listing its copies: a copy gets a row of its own when it is first received, and leaves the
/// list when it goes unreceived (PurgeQueue, retention) or is moved (a move task), whichever
/// comes first; the body goes with the last copy. Each copy reads back as the message it is
/// (its own MessageId, the same after a restart; body, MD5, attributes, sender, group),
/// delayed by its queue's DelaySeconds; a queue too small for it refuses it.
#[tokio::test]
async fn a_message_for_many_queues_is_one_row_until_each_copy_changes() {
    let dir = std::env::temp_dir().join(format!("quayside-copies-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.db");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let text = "fanned out ".repeat(128);
    let arn = |name: &str| format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    let url = |name: &str| format!("http://localhost:4566/000000000000/{name}");
    let first_id;
    {
        let store = Store::open(Some(&path), Durability::Process, sqs::MIGRATIONS).unwrap();
        let sqs = Sqs::open(store.clone(), clock.clone(), Config::default()).unwrap();
        let s = Svc { svc: SqsService::new(sqs.clone()), wire: Wire::Json };
        let redrive = json!({"deadLetterTargetArn": arn("dlq"), "maxReceiveCount": 1}).to_string();
        for (name, attributes) in [
            ("a", json!({})),
            ("b", json!({})),
            ("c", json!({})),
            ("delayed", json!({"DelaySeconds": "5"})),
            ("short", json!({"MessageRetentionPeriod": "60"})),
            ("dlq", json!({})),
            ("src", json!({ "RedrivePolicy": redrive })),
            ("small", json!({"MaximumMessageSize": "1024"})),
        ] {
            s.call("CreateQueue", json!({ "QueueName": name, "Attributes": attributes })).await;
        }
        let names = ["a", "b", "c", "delayed", "short", "dlq", "small"];
        let queues: Vec<_> = names.iter().map(|n| sqs.queue_by_arn(&arn(n)).unwrap()).collect();
        let mut attributes = sqs::enqueue::Attributes::new();
        attributes.insert(
            "colour".into(),
            sqs::enqueue::AttributeValue {
                data_type: "String".into(),
                string_value: Some("red".into()),
                binary_value: None,
            },
        );
        let request = sqs::enqueue::CopiesRequest {
            body: text.clone(),
            attributes,
            group_id: Some("tenant-1".into()),
            sender_id: "000000000000".into(),
        };
        let (results, write, apply) = sqs.prepare_copies(vec![(request, queues)]);
        for (name, r) in names.iter().zip(&results[0]) {
            match *name {
                "small" => assert_eq!(
                    r.as_ref().unwrap_err().to_string(),
                    "InvalidParameterValue (400): One or more parameters are invalid. Reason: Message must be shorter \
                     than 1024 bytes."
                ),
                _ => assert!(r.is_ok(), "{name}: {r:?}"),
            }
        }
        store.submit_with_hook(move |t| write.persist(t), move |ok| apply.apply(ok)).await.unwrap();
        assert_eq!(stored_lists(&path), vec![(6, 6)], "one row for six copies");
        assert_eq!(store_rows(&path), 0);

        let r = s
            .call(
                "ReceiveMessage",
                json!({"QueueUrl": url("a"), "VisibilityTimeout": 0, "MessageSystemAttributeNames": ["All"],
                       "MessageAttributeNames": ["All"]}),
            )
            .await;
        let m = &r["Messages"][0];
        assert_eq!(m["Body"], text.as_str());
        assert_eq!(m["MD5OfBody"], md5_of(&text));
        assert_eq!(m["MessageAttributes"]["colour"]["StringValue"], "red");
        assert_eq!(m["Attributes"]["SenderId"], "000000000000");
        assert_eq!(m["Attributes"]["MessageGroupId"], "tenant-1");
        assert_eq!(m["Attributes"]["SentTimestamp"], "1700000000000");
        assert_eq!(m["Attributes"]["ApproximateReceiveCount"], "1");
        assert_eq!(m["Attributes"]["ApproximateFirstReceiveTimestamp"], "1700000000000");
        first_id = m["MessageId"].as_str().unwrap().to_string();
        assert_eq!(first_id.len(), 36);
        assert_eq!(stored_lists(&path), vec![(6, 5)], "the received copy left the list");
        assert_eq!(store_rows(&path), 1, "for a row of its own");
    }

    let (_, sqs) = reopen(&path, clock.clone());
    let s = Svc { svc: SqsService::new(sqs.clone()), wire: Wire::Json };
    let receive = |name: &str| {
        let input = json!({"QueueUrl": url(name), "MessageSystemAttributeNames": ["All"]});
        let s = &s;
        async move { s.call("ReceiveMessage", input).await["Messages"][0].clone() }
    };
    // A message sent after the restart takes an id past the list's six.
    s.call("SendMessage", json!({"QueueUrl": url("c"), "MessageBody": "after the restart"})).await;
    let db = store::rusqlite::Connection::open(&path).unwrap();
    let list: i64 = db.query_row("SELECT id FROM sqs_bodies", [], |r| r.get(0)).unwrap();
    let newest: i64 = db.query_row("SELECT MAX(id) FROM sqs_messages", [], |r| r.get(0)).unwrap();
    assert!(newest > list + 5, "{newest} is past the copies {list}..={}", list + 5);
    let again = receive("a").await;
    assert_eq!(again["MessageId"], first_id.as_str(), "the same message after a restart");
    assert_eq!(again["Attributes"]["ApproximateReceiveCount"], "2");
    assert_eq!(again["Attributes"]["ApproximateFirstReceiveTimestamp"], "1700000000000", "kept from the first");
    let b = receive("b").await;
    assert_eq!(b["Body"], text.as_str());
    assert_eq!(b["MD5OfBody"], md5_of(&text), "the MD5 the first receive stored");
    assert_ne!(b["MessageId"], first_id.as_str(), "each queue's copy is a message of its own");
    assert_eq!(receive("delayed").await, Value::Null, "within the queue's delay");
    assert_eq!(stored_lists(&path), vec![(6, 4)]);

    s.call("DeleteMessage", json!({"QueueUrl": url("b"), "ReceiptHandle": b["ReceiptHandle"]})).await;
    assert_eq!(stored_lists(&path), vec![(5, 4)], "a deleted row releases its reference");
    s.call("PurgeQueue", json!({"QueueUrl": url("c")})).await;
    reaped(&s).await;
    assert_eq!(stored_lists(&path), vec![(4, 3)], "a purged copy leaves the list unreceived");
    assert_eq!(store_rows(&path), 1, "the purge took the message sent after the restart too");

    clock.advance_ms(60_000);
    s.svc.clock_moved().await;
    s.svc.tick().await;
    reaped(&s).await;
    assert_eq!(stored_lists(&path), vec![(3, 2)], "an expired copy leaves the list unreceived");
    let short = s.call("GetQueueAttributes", json!({"QueueUrl": url("short"), "AttributeNames": ["All"]})).await;
    assert_eq!(short["Attributes"]["ApproximateNumberOfMessages"], "0");
    let delayed = receive("delayed").await;
    assert_eq!(delayed["Body"], text.as_str(), "after the queue's delay");

    // A move task takes the copy waiting in the dead-letter queue back to the source queue.
    s.call("StartMessageMoveTask", json!({"SourceArn": arn("dlq"), "DestinationArn": arn("src")})).await;
    for _ in 0..10 {
        clock.advance_ms(1_000); // the task's rate accrues in the service's time
        s.svc.tick().await;
        if s.call("ListMessageMoveTasks", json!({"SourceArn": arn("dlq")})).await["Results"][0]["Status"] == "COMPLETED"
        {
            break;
        }
    }
    let moved = receive("src").await;
    assert_eq!(moved["Body"], text.as_str(), "moved from the list to another queue");
    assert_eq!(stored_lists(&path), vec![(3, 0)], "no copy waits any more");

    for (name, m) in [("a", &again), ("delayed", &delayed), ("src", &moved)] {
        s.call("DeleteMessage", json!({"QueueUrl": url(name), "ReceiptHandle": m["ReceiptHandle"]})).await;
    }
    assert_eq!(stored_lists(&path), vec![], "the body went with its last copy");
    assert_eq!(store_rows(&path), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

fn md5_of(text: &str) -> String {
    use md5::Digest;
    md5::Md5::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits until `n` long polls are parked, for at most 10 s of real time (a loaded machine may
/// take a while to schedule the poll's task; a count of yields was not enough on CI).
async fn parked(sqs: &Sqs, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if sqs.waiting_receives() == n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    panic!("the long poll never parked");
}

/// A long poll is woken by each of its sources — a send, a visibility timeout running out, a
/// delay ending, the queue being deleted — with the manual clock, no real-time sleep. The poll
/// waits up to 20 s; the test gives it 10 (a hang guard): only a wake-up delivers in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_wake_for_every_source() {
    for wire in WIRES {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let store = Store::open(None, Durability::Process, sqs::MIGRATIONS).unwrap();
        let sqs = Sqs::open(store, clock.clone(), Config::default()).unwrap();
        let s = Arc::new(Svc { svc: SqsService::new(sqs.clone()), wire });
        let url = s.call("CreateQueue", json!({"QueueName": "poll"})).await["QueueUrl"].as_str().unwrap().to_string();
        let poll = |s: Arc<Svc>, url: String| {
            tokio::spawn(async move {
                s.try_call("ReceiveMessage", json!({"QueueUrl": url, "WaitTimeSeconds": 20, "VisibilityTimeout": 30}))
                    .await
            })
        };
        let finish = |h: tokio::task::JoinHandle<Result<Value, (String, String)>>| async move {
            tokio::time::timeout(std::time::Duration::from_secs(10), h).await.expect("woken").unwrap()
        };

        // 1. A send.
        let h = poll(s.clone(), url.clone());
        parked(&sqs, 1).await;
        s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": "sent"})).await;
        let got = finish(h).await.unwrap();
        assert_eq!(got["Messages"][0]["Body"], "sent", "{wire:?}");

        // 2. Its visibility timeout (30 s, from the poll above) running out.
        let h = poll(s.clone(), url.clone());
        parked(&sqs, 1).await;
        clock.advance_ms(30_000);
        s.svc.clock_moved().await;
        let got = finish(h).await.unwrap();
        assert_eq!(got["Messages"][0]["Body"], "sent", "{wire:?}: back after its visibility timeout");
        let handle = got["Messages"][0]["ReceiptHandle"].as_str().unwrap().to_string();
        s.call("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": handle})).await;

        // 3. A delay ending. The delay (900 s) is longer than the poll's wait, so the poll's
        // own timer would end it empty after 20 s: only the clock's wake-up delivers in time.
        s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": "delayed", "DelaySeconds": 900})).await;
        let h = poll(s.clone(), url.clone());
        parked(&sqs, 1).await;
        clock.advance_ms(900_000);
        s.svc.clock_moved().await;
        let got = finish(h).await.unwrap();
        assert_eq!(got["Messages"][0]["Body"], "delayed", "{wire:?}");

        // 4. The queue being deleted ends the poll with AWS's answer.
        let h = poll(s.clone(), url.clone());
        parked(&sqs, 1).await;
        s.call("DeleteQueue", json!({"QueueUrl": url})).await;
        let (code, _) = finish(h).await.unwrap_err();
        assert_eq!(code, "AWS.SimpleQueueService.NonExistentQueue", "{wire:?}");
    }
}

/// A long poll is woken by the changes that free a message without the clock moving: a
/// DeleteMessage that unlocks a FIFO group, and a ChangeMessageVisibility that shortens a
/// timeout. The clock is moved without its wake-up (`clock_moved` wakes every poll, which hid
/// both faults); the poll waits up to 20 s and the test gives it 10: only the change's own
/// wake-up delivers in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_wake_when_a_delete_or_a_visibility_change_frees_a_message() {
    for wire in WIRES {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let store = Store::open(None, Durability::Process, sqs::MIGRATIONS).unwrap();
        let sqs = Sqs::open(store, clock.clone(), Config::default()).unwrap();
        let s = Arc::new(Svc { svc: SqsService::new(sqs.clone()), wire });
        let finish = |h: tokio::task::JoinHandle<Result<Value, (String, String)>>| async move {
            tokio::time::timeout(std::time::Duration::from_secs(10), h).await.expect("woken").unwrap()
        };
        let poll = |s: Arc<Svc>, url: String| {
            tokio::spawn(async move {
                s.try_call("ReceiveMessage", json!({"QueueUrl": url, "WaitTimeSeconds": 20, "VisibilityTimeout": 30}))
                    .await
            })
        };

        // A FIFO group locked by a message in flight: its delete lets the next one out.
        let fifo = s.call("CreateQueue", json!({"QueueName": "g.fifo", "Attributes": {"FifoQueue": "true"}})).await
            ["QueueUrl"]
            .as_str()
            .unwrap()
            .to_string();
        for (i, body) in ["first", "second"].iter().enumerate() {
            s.call(
                "SendMessage",
                json!({"QueueUrl": fifo, "MessageBody": body, "MessageGroupId": "g", "MessageDeduplicationId": format!("d{i}")}),
            )
            .await;
        }
        let first = s.call("ReceiveMessage", json!({"QueueUrl": fifo, "VisibilityTimeout": 30})).await;
        assert_eq!(first["Messages"][0]["Body"], "first");
        let h = poll(s.clone(), fifo.clone());
        parked(&sqs, 1).await;
        s.call("DeleteMessage", json!({"QueueUrl": fifo, "ReceiptHandle": first["Messages"][0]["ReceiptHandle"]}))
            .await;
        let got = finish(h).await.unwrap();
        assert_eq!(got["Messages"][0]["Body"], "second", "{wire:?}: woken by the delete");

        // A visibility timeout shortened from 30 s to 5 s: the poll re-reads its deadline.
        let url = s.call("CreateQueue", json!({"QueueName": "short"})).await["QueueUrl"].as_str().unwrap().to_string();
        s.call("SendMessage", json!({"QueueUrl": url, "MessageBody": "held"})).await;
        let held = s.call("ReceiveMessage", json!({"QueueUrl": url, "VisibilityTimeout": 30})).await;
        let h = poll(s.clone(), url.clone());
        parked(&sqs, 1).await;
        let handle = held["Messages"][0]["ReceiptHandle"].clone();
        s.call("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": handle, "VisibilityTimeout": 5}))
            .await;
        // Time passes, but nothing tells the poll (no `clock_moved`).
        clock.advance_ms(5_000);
        let got = finish(h).await.unwrap();
        assert_eq!(got["Messages"][0]["Body"], "held", "{wire:?}: woken by the shorter timeout");
    }
}

/// A purge stores a mark (every message numbered below it is purged) and its rows go in the
/// background. Once they are all gone, a restart must number new messages above the mark, or
/// the first sends after it would count as purged and vanish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_after_a_purge_and_a_restart_are_kept() {
    for wire in WIRES {
        let dir = std::env::temp_dir().join(format!("quayside-purge-mark-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.db");
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let url = |name: &str| format!("http://localhost:4566/000000000000/{name}");
        {
            let s = open(Some(&path), clock.clone(), wire);
            s.call("CreateQueue", json!({"QueueName": "other"})).await;
            s.call("CreateQueue", json!({"QueueName": "p"})).await;
            s.call("SendMessage", json!({"QueueUrl": url("other"), "MessageBody": "low"})).await;
            for i in 0..5 {
                s.call("SendMessage", json!({"QueueUrl": url("p"), "MessageBody": format!("purged-{i}")})).await;
            }
            s.call("PurgeQueue", json!({"QueueUrl": url("p")})).await;
            reaped(&s).await;
        }
        for round in 0..2 {
            let s = open(Some(&path), clock.clone(), wire);
            s.call("SendMessage", json!({"QueueUrl": url("p"), "MessageBody": format!("after-{round}")})).await;
            let r = s.call("ReceiveMessage", json!({"QueueUrl": url("p"), "MaxNumberOfMessages": 10})).await;
            assert_eq!(r["Messages"].as_array().map(Vec::len), Some(1), "{wire:?} round {round}: {r}");
            assert_eq!(r["Messages"][0]["Body"], format!("after-{round}"), "{wire:?}");
            s.call("DeleteMessage", json!({"QueueUrl": url("p"), "ReceiptHandle": r["Messages"][0]["ReceiptHandle"]}))
                .await;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A running move task is stored: after a restart it is listed with its handle and goes on
/// moving at its rate.
#[tokio::test]
async fn move_tasks_survive_a_restart() {
    for wire in WIRES {
        let dir = std::env::temp_dir().join(format!("quayside-task-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let dlq_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
        let handle;
        {
            let s = open(Some(&path), clock.clone(), wire);
            let dlq =
                s.call("CreateQueue", json!({"QueueName": "dlq"})).await["QueueUrl"].as_str().unwrap().to_string();
            let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}).to_string();
            let src = s
                .call("CreateQueue", json!({"QueueName": "src", "Attributes": {"RedrivePolicy": redrive}}))
                .await["QueueUrl"]
                .as_str()
                .unwrap()
                .to_string();
            for i in 0..3 {
                s.call("SendMessage", json!({"QueueUrl": src, "MessageBody": format!("m{i}")})).await;
            }
            s.call("ReceiveMessage", json!({"QueueUrl": src, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0})).await;
            s.call("ReceiveMessage", json!({"QueueUrl": src, "MaxNumberOfMessages": 10})).await;
            let attrs = s.call("GetQueueAttributes", json!({"QueueUrl": dlq, "AttributeNames": ["All"]})).await;
            assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "3");
            handle = s
                .call("StartMessageMoveTask", json!({"SourceArn": dlq_arn, "MaxNumberOfMessagesPerSecond": 1}))
                .await["TaskHandle"]
                .as_str()
                .unwrap()
                .to_string();
        }
        let s = open(Some(&path), clock.clone(), wire);
        let listed = s.call("ListMessageMoveTasks", json!({"SourceArn": dlq_arn})).await;
        let first = &listed["Results"][0];
        assert_eq!(first["Status"], "RUNNING", "{wire:?}: {listed}");
        assert_eq!(first["TaskHandle"], handle.as_str());
        for _ in 0..3 {
            clock.advance_ms(1_000);
            s.svc.tick().await;
        }
        let listed = s.call("ListMessageMoveTasks", json!({"SourceArn": dlq_arn})).await;
        assert_eq!(listed["Results"][0]["Status"], "COMPLETED", "{wire:?}: {listed}");
        assert_eq!(listed["Results"][0]["ApproximateNumberOfMessagesMoved"], 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The validation table (`fixtures/sqs/validation.json`), one case a line, over both protocols.
#[tokio::test]
async fn validation_cases_answer_as_aws_does() {
    let table: Value = serde_json::from_str(include_str!("../../../fixtures/sqs/validation.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for wire in WIRES {
        let s = open(None, Arc::new(ManualClock::new(1_700_000_000_000)), wire);
        let url = s.call("CreateQueue", json!({"QueueName": "v"})).await["QueueUrl"].as_str().unwrap().to_string();
        let fifo = s.call("CreateQueue", json!({"QueueName": "v.fifo", "Attributes": {"FifoQueue": "true"}})).await
            ["QueueUrl"]
            .as_str()
            .unwrap()
            .to_string();
        for case in cases {
            let op = case["op"].as_str().unwrap();
            let input: Value =
                serde_json::from_str(&case["input"].to_string().replace("$URL", &url).replace("$FIFO", &fifo)).unwrap();
            let (code, message) = match s.try_call(op, input.clone()).await {
                Ok(v) => panic!("{wire:?} {op} {input}: expected an error, got {v}"),
                Err(e) => e,
            };
            assert_eq!(code, case["code"].as_str().unwrap(), "{wire:?} {op} {input}: {message}");
            if let Some(want) = case["message"].as_str() {
                assert_eq!(message, want, "{wire:?} {op} {input}");
            }
        }
    }
}
