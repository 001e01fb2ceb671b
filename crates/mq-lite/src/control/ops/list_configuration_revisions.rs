use super::{page, Mq};
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// ListConfigurationRevisions: oldest first, in pages.
pub fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: ListConfigurationRevisionsRequest,
) -> MqResult<ListConfigurationRevisionsResponse> {
    let c = mq.configuration(ctx, &i.configuration_id)?;
    // Keyed by the zero-padded number, so that pages follow the numbers' order.
    let all: Vec<(String, ConfigurationRevision)> = c
        .revisions
        .iter()
        .map(|r| {
            let summary = ConfigurationRevision {
                created: r.created,
                description: Some(r.description.clone()),
                revision: r.revision,
            };
            (format!("{:010}", r.revision), summary)
        })
        .collect();
    let (revisions, next) = page(all, |(k, _)| k.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(ListConfigurationRevisionsResponse {
        configuration_id: Some(c.id),
        max_results: Some(i.max_results.unwrap_or(20)),
        next_token: next,
        revisions: Some(revisions.into_iter().map(|(_, r)| r).collect()),
    })
}
