use crate::error::{SnsError, SnsResult};
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// RemovePermission: removes the statement labelled `Label`.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let label = str_req(&input, "Label")?.to_string();
    sns.update_topic(arn, |t| {
        let mut policy: Value = serde_json::from_str(&t.attribute("Policy").unwrap_or_default()).unwrap_or(json!({}));
        let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        if !statements.iter().any(|s| s["Sid"] == label.as_str()) {
            return Err(SnsError::invalid_parameter("Label Reason: Statement with the specified label does not exist"));
        }
        policy["Statement"] = Value::Array(statements.into_iter().filter(|s| s["Sid"] != label.as_str()).collect());
        t.attributes.insert("Policy".into(), policy.to_string());
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
