use crate::error::SnsResult;
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListPlatformApplications: the request's account and region, 100 a page.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let apps = sns.platform_apps(&ctx.account, &ctx.region);
    let names = ("PlatformApplications", "NextToken");
    super::paged(
        apps,
        |a| &a.arn,
        str_opt(&input, "NextToken"),
        PAGE_SIZE,
        names,
        |a| json!({"PlatformApplicationArn": a.arn, "Attributes": a.shown()}),
    )
}
