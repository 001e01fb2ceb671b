use super::page;
use crate::control::catalog;
use crate::control::types::*;
use crate::error::{MqError, MqResult};

/// DescribeBrokerEngineTypes: the engines and their versions, optionally of one engine.
pub fn handle(i: DescribeBrokerEngineTypesRequest) -> MqResult<DescribeBrokerEngineTypesResponse> {
    let only = match &i.engine_type {
        Some(t) => Some(EngineType::parse(t).ok_or_else(|| {
            MqError::bad_request(
                "engineType",
                format!("Broker engine type [{t}] is invalid. Valid values are: [ACTIVEMQ, RABBITMQ]"),
            )
        })?),
        None => None,
    };
    let all: Vec<BrokerEngineType> = EngineType::ALL
        .into_iter()
        .filter(|e| only.is_none_or(|o| o == *e))
        .map(|e| BrokerEngineType {
            engine_type: Some(e),
            engine_versions: Some(
                catalog::engine_versions(e).iter().map(|v| EngineVersion { name: Some(v.to_string()) }).collect(),
            ),
        })
        .collect();
    let keyed: Vec<(String, BrokerEngineType)> =
        all.into_iter().map(|t| (t.engine_type.map(|e| e.as_str()).unwrap_or_default().to_string(), t)).collect();
    let (types, next) = page(keyed, |(k, _)| k.as_str(), i.next_token.as_deref(), i.max_results)?;
    Ok(DescribeBrokerEngineTypesResponse {
        broker_engine_types: Some(types.into_iter().map(|(_, t)| t).collect()),
        max_results: Some(i.max_results.unwrap_or(20)),
        next_token: next,
    })
}
