//! Topics: ARNs and names, the attributes CreateTopic and SetTopicAttributes take (validated as
//! AWS does), and the attributes GetTopicAttributes shows, defaults included.

use crate::error::{SnsError, SnsResult};
use crate::limits::{DEFAULT_MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE, MAX_TOPIC_NAME_LEN, MIN_MESSAGE_SIZE};
use serde_json::json;
use std::collections::BTreeMap;

/// A topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub arn: String,
    pub account: String,
    pub region: String,
    pub name: String,
    pub fifo: bool,
    /// The attributes set on it (by CreateTopic or SetTopicAttributes), by name.
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub data_protection_policy: Option<String>,
}

/// `arn:aws:sns:<region>:<account>:<name>` split, if it is one.
pub fn parse_arn(arn: &str) -> Option<(&str, &str, &str)> {
    crate::arn::split(arn, "sns")
        .filter(|a| valid_name(a.resource, a.resource.ends_with(".fifo")))
        .map(|a| (a.region, a.account, a.resource))
}

/// Checks a topic ARN a request names, as AWS does on every topic operation: fewer than six
/// parts is "TopicArn Reason: An ARN must have at least 6 elements, not N"; anything else that
/// is not a topic ARN, and a topic of another region than the request's, is "TopicArn"
/// (recorded: Publish, PublishBatch, Subscribe, Get/SetTopicAttributes,
/// ListSubscriptionsByTopic and DeleteTopic from another region answer InvalidParameter).
///
/// Errors: `InvalidParameter`.
pub fn check_arn(arn: &str, region: &str) -> SnsResult<()> {
    crate::arn::check_parts(arn, "TopicArn")?;
    match parse_arn(arn) {
        Some((r, _, _)) if r == region => Ok(()),
        _ => Err(SnsError::invalid_parameter("TopicArn")),
    }
}

pub fn arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:sns:{region}:{account}:{name}")
}

/// Names: 1 to 256 of ASCII letters, digits, `_` and `-`; FIFO topics end in `.fifo`.
pub fn valid_name(name: &str, fifo: bool) -> bool {
    service::names::valid(name, fifo, MAX_TOPIC_NAME_LEN)
}

/// Attributes any topic takes.
const COMMON: &[&str] = &[
    "DeliveryPolicy",
    "DisplayName",
    "Policy",
    "SignatureVersion",
    "TracingConfig",
    "KmsMasterKeyId",
    "MaximumMessageSize",
];
/// Attributes only FIFO topics take.
const FIFO_ONLY: &[&str] = &["ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"];
/// Delivery-status logging attributes, per protocol.
const FEEDBACK_PROTOCOLS: &[&str] = &["Application", "Firehose", "HTTP", "Lambda", "SQS"];
const FEEDBACK_SUFFIXES: &[&str] = &["SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn"];

fn is_feedback(name: &str) -> bool {
    FEEDBACK_PROTOCOLS.iter().any(|p| name.strip_prefix(p).is_some_and(|rest| FEEDBACK_SUFFIXES.contains(&rest)))
}

fn json_object(name: &str, value: &str) -> SnsResult<()> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(SnsError::invalid_parameter(format!("{name} Reason: The {name} is not a valid JSON object"))),
    }
}

/// Checks a DeliveryPolicy (a topic's, or with `topic` false a subscription's) as AWS does.
///
/// Errors: `InvalidParameter`, "Invalid parameter: DeliveryPolicy: <reason>".
pub(crate) fn delivery_policy(value: &str, topic: bool) -> SnsResult<()> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(m)) => crate::delivery_policy::check(&m, topic)
            .map_err(|why| SnsError::invalid_parameter(format!("DeliveryPolicy: {why}"))),
        _ => Err(SnsError::invalid_parameter("DeliveryPolicy Reason: The DeliveryPolicy is not a valid JSON object")),
    }
}

/// Checks one attribute for a topic (`fifo` or not), as CreateTopic and SetTopicAttributes do.
///
/// Errors: `InvalidParameter` for a name the topic does not have (`Invalid parameter:
/// AttributeName`) or a value out of its range.
pub fn check_attribute(name: &str, value: &str, fifo: bool) -> SnsResult<()> {
    let known = COMMON.contains(&name) || (fifo && FIFO_ONLY.contains(&name)) || is_feedback(name);
    if !known {
        return Err(SnsError::invalid_parameter("AttributeName"));
    }
    let bad = || SnsError::invalid_parameter(name);
    match name {
        "ArchivePolicy" if !value.is_empty() && value != "{}" => {
            json_object(name, value)?;
            crate::archive::retention_days(value).map(|_| ())
        }
        "Policy" if !value.is_empty() => json_object(name, value),
        "DeliveryPolicy" if !value.is_empty() => delivery_policy(value, true),
        "SignatureVersion" if !matches!(value, "1" | "2") => Err(bad()),
        "TracingConfig" if !matches!(value, "PassThrough" | "Active") => Err(bad()),
        "ContentBasedDeduplication" if !matches!(value, "true" | "false") => Err(bad()),
        "FifoThroughputScope" if !matches!(value, "Topic" | "MessageGroup") => Err(bad()),
        "MaximumMessageSize" => match value.parse::<i64>() {
            Ok(n) if (MIN_MESSAGE_SIZE..=MAX_MESSAGE_SIZE).contains(&n) => Ok(()),
            _ => Err(bad()),
        },
        n if n.ends_with("SampleRate") => match value.parse::<u32>() {
            Ok(0..=100) => Ok(()),
            _ => Err(bad()),
        },
        _ => Ok(()),
    }
}

/// The policy AWS writes on a new topic.
pub fn default_policy(arn: &str, account: &str) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish",
            ],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }],
    })
    .to_string()
}

/// The delivery policy in effect when none is set (AWS's defaults for HTTP/S).
pub fn default_effective_delivery_policy() -> String {
    json!({"http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": false,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }})
    .to_string()
}

impl Topic {
    pub fn new(region: &str, account: &str, name: &str, fifo: bool) -> Topic {
        Topic {
            arn: arn(region, account, name),
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            fifo,
            attributes: BTreeMap::new(),
            tags: BTreeMap::new(),
            data_protection_policy: None,
        }
    }

    /// The largest message it takes, in bytes (MaximumMessageSize, 256 KiB unless set).
    pub fn max_message_size(&self) -> usize {
        self.attributes
            .get("MaximumMessageSize")
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_MAX_MESSAGE_SIZE as usize)
    }

    /// An attribute's value as GetTopicAttributes shows it (set or default).
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.shown().remove(name)
    }

    /// Every attribute GetTopicAttributes shows.
    pub fn shown(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("TopicArn".to_string(), self.arn.clone());
        m.insert("Owner".to_string(), self.account.clone());
        m.insert("DisplayName".to_string(), String::new());
        m.insert("Policy".to_string(), default_policy(&self.arn, &self.account));
        m.insert("EffectiveDeliveryPolicy".to_string(), default_effective_delivery_policy());
        // MaximumMessageSize and FifoThroughputScope are shown once set, not before (recorded;
        // the defaults, 262144 and Topic, still apply).
        // The counts of a topic without subscriptions; GetTopicAttributes counts the real ones.
        for k in ["SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted"] {
            m.insert(k.to_string(), "0".to_string());
        }
        if self.fifo {
            m.insert("FifoTopic".to_string(), "true".to_string());
            m.insert("ContentBasedDeduplication".to_string(), "false".to_string());
        }
        for (k, v) in &self.attributes {
            if k == "Policy" && v.is_empty() {
                continue; // an empty policy puts the default back
            }
            if k == "DeliveryPolicy" && !v.is_empty() {
                m.insert("EffectiveDeliveryPolicy".to_string(), v.clone());
            }
            m.insert(k.clone(), v.clone());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arns() {
        assert!(valid_name("my-topic_1", false));
        assert!(!valid_name("my.topic", false));
        assert!(valid_name("t.fifo", true));
        assert!(!valid_name(".fifo", true));
        assert!(!valid_name(&"a".repeat(257), false));
        assert_eq!(parse_arn("arn:aws:sns:us-east-1:000000000000:t"), Some(("us-east-1", "000000000000", "t")));
        assert_eq!(parse_arn("arn:aws:sqs:us-east-1:000000000000:t"), None);
        assert_eq!(parse_arn("arn:aws:sns:us-east-1:000000000000:bad name"), None);
    }

    #[test]
    fn attributes_as_aws_checks_them() {
        assert!(check_attribute("DisplayName", "x", false).is_ok());
        assert_eq!(
            check_attribute("Nope", "x", false).unwrap_err().to_aws().message,
            "Invalid parameter: AttributeName"
        );
        assert!(check_attribute("ContentBasedDeduplication", "true", false).is_err());
        assert!(check_attribute("ContentBasedDeduplication", "true", true).is_ok());
        assert!(check_attribute("MaximumMessageSize", "1023", false).is_err());
        assert!(check_attribute("MaximumMessageSize", "1048576", false).is_ok());
        assert!(check_attribute("Policy", "[]", false).is_err());
        assert!(check_attribute("SQSSuccessFeedbackSampleRate", "100", false).is_ok());
        assert!(check_attribute("SignatureVersion", "3", false).is_err());
    }

    #[test]
    fn shown_with_defaults() {
        let mut t = Topic::new("us-east-1", "000000000000", "t.fifo", true);
        t.attributes.insert("DeliveryPolicy".into(), r#"{"http":{}}"#.into());
        let m = t.shown();
        assert_eq!(m["FifoTopic"], "true");
        assert_eq!(m["EffectiveDeliveryPolicy"], r#"{"http":{}}"#);
        assert!(!m.contains_key("MaximumMessageSize") && !m.contains_key("FifoThroughputScope"), "shown once set");
        assert_eq!(t.max_message_size(), 262_144);
        assert!(m["Policy"].contains("__default_policy_ID"));
    }
}
