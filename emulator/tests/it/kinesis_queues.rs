//! Kinesis stream queues (2026) over raw AWS JSON 1.1 (aws-sdk-kinesis predates them): the
//! lifecycle, at-least-once delivery by record identity, visibility timeouts under the virtual
//! clock, long polling woken by a put, dead-letter records and their restore, what a stream
//! with queues refuses, and the delivery state after a restart.

use crate::common::*;
use crate::kinesis_streams::{kjson, ok};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::SocketAddr;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/";

async fn on_demand_stream(addr: SocketAddr, name: &str) {
    ok(addr, "CreateStream", json!({"StreamName": name, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})).await;
}

async fn create_queue(addr: SocketAddr, name: &str, stream: &str, extra: Value) -> Value {
    let mut input =
        json!({"QueueName": name, "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}{stream}")}]});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            input[k] = v;
        }
    }
    ok(addr, "CreateQueue", input).await["QueueDescription"].clone()
}

/// Puts records `prefix-0..n` (data = key), answering their sequence numbers.
async fn put(addr: SocketAddr, stream: &str, prefix: &str, n: usize) -> Vec<String> {
    let records: Vec<Value> = (0..n)
        .map(|i| json!({"PartitionKey": format!("{prefix}-{i}"), "Data": B64.encode(format!("{prefix}-{i}"))}))
        .collect();
    let r = ok(addr, "PutRecords", json!({"StreamName": stream, "Records": records})).await;
    r["Records"].as_array().unwrap().iter().map(|r| r["SequenceNumber"].as_str().unwrap().to_string()).collect()
}

/// Receives until nothing more comes (or `want` records): (record id, data, receipt handle, receive count).
async fn receive_all(addr: SocketAddr, op: &str, queue: &str, want: usize) -> Vec<(String, String, String, u64)> {
    let mut out = Vec::new();
    loop {
        let r = ok(addr, op, json!({"QueueARN": queue, "Limit": 10})).await;
        let got = r["QueueRecords"].as_array().unwrap().clone();
        if got.is_empty() {
            return out;
        }
        assert!(got.len() <= 10);
        for rec in got {
            let data = String::from_utf8(B64.decode(rec["Data"].as_str().unwrap()).unwrap()).unwrap();
            assert_eq!(rec["PartitionKey"].as_str(), Some(data.as_str()), "the record's key comes with it");
            assert!(rec["ApproximateArrivalTimestamp"].as_f64().unwrap() > 1.0e9);
            assert!(rec["FirstReceiveTimestamp"].as_f64().unwrap() > 1.0e9);
            out.push((
                rec["RecordId"].as_str().unwrap().to_string(),
                data,
                rec["ReceiptHandle"].as_str().unwrap().to_string(),
                rec["ReceiveCount"].as_u64().unwrap(),
            ));
        }
        if out.len() >= want {
            return out;
        }
    }
}

fn entries(handles: &[&str]) -> Value {
    Value::Array(handles.iter().map(|h| json!({"ReceiptHandle": h})).collect())
}

/// Create (ON_DEMAND only), describe, list with a stream filter, update; records put after
/// creation are received by identity (RecordId is the sequence number), stay in flight for the
/// visibility timeout, come back after it, and are gone once acknowledged; a stream with a
/// queue refuses deletion and PROVISIONED mode; delete.
#[tokio::test]
async fn queue_lifecycle_and_delivery() {
    let env = start_virtual().await;
    let addr = env.running.addr;
    ok(addr, "CreateStream", json!({"StreamName": "prov", "ShardCount": 1})).await;
    let input = json!({"QueueName": "q", "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}prov")}]});
    let (status, e) = kjson(addr, "CreateQueue", input).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("InvalidArgumentException")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("on-demand capacity mode"));

    on_demand_stream(addr, "s").await;
    let early = put(addr, "s", "early", 3).await;
    let d = create_queue(addr, "orders", "s", json!({"QueueAttributes": {"VisibilityTimeoutSeconds": 60}})).await;
    let arn = d["QueueARN"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:kinesis:us-east-1:000000000000:queue/"), "{arn}");
    assert!(!arn.contains("orders"), "the ARN's id is not the name");
    assert_eq!(d["QueueStatus"], "ACTIVE");
    assert_eq!(d["StreamConfigurationList"][0]["StartingPosition"]["Type"], "LATEST", "LATEST by default");
    assert_eq!(
        d["QueueAttributes"],
        json!({"VisibilityTimeoutSeconds": 60, "DeadLetterConfiguration": {"TargetType": "BUILT_IN", "MaxReceiveCount": 6}})
    );
    let (status, e) = kjson(
        addr,
        "CreateQueue",
        json!({"QueueName": "orders", "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}s")}]}),
    )
    .await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ResourceInUseException")));
    assert_eq!(ok(addr, "DescribeQueue", json!({"QueueARN": arn})).await["QueueDescription"], d);
    let listed = ok(addr, "ListQueues", json!({"StreamFilter": [{"StreamARN": format!("{STREAM_ARN}s")}]})).await;
    assert_eq!(listed["QueueSummaries"][0]["QueueARN"], arn.as_str());
    assert_eq!(listed["QueueSummaries"][0]["Streams"][0]["StreamARN"], format!("{STREAM_ARN}s"));
    let none = ok(addr, "ListQueues", json!({"StreamFilter": [{"StreamARN": format!("{STREAM_ARN}prov")}]})).await;
    assert_eq!(none["QueueSummaries"], json!([]));
    // Pages of one cover both queues once; a token of another list is refused.
    let second = ok(
        addr,
        "CreateQueue",
        json!({"QueueName": "second", "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}s")}]}),
    )
    .await["QueueDescription"]["QueueARN"]
        .clone();
    let first_page = ok(addr, "ListQueues", json!({"MaxResults": 1})).await;
    assert_eq!(first_page["QueueSummaries"].as_array().unwrap().len(), 1);
    let rest = ok(addr, "ListQueues", json!({"MaxResults": 1, "NextToken": first_page["NextToken"]})).await;
    assert_eq!(rest["QueueSummaries"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let mut paged = [&first_page["QueueSummaries"][0]["QueueARN"], &rest["QueueSummaries"][0]["QueueARN"]];
    paged.sort_by_key(|v| v.as_str());
    let mut both = [&Value::from(arn.as_str()), &second];
    both.sort_by_key(|v| v.as_str());
    assert_eq!(paged, both);
    let foreign = base64::engine::general_purpose::STANDARD.encode("consumers:1");
    let (status, e) = kjson(addr, "ListQueues", json!({"NextToken": foreign})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("InvalidArgumentException")));
    ok(addr, "DeleteQueue", json!({"QueueARN": second})).await;

    let sent = put(addr, "s", "r", 25).await;
    let got = receive_all(addr, "ReceiveQueueRecords", &arn, 25).await;
    let ids: BTreeSet<String> = got.iter().map(|g| g.0.clone()).collect();
    assert_eq!(ids, sent.iter().cloned().collect(), "every record after LATEST, none of the earlier {early:?}");
    assert!(got.iter().all(|g| g.3 == 1));
    assert!(receive_all(addr, "ReceiveQueueRecords", &arn, 1).await.is_empty(), "in flight for 60 s");

    // Acknowledge ten; shorten one's visibility to 0; the rest come back after 60 s.
    let handles: Vec<&str> = got.iter().map(|g| g.2.as_str()).collect();
    let acked = ok(addr, "AcknowledgeQueueRecords", json!({"QueueARN": arn, "Entries": entries(&handles[..10])})).await;
    assert_eq!(acked["Successful"].as_array().unwrap().len(), 10);
    assert_eq!(acked["Failed"], json!([]));
    let bad = ok(addr, "AcknowledgeQueueRecords", json!({"QueueARN": arn, "Entries": entries(&["nonsense"])})).await;
    assert_eq!(bad["Failed"][0]["ReceiptHandle"], "nonsense");
    assert_eq!(bad["Failed"][0]["ErrorCode"], "InvalidArgumentException");
    let vis = json!({"QueueARN": arn, "Entries": [{"ReceiptHandle": handles[10], "VisibilityTimeoutSeconds": 0}]});
    assert_eq!(ok(addr, "UpdateQueueRecordsVisibility", vis).await["Failed"], json!([]));
    let again = receive_all(addr, "ReceiveQueueRecords", &arn, 1).await;
    assert_eq!((again.len(), again[0].0.as_str(), again[0].3), (1, got[10].0.as_str(), 2));
    env.advance(61).await;
    // The one received again is in flight for 60 s from then: it is back too.
    let back = receive_all(addr, "ReceiveQueueRecords", &arn, 15).await;
    let back_ids: BTreeSet<String> = back.iter().map(|g| g.0.clone()).collect();
    let expected: BTreeSet<String> = got[10..].iter().map(|g| g.0.clone()).collect();
    assert_eq!(back_ids, expected, "the unacknowledged records, redelivered");

    // A stream with a queue stays: no deletion, no PROVISIONED.
    let (status, e) = kjson(addr, "DeleteStream", json!({"StreamName": "s"})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ResourceInUseException")));
    let (_, e) = kjson(
        addr,
        "UpdateStreamMode",
        json!({"StreamARN": format!("{STREAM_ARN}s"), "StreamModeDetails": {"StreamMode": "PROVISIONED"}}),
    )
    .await;
    assert_eq!(e["__type"], "ResourceInUseException");

    let updated =
        ok(addr, "UpdateQueue", json!({"QueueARN": arn, "QueueAttributes": {"VisibilityTimeoutSeconds": 5}})).await;
    assert_eq!(updated["QueueDescription"]["QueueAttributes"]["VisibilityTimeoutSeconds"], 5);
    ok(addr, "DeleteQueue", json!({"QueueARN": arn})).await;
    let (status, e) = kjson(addr, "DescribeQueue", json!({"QueueARN": arn})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ResourceNotFoundException")));
    ok(addr, "DeleteStream", json!({"StreamName": "s"})).await;
    // The queues' SQS side is out of the clients' sight.
    let sqs = env.client.list_queues().send().await.unwrap();
    assert!(sqs.queue_urls().is_empty(), "{:?}", sqs.queue_urls());
}

/// TRIM_HORIZON takes the records the stream already keeps; a long poll waiting on an empty
/// queue is answered by the next put's record (the put wakes it: the wait is 20 s).
#[tokio::test]
async fn trim_horizon_backlog_and_long_polling() {
    let env = start().await;
    let addr = env.running.addr;
    on_demand_stream(addr, "b").await;
    let before = put(addr, "b", "old", 12).await;
    let q = create_queue(addr, "all", "b", json!({"StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}b"), "StartingPosition": {"Type": "TRIM_HORIZON"}}]})).await;
    let arn = q["QueueARN"].as_str().unwrap().to_string();
    let got = receive_all(addr, "ReceiveQueueRecords", &arn, 12).await;
    assert_eq!(got.iter().map(|g| g.0.clone()).collect::<BTreeSet<_>>(), before.into_iter().collect());
    let handles: Vec<&str> = got.iter().map(|g| g.2.as_str()).collect();
    for part in handles.chunks(10) {
        ok(addr, "AcknowledgeQueueRecords", json!({"QueueARN": arn, "Entries": entries(part)})).await;
    }

    let waiting = {
        let arn = arn.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let r = ok(addr, "ReceiveQueueRecords", json!({"QueueARN": arn, "WaitTimeSeconds": 20})).await;
            (r, started.elapsed())
        })
    };
    // Parked (the queue's SQS side counts it), then the put: the poll waits up to 20 s, and the
    // 10 s guard passes only if the put woke it.
    crate::house::wait_for_waiting_receives(addr, 1).await;
    let sent = put(addr, "b", "new", 1).await;
    let (r, waited) =
        tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await.expect("woken by the put").unwrap();
    assert_eq!(r["QueueRecords"][0]["RecordId"], sent[0].as_str(), "the long poll got the put's record");
    assert!(waited < std::time::Duration::from_secs(10), "answered by the put, not the end of the wait");
}

/// A record received MaxReceiveCount times without an acknowledgement becomes a dead-letter
/// record: gone from ReceiveQueueRecords, there for ReceiveDeadLetterQueueRecords; restored, it
/// is delivered again; acknowledged there, it is gone. TargetType NONE has no dead letters.
#[tokio::test]
async fn dead_letter_records_and_restore() {
    let env = start_virtual().await;
    let addr = env.running.addr;
    on_demand_stream(addr, "d").await;
    let attrs = json!({"QueueAttributes": {"VisibilityTimeoutSeconds": 10, "DeadLetterConfiguration": {"TargetType": "BUILT_IN", "MaxReceiveCount": 2}}});
    let arn = create_queue(addr, "dl", "d", attrs).await["QueueARN"].as_str().unwrap().to_string();
    let sent = put(addr, "d", "x", 2).await;
    for round in 1..=2 {
        let got = receive_all(addr, "ReceiveQueueRecords", &arn, 2).await;
        assert_eq!(got.len(), 2, "round {round}");
        assert!(got.iter().all(|g| g.3 == round));
        env.advance(11).await;
    }
    assert!(receive_all(addr, "ReceiveQueueRecords", &arn, 1).await.is_empty(), "both are dead letters now");
    let dead = receive_all(addr, "ReceiveDeadLetterQueueRecords", &arn, 2).await;
    assert_eq!(dead.iter().map(|g| g.0.clone()).collect::<BTreeSet<_>>(), sent.iter().cloned().collect());
    let restore =
        ok(addr, "RestoreDeadLetterQueueRecords", json!({"QueueARN": arn, "Entries": entries(&[&dead[0].2])})).await;
    assert_eq!(restore["Failed"], json!([]));
    let ack =
        ok(addr, "AcknowledgeDeadLetterQueueRecords", json!({"QueueARN": arn, "Entries": entries(&[&dead[1].2])}))
            .await;
    assert_eq!(ack["Failed"], json!([]));
    let again = receive_all(addr, "ReceiveQueueRecords", &arn, 1).await;
    assert_eq!((again.len(), again[0].0.as_str(), again[0].3), (1, dead[0].0.as_str(), 1), "restored, counted afresh");
    env.advance(11).await;
    assert!(
        receive_all(addr, "ReceiveDeadLetterQueueRecords", &arn, 1).await.is_empty(),
        "the acknowledged one is gone"
    );

    let none = json!({"QueueAttributes": {"DeadLetterConfiguration": {"TargetType": "NONE"}}});
    let d2 = create_queue(addr, "nodl", "d", none).await;
    assert_eq!(d2["QueueAttributes"]["DeadLetterConfiguration"], json!({"TargetType": "NONE"}));
    let bad = json!({"QueueName": "bad", "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}d")}], "QueueAttributes": {"DeadLetterConfiguration": {"TargetType": "BUILT_IN"}}});
    let (_, e) = kjson(addr, "CreateQueue", bad).await;
    assert_eq!(e["__type"], "InvalidArgumentException", "BUILT_IN needs MaxReceiveCount");
}

/// After a restart the queue, its in-flight records (still invisible) and the records waiting
/// come back; a record put after the restart is delivered too.
#[tokio::test]
async fn queues_survive_a_restart() {
    let dir = temp_dir("kinesis-queues");
    let env = start_with(durable(&dir)).await;
    let addr = env.running.addr;
    on_demand_stream(addr, "p").await;
    let arn = create_queue(addr, "kept", "p", json!({"QueueAttributes": {"VisibilityTimeoutSeconds": 600}})).await
        ["QueueARN"]
        .as_str()
        .unwrap()
        .to_string();
    let sent = put(addr, "p", "k", 6).await;
    let in_flight = receive_all(addr, "ReceiveQueueRecords", &arn, 2).await;
    assert!(in_flight.len() >= 2);
    let Env { running, .. } = env;
    running.shutdown().await;
    let env = start_with(durable(&dir)).await;
    let addr = env.running.addr;
    assert_eq!(ok(addr, "DescribeQueue", json!({"QueueARN": arn})).await["QueueDescription"]["QueueName"], "kept");
    let after = put(addr, "p", "after", 1).await;
    let got = receive_all(addr, "ReceiveQueueRecords", &arn, 10).await;
    let ids: BTreeSet<String> = got.iter().map(|g| g.0.clone()).collect();
    let flying: BTreeSet<String> = in_flight.iter().map(|g| g.0.clone()).collect();
    let waiting: BTreeSet<String> = sent.iter().chain(&after).filter(|s| !flying.contains(*s)).cloned().collect();
    assert_eq!(ids, waiting, "the waiting records and the new one; the in-flight ones stay invisible");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A queue and a channel left DELETING by a stop (a long DeleteQueue / DeleteChannel delay)
/// are removed after the restart, and the stream can then be deleted.
#[tokio::test]
async fn deletions_cut_short_by_a_stop_complete_after_the_restart() {
    let dir = temp_dir("kinesis-cut-short");
    let mut config = durable(&dir);
    config.options.insert("kinesis-delays", "DeleteQueue=600000,DeleteChannel=600000".into());
    let env = start_with(config).await;
    let addr = env.running.addr;
    on_demand_stream(addr, "cs").await;
    let arn = create_queue(addr, "gone", "cs", json!({})).await["QueueARN"].as_str().unwrap().to_string();
    let channel = ok(
        addr,
        "CreateChannel",
        json!({"ChannelName": "gone", "ServiceExecutionRoleARN": "arn:aws:iam::000000000000:role/r",
               "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}cs"), "RecordConfiguration": {"RecordFormatType": "JSON"}}],
               "S3DestinationConfiguration": {"StorageConfiguration": {"BucketARN": "arn:aws:s3:::bkt", "ExpectedBucketOwner": "000000000000", "CompressionType": "NONE"}}}),
    )
    .await["ChannelDescription"]["ChannelARN"]
        .as_str()
        .unwrap()
        .to_string();
    ok(addr, "DeleteQueue", json!({"QueueARN": arn})).await;
    ok(addr, "DeleteChannel", json!({"ChannelARN": channel})).await;
    assert_eq!(
        ok(addr, "DescribeQueue", json!({"QueueARN": arn})).await["QueueDescription"]["QueueStatus"],
        "DELETING"
    );
    let Env { running, .. } = env;
    running.shutdown().await;

    let env = start_with(durable(&dir)).await;
    let addr = env.running.addr;
    let mut gone = false;
    for _ in 0..100 {
        let (q, _) = kjson(addr, "DescribeQueue", json!({"QueueARN": arn})).await;
        let (c, _) = kjson(addr, "DescribeChannel", json!({"ChannelARN": channel})).await;
        if q == 400 && c == 400 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the queue and the channel left DELETING are removed");
    ok(addr, "DeleteStream", json!({"StreamName": "cs"})).await;
    let _ = std::fs::remove_dir_all(&dir);
}
