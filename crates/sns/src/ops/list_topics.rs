use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};

/// ListTopics: the request's account and region, 100 a page, an opaque NextToken.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let mut arns = sns.topic_arns(&ctx.account, &ctx.region);
    if let Some(t) = str_opt(&input, "NextToken").filter(|t| !t.is_empty()) {
        let after = base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| SnsError::invalid_parameter("NextToken"))?;
        arns.retain(|a| *a > after);
    }
    let more = arns.len() > PAGE_SIZE;
    arns.truncate(PAGE_SIZE);
    let mut out = json!({"Topics": arns.iter().map(|a| json!({"TopicArn": a})).collect::<Vec<_>>()});
    if more {
        if let Some(last) = arns.last() {
            out["NextToken"] = Value::String(base64::engine::general_purpose::STANDARD.encode(last));
        }
    }
    Ok(out)
}
