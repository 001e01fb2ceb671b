use super::Mq;
use crate::control::catalog;
use crate::control::configuration::{Configuration, Revision, DEFAULT_XML};
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;
use base64::Engine;
use std::collections::BTreeMap;

/// A new configuration with its first revision: ActiveMQ's default XML.
pub(crate) fn new_configuration(
    mq: &Mq,
    ctx: &RequestContext,
    name: &str,
    engine: EngineType,
    version: &str,
    strategy: AuthenticationStrategy,
    tags: BTreeMap<String, String>,
) -> Configuration {
    let id = format!("c-{}", uuid::Uuid::new_v4());
    let now = Timestamp(mq.now_ms());
    Configuration {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        arn: format!("arn:aws:mq:{}:{}:configuration:{id}", ctx.region, ctx.account),
        id,
        name: name.to_string(),
        engine_type: engine,
        engine_version: version.to_string(),
        authentication_strategy: strategy,
        created: now,
        revisions: vec![Revision {
            revision: 1,
            created: now,
            description: format!(
                "Auto-generated default for {name} on {} {version}",
                crate::control::broker::shown_engine(engine)
            ),
            data: base64::engine::general_purpose::STANDARD.encode(DEFAULT_XML),
        }],
        tags,
    }
}

/// CreateConfiguration: ActiveMQ only (RabbitMQ brokers take no XML here).
pub async fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: CreateConfigurationRequest,
) -> MqResult<CreateConfigurationResponse> {
    catalog::check_configuration_name(&i.name)?;
    if i.engine_type == EngineType::Rabbitmq {
        return Err(MqError::bad_request(
            "engineType",
            "Configurations of engine type [RABBITMQ] are not supported: RabbitMQ brokers take no ActiveMQ configuration.",
        ));
    }
    let version = i.engine_version.clone().unwrap_or_else(|| catalog::default_version(i.engine_type).to_string());
    catalog::check_version(i.engine_type, &version, "engineVersion")?;
    let strategy = i.authentication_strategy.unwrap_or(AuthenticationStrategy::Simple);
    let c = new_configuration(mq, ctx, &i.name, i.engine_type, &version, strategy, i.tags.unwrap_or_default());
    let out = CreateConfigurationResponse {
        arn: Some(c.arn.clone()),
        authentication_strategy: Some(strategy),
        created: Some(c.created),
        id: Some(c.id.clone()),
        latest_revision: Some(ConfigurationRevision {
            created: c.created,
            description: Some(c.latest().description.clone()),
            revision: 1,
        }),
        name: Some(c.name.clone()),
    };
    mq.change(|_| Ok((Change::configuration(c), out))).await
}
