use super::{users_managed_here, Mq};
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DeleteUser: the user can log in until the broker reboots (pending DELETE); one still
/// pending creation goes at once.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: DeleteUserRequest) -> MqResult<DeleteUserResponse> {
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        users_managed_here(&b)?;
        let u = b.users.get_mut(&i.username).ok_or_else(|| MqError::user_not_found(&i.username))?;
        if u.pending.as_ref().is_some_and(|p| p.pending_change == ChangeType::Create) {
            b.users.remove(&i.username);
        } else {
            u.pending =
                Some(UserPendingChanges { console_access: None, groups: None, pending_change: ChangeType::Delete });
            u.pending_password_hash = None;
        }
        Ok((Change::broker(b), DeleteUserResponse {}))
    })
    .await
}
