use crate::error::SnsResult;
use crate::input::str_req;
use crate::{topic, Sns};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// DeleteTopic: deleting a topic that does not exist is not an error.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    topic::check_arn(arn, &ctx.region)?;
    sns.delete_topic(arn).await?;
    Ok(json!({}))
}
