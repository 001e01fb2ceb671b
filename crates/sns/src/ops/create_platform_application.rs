use crate::error::SnsResult;
use crate::input::{str_req, string_map};
use crate::mobile::{self, PlatformApp};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// CreatePlatformApplication: checks the name, the platform and the credentials it needs, and
/// stores the application (creating it again replaces its attributes).
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let name = str_req(&input, "Name")?;
    let platform = str_req(&input, "Platform")?;
    mobile::check_name(name)?;
    mobile::check_platform(platform)?;
    let attrs = string_map(&input, "Attributes");
    mobile::check_app_attributes(platform, &attrs, true)?;
    let app = PlatformApp {
        arn: mobile::app_arn(&ctx.region, &ctx.account, platform, name),
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        name: name.to_string(),
        platform: platform.to_string(),
        attributes: attrs.into_iter().collect(),
    };
    let arn = sns.create_platform_app(app).await?;
    Ok(json!({"PlatformApplicationArn": arn}))
}
