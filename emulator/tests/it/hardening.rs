//! Bad and hostile input: requests whose cost or contents the house refuses (a form of
//! 100,000 names, bodies that are not UTF-8, timestamps with any character), each answered in
//! AWS's shape, never with a panic or a 500.

use crate::common::*;
use crate::kinesis_streams::{kjson, ok};
use serde_json::json;

/// A query form with more parameters than AWS's largest request carries is refused as AWS
/// refuses a malformed query string; one under the cap with unknown names is read as usual.
#[tokio::test]
async fn query_forms_with_too_many_parameters_are_refused() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("many").await;
    let path = url.trim_start_matches(&env.endpoint()).to_string();
    let mut form = String::from("Action=SendMessage&MessageBody=hello");
    for i in 0..100_000 {
        form.push_str(&format!("&Junk{i}=x"));
    }
    let r = query(addr, &path, &form).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidQueryParameter</Code>"), "{}", r.body);
    assert!(
        r.body.contains("<Message>The AWS query string is malformed or does not adhere to AWS standards.</Message>"),
        "{}",
        r.body
    );
    assert!(env.nothing_to_receive(&url).await, "nothing was sent");
    let mut form = String::from("Action=SendMessage&MessageBody=hello");
    for i in 0..4_000 {
        form.push_str(&format!("&Junk{i}=x"));
    }
    let r = query(addr, &path, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(env.receive_with_attributes(&url).await[0].body.as_deref(), Some("hello"));
}

/// A message body whose bytes are not UTF-8, raw or percent-encoded, is InvalidMessageContents
/// (it was stored with U+FFFD in place of the bytes), in a batch entry too; nothing is stored.
#[tokio::test]
async fn bodies_that_are_not_utf8_are_refused() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("bytes").await;
    let path = url.trim_start_matches(&env.endpoint()).to_string();
    for body in [&b"Action=SendMessage&MessageBody=a\xffb"[..], &b"Action=SendMessage&MessageBody=a%FFb"[..]] {
        let r = raw(addr, "POST", &path, &[("Content-Type", "application/x-www-form-urlencoded")], body).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("<Code>InvalidMessageContents</Code>"), "{}", r.body);
    }
    let batch = b"Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=a\
        &SendMessageBatchRequestEntry.1.MessageBody=ok%C3%A9&SendMessageBatchRequestEntry.2.Id=b\
        &SendMessageBatchRequestEntry.2.MessageBody=\xc3\x28";
    let r = raw(addr, "POST", &path, &[("Content-Type", "application/x-www-form-urlencoded")], batch).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidMessageContents</Code>"), "{}", r.body);
    // Another member: the generic wording, in SQS's shape.
    let tag = b"Action=TagQueue&Tag.1.Key=k&Tag.1.Value=\xfe";
    let r = raw(addr, "POST", &path, &[("Content-Type", "application/x-www-form-urlencoded")], tag).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidParameterValue</Code>"), "{}", r.body);
    assert!(env.nothing_to_receive(&url).await, "nothing was stored");
    // Valid UTF-8 (é percent-encoded and raw) is stored as sent.
    let r = raw(
        addr,
        "POST",
        &path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "Action=SendMessage&MessageBody=caf%C3%A9+é".as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(env.receive_with_attributes(&url).await[0].body.as_deref(), Some("café é"));
    // SNS reads the same forms.
    let r = query(addr, "/", "Action=CreateTopic&Name=t").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let arn = "arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At";
    let r = query(addr, "/", &format!("Action=Publish&TopicArn={arn}&Message=%FF")).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidParameterValue</Code>"), "{}", r.body);
}

/// A timestamp member with a non-ASCII character where its offset belongs is a validation
/// error (the parser sliced the text inside the character and panicked: a 500).
#[tokio::test]
async fn timestamps_with_any_character_are_refused_not_panicked_on() {
    let env = start().await;
    let addr = env.running.addr;
    ok(addr, "CreateStream", json!({"StreamName": "ts", "ShardCount": 1})).await;
    for ts in ["2024-01-02T03:04:05+1é00", "2024-01-02T03:04:05+é", "2024-01-02T03:04:0€"] {
        let (status, e) = kjson(
            addr,
            "GetShardIterator",
            json!({"StreamName": "ts", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": ts}),
        )
        .await;
        assert_eq!(status, 400, "{ts}: {e}");
        assert!(e["__type"].as_str().is_some_and(|t| t.ends_with("Exception")), "{e}");
    }
    let (status, v) = kjson(
        addr,
        "GetShardIterator",
        json!({"StreamName": "ts", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
               "Timestamp": 1_704_164_645}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
}

/// A client that sends a request's head one byte at a time (a slow loris) is cut off once
/// `--header-read-timeout` has passed since its first byte; it was held forever.
#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = quayside::Config::for_tests();
    config.header_read_timeout = 1;
    let env = start_with(config).await;
    let s = tokio::net::TcpStream::connect(env.running.addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let closed = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = rd.read_to_end(&mut buf).await;
    });
    wr.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    // One byte of a header every 100 ms, for up to 30 s: the server must close first.
    let mut sent = 0;
    while !closed.is_finished() && sent < 300 {
        if wr.write_all(b"X").await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::timeout(std::time::Duration::from_secs(5), closed).await.expect("the server closed it").unwrap();
    assert!(sent < 300, "the head was still being read after 300 bytes");
    // Others are served meanwhile and after.
    assert!(env.client.list_queues().send().await.is_ok());
}

/// A keep-alive connection with no request in flight is closed after `--idle-timeout`; a long
/// poll longer than that timeout is not cut.
#[tokio::test]
async fn idle_connections_close_and_long_polls_do_not() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = quayside::Config::for_tests();
    config.idle_timeout = 1;
    config.header_read_timeout = 1;
    let env = start_with(config).await;
    let mut s = tokio::net::TcpStream::connect(env.running.addr).await.unwrap();
    s.write_all(b"GET /_quayside/health HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 65536];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Nothing more is sent: the server closes the connection (bounded wait, far above 1 s).
    let rest = tokio::time::timeout(std::time::Duration::from_secs(20), s.read(&mut buf)).await;
    assert!(matches!(rest, Ok(Ok(0)) | Ok(Err(_))), "the idle connection was not closed: {rest:?}");
    // A 3-second long poll on a server whose idle timeout is 1 s is answered, not cut.
    let url = env.queue("patient").await;
    let out = env.client.receive_message().queue_url(&url).wait_time_seconds(3).send().await;
    assert!(out.is_ok(), "{out:?}");
}

/// A PutRecords of 500 records of 16,000 bytes (8 MB of data, 10.7 MB as JSON; AWS allows
/// 10 MiB a call) is a legal call: stored, not a 413 in no service's shape. A body over
/// Kinesis's limit is refused in Kinesis's own error shape; an SQS one in SQS's XML.
#[tokio::test]
async fn bodies_are_limited_per_service_and_refused_in_its_shape() {
    use aws_sdk_kinesis::primitives::Blob;
    use aws_sdk_kinesis::types::PutRecordsRequestEntry;
    let env = start().await;
    let addr = env.running.addr;
    let k = crate::kinesis_records::kinesis(&env.endpoint());
    k.create_stream().stream_name("big").shard_count(2).send().await.unwrap();
    let records: Vec<PutRecordsRequestEntry> = (0..500)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .partition_key(format!("k{i}"))
                .data(Blob::new(vec![(i % 251) as u8; 16_000]))
                .build()
                .unwrap()
        })
        .collect();
    let out = k.put_records().stream_name("big").set_records(Some(records)).send().await.unwrap();
    assert_eq!(out.failed_record_count, Some(0));
    assert_eq!(out.records.len(), 500);
    // Over Kinesis's limit (16 MiB): its JSON error shape, 413, answered from the declared
    // length before any of the body is read.
    let r = declared_only(
        addr,
        "X-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Type: application/x-amz-json-1.1",
        17 << 20,
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert!(r.to_ascii_lowercase().contains("content-type: application/x-amz-json-1.1"), "{r}");
    assert!(r.contains(r#""__type":"RequestEntityTooLarge""#), "{r}");
    // Over SQS's (8 MiB) in JSON: SQS's JSON error, with its query-compatible code header.
    let r =
        declared_only(addr, "X-Amz-Target: AmazonSQS.SendMessage\r\nContent-Type: application/x-amz-json-1.0", 9 << 20)
            .await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert!(r.contains("RequestEntityTooLarge"), "{r}");
    // A query form over SQS's limit (read under the largest limit, then routed): SQS's XML.
    let form = format!("Action=SendMessage&QueueUrl=x&MessageBody={}", "a".repeat(9 << 20));
    let r = query(addr, "/queue/us-east-1/000000000000/x", &form).await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("<Code>RequestEntityTooLarge</Code>"), "{}", r.body);
    assert!(r.body.contains("http://queue.amazonaws.com/doc/2012-11-05/"), "{}", r.body);
}

/// Sends a request head declaring `length` bytes of body and none of them; the answer.
async fn declared_only(addr: std::net::SocketAddr, headers: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(RAW_LIMIT, s.read_to_end(&mut buf)).await.expect("answered").unwrap();
    String::from_utf8_lossy(&buf).to_string()
}

/// A PutRecords with 150,000 invalid records answered a 25 MB error listing every one; the
/// listed violations are capped (AWS listed 504 for 501 entries).
#[tokio::test]
async fn validation_errors_list_a_bounded_number_of_violations() {
    let env = start().await;
    let addr = env.running.addr;
    ok(addr, "CreateStream", json!({"StreamName": "v", "ShardCount": 1})).await;
    let records: Vec<serde_json::Value> = (0..150_000).map(|_| json!({"PartitionKey": "", "Data": ""})).collect();
    let body = json!({"StreamName": "v", "Records": records}).to_string();
    let r = raw(
        addr,
        "POST",
        "/",
        &[("X-Amz-Target", "Kinesis_20131202.PutRecords"), ("Content-Type", "application/x-amz-json-1.1")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(e["__type"], "ValidationException");
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("1000 validation errors detected: "), "{}", &message[..100]);
    assert_eq!(message.matches("failed to satisfy constraint").count(), 1000);
    assert!(r.bytes.len() < 2 * body.len(), "the answer is bounded by the request: {} bytes", r.bytes.len());
}

/// The data directory deleted under a running server: writes answered 200 into the unlinked
/// file and were gone after a restart. Now the housekeeping tick notices it (an idle server
/// too): health fails with the reason, and every call is refused as ServiceUnavailable.
#[tokio::test]
async fn a_deleted_data_directory_fails_health_and_refuses_writes() {
    let dir = temp_dir("deleted-dir");
    let env = start_with(durable(&dir)).await;
    let addr = env.running.addr;
    let url = env.queue("before").await;
    env.client.send_message().queue_url(&url).message_body("stored").send().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // Noticed without a write, by the tick (about once a second; bounded wait).
    let mut health = raw(addr, "GET", "/_quayside/health", &[], b"").await;
    for _ in 0..100 {
        if health.status == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        health = raw(addr, "GET", "/_quayside/health", &[], b"").await;
    }
    assert_eq!(health.status, 503, "{}", health.body);
    let why = health.json()["store"]["error"].as_str().unwrap().to_string();
    assert!(why.contains("was deleted while Quayside ran"), "{why}");
    assert_eq!(raw(addr, "GET", "/_localstack/health", &[], b"").await.status, 503);
    let e = env.client.send_message().queue_url(&url).message_body("lost").send().await.unwrap_err();
    let e = e.into_service_error();
    assert_eq!(code(&e), "ServiceUnavailable");
    assert!(aws_sdk_sqs::error::ProvideErrorMetadata::message(&e).unwrap_or("").contains("Restart quayside"), "{e:?}");
    let r = query(addr, "/", "Action=CreateTopic&Name=t").await;
    assert_eq!(r.status, 503);
    assert!(r.body.contains("<Code>ServiceUnavailable</Code>"), "{}", r.body);
}

/// A body that stops arriving is given up after `--idle-timeout` from its head: 408, and the
/// connection is free again (it was held for as long as the client liked).
#[tokio::test]
async fn a_stalled_body_is_given_up() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = quayside::Config::for_tests();
    config.idle_timeout = 1;
    let env = start_with(config).await;
    let mut s = tokio::net::TcpStream::connect(env.running.addr).await.unwrap();
    s.write_all(
        b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
          Content-Type: application/x-amz-json-1.0\r\nContent-Length: 100\r\n\r\n{\"Queue",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), s.read(&mut buf))
        .await
        .expect("answered before the client gave up")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("RequestTimeout"), "{text}");
}
