use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListTopics: the request's account and region, 100 a page, an opaque NextToken.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arns = sns.topic_arns(&ctx.account, &ctx.region);
    let (arns, token) = service::paging::page(arns, |a| a, str_opt(&input, "NextToken"), PAGE_SIZE)
        .map_err(|_| SnsError::invalid_parameter("NextToken"))?;
    let mut out = json!({"Topics": arns.iter().map(|a| json!({"TopicArn": a})).collect::<Vec<_>>()});
    if let Some(t) = token {
        out["NextToken"] = Value::String(t);
    }
    Ok(out)
}
