//! A broker as the control plane keeps it: what was set (current), what waits for a reboot
//! (pending), its users with their pending changes, its configuration history and tags.
//! Stored as one JSON document per broker, written from and read into the model's types.

use super::types::*;
use aws_protocol::shape::{members, optional, put, put_required, required};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// How a state in progress ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// CREATION_IN_PROGRESS or REBOOT_IN_PROGRESS: RUNNING (a reboot applies what is pending).
    Running,
    /// DELETION_IN_PROGRESS: the broker is gone.
    Gone,
}

/// The settings a reboot applies (UpdateBroker's pending values).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pending {
    pub authentication_strategy: Option<AuthenticationStrategy>,
    pub configuration: Option<ConfigurationId>,
    pub engine_version: Option<String>,
    pub host_instance_type: Option<String>,
    pub ldap_server_metadata: Option<LdapServerMetadataOutput>,
    pub logs: Option<Logs>,
    pub security_groups: Option<Vec<String>>,
    pub storage_size: Option<i32>,
    pub data_replication_mode: Option<DataReplicationMode>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        *self == Pending::default()
    }
}

/// A broker user: its login and what the console and groups say; a change waits for a reboot.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerUser {
    pub username: String,
    /// SHA-256 of the broker id and the password (the password itself is never stored).
    pub password_hash: String,
    pub console_access: bool,
    pub groups: Vec<String>,
    pub replication_user: bool,
    /// A change that applies at the next reboot (CREATE: the user cannot log in before).
    pub pending: Option<UserPendingChanges>,
    /// The password of a pending UPDATE, hashed.
    pub pending_password_hash: Option<String>,
}

/// The stored facts of one broker.
#[derive(Debug, Clone, PartialEq)]
pub struct Broker {
    pub account: String,
    pub region: String,
    pub id: String,
    pub arn: String,
    pub name: String,
    pub created: Timestamp,
    pub state: BrokerState,
    /// When the state in progress ends (ms since the epoch) and how.
    pub transition: Option<(i64, Transition)>,
    pub authentication_strategy: AuthenticationStrategy,
    pub auto_minor_version_upgrade: bool,
    pub deployment_mode: DeploymentMode,
    pub encryption_options: EncryptionOptions,
    pub engine_type: EngineType,
    pub engine_version: String,
    pub host_instance_type: String,
    pub ldap_server_metadata: Option<LdapServerMetadataOutput>,
    pub logs: Logs,
    pub maintenance_window_start_time: WeeklyStartTime,
    pub publicly_accessible: bool,
    pub security_groups: Vec<String>,
    pub storage_type: BrokerStorageType,
    pub subnet_ids: Vec<String>,
    pub data_replication_mode: DataReplicationMode,
    /// ActiveMQ brokers only.
    pub configurations: Option<Configurations>,
    pub pending: Pending,
    pub users: BTreeMap<String, BrokerUser>,
    pub tags: BTreeMap<String, String>,
    /// CreateBroker's idempotency token: a retry with the same token gets the same broker.
    pub creator_request_id: Option<String>,
}

/// The engine type as AWS writes it in answers (`ActiveMQ`, `RabbitMQ`), where requests take
/// it in any case.
pub fn shown_engine(e: EngineType) -> &'static str {
    match e {
        EngineType::Activemq => "ActiveMQ",
        EngineType::Rabbitmq => "RabbitMQ",
    }
}

/// The value with every `EngineType` member written as AWS writes it.
pub fn show_engine(mut v: Value) -> Value {
    if let Some(e) = v.get("EngineType").and_then(Value::as_str).and_then(EngineType::parse) {
        v["EngineType"] = shown_engine(e).into();
    }
    v
}

impl Broker {
    /// Whether clients may use it (and its users log in).
    pub fn running(&self) -> bool {
        self.state == BrokerState::Running
    }

    /// The LDAP settings as DescribeBroker shows them (without the service account's password).
    pub fn ldap_output(i: &LdapServerMetadataInput) -> LdapServerMetadataOutput {
        LdapServerMetadataOutput {
            hosts: i.hosts.clone(),
            role_base: i.role_base.clone(),
            role_name: i.role_name.clone(),
            role_search_matching: i.role_search_matching.clone(),
            role_search_subtree: i.role_search_subtree,
            service_account_username: i.service_account_username.clone(),
            user_base: i.user_base.clone(),
            user_role_name: i.user_role_name.clone(),
            user_search_matching: i.user_search_matching.clone(),
            user_search_subtree: i.user_search_subtree,
        }
    }

    /// ListBrokers' summary.
    pub fn summary(&self) -> BrokerSummary {
        BrokerSummary {
            broker_arn: Some(self.arn.clone()),
            broker_id: Some(self.id.clone()),
            broker_name: Some(self.name.clone()),
            broker_state: Some(self.state),
            created: Some(self.created),
            deployment_mode: self.deployment_mode,
            engine_type: self.engine_type,
            host_instance_type: Some(self.host_instance_type.clone()),
        }
    }

    /// The users as DescribeBroker lists them.
    pub fn user_summaries(&self) -> Vec<UserSummary> {
        self.users
            .values()
            .map(|u| UserSummary {
                username: u.username.clone(),
                pending_change: u.pending.as_ref().map(|p| p.pending_change),
            })
            .collect()
    }

    /// Applies what waits for a reboot: settings, configuration, user changes.
    pub fn apply_pending(&mut self) {
        let p = std::mem::take(&mut self.pending);
        if let Some(a) = p.authentication_strategy {
            self.authentication_strategy = a;
        }
        if let Some(v) = p.engine_version {
            self.engine_version = v;
        }
        if let Some(h) = p.host_instance_type {
            self.host_instance_type = h;
        }
        if let Some(l) = p.ldap_server_metadata {
            self.ldap_server_metadata = Some(l);
        }
        if let Some(l) = p.logs {
            self.logs = l;
        }
        if let Some(s) = p.security_groups {
            self.security_groups = s;
        }
        if let Some(m) = p.data_replication_mode {
            self.data_replication_mode = m;
        }
        if let (Some(c), Some(configs)) = (p.configuration, self.configurations.as_mut()) {
            if let Some(current) = configs.current.take() {
                configs.history.get_or_insert_with(Vec::new).push(current);
            }
            configs.current = Some(c);
            configs.pending = None;
        }
        self.users.retain(|_, u| u.pending.as_ref().is_none_or(|p| p.pending_change != ChangeType::Delete));
        for u in self.users.values_mut() {
            if let Some(p) = u.pending.take() {
                if let Some(c) = p.console_access {
                    u.console_access = c;
                }
                if let Some(g) = p.groups {
                    u.groups = g;
                }
                if let Some(h) = u.pending_password_hash.take() {
                    u.password_hash = h;
                }
            }
        }
    }

    /// The stored document.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("Account", &self.account),
            ("Region", &self.region),
            ("Id", &self.id),
            ("Arn", &self.arn),
            ("Name", &self.name),
            ("EngineVersion", &self.engine_version),
            ("HostInstanceType", &self.host_instance_type),
        ] {
            put_required(&mut m, k, v);
        }
        put_required(&mut m, "Created", &self.created);
        put_required(&mut m, "State", &self.state);
        if let Some((at, how)) = self.transition {
            m.insert("TransitionAt".into(), at.into());
            m.insert("TransitionTo".into(), (if how == Transition::Gone { "Gone" } else { "Running" }).into());
        }
        put_required(&mut m, "AuthenticationStrategy", &self.authentication_strategy);
        put_required(&mut m, "AutoMinorVersionUpgrade", &self.auto_minor_version_upgrade);
        put_required(&mut m, "DeploymentMode", &self.deployment_mode);
        put_required(&mut m, "EncryptionOptions", &self.encryption_options);
        put_required(&mut m, "EngineType", &self.engine_type);
        put(&mut m, "LdapServerMetadata", &self.ldap_server_metadata);
        put_required(&mut m, "Logs", &self.logs);
        put_required(&mut m, "MaintenanceWindowStartTime", &self.maintenance_window_start_time);
        put_required(&mut m, "PubliclyAccessible", &self.publicly_accessible);
        put_required(&mut m, "SecurityGroups", &self.security_groups);
        put_required(&mut m, "StorageType", &self.storage_type);
        put_required(&mut m, "SubnetIds", &self.subnet_ids);
        put_required(&mut m, "DataReplicationMode", &self.data_replication_mode);
        put(&mut m, "Configurations", &self.configurations);
        let p = &self.pending;
        let mut pm = Map::new();
        put(&mut pm, "AuthenticationStrategy", &p.authentication_strategy);
        put(&mut pm, "Configuration", &p.configuration);
        put(&mut pm, "EngineVersion", &p.engine_version);
        put(&mut pm, "HostInstanceType", &p.host_instance_type);
        put(&mut pm, "LdapServerMetadata", &p.ldap_server_metadata);
        put(&mut pm, "Logs", &p.logs);
        put(&mut pm, "SecurityGroups", &p.security_groups);
        put(&mut pm, "StorageSize", &p.storage_size);
        put(&mut pm, "DataReplicationMode", &p.data_replication_mode);
        m.insert("Pending".into(), Value::Object(pm));
        let users: Vec<Value> = self
            .users
            .values()
            .map(|u| {
                let mut um = Map::new();
                put_required(&mut um, "Username", &u.username);
                put_required(&mut um, "PasswordHash", &u.password_hash);
                put_required(&mut um, "ConsoleAccess", &u.console_access);
                put_required(&mut um, "Groups", &u.groups);
                put_required(&mut um, "ReplicationUser", &u.replication_user);
                put(&mut um, "Pending", &u.pending);
                put(&mut um, "PendingPasswordHash", &u.pending_password_hash);
                Value::Object(um)
            })
            .collect();
        m.insert("Users".into(), Value::Array(users));
        put_required(&mut m, "Tags", &self.tags);
        put(&mut m, "CreatorRequestId", &self.creator_request_id);
        Value::Object(m)
    }

    /// Reads [`to_json`](Self::to_json)'s document.
    ///
    /// Errors: a document this code did not write.
    pub fn from_json(v: &Value) -> Result<Broker, ShapeError> {
        let m = members(v, "broker")?;
        let transition = match (m.get("TransitionAt").and_then(Value::as_i64), m.get("TransitionTo")) {
            (Some(at), Some(to)) => Some((at, if to == "Gone" { Transition::Gone } else { Transition::Running })),
            _ => None,
        };
        let p = members(m.get("Pending").unwrap_or(&json!({})), "Pending")?.clone();
        let pending = Pending {
            authentication_strategy: optional(&p, "AuthenticationStrategy")?,
            configuration: optional(&p, "Configuration")?,
            engine_version: optional(&p, "EngineVersion")?,
            host_instance_type: optional(&p, "HostInstanceType")?,
            ldap_server_metadata: optional(&p, "LdapServerMetadata")?,
            logs: optional(&p, "Logs")?,
            security_groups: optional(&p, "SecurityGroups")?,
            storage_size: optional(&p, "StorageSize")?,
            data_replication_mode: optional(&p, "DataReplicationMode")?,
        };
        let mut users = BTreeMap::new();
        for u in m.get("Users").and_then(Value::as_array).into_iter().flatten() {
            let um = members(u, "Users")?;
            let user = BrokerUser {
                username: required(um, "Username")?,
                password_hash: required(um, "PasswordHash")?,
                console_access: required(um, "ConsoleAccess")?,
                groups: required(um, "Groups")?,
                replication_user: required(um, "ReplicationUser")?,
                pending: optional(um, "Pending")?,
                pending_password_hash: optional(um, "PendingPasswordHash")?,
            };
            users.insert(user.username.clone(), user);
        }
        Ok(Broker {
            account: required(m, "Account")?,
            region: required(m, "Region")?,
            id: required(m, "Id")?,
            arn: required(m, "Arn")?,
            name: required(m, "Name")?,
            created: required(m, "Created")?,
            state: required(m, "State")?,
            transition,
            authentication_strategy: required(m, "AuthenticationStrategy")?,
            auto_minor_version_upgrade: required(m, "AutoMinorVersionUpgrade")?,
            deployment_mode: required(m, "DeploymentMode")?,
            encryption_options: required(m, "EncryptionOptions")?,
            engine_type: required(m, "EngineType")?,
            engine_version: required(m, "EngineVersion")?,
            host_instance_type: required(m, "HostInstanceType")?,
            ldap_server_metadata: optional(m, "LdapServerMetadata")?,
            logs: required(m, "Logs")?,
            maintenance_window_start_time: required(m, "MaintenanceWindowStartTime")?,
            publicly_accessible: required(m, "PubliclyAccessible")?,
            security_groups: required(m, "SecurityGroups")?,
            storage_type: required(m, "StorageType")?,
            subnet_ids: required(m, "SubnetIds")?,
            data_replication_mode: required(m, "DataReplicationMode")?,
            configurations: optional(m, "Configurations")?,
            pending,
            users,
            tags: required(m, "Tags")?,
            creator_request_id: optional(m, "CreatorRequestId")?,
        })
    }
}
