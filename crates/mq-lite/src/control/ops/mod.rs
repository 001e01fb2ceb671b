//! One module per Amazon MQ operation, each `handle(mq, ctx, input)` with the model's typed
//! input and output.

use super::types::{Request, ToValue};
use super::Mq;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;
use serde_json::Value;

mod create_broker;
mod create_configuration;
mod create_tags;
mod create_user;
mod delete_broker;
mod delete_configuration;
mod delete_tags;
mod delete_user;
mod describe_broker;
mod describe_broker_engine_types;
mod describe_broker_instance_options;
mod describe_configuration;
mod describe_configuration_revision;
mod describe_shared_resources;
mod describe_user;
mod list_brokers;
mod list_configuration_revisions;
mod list_configurations;
mod list_tags;
mod list_users;
mod promote;
mod reboot_broker;
mod update_broker;
mod update_configuration;
mod update_user;

/// Runs one operation on its typed input; the output as a JSON-protocol value.
///
/// Errors: the operation's.
pub async fn dispatch(mq: &Mq, ctx: &RequestContext, request: Request) -> MqResult<Value> {
    use super::broker::show_engine;
    Ok(match request {
        Request::CreateBroker(i) => create_broker::handle(mq, ctx, i).await?.to_value(),
        Request::CreateConfiguration(i) => create_configuration::handle(mq, ctx, i).await?.to_value(),
        Request::CreateTags(i) => {
            create_tags::handle(mq, ctx, i).await?;
            Value::Object(Default::default())
        }
        Request::CreateUser(i) => create_user::handle(mq, ctx, i).await?.to_value(),
        Request::DeleteBroker(i) => delete_broker::handle(mq, ctx, i).await?.to_value(),
        Request::DeleteConfiguration(i) => delete_configuration::handle(mq, ctx, i).await?.to_value(),
        Request::DeleteTags(i) => {
            delete_tags::handle(mq, ctx, i).await?;
            Value::Object(Default::default())
        }
        Request::DeleteUser(i) => delete_user::handle(mq, ctx, i).await?.to_value(),
        Request::DescribeBroker(i) => show_engine(describe_broker::handle(mq, ctx, i)?.to_value()),
        Request::DescribeBrokerEngineTypes(i) => describe_broker_engine_types::handle(i)?.to_value(),
        Request::DescribeBrokerInstanceOptions(i) => describe_broker_instance_options::handle(ctx, i)?.to_value(),
        Request::DescribeConfiguration(i) => show_engine(describe_configuration::handle(mq, ctx, i)?.to_value()),
        Request::DescribeConfigurationRevision(i) => describe_configuration_revision::handle(mq, ctx, i)?.to_value(),
        Request::DescribeSharedResources(i) => describe_shared_resources::handle(mq, ctx, i)?.to_value(),
        Request::DescribeUser(i) => describe_user::handle(mq, ctx, i)?.to_value(),
        Request::ListBrokers(i) => show_engines(list_brokers::handle(mq, ctx, i)?.to_value(), "BrokerSummaries"),
        Request::ListConfigurationRevisions(i) => list_configuration_revisions::handle(mq, ctx, i)?.to_value(),
        Request::ListConfigurations(i) => {
            show_engines(list_configurations::handle(mq, ctx, i)?.to_value(), "Configurations")
        }
        Request::ListTags(i) => list_tags::handle(mq, ctx, i)?.to_value(),
        Request::ListUsers(i) => list_users::handle(mq, ctx, i)?.to_value(),
        Request::Promote(i) => promote::handle(mq, ctx, i)?.to_value(),
        Request::RebootBroker(i) => reboot_broker::handle(mq, ctx, i).await?.to_value(),
        Request::UpdateBroker(i) => update_broker::handle(mq, ctx, i).await?.to_value(),
        Request::UpdateConfiguration(i) => update_configuration::handle(mq, ctx, i).await?.to_value(),
        Request::UpdateUser(i) => update_user::handle(mq, ctx, i).await?.to_value(),
    })
}

/// A list's entries with their engine type written as AWS writes it.
fn show_engines(mut v: Value, list: &str) -> Value {
    if let Some(items) = v.get_mut(list).and_then(Value::as_array_mut) {
        for item in items {
            *item = super::broker::show_engine(item.take());
        }
    }
    v
}

/// One page of `items` (in key order) after `next_token`, at most `max` (default 20).
///
/// Errors: `BadRequestException` for a token this emulator did not write.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> &str,
    next_token: Option<&str>,
    max: Option<i32>,
) -> MqResult<(Vec<T>, Option<String>)> {
    let limit = max.unwrap_or(20).max(1) as usize;
    items.sort_by(|a, b| key(a).cmp(key(b)));
    service::paging::page(items, key, next_token, limit)
        .map_err(|_| MqError::bad_request("nextToken", "The specified nextToken is not valid."))
}

/// Brokers of RabbitMQ manage their users themselves.
///
/// Errors: `BadRequestException` (chosen words).
pub(crate) fn users_managed_here(b: &super::broker::Broker) -> MqResult<()> {
    if b.engine_type == super::types::EngineType::Rabbitmq {
        return Err(MqError::bad_request(
            "engineType",
            "Users of brokers of engine type [RABBITMQ] are managed in the broker itself, not through the Amazon MQ API.",
        ));
    }
    Ok(())
}
