use super::Mq;
use crate::control::broker::Broker;
use crate::control::catalog;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// UpdateBroker: the automatic minor-version upgrade and the maintenance window change at
/// once; everything else waits for the next reboot (DescribeBroker's `pending...` members), as
/// in AWS.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: UpdateBrokerRequest) -> MqResult<UpdateBrokerResponse> {
    let config = match &i.configuration {
        Some(c) => Some(mq.configuration(ctx, &c.id).map(|found| (c.clone(), found))?),
        None => None,
    };
    mq.change(|mq| {
        let mut b = mq.broker(ctx, &i.broker_id)?;
        if b.state == BrokerState::DeletionInProgress {
            return Err(MqError::conflict("broker-id", format!("Broker [{}] is being deleted.", b.id)));
        }
        let engine = b.engine_type;
        if let Some(v) = &i.engine_version {
            catalog::check_version(engine, v, "engineVersion")?;
            b.pending.engine_version = Some(v.clone());
        }
        if let Some(h) = &i.host_instance_type {
            catalog::check_instance_type(engine, h, "hostInstanceType")?;
            b.pending.host_instance_type = Some(h.clone());
        }
        if let Some((c, found)) = &config {
            if engine == EngineType::Rabbitmq {
                return Err(MqError::bad_request(
                    "configuration",
                    "Brokers of engine type [RABBITMQ] take no ActiveMQ configuration.",
                ));
            }
            let revision = c.revision.unwrap_or(found.latest().revision);
            if found.revision(revision).is_none() {
                return Err(MqError::revision_not_found(&c.id, &revision.to_string()));
            }
            let id = ConfigurationId { id: c.id.clone(), revision: Some(revision) };
            if let Some(configs) = b.configurations.as_mut() {
                configs.pending = Some(id.clone());
            }
            b.pending.configuration = Some(id);
        }
        if let Some(l) = &i.logs {
            if engine == EngineType::Rabbitmq && l.audit == Some(true) {
                return Err(MqError::bad_request("logs", "Audit logs are not supported for engine type [RABBITMQ]."));
            }
            b.pending.logs = Some(l.clone());
        }
        if let Some(s) = &i.security_groups {
            b.pending.security_groups = Some(s.clone());
        }
        if let Some(a) = i.authentication_strategy {
            b.pending.authentication_strategy = Some(a);
        }
        if let Some(l) = &i.ldap_server_metadata {
            b.pending.ldap_server_metadata = Some(Broker::ldap_output(l));
        }
        if let Some(m) = i.data_replication_mode {
            b.pending.data_replication_mode = Some(m);
        }
        if let Some(s) = i.storage_size {
            b.pending.storage_size = Some(s);
        }
        if let Some(a) = i.auto_minor_version_upgrade {
            b.auto_minor_version_upgrade = a;
        }
        if let Some(w) = &i.maintenance_window_start_time {
            b.maintenance_window_start_time = w.clone();
        }
        let out = UpdateBrokerResponse {
            authentication_strategy: i.authentication_strategy,
            auto_minor_version_upgrade: i.auto_minor_version_upgrade,
            broker_id: Some(b.id.clone()),
            configuration: b.pending.configuration.clone().filter(|_| i.configuration.is_some()),
            data_replication_metadata: None,
            data_replication_mode: i.data_replication_mode,
            engine_version: i.engine_version.clone(),
            host_instance_type: i.host_instance_type.clone(),
            ldap_server_metadata: i.ldap_server_metadata.as_ref().map(Broker::ldap_output),
            logs: i.logs.clone(),
            maintenance_window_start_time: i.maintenance_window_start_time.clone(),
            pending_data_replication_metadata: None,
            pending_data_replication_mode: i.data_replication_mode,
            resource_share_arns: None,
            security_groups: i.security_groups.clone(),
            storage_size: i.storage_size,
        };
        Ok((Change::broker(b), out))
    })
    .await
}
