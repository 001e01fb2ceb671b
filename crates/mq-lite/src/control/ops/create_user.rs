use super::{users_managed_here, Mq};
use crate::control::broker::BrokerUser;
use crate::control::catalog;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use crate::password_hash;
use aws_protocol::RequestContext;

/// CreateUser: the user waits (pending CREATE) until the broker reboots, as in AWS; it cannot
/// log in before.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: CreateUserRequest) -> MqResult<CreateUserResponse> {
    catalog::check_username(&i.username)?;
    catalog::check_password(&i.password)?;
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        users_managed_here(&b)?;
        if b.users.contains_key(&i.username) {
            return Err(MqError::conflict("username", format!("User [{}] already exists.", i.username)));
        }
        if b.users.len() >= 250 {
            return Err(MqError::bad_request("username", "A broker can have at most 250 users."));
        }
        let console_access = i.console_access.unwrap_or(false);
        let groups = i.groups.clone().unwrap_or_default();
        b.users.insert(
            i.username.clone(),
            BrokerUser {
                username: i.username.clone(),
                password_hash: password_hash(&b.id, &i.password),
                console_access,
                groups: groups.clone(),
                replication_user: i.replication_user.unwrap_or(false),
                pending: Some(UserPendingChanges {
                    console_access: Some(console_access),
                    groups: Some(groups),
                    pending_change: ChangeType::Create,
                }),
                pending_password_hash: None,
            },
        );
        Ok((Change::broker(b), CreateUserResponse {}))
    })
    .await
}
