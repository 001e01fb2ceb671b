use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListPlatformApplications: the request's account and region, 100 a page.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let apps = sns.platform_apps(&ctx.account, &ctx.region);
    let (apps, token) = service::paging::page(apps, |a| &a.arn, str_opt(&input, "NextToken"), PAGE_SIZE)
        .map_err(|_| SnsError::invalid_parameter("NextToken"))?;
    let list: Vec<Value> =
        apps.iter().map(|a| json!({"PlatformApplicationArn": a.arn, "Attributes": a.shown()})).collect();
    let mut out = json!({"PlatformApplications": list});
    if let Some(t) = token {
        out["NextToken"] = Value::String(t);
    }
    Ok(out)
}
