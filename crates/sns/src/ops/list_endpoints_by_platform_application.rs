use crate::error::SnsResult;
use crate::input::{str_opt, str_req};
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListEndpointsByPlatformApplication: 100 a page, in ARN order.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let app = sns.platform_app(str_req(&input, "PlatformApplicationArn")?)?;
    let endpoints = sns.platform_endpoints(&app.arn);
    super::paged(
        endpoints,
        |e| &e.arn,
        str_opt(&input, "NextToken"),
        PAGE_SIZE,
        ("Endpoints", "NextToken"),
        |e| json!({"EndpointArn": e.arn, "Attributes": e.attributes}),
    )
}
