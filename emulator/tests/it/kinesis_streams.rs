//! Kinesis streams over the wire: AWS JSON 1.1 and CBOR pinned down with raw requests (the SDK
//! tests come with the record operations).

use crate::common::*;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// One Kinesis call over AWS JSON 1.1: (status, body).
pub async fn kjson(addr: SocketAddr, op: &str, input: Value) -> (u16, Value) {
    let target = format!("Kinesis_20131202.{op}");
    let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-json-1.1")];
    let r = raw(addr, "POST", "/", &headers, input.to_string().as_bytes()).await;
    (r.status, r.json_or_null())
}

pub async fn ok(addr: SocketAddr, op: &str, input: Value) -> Value {
    let (status, v) = kjson(addr, op, input).await;
    assert_eq!(status, 200, "{op}: {v}");
    v
}

/// The same call in CBOR: (status, content type, body decoded to the JSON-protocol form).
async fn kcbor(addr: SocketAddr, op: &str, input: Value) -> (u16, String, Value) {
    let body = aws_protocol::cbor::encode(None, None, &input);
    let target = format!("Kinesis_20131202.{op}");
    let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-cbor-1.1")];
    let r = raw(addr, "POST", "/", &headers, &body).await;
    let ctype = r.header("content-type").unwrap_or("").to_string();
    (r.status, ctype, aws_protocol::cbor::decode(&r.bytes).unwrap())
}

/// Create, describe (by name and by ARN), page through streams and shards, refuse what AWS
/// refuses, delete; and the streams come back after a restart.
#[tokio::test]
async fn stream_lifecycle_over_json() {
    let dir = temp_dir("kinesis-streams");
    let env = start_with(durable(&dir)).await;
    let a = env.running.addr;
    ok(a, "CreateStream", json!({"StreamName": "orders", "ShardCount": 3, "Tags": {"team": "a"}})).await;
    ok(a, "CreateStream", json!({"StreamName": "clicks", "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})).await;
    let (status, e) = kjson(a, "CreateStream", json!({"StreamName": "orders", "ShardCount": 1})).await;
    assert_eq!(status, 400);
    assert_eq!(e["__type"], "ResourceInUseException");
    assert_eq!(e["message"], "Stream orders under account 000000000000 already exists.");

    let d = ok(a, "DescribeStream", json!({"StreamName": "orders"})).await["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "ACTIVE");
    assert_eq!(d["StreamARN"], "arn:aws:kinesis:us-east-1:000000000000:stream/orders");
    assert_eq!(d["RetentionPeriodHours"], 24);
    assert_eq!(d["HasMoreShards"], false);
    assert_eq!(d["StreamModeDetails"]["StreamMode"], "PROVISIONED");
    let shards = d["Shards"].as_array().unwrap();
    let ids: Vec<&str> = shards.iter().map(|s| s["ShardId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]);
    // AWS's split of the 128-bit space into three.
    assert_eq!(shards[0]["HashKeyRange"]["StartingHashKey"], "0");
    assert_eq!(shards[0]["HashKeyRange"]["EndingHashKey"], "113427455640312821154458202477256070484");
    assert_eq!(shards[1]["HashKeyRange"]["StartingHashKey"], "113427455640312821154458202477256070485");
    assert_eq!(shards[2]["HashKeyRange"]["EndingHashKey"], "340282366920938463463374607431768211455");
    let seq = shards[0]["SequenceNumberRange"]["StartingSequenceNumber"].as_str().unwrap();
    assert!(seq.len() == 56 && seq.starts_with("49"), "{seq}");
    assert!(shards[0]["SequenceNumberRange"].get("EndingSequenceNumber").is_none());

    let by_arn = ok(
        a,
        "DescribeStream",
        json!({"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/orders", "Limit": 2}),
    )
    .await;
    assert_eq!(by_arn["StreamDescription"]["Shards"].as_array().unwrap().len(), 2);
    assert_eq!(by_arn["StreamDescription"]["HasMoreShards"], true);
    let summary = ok(a, "DescribeStreamSummary", json!({"StreamName": "clicks"})).await;
    assert_eq!(summary["StreamDescriptionSummary"]["OpenShardCount"], 4, "ON_DEMAND starts with 4 shards");
    assert_eq!(summary["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"], "ON_DEMAND");

    let page1 = ok(a, "ListStreams", json!({"Limit": 1})).await;
    assert_eq!(page1["StreamNames"], json!(["clicks"]));
    assert_eq!(page1["HasMoreStreams"], true);
    let token = page1["NextToken"].as_str().unwrap();
    let page2 = ok(a, "ListStreams", json!({"NextToken": token})).await;
    assert_eq!(page2["StreamNames"], json!(["orders"]));
    assert_eq!(page2["StreamSummaries"][0]["StreamARN"], "arn:aws:kinesis:us-east-1:000000000000:stream/orders");

    let s1 = ok(a, "ListShards", json!({"StreamName": "orders", "MaxResults": 2})).await;
    assert_eq!(s1["Shards"].as_array().unwrap().len(), 2);
    let token = s1["NextToken"].as_str().unwrap().to_string();
    let s2 = ok(a, "ListShards", json!({"NextToken": token})).await;
    assert_eq!(s2["Shards"][0]["ShardId"], "shardId-000000000002");
    assert!(s2.get("NextToken").is_none());
    let (status, e) = kjson(a, "ListShards", json!({"NextToken": token, "StreamName": "orders"})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("InvalidArgumentException")));
    let after = ok(
        a,
        "ListShards",
        json!({"StreamName": "orders", "ShardFilter": {"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000000"}}),
    )
    .await;
    assert_eq!(after["Shards"].as_array().unwrap().len(), 2);

    // Bad input: the model's constraints in AWS's words, missing streams with name and account.
    let (status, e) = kjson(a, "CreateStream", json!({"StreamName": "bad name!", "ShardCount": 1})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ValidationException")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("at 'streamName' failed to satisfy constraint"), "{e}");
    let (status, e) = kjson(a, "CreateStream", json!({"StreamName": "zero", "ShardCount": 0})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ValidationException")), "{e}");
    let (status, e) = kjson(a, "DescribeStream", json!({"StreamName": "nope"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["__type"], "ResourceNotFoundException");
    assert_eq!(e["message"], "Stream nope under account 000000000000 not found.");
    let (status, e) = kjson(a, "DescribeStreamSummary", json!({})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("InvalidArgumentException")), "{e}");
    let (status, e) = kjson(a, "NoSuchThing", json!({})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("UnknownOperationException")), "{e}");
    let r = raw(
        a,
        "POST",
        "/",
        &[("X-Amz-Target", "Kinesis_20131202.ListStreams"), ("Content-Type", "application/x-amz-json-1.1")],
        b"{not json",
    )
    .await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (400, Some("SerializationException")), "{}", r.body);

    ok(a, "DeleteStream", json!({"StreamName": "clicks"})).await;
    let (status, _) = kjson(a, "DescribeStream", json!({"StreamName": "clicks"})).await;
    assert_eq!(status, 400);

    // A restart brings back what was acknowledged, exactly.
    let Env { running, .. } = env;
    running.shutdown().await;
    let env = start_with(durable(&dir)).await;
    let again = ok(env.running.addr, "DescribeStream", json!({"StreamName": "orders"})).await;
    assert_eq!(again["StreamDescription"], d);
    let names = ok(env.running.addr, "ListStreams", json!({})).await;
    assert_eq!(names["StreamNames"], json!(["orders"]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The CBOR protocol (Java SDKs, KCL): answers in CBOR, timestamps as tag 1 milliseconds that
/// read back as the JSON protocol's seconds; errors in CBOR too.
#[tokio::test]
async fn streams_over_cbor() {
    let env = start().await;
    let a = env.running.addr;
    let (status, ctype, _) = kcbor(a, "CreateStream", json!({"StreamName": "c", "ShardCount": 2})).await;
    assert_eq!((status, ctype.as_str()), (200, "application/x-amz-cbor-1.1"));
    let (status, _, v) = kcbor(a, "DescribeStreamSummary", json!({"StreamName": "c"})).await;
    assert_eq!(status, 200);
    let from_cbor = v["StreamDescriptionSummary"]["StreamCreationTimestamp"].as_f64().unwrap();
    let j = ok(a, "DescribeStreamSummary", json!({"StreamName": "c"})).await;
    let from_json = j["StreamDescriptionSummary"]["StreamCreationTimestamp"].as_f64().unwrap();
    assert!((from_cbor - from_json).abs() < 1.0 && from_json > 1.6e9, "{from_cbor} vs {from_json}");
    assert_eq!(v["StreamDescriptionSummary"]["OpenShardCount"], 2);
    let (status, ctype, e) = kcbor(a, "DescribeStream", json!({"StreamName": "missing"})).await;
    assert_eq!((status, ctype.as_str()), (400, "application/x-amz-cbor-1.1"));
    assert_eq!(e["__type"], "ResourceNotFoundException");
}

/// ValidationException lists every failed constraint in AWS's words, missing members among
/// them; a value of the wrong type is a SerializationException.
#[tokio::test]
async fn validation_lists_every_failed_constraint() {
    let env = start().await;
    let a = env.running.addr;
    let (status, e) = kjson(a, "CreateStream", json!({"StreamName": "bad name!", "ShardCount": 0})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ValidationException")));
    assert_eq!(
        e["message"],
        "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value \
         greater than or equal to 1; Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must \
         satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    );
    let (_, e) = kjson(a, "GetShardIterator", json!({"StreamName": "s"})).await;
    assert_eq!(
        e["message"],
        "2 validation errors detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null; \
         Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null"
    );
    let (_, e) =
        kjson(a, "PutRecords", json!({"StreamName": "s", "Records": [{"Data": "AA==", "PartitionKey": ""}, {}]})).await;
    assert_eq!(
        e["message"],
        "2 validation errors detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member \
         must have length greater than or equal to 1; Value null at 'records.2.member.data' failed to satisfy \
         constraint: Member must not be null"
    );
    // One missing member in a list is named by its whole path too.
    let (_, e) = kjson(a, "PutRecords", json!({"StreamName": "s", "Records": [{"PartitionKey": "k"}]})).await;
    assert_eq!(
        e["message"],
        "1 validation error detected: Value null at 'records.1.member.data' failed to satisfy constraint: Member must \
         not be null"
    );
    let (status, e) = kjson(a, "CreateStream", json!({"StreamName": "s", "ShardCount": "two"})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("SerializationException")));
}

/// `--kinesis-port`: a listener for Kinesis alone answers as the Kinesis endpoint does for
/// what is not a valid Kinesis call (kinesalite's recorded answers), with `x-amzn-RequestId`
/// and `x-amz-id-2` on every response; signed SDK calls work there as on the main port.
#[tokio::test]
async fn the_kinesis_only_listener_answers_as_the_kinesis_endpoint() {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("kinesis", Some(0));
    let env = start_with(config).await;
    let addr = env.running.listeners["kinesis"];
    let target = ("x-amz-target", "Kinesis_20131202.ListStreams");
    let json = ("content-type", "application/x-amz-json-1.1");
    let signed = (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc",
    );
    let date = ("x-amz-date", "20260101T000000Z");

    let r = raw(addr, "GET", "/", &[], b"").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n"
    );
    assert!(r.header("x-amzn-requestid").is_some_and(|v| !v.is_empty()));
    let id2 = r.header("x-amz-id-2").expect("x-amz-id-2");
    assert_eq!(id2.len(), 96, "72 bytes in base64");
    let r = raw(addr, "GET", "/_quayside/health", &[], b"").await;
    assert_eq!(r.status, 403, "no developer endpoints on the Kinesis port");

    let r = raw(addr, "POST", "/", &[target, ("content-type", "text/plain")], b"{}").await;
    assert_eq!((r.status, r.body.as_str()), (404, "<UnknownOperationException/>\n"));
    let r = raw(addr, "POST", "/", &[json, ("x-amz-target", "AmazonSQS.ListQueues")], b"{}").await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (400, Some("UnknownOperationException")));
    let r = raw(addr, "POST", "/", &[json, target], b"").await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (400, Some("SerializationException")));
    let r = raw(addr, "POST", "/", &[json, target], b"[1]").await;
    assert_eq!(r.json()["__type"], "SerializationException");

    let r = raw(addr, "POST", "/", &[json, target], b"{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"})
    );
    let partial = ("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request");
    let r = raw(addr, "POST", "/", &[json, target, partial], b"{}").await;
    assert_eq!(r.json()["__type"], "IncompleteSignatureException");
    assert_eq!(
        r.json()["message"],
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
         Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
         Authorization=AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request"
    );
    let cbor = ("content-type", "application/x-amz-cbor-1.1");
    let r = raw(addr, "POST", "/", &[cbor, target], &[0xa0]).await;
    let v: ciborium::value::Value = ciborium::de::from_reader(&r.bytes[..]).unwrap();
    let kind = v.as_map().unwrap().iter().find(|(k, _)| k.as_text() == Some("__type")).map(|(_, v)| v.clone());
    assert_eq!(kind, Some(ciborium::value::Value::Text("MissingAuthenticationTokenException".into())), "in CBOR");

    let r = raw(addr, "POST", "/", &[json, target, signed, date], b"{}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["StreamNames"], serde_json::json!([]));
    assert!(r.header("x-amz-id-2").is_some());

    // The SDK, signing as it does, sees the same streams as on the main port.
    let c = crate::kinesis_records::kinesis(&format!("http://{addr}"));
    c.create_stream().stream_name("only").shard_count(1).send().await.unwrap();
    let main = crate::kinesis_records::kinesis(&env.endpoint());
    assert_eq!(main.list_streams().send().await.unwrap().stream_names, ["only"]);
}
