use super::Mq;
use crate::control::types::*;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DescribeConfigurationRevision: one revision's XML (base64) and description.
pub fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: DescribeConfigurationRevisionRequest,
) -> MqResult<DescribeConfigurationRevisionResponse> {
    let c = mq.configuration(ctx, &i.configuration_id)?;
    let r = i
        .configuration_revision
        .parse::<i32>()
        .ok()
        .and_then(|n| c.revision(n))
        .ok_or_else(|| MqError::revision_not_found(&c.id, &i.configuration_revision))?;
    Ok(DescribeConfigurationRevisionResponse {
        configuration_id: Some(c.id.clone()),
        created: Some(r.created),
        data: Some(r.data.clone()),
        description: Some(r.description.clone()),
    })
}
