use super::{users_managed_here, Mq};
use crate::control::types::*;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DescribeUser: the user's settings and what waits for the next reboot.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: DescribeUserRequest) -> MqResult<DescribeUserResponse> {
    let b = mq.broker(ctx, &i.broker_id)?;
    users_managed_here(&b)?;
    let u = b.users.get(&i.username).ok_or_else(|| MqError::user_not_found(&i.username))?;
    Ok(DescribeUserResponse {
        broker_id: Some(b.id.clone()),
        console_access: Some(u.console_access),
        groups: Some(u.groups.clone()),
        pending: u.pending.clone(),
        replication_user: Some(u.replication_user),
        username: Some(u.username.clone()),
    })
}
