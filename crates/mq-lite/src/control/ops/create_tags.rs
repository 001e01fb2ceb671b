use super::Mq;
use crate::control::types::CreateTagsRequest;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// The most tags a resource carries.
pub(crate) const MAX_TAGS: usize = 50;

/// CreateTags: adds (or replaces) tags of a broker or configuration.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: CreateTagsRequest) -> MqResult<()> {
    let add = i.tags.unwrap_or_default();
    for (k, v) in &add {
        if k.is_empty() || k.len() > 128 || v.len() > 256 || k.starts_with("aws:") {
            return Err(MqError::bad_request("tags", format!("The tag [{k}] is not valid.")));
        }
    }
    super::list_tags::change_tags(mq, ctx, &i.resource_arn, |tags| {
        tags.extend(add);
        if tags.len() > MAX_TAGS {
            return Err(MqError::bad_request("tags", format!("A resource can have at most {MAX_TAGS} tags.")));
        }
        Ok(())
    })
    .await
}
