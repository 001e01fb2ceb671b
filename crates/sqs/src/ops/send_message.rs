use crate::engine::{EnqueueRequest, EnqueueResult};
use crate::error::{SqsError, SqsResult};
use crate::input::{int_opt, str_opt, str_req};
use crate::message;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{Map, Value};

/// Reads a SendMessage input or a SendMessageBatch entry.
pub(crate) fn request(ctx: &RequestContext, v: &Value) -> SqsResult<EnqueueRequest> {
    let attributes = message::parse_attributes(v.get("MessageAttributes"), false)?;
    let system = message::parse_attributes(v.get("MessageSystemAttributes"), true)?;
    Ok(EnqueueRequest {
        body: str_opt(v, "MessageBody").unwrap_or_default().into(),
        attributes,
        // The system attribute, or else the request's X-Amzn-Trace-Id header, as AWS keeps it.
        trace_header: system
            .get("AWSTraceHeader")
            .and_then(|a| a.string_value.clone())
            .or_else(|| ctx.trace_header.clone()),
        delay_seconds: int_opt(v, "DelaySeconds"),
        group_id: str_opt(v, "MessageGroupId").map(str::to_string),
        dedup_id: str_opt(v, "MessageDeduplicationId").map(str::to_string),
        sender_id: ctx.account.clone(),
    })
}

/// The output members of a successful send (shared with the batch result entries).
pub(crate) fn output(r: &EnqueueResult) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("MessageId".into(), r.message_id.clone().into());
    m.insert("MD5OfMessageBody".into(), r.md5_of_body.clone().into());
    if let Some(x) = &r.md5_of_attributes {
        m.insert("MD5OfMessageAttributes".into(), x.clone().into());
    }
    if let Some(x) = &r.md5_of_system_attributes {
        m.insert("MD5OfMessageSystemAttributes".into(), x.clone().into());
    }
    if let Some(x) = &r.sequence_number {
        m.insert("SequenceNumber".into(), x.clone().into());
    }
    m
}

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let req = request(ctx, &input)?;
    let mut results = sqs.send_many(&q, vec![Ok(req)]).await?;
    let r = results.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into())))?;
    Ok(Value::Object(output(&r)))
}
