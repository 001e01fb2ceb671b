use super::Mq;
use crate::control::broker::{Broker, BrokerUser, Pending, Transition};
use crate::control::catalog;
use crate::control::types::*;
use crate::control::{finish, Change};
use crate::error::{MqError, MqResult};
use crate::password_hash;
use aws_protocol::RequestContext;
use std::collections::BTreeMap;

/// CreateBroker: checked in the order AWS documents the members, stored, CREATION_IN_PROGRESS
/// for `--mq-delays CreateBroker=<ms>` (0 by default: RUNNING when this answers). An ActiveMQ
/// broker without a configuration gets a new default one, as AWS gives it.
pub async fn handle(mq: &Mq, ctx: &RequestContext, i: CreateBrokerRequest) -> MqResult<CreateBrokerResponse> {
    catalog::check_broker_name(&i.broker_name)?;
    let engine = i.engine_type;
    let version = i.engine_version.clone().unwrap_or_else(|| catalog::default_version(engine).to_string());
    catalog::check_version(engine, &version, "engineVersion")?;
    catalog::check_instance_type(engine, &i.host_instance_type, "hostInstanceType")?;
    if !catalog::deployment_modes(engine).contains(&i.deployment_mode) {
        return Err(MqError::bad_request(
            "deploymentMode",
            format!(
                "Broker deployment mode [{}] is not supported for engine type [{}].",
                i.deployment_mode.as_str(),
                engine.as_str()
            ),
        ));
    }
    let storage = match i.storage_type {
        Some(s) if !catalog::storage_types(engine, &i.host_instance_type).contains(&s) => {
            return Err(MqError::bad_request(
                "storageType",
                format!(
                    "Broker storage type [{}] is not supported for host instance type [{}].",
                    s.as_str(),
                    i.host_instance_type
                ),
            ))
        }
        Some(s) => s,
        None => catalog::storage_types(engine, &i.host_instance_type)[0],
    };
    let strategy = i.authentication_strategy.unwrap_or(AuthenticationStrategy::Simple);
    let users = i.users.clone().unwrap_or_default();
    match engine {
        // Recorded: "Specify exactly one user for engine type [RABBITMQ]." (errorAttribute users).
        EngineType::Rabbitmq if users.len() != 1 => {
            return Err(MqError::bad_request("users", "Specify exactly one user for engine type [RABBITMQ]."))
        }
        EngineType::Activemq if users.is_empty() && strategy == AuthenticationStrategy::Simple => {
            return Err(MqError::bad_request("users", "Specify at least one user for engine type [ACTIVEMQ]."))
        }
        _ => {}
    }
    if users.len() > 250 {
        return Err(MqError::bad_request("users", "A broker can have at most 250 users."));
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &users {
        catalog::check_username(&u.username)?;
        catalog::check_password(&u.password)?;
        if !seen.insert(u.username.as_str()) {
            return Err(MqError::bad_request("users", format!("User [{}] is given more than once.", u.username)));
        }
    }
    let logs = i.logs.clone().unwrap_or_default();
    if engine == EngineType::Rabbitmq && logs.audit == Some(true) {
        return Err(MqError::bad_request("logs", "Audit logs are not supported for engine type [RABBITMQ]."));
    }
    if strategy == AuthenticationStrategy::Ldap && i.ldap_server_metadata.is_none() {
        return Err(MqError::bad_request(
            "ldapServerMetadata",
            "LDAP server metadata is required when the authentication strategy is LDAP.",
        ));
    }
    let given_config = match (&i.configuration, engine) {
        (Some(_), EngineType::Rabbitmq) => {
            return Err(MqError::bad_request(
                "configuration",
                "Brokers of engine type [RABBITMQ] take no ActiveMQ configuration.",
            ))
        }
        (Some(c), _) => {
            let config = mq.configuration(ctx, &c.id)?;
            let revision = c.revision.unwrap_or(config.latest().revision);
            if config.revision(revision).is_none() {
                return Err(MqError::revision_not_found(&c.id, &revision.to_string()));
            }
            Some(ConfigurationId { id: c.id.clone(), revision: Some(revision) })
        }
        (None, _) => None,
    };
    let now = mq.now_ms();
    let delay = mq.delay("CreateBroker");
    mq.change(|mq| {
        // A retry with the same token is the same request (CreatorRequestId is the SDKs'
        // idempotency token): it gets the broker the first one made.
        let existing = mq.brokers_of(ctx).into_iter().find(|b| b.name == i.broker_name);
        if let Some(b) = existing {
            if i.creator_request_id.is_some() && b.creator_request_id == i.creator_request_id {
                return Ok((
                    Change::default(),
                    CreateBrokerResponse { broker_arn: Some(b.arn), broker_id: Some(b.id) },
                ));
            }
            return Err(MqError::conflict(
                "brokerName",
                format!("Broker name [{}] is already used by another broker.", i.broker_name),
            ));
        }
        let id = format!("b-{}", uuid::Uuid::new_v4());
        let mut change = Change::default();
        let configurations = match (engine, given_config) {
            (EngineType::Rabbitmq, _) => None,
            (_, Some(c)) => Some(c),
            (_, None) => {
                // AWS makes a default configuration for the broker.
                let config = super::create_configuration::new_configuration(
                    mq,
                    ctx,
                    &i.broker_name,
                    engine,
                    &version,
                    strategy,
                    BTreeMap::new(),
                );
                let c = ConfigurationId { id: config.id.clone(), revision: Some(1) };
                change.configurations.push((config.id.clone(), Some(config)));
                Some(c)
            }
        }
        .map(|c| Configurations { current: None, history: Some(Vec::new()), pending: Some(c) });
        let subnets = i.subnet_ids.clone().unwrap_or_else(|| {
            let n = match i.deployment_mode {
                DeploymentMode::SingleInstance => 1,
                DeploymentMode::ActiveStandbyMultiAz => 2,
                DeploymentMode::ClusterMultiAz => 3,
            };
            (1..=n).map(|k| format!("subnet-{k:017x}")).collect()
        });
        let users: BTreeMap<String, BrokerUser> = users
            .iter()
            .map(|u| {
                let user = BrokerUser {
                    username: u.username.clone(),
                    password_hash: password_hash(&id, &u.password),
                    console_access: u.console_access.unwrap_or(false),
                    groups: u.groups.clone().unwrap_or_default(),
                    replication_user: u.replication_user.unwrap_or(false),
                    pending: None,
                    pending_password_hash: None,
                };
                (u.username.clone(), user)
            })
            .collect();
        let mut b = Broker {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            arn: format!("arn:aws:mq:{}:{}:broker:{}:{id}", ctx.region, ctx.account, i.broker_name),
            id: id.clone(),
            name: i.broker_name.clone(),
            created: Timestamp(now),
            state: BrokerState::CreationInProgress,
            transition: Some((now + delay as i64, Transition::Running)),
            authentication_strategy: strategy,
            auto_minor_version_upgrade: i.auto_minor_version_upgrade.unwrap_or(false),
            deployment_mode: i.deployment_mode,
            encryption_options: i
                .encryption_options
                .clone()
                .unwrap_or(EncryptionOptions { kms_key_id: None, use_aws_owned_key: true }),
            engine_type: engine,
            engine_version: version.clone(),
            host_instance_type: i.host_instance_type.clone(),
            ldap_server_metadata: i.ldap_server_metadata.as_ref().map(Broker::ldap_output),
            logs: Logs {
                general: Some(logs.general.unwrap_or(false)),
                audit: if engine == EngineType::Activemq { Some(logs.audit.unwrap_or(false)) } else { None },
            },
            maintenance_window_start_time: i.maintenance_window_start_time.clone().unwrap_or(WeeklyStartTime {
                day_of_week: DayOfWeek::Sunday,
                time_of_day: "00:00".into(),
                time_zone: Some("UTC".into()),
            }),
            publicly_accessible: i.publicly_accessible,
            security_groups: i.security_groups.clone().unwrap_or_default(),
            storage_type: storage,
            subnet_ids: subnets,
            data_replication_mode: i.data_replication_mode.unwrap_or(DataReplicationMode::None),
            configurations,
            pending: Pending::default(),
            users,
            tags: i.tags.clone().unwrap_or_default(),
            creator_request_id: i.creator_request_id.clone(),
        };
        if delay == 0 {
            finish(&mut b);
        }
        let out = CreateBrokerResponse { broker_arn: Some(b.arn.clone()), broker_id: Some(id.clone()) };
        change.brokers.push((id, Some(b)));
        Ok((change, out))
    })
    .await
}
