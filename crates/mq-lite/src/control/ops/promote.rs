use super::Mq;
use crate::control::types::*;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// Promote: only a cross-region replica can be promoted, and Quayside makes no replicas.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: PromoteRequest) -> MqResult<PromoteResponse> {
    let b = mq.broker(ctx, &i.broker_id)?;
    Err(MqError::bad_request(
        "broker-id",
        format!("Broker [{}] is not a replica of a data replication pair (CRDR) and cannot be promoted.", b.id),
    ))
}
