use super::{page, Mq};
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// ListConfigurations: by id, in pages.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: ListConfigurationsRequest) -> MqResult<ListConfigurationsResponse> {
    let (configs, next) = page(mq.configurations_of(ctx), |c| c.id.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(ListConfigurationsResponse {
        configurations: Some(configs.iter().map(|c| c.summary()).collect()),
        max_results: Some(i.max_results.unwrap_or(20)),
        next_token: next,
    })
}
