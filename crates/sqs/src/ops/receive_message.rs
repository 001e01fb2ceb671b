use crate::engine::{ReceiveRequest, Received};
use crate::error::{SqsError, SqsResult};
use crate::input::{int_opt, str_opt, str_req, strings};
use crate::limits::{MAX_RECEIVE_MESSAGES, MAX_VISIBILITY_TIMEOUT, MAX_WAIT_SECONDS};
use crate::message;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Map, Value};

const SYSTEM_ATTRIBUTES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let max = int_opt(&input, "MaxNumberOfMessages").unwrap_or(1);
    let wait = int_opt(&input, "WaitTimeSeconds");
    let vt = int_opt(&input, "VisibilityTimeout");
    check_options(max, wait, vt)?;
    let attempt_id = str_opt(&input, "ReceiveRequestAttemptId").map(str::to_string);
    if let Some(a) = &attempt_id {
        if a.is_empty() || a.len() > 128 || !a.bytes().all(|b| b.is_ascii_alphanumeric() || b.is_ascii_punctuation()) {
            return Err(SqsError::invalid_value(
                a,
                "ReceiveRequestAttemptId",
                "ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
            ));
        }
    }
    let mut system = strings(&input, "AttributeNames");
    system.extend(strings(&input, "MessageSystemAttributeNames"));
    let user = strings(&input, "MessageAttributeNames");
    let req = ReceiveRequest { max: max as usize, visibility_timeout: vt, wait_seconds: wait, attempt_id };
    let received = sqs.receive(&q, &req).await?;
    if received.is_empty() {
        return Ok(json!({}));
    }
    let created_s = q.state.lock().created_s;
    let messages: Vec<Value> = received.iter().map(|r| render(r, &system, &user, created_s)).collect();
    Ok(json!({"Messages": messages}))
}

/// ReceiveMessage's ranges (also the typed door's): 1-10 messages, 0-20 s of waiting, 0-43200 s
/// of visibility.
///
/// Errors: `InvalidParameterValue` in AWS's words.
pub(crate) fn check_options(max: i64, wait: Option<i64>, visibility: Option<i64>) -> SqsResult<()> {
    if !(1..=MAX_RECEIVE_MESSAGES).contains(&max) {
        return Err(SqsError::invalid_value(max, "MaxNumberOfMessages", "Must be between 1 and 10, if provided."));
    }
    if let Some(w) = wait.filter(|w| !(0..=MAX_WAIT_SECONDS).contains(w)) {
        return Err(SqsError::invalid_value(w, "WaitTimeSeconds", "Must be >= 0 and <= 20, if provided."));
    }
    if let Some(v) = visibility.filter(|v| !(0..=MAX_VISIBILITY_TIMEOUT).contains(v)) {
        return Err(SqsError::invalid_value(v, "VisibilityTimeout", "Must be >= 0 and <= 43200, if provided."));
    }
    Ok(())
}

/// A received message as ReceiveMessage answers it; `created_s` is its queue's creation (FIFO
/// sequence numbers count from it).
pub(crate) fn render(r: &Received, system: &[String], user: &[String], created_s: i64) -> Value {
    let s = &r.stored;
    let mut m = Map::new();
    m.insert("MessageId".into(), s.message_id.clone().into());
    m.insert("ReceiptHandle".into(), r.receipt_handle.clone().into());
    m.insert("MD5OfBody".into(), s.md5_body.clone().into());
    m.insert("Body".into(), s.body.clone().into());
    let wants = |name: &str| message::selects(system, name);
    let mut attrs = Map::new();
    for name in SYSTEM_ATTRIBUTES {
        if !wants(name) {
            continue;
        }
        let value = match *name {
            "SenderId" => Some(s.sender_id.clone()),
            "SentTimestamp" => Some(s.sent_ms.to_string()),
            "ApproximateReceiveCount" => Some(r.receive_count.to_string()),
            "ApproximateFirstReceiveTimestamp" => s.first_receive_ms.map(|t| t.to_string()),
            "SequenceNumber" => {
                s.group_id.as_ref().and(s.dedup_id.as_ref()).map(|_| crate::queue::sequence_number(created_s, s.id))
            }
            "MessageDeduplicationId" => s.dedup_id.clone(),
            "MessageGroupId" => s.group_id.clone(),
            "AWSTraceHeader" => s.trace_header.clone(),
            "DeadLetterQueueSourceArn" => s.dlq_source_arn.clone(),
            _ => None,
        };
        if let Some(v) = value {
            attrs.insert(name.to_string(), Value::String(v));
        }
    }
    if !attrs.is_empty() {
        m.insert("Attributes".into(), Value::Object(attrs));
    }
    if !user.is_empty() {
        if let Some(stored) = &s.attributes {
            let all =
                serde_json::from_str::<Value>(stored).map(|v| message::attributes_from_stored(&v)).unwrap_or_default();
            let selected = message::select_attributes(&all, user);
            if let Some(md5) = message::md5_of_attributes(&selected) {
                m.insert("MD5OfMessageAttributes".into(), md5.into());
                m.insert("MessageAttributes".into(), message::attributes_to_json(&selected));
            }
        }
    }
    Value::Object(m)
}
