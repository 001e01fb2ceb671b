use crate::error::{SnsError, SnsResult};
use crate::input::{str_req, strings};
use crate::limits::MAX_PERMISSION_ACTIONS;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// AddPermission: a statement labelled `Label` allowing the accounts the actions, added to the
/// topic's policy (the default policy if none was set).
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let label = str_req(&input, "Label")?.to_string();
    let accounts = strings(&input, "AWSAccountId");
    let actions = strings(&input, "ActionName");
    if label.is_empty()
        || label.len() > 80
        || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(SnsError::invalid_parameter("Label"));
    }
    if accounts.is_empty() {
        return Err(SnsError::invalid_parameter("AWSAccountId"));
    }
    if actions.is_empty() || actions.len() > MAX_PERMISSION_ACTIONS {
        return Err(SnsError::invalid_parameter("ActionName"));
    }
    // Actions are SNS's own operations (recorded: an unknown name is out of scope).
    if actions.iter().any(|a| a != "*" && !crate::model::model().has_operation(a)) {
        return Err(SnsError::invalid_parameter("Policy statement action out of service scope!"));
    }
    sns.update_topic(arn, |t| {
        let mut policy: Value = serde_json::from_str(&t.attribute("Policy").unwrap_or_default()).unwrap_or(json!({}));
        let mut statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        if statements.iter().any(|s| s["Sid"] == label.as_str()) {
            return Err(SnsError::invalid_parameter("Statement already exists"));
        }
        let actions: Vec<String> = actions.iter().map(|a| format!("SNS:{a}")).collect();
        statements.push(service::policy::allow_statement(&label, &accounts, &actions, &t.arn));
        policy["Statement"] = Value::Array(statements);
        t.attributes.insert("Policy".into(), policy.to_string());
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
