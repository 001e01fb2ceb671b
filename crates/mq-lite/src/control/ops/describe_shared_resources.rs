use super::Mq;
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// DescribeSharedResources: no networking resources are shared to a broker here.
pub fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: DescribeSharedResourcesRequest,
) -> MqResult<DescribeSharedResourcesResponse> {
    mq.broker(ctx, &i.broker_id)?;
    Ok(DescribeSharedResourcesResponse { next_token: None, shared_resources: Some(Vec::new()) })
}
