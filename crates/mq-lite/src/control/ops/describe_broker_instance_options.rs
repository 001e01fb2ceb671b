use super::page;
use crate::control::catalog;
use crate::control::types::*;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;

/// DescribeBrokerInstanceOptions: every engine, instance type and storage combination, with
/// the region's zones, filtered by the members given.
pub fn handle(
    ctx: &RequestContext,
    i: DescribeBrokerInstanceOptionsRequest,
) -> MqResult<DescribeBrokerInstanceOptionsResponse> {
    let engine = match &i.engine_type {
        Some(t) => Some(EngineType::parse(t).ok_or_else(|| {
            MqError::bad_request(
                "engineType",
                format!("Broker engine type [{t}] is invalid. Valid values are: [ACTIVEMQ, RABBITMQ]"),
            )
        })?),
        None => None,
    };
    let storage = match &i.storage_type {
        Some(s) => Some(BrokerStorageType::parse(s).ok_or_else(|| {
            MqError::bad_request(
                "storageType",
                format!("Broker storage type [{s}] is invalid. Valid values are: [EBS, EFS]"),
            )
        })?),
        None => None,
    };
    let zones: Vec<AvailabilityZone> =
        catalog::zones(&ctx.region).into_iter().map(|z| AvailabilityZone { name: Some(z) }).collect();
    let mut all = Vec::new();
    for e in EngineType::ALL.into_iter().filter(|e| engine.is_none_or(|x| x == *e)) {
        for t in catalog::instance_types(e) {
            if i.host_instance_type.as_deref().is_some_and(|h| h != *t) {
                continue;
            }
            for s in catalog::storage_types(e, t).iter().filter(|s| storage.is_none_or(|x| x == **s)) {
                let option = BrokerInstanceOption {
                    availability_zones: Some(zones.clone()),
                    engine_type: Some(e),
                    host_instance_type: Some(t.to_string()),
                    storage_type: Some(*s),
                    supported_deployment_modes: Some(catalog::deployment_modes(e).to_vec()),
                    supported_engine_versions: Some(
                        catalog::engine_versions(e).iter().map(|v| v.to_string()).collect(),
                    ),
                };
                all.push((format!("{}/{t}/{}", e.as_str(), s.as_str()), option));
            }
        }
    }
    let (options, next) = page(all, |(k, _)| k.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(DescribeBrokerInstanceOptionsResponse {
        broker_instance_options: Some(options.into_iter().map(|(_, o)| o).collect()),
        max_results: Some(i.max_results.unwrap_or(20)),
        next_token: next,
    })
}
