use super::Mq;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DeleteConfiguration: refused while a broker uses it (current or pending).
pub async fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: DeleteConfigurationRequest,
) -> MqResult<DeleteConfigurationResponse> {
    mq.change(|mq| {
        let c = mq.configuration(ctx, &i.configuration_id)?;
        let uses = |b: &crate::control::broker::Broker| {
            b.configurations
                .as_ref()
                .is_some_and(|cs| [&cs.current, &cs.pending].iter().any(|x| x.as_ref().is_some_and(|x| x.id == c.id)))
        };
        if let Some(b) = mq.brokers_of(ctx).iter().find(|b| uses(b)) {
            return Err(MqError::conflict(
                "configuration-id",
                format!("Configuration [{}] is in use by broker [{}].", c.id, b.id),
            ));
        }
        let out = DeleteConfigurationResponse { configuration_id: Some(c.id.clone()) };
        Ok((Change { configurations: vec![(c.id, None)], ..Change::default() }, out))
    })
    .await
}
