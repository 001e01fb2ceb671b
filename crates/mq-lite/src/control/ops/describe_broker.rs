use super::Mq;
use crate::control::broker::Broker;
use crate::control::types::*;
use crate::error::MqResult;
use aws_protocol::RequestContext;

/// DescribeBroker: what was set, what waits for a reboot, the users and the endpoints the
/// broker is served on.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: DescribeBrokerRequest) -> MqResult<DescribeBrokerResponse> {
    let b = mq.broker(ctx, &i.broker_id)?;
    Ok(describe(mq, &b))
}

/// The broker as DescribeBroker answers it.
pub(crate) fn describe(mq: &Mq, b: &Broker) -> DescribeBrokerResponse {
    let p = &b.pending;
    let log_group =
        |kind: &str| format!("arn:aws:logs:{}:{}:log-group:/aws/amazonmq/broker/{}/{kind}", b.region, b.account, b.id);
    let logs = LogsSummary {
        general: b.logs.general.unwrap_or(false),
        general_log_group: log_group("general"),
        audit: b.logs.audit,
        audit_log_group: b.logs.audit.map(|_| log_group("audit")),
        pending: p.logs.as_ref().map(|l| PendingLogs { audit: l.audit, general: l.general }),
    };
    let (instances, actions) = mq.instances(b);
    DescribeBrokerResponse {
        actions_required: Some(actions),
        authentication_strategy: Some(b.authentication_strategy),
        auto_minor_version_upgrade: Some(b.auto_minor_version_upgrade),
        broker_arn: Some(b.arn.clone()),
        broker_id: Some(b.id.clone()),
        broker_instances: Some(instances),
        broker_name: Some(b.name.clone()),
        broker_state: Some(b.state),
        configurations: b.configurations.clone(),
        created: Some(b.created),
        data_replication_metadata: None,
        data_replication_mode: Some(b.data_replication_mode),
        deployment_mode: Some(b.deployment_mode),
        encryption_options: Some(b.encryption_options.clone()),
        engine_type: Some(b.engine_type),
        engine_version: Some(b.engine_version.clone()),
        host_instance_type: Some(b.host_instance_type.clone()),
        ldap_server_metadata: b.ldap_server_metadata.clone(),
        logs: Some(logs),
        maintenance_window_start_time: Some(b.maintenance_window_start_time.clone()),
        pending_authentication_strategy: p.authentication_strategy,
        pending_data_replication_metadata: None,
        pending_data_replication_mode: p.data_replication_mode,
        pending_engine_version: p.engine_version.clone(),
        pending_host_instance_type: p.host_instance_type.clone(),
        pending_ldap_server_metadata: p.ldap_server_metadata.clone(),
        pending_security_groups: p.security_groups.clone(),
        pending_storage_size: p.storage_size,
        publicly_accessible: Some(b.publicly_accessible),
        security_groups: Some(b.security_groups.clone()),
        storage_size: None,
        storage_type: Some(b.storage_type),
        subnet_ids: Some(b.subnet_ids.clone()),
        tags: Some(b.tags.clone()),
        users: Some(b.user_summaries()),
    }
}
