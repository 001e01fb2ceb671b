use super::{page, Mq};
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// ListUsers: by username, in pages.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: ListUsersRequest) -> MqResult<ListUsersResponse> {
    let b = mq.broker(ctx, &i.broker_id)?;
    let (users, next) = page(b.user_summaries(), |u| u.username.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(ListUsersResponse {
        broker_id: Some(b.id),
        max_results: Some(i.max_results.unwrap_or(20)),
        next_token: next,
        users: Some(users),
    })
}
