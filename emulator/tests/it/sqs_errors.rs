//! The JSON protocol's error envelope, pinned with raw HTTP: `__type`, message, status and the
//! `x-amzn-query-error` header; malformed and oversized requests.

use crate::common::*;

#[tokio::test]
async fn json_errors_carry_the_query_error_header() {
    let env = start().await;
    let addr = env.running.addr;
    let r = sqs_json(addr, "GetQueueUrl", r#"{"QueueName":"missing"}"#).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-query-error"), Some("AWS.SimpleQueueService.NonExistentQueue;Sender"));
    assert!(r.header("x-amzn-requestid").is_some());
    let v = r.json();
    assert_eq!(v["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
    assert_eq!(v["message"], "The specified queue does not exist.");

    let r = sqs_json(addr, "CreateQueue", "{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-query-error"), Some("MissingParameter;Sender"));
    assert_eq!(r.json()["message"], "The request must contain the parameter QueueName.");

    let url = env.queue("q").await;
    let r = sqs_json(addr, "DeleteMessage", &format!(r#"{{"QueueUrl":"{url}","ReceiptHandle":"nope"}}"#)).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-amzn-query-error"), Some("ReceiptHandleIsInvalid;Sender"));
}

#[tokio::test]
async fn malformed_requests_get_aws_errors_not_500s() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("q").await;
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("SendMessage", "{".into(), 400, "SerializationException"),
        ("SendMessage", "[1,2]".into(), 400, "SerializationException"),
        ("SendMessage", format!(r#"{{"QueueUrl":"{url}","MessageBody":5}}"#), 400, "SerializationException"),
        (
            "SendMessage",
            format!(r#"{{"QueueUrl":"{url}","MessageBody":"x","DelaySeconds":"soon"}}"#),
            400,
            "SerializationException",
        ),
        (
            "SendMessage",
            format!(r#"{{"QueueUrl":"{url}","MessageBody":""}}"#),
            400,
            "MissingRequiredParameterException",
        ),
        (
            "ReceiveMessage",
            format!(r#"{{"QueueUrl":"{url}","MaxNumberOfMessages":0}}"#),
            400,
            "InvalidParameterValueException",
        ),
        ("ReceiveMessage", r#"{"QueueUrl":"http://h/x/y/z"}"#.into(), 400, "QueueDoesNotExist"),
        (
            "ChangeMessageVisibility",
            format!(r#"{{"QueueUrl":"{url}","ReceiptHandle":"x"}}"#),
            400,
            "MissingRequiredParameterException",
        ),
        (
            "SendMessageBatch",
            format!(r#"{{"QueueUrl":"{url}","Entries":[{{"Id":"a"}}]}}"#),
            400,
            "MissingRequiredParameterException",
        ),
    ];
    for (op, body, status, shape) in cases {
        let r = sqs_json(addr, op, &body).await;
        assert_eq!(r.status, status, "{op} {body}: {}", r.body);
        let t = r.json()["__type"].as_str().unwrap_or("").to_string();
        assert!(t.ends_with(shape), "{op} {body}: {t}");
    }
    let r = sqs_json(addr, "NoSuchOperation", "{}").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["__type"].as_str().unwrap().ends_with("UnknownOperationException"));
    let r = raw(
        addr,
        "POST",
        "/",
        &[("X-Amz-Target", "Nope.Thing"), ("Content-Type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them() {
    let mut config = quayside::Config::for_tests();
    config.max_body_bytes = 1024;
    let env = start_with(config).await;
    // Declared too large: answered before the body is sent.
    let mut s = tokio::net::TcpStream::connect(env.running.addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    // The server is still fine afterwards.
    assert!(env.client.list_queues().send().await.is_ok());
}
