//! One module per SNS operation, each a `handle(sns, ctx, input)` returning the JSON-shaped
//! output.

use crate::error::SnsResult;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::Value;

mod add_permission;
mod check_if_phone_number_is_opted_out;
mod confirm_subscription;
mod create_platform_application;
mod create_platform_endpoint;
mod create_sms_sandbox_phone_number;
pub(crate) mod create_topic;
mod delete_endpoint;
mod delete_platform_application;
mod delete_sms_sandbox_phone_number;
mod delete_topic;
mod get_data_protection_policy;
mod get_endpoint_attributes;
mod get_platform_application_attributes;
mod get_sms_attributes;
mod get_sms_sandbox_account_status;
mod get_subscription_attributes;
mod get_topic_attributes;
mod list_endpoints_by_platform_application;
mod list_origination_numbers;
mod list_phone_numbers_opted_out;
mod list_platform_applications;
mod list_sms_sandbox_phone_numbers;
mod list_subscriptions;
mod list_subscriptions_by_topic;
mod list_tags_for_resource;
mod list_topics;
mod opt_in_phone_number;
pub(crate) mod publish;
mod publish_batch;
mod put_data_protection_policy;
mod remove_permission;
mod set_endpoint_attributes;
mod set_platform_application_attributes;
mod set_sms_attributes;
pub(crate) mod set_subscription_attributes;
pub(crate) mod set_topic_attributes;
pub(crate) mod subscribe;
pub(crate) mod tag_resource;
mod unsubscribe;
mod untag_resource;
mod verify_sms_sandbox_phone_number;

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
        "CheckIfPhoneNumberIsOptedOut" => check_if_phone_number_is_opted_out::handle(sns, ctx, input).await,
        "CreatePlatformApplication" => create_platform_application::handle(sns, ctx, input).await,
        "CreatePlatformEndpoint" => create_platform_endpoint::handle(sns, ctx, input).await,
        "CreateSMSSandboxPhoneNumber" => create_sms_sandbox_phone_number::handle(sns, ctx, input).await,
        "DeleteEndpoint" => delete_endpoint::handle(sns, ctx, input).await,
        "DeletePlatformApplication" => delete_platform_application::handle(sns, ctx, input).await,
        "DeleteSMSSandboxPhoneNumber" => delete_sms_sandbox_phone_number::handle(sns, ctx, input).await,
        "GetEndpointAttributes" => get_endpoint_attributes::handle(sns, ctx, input).await,
        "GetPlatformApplicationAttributes" => get_platform_application_attributes::handle(sns, ctx, input).await,
        "GetSMSAttributes" => get_sms_attributes::handle(sns, ctx, input).await,
        "GetSMSSandboxAccountStatus" => get_sms_sandbox_account_status::handle(sns, ctx, input).await,
        "ListEndpointsByPlatformApplication" => list_endpoints_by_platform_application::handle(sns, ctx, input).await,
        "ListOriginationNumbers" => list_origination_numbers::handle(sns, ctx, input).await,
        "ListPhoneNumbersOptedOut" => list_phone_numbers_opted_out::handle(sns, ctx, input).await,
        "ListPlatformApplications" => list_platform_applications::handle(sns, ctx, input).await,
        "ListSMSSandboxPhoneNumbers" => list_sms_sandbox_phone_numbers::handle(sns, ctx, input).await,
        "OptInPhoneNumber" => opt_in_phone_number::handle(sns, ctx, input).await,
        "SetEndpointAttributes" => set_endpoint_attributes::handle(sns, ctx, input).await,
        "SetPlatformApplicationAttributes" => set_platform_application_attributes::handle(sns, ctx, input).await,
        "SetSMSAttributes" => set_sms_attributes::handle(sns, ctx, input).await,
        "VerifySMSSandboxPhoneNumber" => verify_sms_sandbox_phone_number::handle(sns, ctx, input).await,
        _ => return None,
    })
}

/// One page of a list operation's `items` (sorted by `key`), at most `limit`: `{list: [render
/// of each], token: <NextToken>}`, the token only when more remain.
///
/// Errors: `InvalidParameter` naming `token` for a token this emulator did not write.
pub(crate) fn paged<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    next_token: Option<&str>,
    limit: usize,
    (list, token): (&str, &str),
    render: impl Fn(&T) -> Value,
) -> SnsResult<Value> {
    let (items, next) =
        service::paging::page(items, key, next_token, limit).map_err(|_| crate::SnsError::invalid_parameter(token))?;
    let mut out = serde_json::Map::new();
    out.insert(list.to_string(), Value::Array(items.iter().map(render).collect()));
    if let Some(t) = next {
        out.insert(token.to_string(), Value::String(t));
    }
    Ok(Value::Object(out))
}

/// The tagging operations answer a missing resource as `ResourceNotFound`, not `NotFound`.
pub(crate) fn as_resource_error(e: crate::SnsError) -> crate::SnsError {
    match &e {
        crate::SnsError::Modeled { shape: "NotFoundException", .. } => crate::SnsError::resource_not_found(),
        _ => e,
    }
}

/// Refuses a tag list naming one key twice (recorded: "Invalid parameter: Duplicated keys are not
/// allowed.").
pub(crate) fn no_duplicate_keys(tags: &[(String, String)]) -> SnsResult<()> {
    let mut seen = std::collections::HashSet::new();
    if tags.iter().all(|(k, _)| seen.insert(k.as_str())) {
        Ok(())
    } else {
        Err(crate::SnsError::invalid_parameter("Duplicated keys are not allowed."))
    }
}
