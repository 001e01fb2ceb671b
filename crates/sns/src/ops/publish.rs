use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::limits::DEFAULT_MAX_MESSAGE_SIZE;
use crate::message::{self, Published};
use crate::topic::Topic;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// Publish: to a topic (TopicArn, or TargetArn naming one), to a platform endpoint (TargetArn,
/// recorded for `/_aws/sns/platform-endpoint-messages`), or to a phone number (recorded for
/// `/_aws/sns/sms-messages`). The answer is
/// sent after every matching SQS queue holds the message and every HTTP/S delivery is stored.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let topic_arn = str_opt(&input, "TopicArn").or_else(|| str_opt(&input, "TargetArn"));
    let phone = str_opt(&input, "PhoneNumber");
    if topic_arn.is_none() && phone.is_none() {
        return Err(SnsError::invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter"));
    }
    if let Some(arn) = topic_arn.filter(|a| a.contains(":endpoint/")) {
        let target = sns.publish_target(arn)?;
        let p = entry(sns, None, &input, "messageAttributes")?;
        sns.record_direct("application", &target.arn, &p, p.text_for(target.platform())).await?;
        return Ok(json!({"MessageId": p.message_id}));
    }
    let topic = match topic_arn {
        Some(arn) => {
            crate::topic::check_arn(arn, &ctx.region)?;
            Some(sns.topic(arn)?)
        }
        None => None,
    };
    if let (None, Some(p)) = (&topic, phone) {
        if !crate::subscription::valid_phone(p) {
            return Err(SnsError::invalid_parameter(format!("PhoneNumber Reason: {p} is not valid to publish to")));
        }
    }
    let mut p = entry(sns, topic.as_ref(), &input, "messageAttributes")?;
    p.trace_header = ctx.trace_header.clone();
    match topic {
        Some(t) => {
            let r = sns.publish_to_topic(&t, vec![p], &ctx.host).await?;
            let r = r.into_iter().next().ok_or_else(|| SnsError::Internal("no result".into()))?;
            let mut out = json!({"MessageId": r.message_id});
            if let Some(seq) = r.sequence_number {
                out["SequenceNumber"] = Value::String(seq);
            }
            Ok(out)
        }
        None => {
            let phone = phone.unwrap_or_default();
            // An opted-out number is accepted and not sent to, as in AWS.
            if !sns.is_opted_out(&ctx.account, phone) {
                sns.record_direct("sms", phone, &p, p.text_for("sms")).await?;
            }
            Ok(json!({"MessageId": p.message_id}))
        }
    }
}

fn check_id(value: &str, name: &str) -> SnsResult<()> {
    if service::names::valid_message_id(value) {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter(format!(
            "{name} Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )))
    }
}

/// One message of a Publish or PublishBatch, checked in AWS's order against its topic (if
/// any), with a fresh message id.
///
/// Errors: `InvalidParameter` (subject, empty or over-size message, structure, FIFO ids),
/// `ParameterValueInvalid` (attributes).
pub(crate) fn entry(sns: &Sns, topic: Option<&Topic>, v: &Value, at: &str) -> SnsResult<Published> {
    let subject = str_opt(v, "Subject");
    if let Some(s) = subject {
        message::check_subject(s)?;
    }
    let text = str_opt(v, "Message").unwrap_or("");
    if text.is_empty() {
        return Err(SnsError::invalid_parameter("Empty message"));
    }
    let attributes = message::parse_attributes(v.get("MessageAttributes"), at)?;
    let limit = topic.map_or(DEFAULT_MAX_MESSAGE_SIZE as usize, Topic::max_message_size);
    if message::size(text, &attributes) > limit {
        return Err(SnsError::invalid_parameter("Message too long"));
    }
    // The structure before the FIFO ids (recorded: no `default` entry is reported before a
    // missing MessageGroupId).
    let per_protocol = message::parse_structure(text, str_opt(v, "MessageStructure"))?;
    let group_id = str_opt(v, "MessageGroupId").map(str::to_string);
    let mut dedup_id = str_opt(v, "MessageDeduplicationId").map(str::to_string);
    let fifo = topic.is_some_and(|t| t.fifo);
    if fifo {
        let Some(g) = &group_id else {
            return Err(SnsError::invalid_parameter("The MessageGroupId parameter is required for FIFO topics"));
        };
        check_id(g, "MessageGroupId")?;
        match &dedup_id {
            Some(d) => check_id(d, "MessageDeduplicationId")?,
            None => {
                let content_based =
                    topic.and_then(|t| t.attributes.get("ContentBasedDeduplication")).is_some_and(|c| c == "true");
                if !content_based {
                    return Err(SnsError::invalid_parameter(
                        "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                    ));
                }
            }
        }
    } else {
        if dedup_id.is_some() {
            return Err(SnsError::invalid_parameter(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
            ));
        }
        if let Some(g) = &group_id {
            check_id(g, "MessageGroupId")?;
        }
    }
    if fifo && dedup_id.is_none() {
        // Content-based: the SHA-256 of the message as published.
        use sha2::Digest;
        dedup_id = Some(sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect());
    }
    Ok(Published {
        message_id: uuid::Uuid::new_v4().to_string(),
        message: text.to_string(),
        per_protocol,
        subject: subject.map(str::to_string),
        attributes,
        group_id,
        dedup_id,
        sequence_number: None,
        timestamp_ms: sns.now_ms(),
        replayed: false,
        trace_header: None,
    })
}
