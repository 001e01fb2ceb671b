use crate::attributes::{QueueAttributes, RedrivePolicy};
use crate::error::{SqsError, SqsResult};
use crate::input::{str_req, string_map};
use crate::limits::{MAX_QUEUE_NAME_LEN, MAX_TAGS};
use crate::queue::QueueKey;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

fn valid_name(name: &str, fifo: bool) -> bool {
    service::names::valid(name, fifo, MAX_QUEUE_NAME_LEN)
}

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let name = str_req(&input, "QueueName")?;
    let given = string_map(&input, "Attributes");
    let mut tags = string_map(&input, "tags");
    tags.extend(string_map(&input, "Tags"));
    let key = QueueKey { account: ctx.account.clone(), region: ctx.region.clone(), name: name.to_string() };
    let queue = create(sqs, key, given, tags).await?;
    Ok(json!({"QueueUrl": sqs.url(&queue, ctx)}))
}

/// CreateQueue's checks and creation, for a queue key and its attributes and tags as given
/// (also the typed door's).
///
/// Errors: as CreateQueue.
pub(crate) async fn create(
    sqs: &Sqs,
    key: QueueKey,
    given: Vec<(String, String)>,
    tags: Vec<(String, String)>,
) -> SqsResult<std::sync::Arc<crate::Queue>> {
    let name = key.name.as_str();
    // FifoQueue may only say true: a standard queue is made by leaving it out (AWS refuses
    // `false` as an unknown attribute, before it looks at the name).
    if given.iter().any(|(k, v)| k == "FifoQueue" && !v.eq_ignore_ascii_case("true")) {
        return Err(SqsError::invalid_attribute_name("Unknown Attribute FifoQueue."));
    }
    let fifo = given.iter().any(|(k, _)| k == "FifoQueue");
    if !valid_name(name, fifo) {
        return Err(SqsError::invalid_parameter_value(if fifo {
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
        } else {
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        }));
    }
    let mut attrs = QueueAttributes::new(fifo);
    for (k, v) in &given {
        attrs.apply(k, v)?;
    }
    attrs.check_consistency()?;
    if tags.len() > MAX_TAGS {
        return Err(SqsError::invalid_parameter_value(format!(
            "Too many tags: {}. The maximum is {MAX_TAGS}.",
            tags.len()
        )));
    }
    if let Some(r) = &attrs.redrive_policy {
        check_dead_letter_target(sqs, r, fifo, &key.arn(), &given)?;
    }
    let given_names: Vec<String> = given.into_iter().map(|(k, _)| k).collect();
    sqs.create_queue(key, attrs, tags.into_iter().collect(), &given_names).await
}

/// The dead-letter queue must exist, be of the same type and allow this source.
pub(crate) fn check_dead_letter_target(
    sqs: &Sqs,
    r: &RedrivePolicy,
    fifo: bool,
    source_arn: &str,
    given: &[(String, String)],
) -> SqsResult<()> {
    let raw = given.iter().find(|(k, _)| k == "RedrivePolicy").map(|(_, v)| v.as_str()).unwrap_or("");
    let Some(dlq) = sqs.queue_by_arn(&r.dead_letter_target_arn) else {
        return Err(SqsError::invalid_value(raw, "RedrivePolicy", "Dead letter target does not exist."));
    };
    if dlq.fifo != fifo {
        return Err(SqsError::invalid_value(
            raw,
            "RedrivePolicy",
            "Dead-letter queue must be same type of queue as the source.",
        ));
    }
    let allow = dlq.state.lock().attrs.redrive_allow_policy.clone();
    if !RedrivePolicy::allowed_by(allow.as_deref(), source_arn) {
        return Err(SqsError::invalid_value(
            raw,
            "RedrivePolicy",
            "Queue is not allowed by the dead-letter queue's redrive allow policy.",
        ));
    }
    Ok(())
}
