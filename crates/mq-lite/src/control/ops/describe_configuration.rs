use super::Mq;
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// DescribeConfiguration.
pub fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: DescribeConfigurationRequest,
) -> MqResult<DescribeConfigurationResponse> {
    Ok(mq.configuration(ctx, &i.configuration_id)?.describe())
}
