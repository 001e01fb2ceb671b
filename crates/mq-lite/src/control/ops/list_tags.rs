use super::Mq;
use crate::control::types::{ListTagsRequest, ListTagsResponse};
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;
use std::collections::BTreeMap;

/// The broker or configuration a resource ARN names, in the caller's account and region.
enum Resource {
    Broker(String),
    Configuration(String),
}

fn resource(mq: &Mq, ctx: &RequestContext, arn: &str) -> MqResult<Resource> {
    let not_found = || MqError::resource_not_found(arn);
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[2] != "mq" {
        return Err(MqError::bad_request("resource-arn", format!("The resource ARN [{arn}] is not valid.")));
    }
    if parts[3] != ctx.region || parts[4] != ctx.account {
        return Err(not_found());
    }
    match parts[5] {
        "broker" => {
            let id = parts.last().copied().unwrap_or_default();
            let b = mq.broker(ctx, id).map_err(|_| not_found())?;
            if b.arn != arn {
                return Err(not_found());
            }
            Ok(Resource::Broker(b.id))
        }
        "configuration" => {
            let id = parts.get(6).copied().unwrap_or_default();
            mq.configuration(ctx, id).map_err(|_| not_found())?;
            Ok(Resource::Configuration(id.to_string()))
        }
        _ => Err(not_found()),
    }
}

/// Changes a resource's tags with `f`.
///
/// Errors: `NotFoundException`; `f`'s own.
pub(crate) async fn change_tags(
    mq: &Mq,
    ctx: &RequestContext,
    arn: &str,
    f: impl FnOnce(&mut BTreeMap<String, String>) -> MqResult<()>,
) -> MqResult<()> {
    let target = resource(mq, ctx, arn)?;
    mq.change(|mq| {
        let change = match target {
            Resource::Broker(id) => {
                let mut b = mq.broker(ctx, &id)?;
                f(&mut b.tags)?;
                Change::broker(b)
            }
            Resource::Configuration(id) => {
                let mut c = mq.configuration(ctx, &id)?;
                f(&mut c.tags)?;
                Change::configuration(c)
            }
        };
        Ok((change, ()))
    })
    .await
}

/// ListTags.
pub fn handle(mq: &Mq, ctx: &RequestContext, i: ListTagsRequest) -> MqResult<ListTagsResponse> {
    let tags = match resource(mq, ctx, &i.resource_arn)? {
        Resource::Broker(id) => mq.broker(ctx, &id)?.tags,
        Resource::Configuration(id) => mq.configuration(ctx, &id)?.tags,
    };
    Ok(ListTagsResponse { tags: Some(tags) })
}
