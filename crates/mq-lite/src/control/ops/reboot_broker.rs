use super::Mq;
use crate::control::broker::Transition;
use crate::control::types::*;
use crate::control::{finish, Change};
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// RebootBroker: REBOOT_IN_PROGRESS for `--mq-delays RebootBroker=<ms>` (0 by default), then
/// RUNNING with every pending change applied: settings, configuration and users.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: RebootBrokerRequest) -> MqResult<RebootBrokerResponse> {
    let delay = mq.delay("RebootBroker");
    let now = mq.now_ms();
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        if b.state != BrokerState::Running {
            return Err(MqError::bad_request(
                "broker-id",
                format!("Broker [{}] is in state [{}] and cannot be rebooted.", b.id, b.state.as_str()),
            ));
        }
        b.state = BrokerState::RebootInProgress;
        b.transition = Some((now + delay as i64, Transition::Running));
        if delay == 0 {
            finish(&mut b);
        }
        Ok((Change::broker(b), RebootBrokerResponse {}))
    })
    .await
}
