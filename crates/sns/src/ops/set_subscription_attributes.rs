use crate::error::SnsResult;
use crate::input::{str_opt, str_req};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "SubscriptionArn")?;
    let name = str_req(&input, "AttributeName")?.to_string();
    let value = str_opt(&input, "AttributeValue").unwrap_or("").to_string();
    sns.update_subscription(arn, |s| s.set_attribute(&name, &value)).await?;
    Ok(json!({}))
}
