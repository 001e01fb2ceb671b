//! What Amazon MQ offers (engine versions, instance types, storage) and the checks of names,
//! users and passwords, with AWS's messages where they are recorded and chosen ones otherwise.

use super::types::{BrokerStorageType, DeploymentMode, EngineType};
use crate::error::{MqError, MqResult};

/// Engine versions each engine offers, newest first (DescribeBrokerEngineTypes).
pub fn engine_versions(e: EngineType) -> &'static [&'static str] {
    match e {
        EngineType::Activemq => &["5.19", "5.18", "5.17.6", "5.16.7", "5.15.16"],
        EngineType::Rabbitmq => &["4.2", "3.13"],
    }
}

/// The version a broker gets when CreateBroker names none.
pub fn default_version(e: EngineType) -> &'static str {
    match e {
        EngineType::Activemq => "5.18",
        EngineType::Rabbitmq => "3.13",
    }
}

/// Instance types each engine runs on.
pub fn instance_types(e: EngineType) -> &'static [&'static str] {
    match e {
        EngineType::Activemq => &[
            "mq.t2.micro",
            "mq.t3.micro",
            "mq.m4.large",
            "mq.m5.large",
            "mq.m5.xlarge",
            "mq.m5.2xlarge",
            "mq.m5.4xlarge",
        ],
        EngineType::Rabbitmq => {
            &["mq.t3.micro", "mq.m5.large", "mq.m5.xlarge", "mq.m5.2xlarge", "mq.m5.4xlarge", "mq.m7g.large"]
        }
    }
}

/// The deployment modes an engine supports.
pub fn deployment_modes(e: EngineType) -> &'static [DeploymentMode] {
    match e {
        EngineType::Activemq => &[DeploymentMode::SingleInstance, DeploymentMode::ActiveStandbyMultiAz],
        EngineType::Rabbitmq => &[DeploymentMode::SingleInstance, DeploymentMode::ClusterMultiAz],
    }
}

/// Storage an instance type of an engine offers: ActiveMQ's durable EFS (EBS too on the
/// larger types), RabbitMQ's EBS.
pub fn storage_types(e: EngineType, instance: &str) -> &'static [BrokerStorageType] {
    match e {
        EngineType::Activemq if instance.starts_with("mq.t") => &[BrokerStorageType::Efs],
        EngineType::Activemq => &[BrokerStorageType::Efs, BrokerStorageType::Ebs],
        EngineType::Rabbitmq => &[BrokerStorageType::Ebs],
    }
}

/// The availability zones of a region (three, as most regions have).
pub fn zones(region: &str) -> Vec<String> {
    ["a", "b", "c"].iter().map(|z| format!("{region}{z}")).collect()
}

/// Whether `version` is one the engine offers (`5.18`, or a patch of it: `5.18.4`).
pub fn version_offered(e: EngineType, version: &str) -> bool {
    engine_versions(e)
        .iter()
        .any(|v| version == *v || version.strip_prefix(v).is_some_and(|rest| rest.starts_with('.')))
}

/// Errors: `BadRequestException` naming the attribute (chosen words).
pub fn check_version(e: EngineType, version: &str, attribute: &str) -> MqResult<()> {
    if version_offered(e, version) {
        Ok(())
    } else {
        Err(MqError::bad_request(
            attribute,
            format!("Broker engine version [{version}] is not supported for engine type [{}].", e.as_str()),
        ))
    }
}

/// Errors: `BadRequestException` naming the attribute (chosen words).
pub fn check_instance_type(e: EngineType, instance: &str, attribute: &str) -> MqResult<()> {
    if instance_types(e).contains(&instance) {
        Ok(())
    } else {
        Err(MqError::bad_request(
            attribute,
            format!("Broker instance type [{instance}] is not supported for engine type [{}].", e.as_str()),
        ))
    }
}

/// Broker names: 1-50 letters, digits, dashes and underscores.
///
/// Errors: `BadRequestException` (chosen words, after AWS's documentation of the name).
pub fn check_broker_name(name: &str) -> MqResult<()> {
    let ok =
        (1..=50).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(MqError::bad_request(
            "brokerName",
            "Broker name must be 1-50 characters long, contain only letters, numbers, dashes, and underscores, and must not contain white spaces, brackets, wildcard characters, or special characters.",
        ))
    }
}

/// Configuration names: 1-150 letters, digits, dashes, periods, underscores and tildes.
///
/// Errors: `BadRequestException` (chosen words).
pub fn check_configuration_name(name: &str) -> MqResult<()> {
    let ok = (1..=150).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(MqError::bad_request(
            "name",
            "Configuration name must be 1-150 characters long and contain only letters, numbers, dashes, periods, underscores, and tildes (- . _ ~).",
        ))
    }
}

/// Usernames: 2-100 letters, digits, dashes, periods, underscores and tildes.
///
/// Errors: `BadRequestException` (chosen words, after AWS's documentation of the name).
pub fn check_username(name: &str) -> MqResult<()> {
    let ok = (2..=100).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(MqError::bad_request(
            "username",
            "Username must be 2-100 characters long and contain only letters, numbers, dashes, periods, underscores, and tildes (- . _ ~).",
        ))
    }
}

/// Passwords: 12-250 characters, at least 4 different ones, no comma, colon or equals sign.
///
/// Errors: `BadRequestException` (chosen words, after AWS's documentation of the password).
pub fn check_password(password: &str) -> MqResult<()> {
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let len = password.chars().count();
    if (12..=250).contains(&len) && distinct.len() >= 4 && !password.contains([',', ':', '=']) {
        Ok(())
    } else {
        Err(MqError::bad_request(
            "password",
            "Password must be 12-250 characters long, contain at least 4 unique characters, and must not contain commas, colons, or equal signs (,:=).",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords() {
        assert!(check_broker_name("my-broker_1").is_ok());
        for bad in ["", "has space", "a*", &"x".repeat(51)] {
            assert!(check_broker_name(bad).is_err(), "{bad}");
        }
        assert!(check_username("ann.b~c").is_ok());
        assert!(check_username("a").is_err());
        assert!(check_password("abcdabcdabcd").is_ok());
        for bad in ["short", "aaaaaaaaaaaaaaa", "abcdefghijkl:m", "abcdefghijkl=m", "abcdefghijkl,m"] {
            assert!(check_password(bad).is_err(), "{bad}");
        }
        assert!(version_offered(EngineType::Activemq, "5.18.4"));
        assert!(!version_offered(EngineType::Activemq, "5.180"));
        assert!(!version_offered(EngineType::Activemq, "3.13"));
    }
}
