//! Living with Quayside (issue 18): what a request for a service it does not emulate is told,
//! readiness for scripts and containers, metrics.

use crate::common::*;

/// An Authorization header signed (in form: signatures are not verified) for `service`.
fn signed_for(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// A request for DynamoDB, S3 or any other service not emulated is answered 501
/// `InternalFailure` (LocalStack's code and status for the same case) in the request's
/// protocol, naming the service and the ones served; requests to served services are not
/// affected.
#[tokio::test]
async fn requests_for_services_not_emulated_say_which_are_served() {
    let env = start().await;
    let a = env.running.addr;
    let served = "it serves 'kinesis', 'mq', 'sns', 'sqs', 'sts'.";
    // DynamoDB, signed: a JSON 1.0 error.
    let auth = signed_for("dynamodb");
    let r = raw(
        a,
        "POST",
        "/",
        &[
            ("authorization", auth.as_str()),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert_eq!(r.json()["__type"], "InternalFailure");
    assert_eq!(r.json()["message"], format!("Quayside does not emulate the service 'dynamodb'; {served}"));
    // The same target unsigned: named by its prefix.
    let r = raw(
        a,
        "POST",
        "/",
        &[("x-amz-target", "DynamoDB_20120810.ListTables"), ("content-type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (501, Some("InternalFailure")), "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("'DynamoDB_20120810'"), "{}", r.body);
    // S3, signed, path style: an XML error.
    let auth = signed_for("s3");
    let r = raw(a, "GET", "/my-bucket?list-type=2", &[("authorization", auth.as_str())], b"").await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert!(r.body.contains("<Code>InternalFailure</Code>"), "{}", r.body);
    assert!(r.body.contains("does not emulate the service &apos;s3&apos;"), "{}", r.body);
    // A served service signed as itself, and an unknown operation of a served service, are
    // answered as before.
    let auth = signed_for("sqs");
    let r = raw(
        a,
        "POST",
        "/",
        &[
            ("authorization", auth.as_str()),
            ("x-amz-target", "AmazonSQS.ListQueues"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = raw(
        a,
        "POST",
        "/",
        &[("x-amz-target", "AmazonSQS.NoSuchThing"), ("content-type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["__type"].as_str().unwrap().ends_with("UnknownOperationException"));
}
