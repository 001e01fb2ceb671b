use super::{page, Mq};
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// ListBrokers: the account's brokers in the region, by id, in pages.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: ListBrokersRequest) -> MqResult<ListBrokersResponse> {
    let all = mq.brokers_of(ctx);
    let (brokers, next) = page(all, |b| b.id.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(ListBrokersResponse { broker_summaries: Some(brokers.iter().map(|b| b.summary()).collect()), next_token: next })
}
