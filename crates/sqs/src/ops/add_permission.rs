use crate::error::{SqsError, SqsResult};
use crate::input::{str_req, strings};
use crate::limits::MAX_POLICY_STATEMENT_ACTIONS;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// Labels: up to 80 alphanumerics, hyphens and underscores.
pub(crate) fn valid_label(l: &str) -> bool {
    !l.is_empty() && l.len() <= 80 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let label = str_req(&input, "Label")?;
    let accounts = strings(&input, "AWSAccountIds");
    let actions = strings(&input, "Actions");
    if !valid_label(label) {
        return Err(SqsError::invalid_value(
            label,
            "Label",
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        ));
    }
    if accounts.is_empty() {
        return Err(SqsError::missing_parameter("AWSAccountIds"));
    }
    if actions.is_empty() {
        return Err(SqsError::missing_parameter("Actions"));
    }
    if actions.len() > MAX_POLICY_STATEMENT_ACTIONS {
        return Err(SqsError::over_limit(format!(
            "{} Actions were found, maximum allowed is {MAX_POLICY_STATEMENT_ACTIONS}.",
            actions.len()
        )));
    }
    let current = q.state.lock().attrs.policy.clone();
    let mut policy: Value = current.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_else(
        || json!({"Version": "2008-10-17", "Id": format!("{}/SQSDefaultPolicy", q.arn), "Statement": []}),
    );
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    if statements.iter().any(|s| s["Sid"] == label) {
        return Err(SqsError::invalid_value(label, "Label", "Already exists."));
    }
    let actions: Vec<String> = actions.iter().map(|a| format!("SQS:{a}")).collect();
    let mut statements = statements;
    statements.push(service::policy::allow_statement(label, &accounts, &actions, &q.arn));
    policy["Statement"] = Value::Array(statements);
    let text = policy.to_string();
    sqs.update_queue(&q, |st| st.attrs.policy = Some(text)).await?;
    Ok(json!({}))
}
