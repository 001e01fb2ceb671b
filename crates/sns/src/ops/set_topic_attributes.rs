use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req};
use crate::{topic, Sns};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// SetTopicAttributes: one attribute; `FifoTopic` cannot change.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let name = str_req(&input, "AttributeName")?.to_string();
    let value = str_opt(&input, "AttributeValue").unwrap_or("").to_string();
    sns.update_topic(arn, |t| {
        if name == "FifoTopic" {
            return Err(SnsError::invalid_parameter("AttributeName"));
        }
        topic::check_attribute(&name, &value, t.fifo)?;
        t.attributes.insert(name, value);
        Ok(())
    })
    .await?;
    Ok(json!({}))
}
