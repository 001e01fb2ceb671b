use crate::error::SnsResult;
use crate::input::{str_opt, str_req};
use crate::ops::list_subscriptions::page;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let topic = sns.topic(str_req(&input, "TopicArn")?)?;
    page(sns.subscriptions(Some(&topic.arn)), str_opt(&input, "NextToken"))
}
