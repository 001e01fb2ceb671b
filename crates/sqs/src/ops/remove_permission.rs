use crate::error::{SqsError, SqsResult};
use crate::input::str_req;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let label = str_req(&input, "Label")?;
    let current = q.state.lock().attrs.policy.clone();
    let mut policy: Value = current.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or(Value::Null);
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    if !statements.iter().any(|s| s["Sid"] == label) {
        return Err(SqsError::invalid_value(label, "Label", "can't find label."));
    }
    let remaining: Vec<Value> = statements.into_iter().filter(|s| s["Sid"] != label).collect();
    let new_policy = if remaining.is_empty() {
        None
    } else {
        policy["Statement"] = Value::Array(remaining);
        Some(policy.to_string())
    };
    sqs.update_queue(&q, |st| st.attrs.policy = new_policy).await?;
    Ok(json!({}))
}
