use crate::error::{SnsError, SnsResult};
use crate::input::{str_req, tags};
use crate::limits::MAX_TAGS;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// TagResource: adds or overwrites tags; at most 50 per topic.
pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let arn = str_req(&input, "ResourceArn")?;
    let given = tags(&input, "Tags");
    crate::ops::no_duplicate_keys(&given)?;
    sns.update_topic(arn, |t| {
        let mut merged = t.tags.clone();
        merged.extend(given);
        if merged.len() > MAX_TAGS {
            return Err(SnsError::tag_limit_exceeded());
        }
        t.tags = merged;
        Ok(())
    })
    .await
    .map_err(crate::ops::as_resource_error)?;
    Ok(json!({}))
}
