//! One module per SNS operation built so far, each a `handle(sns, ctx, input)` returning the
//! JSON-shaped output. The other operations of the model answer `NotImplemented` (`None` here).

use crate::error::SnsResult;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::Value;

mod add_permission;
mod confirm_subscription;
mod create_topic;
mod delete_topic;
mod get_data_protection_policy;
mod get_subscription_attributes;
mod get_topic_attributes;
mod list_subscriptions;
mod list_subscriptions_by_topic;
mod list_tags_for_resource;
mod list_topics;
pub(crate) mod publish;
mod publish_batch;
mod put_data_protection_policy;
mod remove_permission;
mod set_subscription_attributes;
mod set_topic_attributes;
mod subscribe;
mod tag_resource;
mod unsubscribe;
mod untag_resource;

/// Runs an operation; `None` if it is not built yet.
pub(crate) async fn dispatch(sns: &Sns, ctx: &RequestContext, op: &str, input: Value) -> Option<SnsResult<Value>> {
    Some(match op {
        "AddPermission" => add_permission::handle(sns, ctx, input).await,
        "ConfirmSubscription" => confirm_subscription::handle(sns, ctx, input).await,
        "GetSubscriptionAttributes" => get_subscription_attributes::handle(sns, ctx, input).await,
        "ListSubscriptions" => list_subscriptions::handle(sns, ctx, input).await,
        "ListSubscriptionsByTopic" => list_subscriptions_by_topic::handle(sns, ctx, input).await,
        "SetSubscriptionAttributes" => set_subscription_attributes::handle(sns, ctx, input).await,
        "Subscribe" => subscribe::handle(sns, ctx, input).await,
        "Unsubscribe" => unsubscribe::handle(sns, ctx, input).await,
        "CreateTopic" => create_topic::handle(sns, ctx, input).await,
        "DeleteTopic" => delete_topic::handle(sns, ctx, input).await,
        "GetDataProtectionPolicy" => get_data_protection_policy::handle(sns, ctx, input).await,
        "GetTopicAttributes" => get_topic_attributes::handle(sns, ctx, input).await,
        "ListTagsForResource" => list_tags_for_resource::handle(sns, ctx, input).await,
        "ListTopics" => list_topics::handle(sns, ctx, input).await,
        "Publish" => publish::handle(sns, ctx, input).await,
        "PublishBatch" => publish_batch::handle(sns, ctx, input).await,
        "PutDataProtectionPolicy" => put_data_protection_policy::handle(sns, ctx, input).await,
        "RemovePermission" => remove_permission::handle(sns, ctx, input).await,
        "SetTopicAttributes" => set_topic_attributes::handle(sns, ctx, input).await,
        "TagResource" => tag_resource::handle(sns, ctx, input).await,
        "UntagResource" => untag_resource::handle(sns, ctx, input).await,
        _ => return None,
    })
}

/// The tagging operations answer a missing resource as `ResourceNotFound`, not `NotFound`.
pub(crate) fn as_resource_error(e: crate::SnsError) -> crate::SnsError {
    match &e {
        crate::SnsError::Modeled { shape: "NotFoundException", .. } => crate::SnsError::resource_not_found(),
        _ => e,
    }
}
