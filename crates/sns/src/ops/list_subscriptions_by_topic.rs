use crate::error::SnsResult;
use crate::input::{str_opt, str_req};
use crate::ops::list_subscriptions::page;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::Value;

pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "TopicArn")?;
    crate::topic::check_arn(arn, &ctx.region)?;
    let topic = sns.topic(arn)?;
    page(sns.subscriptions(Some(&topic.arn)), str_opt(&input, "NextToken"))
}
