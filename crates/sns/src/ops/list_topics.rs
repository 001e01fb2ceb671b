use crate::error::SnsResult;
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListTopics: the request's account and region, 100 a page, an opaque NextToken.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arns = sns.topic_arns(&ctx.account, &ctx.region);
    super::paged(
        arns,
        |a| a,
        str_opt(&input, "NextToken"),
        PAGE_SIZE,
        ("Topics", "NextToken"),
        |a| json!({"TopicArn": a}),
    )
}
