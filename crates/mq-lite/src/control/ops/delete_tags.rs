use super::Mq;
use crate::control::types::DeleteTagsRequest;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// DeleteTags: removes the named tags (names it does not carry are no error).
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: DeleteTagsRequest) -> MqResult<()> {
    super::list_tags::change_tags(mq, ctx, &i.resource_arn, |tags| {
        for k in &i.tag_keys {
            tags.remove(k);
        }
        Ok(())
    })
    .await
}
