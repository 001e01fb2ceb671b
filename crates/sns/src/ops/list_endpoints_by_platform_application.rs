use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req};
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListEndpointsByPlatformApplication: 100 a page, in ARN order.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let app = sns.platform_app(str_req(&input, "PlatformApplicationArn")?)?;
    let endpoints = sns.platform_endpoints(&app.arn);
    let (endpoints, token) = service::paging::page(endpoints, |e| &e.arn, str_opt(&input, "NextToken"), PAGE_SIZE)
        .map_err(|_| SnsError::invalid_parameter("NextToken"))?;
    let list: Vec<Value> =
        endpoints.iter().map(|e| json!({"EndpointArn": e.arn, "Attributes": e.attributes})).collect();
    let mut out = json!({"Endpoints": list});
    if let Some(t) = token {
        out["NextToken"] = Value::String(t);
    }
    Ok(out)
}
