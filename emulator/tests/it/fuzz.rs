//! Malformed and random inputs over both protocols: every answer must be an AWS-shaped 4xx or
//! a 200, never a 5xx. Deterministic (a fixed-seed xorshift), so a failure reproduces.

use crate::common::*;
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const OPS: &[&str] = &[
    "AddPermission",
    "CancelMessageMoveTask",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "CreateQueue",
    "DeleteMessage",
    "DeleteMessageBatch",
    "DeleteQueue",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "ListMessageMoveTasks",
    "ListQueueTags",
    "ListQueues",
    "PurgeQueue",
    "ReceiveMessage",
    "RemovePermission",
    "SendMessage",
    "SendMessageBatch",
    "SetQueueAttributes",
    "StartMessageMoveTask",
    "TagQueue",
    "UntagQueue",
];

const MEMBERS: &[&str] = &[
    "QueueUrl",
    "QueueName",
    "MessageBody",
    "DelaySeconds",
    "Attributes",
    "MessageAttributes",
    "Entries",
    "ReceiptHandle",
    "VisibilityTimeout",
    "MaxNumberOfMessages",
    "WaitTimeSeconds",
    "AttributeNames",
    "MessageAttributeNames",
    "MessageGroupId",
    "MessageDeduplicationId",
    "Tags",
    "tags",
    "TagKeys",
    "Label",
    "AWSAccountIds",
    "Actions",
    "MaxResults",
    "NextToken",
    "SourceArn",
    "DestinationArn",
    "TaskHandle",
    "ReceiveRequestAttemptId",
    "MessageSystemAttributes",
    "QueueNamePrefix",
    "MaxNumberOfMessagesPerSecond",
];

fn scalar(r: &mut Rng, url: &str) -> Value {
    match r.below(12) {
        0 => json!(url),
        1 => json!("arn:aws:sqs:us-east-1:000000000000:fz"),
        2 => json!(r.next() as i64),
        3 => json!(-(r.below(100) as i64)),
        4 => json!(r.below(50)),
        5 => json!(true),
        6 => Value::Null,
        7 => json!(""),
        8 => json!("\u{0}\u{FFFF}bad"),
        9 => json!(1.5),
        10 => json!("x".repeat(r.below(300) as usize)),
        _ => json!(r.pick(&["All", ".*", "VisibilityTimeout", "fz.fifo", "QS1:1:1:1", "{\"a\":1}", "true"])),
    }
}

fn value(r: &mut Rng, url: &str, depth: u32) -> Value {
    if depth > 2 {
        return scalar(r, url);
    }
    match r.below(5) {
        0 => Value::Array((0..r.below(12)).map(|_| value(r, url, depth + 1)).collect()),
        1 => {
            let mut m = serde_json::Map::new();
            for _ in 0..r.below(4) {
                let k = r
                    .pick(&[
                        "Id",
                        "MessageBody",
                        "ReceiptHandle",
                        "DataType",
                        "StringValue",
                        "BinaryValue",
                        "x",
                        "AWSTraceHeader",
                        "VisibilityTimeout",
                        "DelaySeconds",
                        "RedrivePolicy",
                        "FifoQueue",
                    ])
                    .to_string();
                m.insert(k, value(r, url, depth + 1));
            }
            Value::Object(m)
        }
        _ => scalar(r, url),
    }
}

fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn random_inputs_never_get_a_5xx() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("fz").await;
    env.fifo_queue("fz.fifo", true).await;
    // QUAYSIDE_FUZZ_SEED explores other inputs locally; CI uses the fixed seed.
    let seed = std::env::var("QUAYSIDE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut r = Rng(seed | 1);
    for i in 0..4000 {
        let op = r.pick(OPS);
        let mut input = serde_json::Map::new();
        if r.below(4) != 0 {
            input.insert("QueueUrl".into(), json!(url));
        }
        for _ in 0..r.below(5) {
            input.insert(r.pick(MEMBERS).to_string(), value(&mut r, &url, 0));
        }
        let body = Value::Object(input.clone()).to_string();
        let resp = sqs_json(addr, op, &body).await;
        assert!(resp.status < 500, "#{i} JSON {op} {body}: {} {}", resp.status, resp.body);
        // The same members as a query form, flattened naively (often nonsense: that is the point).
        let mut form = format!("Action={op}");
        for (k, v) in &input {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let key = match r.below(3) {
                0 => format!("{k}.1"),
                1 => format!("{k}.1.Name"),
                _ => k.clone(),
            };
            form.push_str(&format!("&{}={}", form_escape(&key), form_escape(&text)));
        }
        let resp = query(addr, "/", &form).await;
        assert!(resp.status < 500, "#{i} query {form}: {} {}", resp.status, resp.body);
    }
    // Garbage bodies and headers.
    for body in [&b"\xff\xfe\x00"[..], b"{\"QueueUrl\":", b"null", b"{\"a\":{\"b\":{\"c\":[[[[[[[[[[[[]]]]]]]]]]]]}}}"]
    {
        let resp = raw(
            addr,
            "POST",
            "/",
            &[("X-Amz-Target", "AmazonSQS.SendMessage"), ("Content-Type", "application/x-amz-json-1.0")],
            body,
        )
        .await;
        assert!(resp.status < 500 && resp.status >= 400, "{body:?}: {}", resp.status);
        let resp = raw(addr, "POST", "/", &[("Content-Type", "application/x-www-form-urlencoded")], body).await;
        assert!(resp.status < 500, "{body:?}: {}", resp.status);
    }
    // The server still works (the random calls may well have deleted or purged "fz").
    let after = env.queue("after-fuzz").await;
    env.client.send_message().queue_url(&after).message_body("still fine").send().await.unwrap();
    assert!(!env.nothing_to_receive(&after).await);
}
