//! Subscriptions: protocols and their endpoints, the attributes Subscribe and
//! SetSubscriptionAttributes take (validated as AWS does), and what GetSubscriptionAttributes
//! shows.

use crate::error::{SnsError, SnsResult};
use crate::filter::{self, Scope};
use std::collections::BTreeMap;

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub arn: String,
    pub topic_arn: String,
    pub owner: String,
    pub protocol: String,
    pub endpoint: String,
    pub attributes: BTreeMap<String, String>,
    pub confirmed: bool,
    /// The confirmation token of a pending subscription.
    pub token: Option<String>,
    pub authenticated: bool,
}

/// Protocols SNS delivers to.
pub const PROTOCOLS: &[&str] =
    &["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"];

/// Protocols whose subscriptions need a confirmation.
pub fn needs_confirmation(protocol: &str) -> bool {
    matches!(protocol, "http" | "https" | "email" | "email-json")
}

/// Protocols that can take raw message delivery.
fn supports_raw(protocol: &str) -> bool {
    matches!(protocol, "http" | "https" | "sqs" | "firehose")
}

/// Checks an endpoint against its protocol.
///
/// Errors: `InvalidParameter` with AWS's wording.
pub fn check_endpoint(protocol: &str, endpoint: &str) -> SnsResult<()> {
    let ok = match protocol {
        "sqs" => sqs_arn_parts(endpoint).is_some(),
        "http" => endpoint.starts_with("http://"),
        "https" => endpoint.starts_with("https://"),
        "email" | "email-json" => {
            endpoint.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !endpoint.contains(' '))
        }
        "sms" => valid_phone(endpoint),
        "lambda" => endpoint.starts_with("arn:aws:lambda:"),
        "firehose" => endpoint.starts_with("arn:aws:firehose:"),
        "application" => endpoint.starts_with("arn:aws:sns:") && endpoint.contains(":endpoint/"),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(match protocol {
        "sqs" => SnsError::invalid_parameter("SQS endpoint ARN"),
        "http" | "https" => SnsError::invalid_parameter("Endpoint must match the specified protocol"),
        "email" | "email-json" => SnsError::invalid_parameter("Email address"),
        "sms" => SnsError::invalid_parameter_bare(format!("Invalid SMS endpoint: {endpoint}")),
        _ => SnsError::invalid_parameter("Endpoint"),
    })
}

/// A phone number SNS sends to (SMS subscriptions, Publish's PhoneNumber): E.164, an optional
/// `+` and 8 to 15 digits, the first not 0.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

/// `arn:aws:sqs:<region>:<account>:<name>` split.
pub fn sqs_arn_parts(arn: &str) -> Option<(&str, &str, &str)> {
    crate::arn::split(arn, "sqs").map(|a| (a.region, a.account, a.resource))
}

/// A ReplayPolicy's form: a JSON object with a Timestamp window.
///
/// Errors: `InvalidParameter`.
pub fn check_replay_policy(value: &str) -> SnsResult<()> {
    json_object("ReplayPolicy", value)?;
    crate::archive::replay_window(value).map(|_| ())
}

/// Subscription attributes that can be set.
pub(crate) const SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

fn json_object(name: &str, value: &str) -> SnsResult<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => {
            Err(SnsError::invalid_parameter(format!("{name}: failed to parse JSON. The value is not a JSON object")))
        }
        Err(e) => Err(SnsError::invalid_parameter(format!("{name}: {}", crate::jackson::parse_failure(value, &e)))),
    }
}

impl Subscription {
    /// The filter policy's scope (MessageAttributes unless set).
    pub fn scope(&self) -> Scope {
        self.attributes.get("FilterPolicyScope").and_then(|s| Scope::parse(s)).unwrap_or(Scope::MessageAttributes)
    }

    pub fn raw(&self) -> bool {
        self.attributes.get("RawMessageDelivery").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Checks and applies one attribute (Subscribe's or SetSubscriptionAttributes').
    ///
    /// Errors: `InvalidParameter` for an unknown name, a value out of range, a filter policy AWS
    /// refuses, raw delivery on a protocol that has none.
    pub fn set_attribute(&mut self, name: &str, value: &str) -> SnsResult<()> {
        if !SETTABLE.contains(&name) {
            return Err(SnsError::invalid_parameter("AttributeName"));
        }
        match name {
            "RawMessageDelivery" => {
                // Any case, stored lowercase (recorded: "TrUe" reads back "true").
                let lower = value.to_ascii_lowercase();
                if !matches!(lower.as_str(), "true" | "false") {
                    return Err(SnsError::invalid_parameter(format!(
                        "RawMessageDelivery: Invalid value [{value}]. Must be true or false."
                    )));
                }
                if !supports_raw(&self.protocol) {
                    return Err(SnsError::invalid_parameter(format!(
                        "Attributes Reason: Delivery protocol [{}] does not support raw message delivery.",
                        self.protocol
                    )));
                }
            }
            "FilterPolicyScope" => {
                let scope = Scope::parse(value).ok_or_else(|| {
                    SnsError::invalid_parameter(format!(
                        "FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"
                    ))
                })?;
                if let Some(p) = self.attributes.get("FilterPolicy").filter(|p| !p.is_empty()) {
                    filter::parse(p, scope)?;
                }
            }
            "FilterPolicy" if !value.is_empty() => {
                filter::parse(value, self.scope())?;
            }
            "RedrivePolicy" if !value.is_empty() => {
                let m = json_object(name, value)?;
                let Some(arn) = m.get("deadLetterTargetArn").and_then(|v| v.as_str()) else {
                    return Err(SnsError::invalid_parameter("RedrivePolicy: deadLetterTargetArn is missing"));
                };
                let Some((_, _, queue)) = sqs_arn_parts(arn) else {
                    return Err(SnsError::invalid_parameter("RedrivePolicy: deadLetterTargetArn is an invalid arn"));
                };
                // A FIFO queue on a FIFO topic keeps its order in its DLQ too (recorded); a
                // standard queue on a FIFO topic may use a standard DLQ.
                let fifo_to_fifo =
                    self.topic_arn.ends_with(".fifo") && self.protocol == "sqs" && self.endpoint.ends_with(".fifo");
                if fifo_to_fifo && !queue.ends_with(".fifo") {
                    return Err(SnsError::invalid_parameter(
                        "RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.",
                    ));
                }
            }
            "DeliveryPolicy" if !value.is_empty() => {
                json_object(name, value)?;
                crate::topic::delivery_policy(value, false)?;
            }
            "ReplayPolicy" if !value.is_empty() => {
                check_replay_policy(value)?;
                self.attributes.remove("ReplayStatus");
            }
            _ => {}
        }
        if value.is_empty() && name != "RawMessageDelivery" {
            self.attributes.remove(name);
            if name == "FilterPolicy" {
                self.attributes.remove("FilterPolicyScope");
            }
        } else if name == "RawMessageDelivery" {
            self.attributes.insert(name.to_string(), value.to_ascii_lowercase());
        } else {
            self.attributes.insert(name.to_string(), value.to_string());
        }
        Ok(())
    }

    /// Every attribute GetSubscriptionAttributes shows.
    pub fn shown(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("SubscriptionArn".to_string(), self.arn.clone());
        m.insert("TopicArn".to_string(), self.topic_arn.clone());
        m.insert("Owner".to_string(), self.owner.clone());
        m.insert("Protocol".to_string(), self.protocol.clone());
        m.insert("Endpoint".to_string(), self.endpoint.clone());
        m.insert("PendingConfirmation".to_string(), (!self.confirmed).to_string());
        // Protocols confirmed inside Subscribe report an authenticated confirmation (recorded
        // for sqs, sms, lambda; firehose and application are confirmed the same way).
        let authenticated = self.authenticated || (self.confirmed && !needs_confirmation(&self.protocol));
        m.insert("ConfirmationWasAuthenticated".to_string(), authenticated.to_string());
        // The subscriber's principal: the account's, as GetCallerIdentity names it here (AWS
        // shows the creating IAM user's ARN; Quayside has no users).
        m.insert("SubscriptionPrincipal".to_string(), format!("arn:aws:iam::{}:root", self.owner));
        m.insert("RawMessageDelivery".to_string(), self.raw().to_string());
        for (k, v) in &self.attributes {
            m.insert(k.clone(), v.clone());
        }
        // The scope is shown with a policy only, even when set (recorded).
        if self.attributes.contains_key("FilterPolicy") {
            m.insert("FilterPolicyScope".to_string(), self.scope().as_str().to_string());
        } else {
            m.remove("FilterPolicyScope");
        }
        m
    }

    /// The dead-letter queue of the RedrivePolicy, if one is set.
    pub fn dead_letter_arn(&self) -> Option<String> {
        let p = self.attributes.get("RedrivePolicy")?;
        let v: serde_json::Value = serde_json::from_str(p).ok()?;
        v.get("deadLetterTargetArn")?.as_str().map(str::to_string)
    }

    /// The parsed filter policy, if one is set (it was checked when set).
    pub fn filter(&self) -> Option<filter::Policy> {
        let p = self.attributes.get("FilterPolicy").filter(|p| !p.is_empty())?;
        filter::parse(p, self.scope()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(protocol: &str) -> Subscription {
        Subscription {
            arn: "arn:aws:sns:us-east-1:000000000000:t:1".into(),
            topic_arn: "arn:aws:sns:us-east-1:000000000000:t".into(),
            owner: "000000000000".into(),
            protocol: protocol.into(),
            endpoint: String::new(),
            attributes: BTreeMap::new(),
            confirmed: true,
            token: None,
            authenticated: false,
        }
    }

    #[test]
    fn endpoints_match_protocols() {
        assert!(check_endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q").is_ok());
        assert_eq!(check_endpoint("sqs", "q").unwrap_err().to_aws().message, "Invalid parameter: SQS endpoint ARN");
        assert!(check_endpoint("https", "http://x").is_err());
        assert!(check_endpoint("email", "a@b.c").is_ok());
        assert!(check_endpoint("email", "nope").is_err());
        assert!(check_endpoint("sms", "+15555550100").is_ok());
        assert!(check_endpoint("sms", "+05555550100").is_err());
        assert!(check_endpoint("sms", "+1555555").is_err());
    }

    #[test]
    fn attributes_are_checked() {
        let mut s = sub("sqs");
        s.set_attribute("RawMessageDelivery", "true").unwrap();
        assert!(s.raw());
        s.set_attribute("FilterPolicy", r#"{"a": ["b"]}"#).unwrap();
        assert_eq!(s.shown()["FilterPolicyScope"], "MessageAttributes");
        assert!(s.set_attribute("FilterPolicyScope", "Everything").is_err());
        assert!(s.set_attribute("Nope", "1").is_err());
        let mut e = sub("email");
        assert!(e
            .set_attribute("RawMessageDelivery", "true")
            .unwrap_err()
            .to_aws()
            .message
            .contains("raw message delivery"));
        // A nested policy is only valid for the body.
        assert!(s.set_attribute("FilterPolicy", r#"{"a": {"b": ["c"]}}"#).is_err());
        s.set_attribute("FilterPolicyScope", "MessageBody").unwrap();
        s.set_attribute("FilterPolicy", r#"{"a": {"b": ["c"]}}"#).unwrap();
        assert!(s.filter().is_some());
    }
}
