use crate::attributes::ALL_ATTRIBUTE_NAMES;
use crate::error::{SqsError, SqsResult};
use crate::input::{str_req, strings};
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Map, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let names = strings(&input, "AttributeNames");
    for n in &names {
        if !ALL_ATTRIBUTE_NAMES.contains(&n.as_str()) {
            return Err(SqsError::invalid_attribute_name(format!("Unknown Attribute {n}.")));
        }
    }
    if names.is_empty() {
        return Ok(json!({}));
    }
    let all = names.iter().any(|n| n == "All");
    let now = sqs.now_ms();
    let mut st = q.state.lock();
    st.index.promote(now);
    let (visible, inflight, delayed) = st.index.counts();
    let mut attrs: Vec<(&str, String)> = st.attrs.to_map().into_iter().collect();
    attrs.push(("ApproximateNumberOfMessages", visible.to_string()));
    attrs.push(("ApproximateNumberOfMessagesNotVisible", inflight.to_string()));
    attrs.push(("ApproximateNumberOfMessagesDelayed", delayed.to_string()));
    attrs.push(("CreatedTimestamp", st.created_s.to_string()));
    attrs.push(("LastModifiedTimestamp", st.modified_s.to_string()));
    attrs.push(("QueueArn", q.arn.clone()));
    let out: Map<String, Value> = attrs
        .into_iter()
        .filter(|(k, _)| all || names.iter().any(|n| n == k))
        .map(|(k, v)| (k.to_string(), Value::String(v)))
        .collect();
    // Nothing selected is there: no `Attributes` at all (recorded).
    if out.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"Attributes": out}))
}
