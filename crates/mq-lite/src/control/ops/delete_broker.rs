use super::Mq;
use crate::control::broker::Transition;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DeleteBroker: DELETION_IN_PROGRESS for `--mq-delays DeleteBroker=<ms>`, then gone (at once
/// by default). Its configurations stay, as in AWS.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: DeleteBrokerRequest) -> MqResult<DeleteBrokerResponse> {
    let delay = mq.delay("DeleteBroker");
    let now = mq.now_ms();
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        if b.state == BrokerState::DeletionInProgress {
            return Err(MqError::conflict("broker-id", format!("Broker [{}] is already being deleted.", b.id)));
        }
        let out = DeleteBrokerResponse { broker_id: Some(b.id.clone()) };
        if delay == 0 {
            return Ok((crate::control::Change { brokers: vec![(b.id, None)], ..Change::default() }, out));
        }
        b.state = BrokerState::DeletionInProgress;
        b.transition = Some((now + delay as i64, Transition::Gone));
        Ok((Change::broker(b), out))
    })
    .await
}
