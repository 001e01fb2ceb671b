use super::{users_managed_here, Mq};
use crate::control::catalog;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use crate::password_hash;
use aws_protocol::RequestContext;

/// UpdateUser: the change waits for a reboot (pending UPDATE); a user still pending creation
/// stays pending creation with the new values.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: UpdateUserRequest) -> MqResult<UpdateUserResponse> {
    if let Some(p) = &i.password {
        catalog::check_password(p)?;
    }
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        users_managed_here(&b)?;
        let id = b.id.clone();
        let u = b.users.get_mut(&i.username).ok_or_else(|| MqError::user_not_found(&i.username))?;
        match u.pending.as_mut() {
            Some(p) if p.pending_change == ChangeType::Create => {
                if let Some(c) = i.console_access {
                    u.console_access = c;
                    p.console_access = Some(c);
                }
                if let Some(g) = &i.groups {
                    u.groups = g.clone();
                    p.groups = Some(g.clone());
                }
                if let Some(pw) = &i.password {
                    u.password_hash = password_hash(&id, pw);
                }
            }
            _ => {
                let before = u.pending.take();
                u.pending = Some(UserPendingChanges {
                    console_access: i.console_access.or(before.as_ref().and_then(|p| p.console_access)),
                    groups: i.groups.clone().or(before.and_then(|p| p.groups)),
                    pending_change: ChangeType::Update,
                });
                if let Some(pw) = &i.password {
                    u.pending_password_hash = Some(password_hash(&id, pw));
                }
            }
        }
        if let Some(r) = i.replication_user {
            u.replication_user = r;
        }
        Ok((Change::broker(b), UpdateUserResponse {}))
    })
    .await
}
