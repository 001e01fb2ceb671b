use crate::error::SnsResult;
use crate::input::{str_req, strings};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// UntagResource: keys that are not there are ignored.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "ResourceArn")?;
    let keys = strings(&input, "TagKeys");
    sns.update_topic(arn, |t| {
        for k in &keys {
            t.tags.remove(k);
        }
        Ok(())
    })
    .await
    .map_err(crate::ops::as_resource_error)?;
    Ok(json!({}))
}
