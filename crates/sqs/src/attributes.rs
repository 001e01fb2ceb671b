//! Queue attributes: parsing and validating what CreateQueue and SetQueueAttributes are given,
//! and rendering them for GetQueueAttributes.

use crate::error::{SqsError, SqsResult};
use crate::limits::*;
use std::collections::BTreeMap;

/// The settable attributes of a queue, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAttributes {
    pub delay_seconds: i64,
    pub maximum_message_size: i64,
    pub message_retention_period: i64,
    pub receive_message_wait_time_seconds: i64,
    pub visibility_timeout: i64,
    pub redrive_policy: Option<RedrivePolicy>,
    /// Stored as given (validated JSON).
    pub redrive_allow_policy: Option<String>,
    pub policy: Option<String>,
    pub kms_master_key_id: Option<String>,
    pub kms_data_key_reuse_period_seconds: i64,
    pub sqs_managed_sse_enabled: bool,
    pub fifo_queue: bool,
    pub content_based_deduplication: bool,
    pub deduplication_scope: DedupScope,
    pub fifo_throughput_limit: ThroughputLimit,
}

/// Where FIFO de-duplication ids are unique (`DeduplicationScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupScope {
    Queue,
    MessageGroup,
}

/// `FifoThroughputLimit`: stored and returned (the emulator does not throttle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThroughputLimit {
    PerQueue,
    PerMessageGroupId,
}

impl DedupScope {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "queue" => Some(DedupScope::Queue),
            "messageGroup" => Some(DedupScope::MessageGroup),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            DedupScope::Queue => "queue",
            DedupScope::MessageGroup => "messageGroup",
        }
    }
}

impl ThroughputLimit {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "perQueue" => Some(ThroughputLimit::PerQueue),
            "perMessageGroupId" => Some(ThroughputLimit::PerMessageGroupId),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ThroughputLimit::PerQueue => "perQueue",
            ThroughputLimit::PerMessageGroupId => "perMessageGroupId",
        }
    }
}

/// Where messages go after `max_receive_count` receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: i64,
}

impl RedrivePolicy {
    /// The normalized JSON AWS returns (`maxReceiveCount` as a number).
    pub fn to_json(&self) -> String {
        serde_json::json!({"deadLetterTargetArn": self.dead_letter_target_arn, "maxReceiveCount": self.max_receive_count})
            .to_string()
    }
}

impl QueueAttributes {
    /// The defaults of a new queue.
    pub fn new(fifo: bool) -> Self {
        QueueAttributes {
            delay_seconds: 0,
            maximum_message_size: MAX_MESSAGE_SIZE,
            message_retention_period: DEFAULT_RETENTION,
            receive_message_wait_time_seconds: 0,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
            redrive_policy: None,
            redrive_allow_policy: None,
            policy: None,
            kms_master_key_id: None,
            kms_data_key_reuse_period_seconds: DEFAULT_KMS_REUSE,
            sqs_managed_sse_enabled: true,
            fifo_queue: fifo,
            content_based_deduplication: false,
            deduplication_scope: DedupScope::Queue,
            fifo_throughput_limit: ThroughputLimit::PerQueue,
        }
    }

    /// Applies one attribute from CreateQueue or SetQueueAttributes.
    ///
    /// Errors: `InvalidAttributeName` for a name this queue type does not have (and for the
    /// read-only ones), `InvalidAttributeValue` / `InvalidParameterValue` for a bad value, as AWS.
    pub fn apply(&mut self, name: &str, value: &str) -> SqsResult<()> {
        match name {
            "DelaySeconds" => self.delay_seconds = int_in(name, value, 0, MAX_DELAY_SECONDS)?,
            "MaximumMessageSize" => {
                self.maximum_message_size = int_in(name, value, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE)?
            }
            "MessageRetentionPeriod" => {
                self.message_retention_period = int_in(name, value, MIN_RETENTION, MAX_RETENTION)?
            }
            "ReceiveMessageWaitTimeSeconds" => {
                self.receive_message_wait_time_seconds = int_in(name, value, 0, MAX_WAIT_SECONDS)?
            }
            "VisibilityTimeout" => self.visibility_timeout = int_in(name, value, 0, MAX_VISIBILITY_TIMEOUT)?,
            "KmsDataKeyReusePeriodSeconds" => {
                self.kms_data_key_reuse_period_seconds = int_in(name, value, MIN_KMS_REUSE, MAX_KMS_REUSE)?
            }
            "KmsMasterKeyId" => {
                self.kms_master_key_id = if value.is_empty() { None } else { Some(value.to_string()) };
                if self.kms_master_key_id.is_some() {
                    self.sqs_managed_sse_enabled = false;
                }
            }
            "SqsManagedSseEnabled" => {
                self.sqs_managed_sse_enabled = bool_value(name, value)?;
                if self.sqs_managed_sse_enabled {
                    self.kms_master_key_id = None;
                }
            }
            "Policy" => {
                if value.is_empty() {
                    self.policy = None;
                } else {
                    json_object(name, value, None)?;
                    self.policy = Some(value.to_string());
                }
            }
            "RedrivePolicy" => {
                self.redrive_policy = if value.is_empty() { None } else { Some(parse_redrive_policy(value)?) }
            }
            "RedriveAllowPolicy" => {
                if value.is_empty() {
                    self.redrive_allow_policy = None;
                } else {
                    validate_redrive_allow_policy(value)?;
                    self.redrive_allow_policy = Some(value.to_string());
                }
            }
            // Only a FIFO queue has it, and only as true (creating or setting it again); false
            // there would change the queue's type (recorded).
            "FifoQueue" if self.fifo_queue => {
                if !value.eq_ignore_ascii_case("true") {
                    return Err(SqsError::invalid_attribute_value(
                        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
                    ));
                }
            }
            "ContentBasedDeduplication" if self.fifo_queue => {
                self.content_based_deduplication = bool_value(name, value)?
            }
            "DeduplicationScope" if self.fifo_queue => {
                self.deduplication_scope = DedupScope::parse(value).ok_or_else(|| invalid_value(name))?
            }
            "FifoThroughputLimit" if self.fifo_queue => {
                self.fifo_throughput_limit = ThroughputLimit::parse(value).ok_or_else(|| invalid_value(name))?
            }
            // FIFO attributes a standard queue cannot take have their own words (recorded).
            "DeduplicationScope" | "FifoThroughputLimit" => {
                return Err(SqsError::invalid_attribute_name(format!(
                    "You can specify the {name} only when FifoQueue is set to true."
                )))
            }
            _ => return Err(SqsError::invalid_attribute_name(format!("Unknown Attribute {name}."))),
        }
        Ok(())
    }

    /// Checks combinations that only make sense together, after all attributes are applied.
    pub fn check_consistency(&self) -> SqsResult<()> {
        if self.fifo_throughput_limit == ThroughputLimit::PerMessageGroupId
            && self.deduplication_scope != DedupScope::MessageGroup
        {
            return Err(SqsError::invalid_attribute_value(
                "Invalid value for the parameter FifoThroughputLimit. Reason: To set FifoThroughputLimit to perMessageGroupId, the DeduplicationScope must be messageGroup.",
            ));
        }
        Ok(())
    }

    /// The settable attributes as AWS shows them (names and string values).
    pub fn to_map(&self) -> BTreeMap<&'static str, String> {
        let mut m = BTreeMap::new();
        m.insert("DelaySeconds", self.delay_seconds.to_string());
        m.insert("MaximumMessageSize", self.maximum_message_size.to_string());
        m.insert("MessageRetentionPeriod", self.message_retention_period.to_string());
        m.insert("ReceiveMessageWaitTimeSeconds", self.receive_message_wait_time_seconds.to_string());
        m.insert("VisibilityTimeout", self.visibility_timeout.to_string());
        m.insert("SqsManagedSseEnabled", self.sqs_managed_sse_enabled.to_string());
        if let Some(r) = &self.redrive_policy {
            m.insert("RedrivePolicy", r.to_json());
        }
        if let Some(r) = &self.redrive_allow_policy {
            m.insert("RedriveAllowPolicy", r.clone());
        }
        if let Some(p) = &self.policy {
            m.insert("Policy", p.clone());
        }
        if let Some(k) = &self.kms_master_key_id {
            m.insert("KmsMasterKeyId", k.clone());
            m.insert("KmsDataKeyReusePeriodSeconds", self.kms_data_key_reuse_period_seconds.to_string());
        }
        if self.fifo_queue {
            m.insert("FifoQueue", "true".into());
            m.insert("ContentBasedDeduplication", self.content_based_deduplication.to_string());
            m.insert("DeduplicationScope", self.deduplication_scope.as_str().into());
            m.insert("FifoThroughputLimit", self.fifo_throughput_limit.as_str().into());
        }
        m
    }

    /// Rebuilds attributes from what [`to_map`](Self::to_map) stored.
    pub fn from_map(map: &BTreeMap<String, String>) -> Self {
        let fifo = map.get("FifoQueue").map(|v| v == "true").unwrap_or(false);
        let mut a = QueueAttributes::new(fifo);
        // Order matters for the KMS pair: the key id wins over the SSE flag, as it was stored.
        for (k, v) in map.iter().filter(|(k, _)| k.as_str() != "FifoQueue" && k.as_str() != "KmsMasterKeyId") {
            let _ = a.apply(k, v);
        }
        if let Some(k) = map.get("KmsMasterKeyId") {
            let _ = a.apply("KmsMasterKeyId", k);
        }
        a
    }
}

/// Every attribute name GetQueueAttributes accepts.
pub const ALL_ATTRIBUTE_NAMES: &[&str] = &[
    "All",
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
];

fn invalid_value(name: &str) -> SqsError {
    SqsError::invalid_attribute_value(format!("Invalid value for the parameter {name}."))
}

fn int_in(name: &str, value: &str, min: i64, max: i64) -> SqsResult<i64> {
    // AWS reads the digits exactly: " 6" and "6.0" are not numbers to it.
    match value.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid_value(name)),
    }
}

fn bool_value(name: &str, value: &str) -> SqsResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid_value(name)),
    }
}

/// A JSON object attribute value. AWS answers InvalidAttributeValue for one that is not a JSON
/// map (recorded: "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not
/// a valid JSON map.").
fn json_object(name: &str, value: &str, reason: Option<&str>) -> SqsResult<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(SqsError::invalid_attribute_value(match reason {
            Some(r) => format!("Invalid value for the parameter {name}. Reason: {r}"),
            None => format!("Invalid value for the parameter {name}."),
        })),
    }
}

fn parse_redrive_policy(value: &str) -> SqsResult<RedrivePolicy> {
    let name = "RedrivePolicy";
    let m = json_object(name, value, Some("Redrive policy is not a valid JSON map."))?;
    let arn = m.get("deadLetterTargetArn").and_then(|v| v.as_str());
    let count = m.get("maxReceiveCount");
    let (Some(arn), Some(count)) = (arn, count) else {
        return Err(SqsError::invalid_value(
            value,
            name,
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn, maxReceiveCount.",
        ));
    };
    let n = match count {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (1..=MAX_RECEIVE_COUNT).contains(&n) => {
            Ok(RedrivePolicy { dead_letter_target_arn: arn.to_string(), max_receive_count: n })
        }
        _ => Err(SqsError::invalid_value(
            value,
            name,
            &format!(
                "Invalid value for maxReceiveCount: {}, valid values are from 1 to 1000 both inclusive.",
                count.as_str().map(str::to_string).unwrap_or_else(|| count.to_string())
            ),
        )),
    }
}

fn validate_redrive_allow_policy(value: &str) -> SqsResult<()> {
    let name = "RedriveAllowPolicy";
    let reason = "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.";
    let m = json_object(name, value, Some(reason))?;
    let permission = m.get("redrivePermission").and_then(|v| v.as_str());
    let sources = m.get("sourceQueueArns").and_then(|v| v.as_array());
    match permission {
        Some("allowAll") | Some("denyAll") if sources.is_none_or(|s| s.is_empty()) => Ok(()),
        Some("byQueue") if sources.is_some_and(|s| (1..=10).contains(&s.len())) => Ok(()),
        _ => {
            Err(SqsError::invalid_attribute_value(format!("Invalid value for the parameter {name}. Reason: {reason}")))
        }
    }
}

impl RedrivePolicy {
    /// Whether `source_arn` may use the queue with this allow policy as its dead-letter queue.
    pub fn allowed_by(allow_policy: Option<&str>, source_arn: &str) -> bool {
        let Some(p) = allow_policy else { return true };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(p) else {
            return true;
        };
        match v["redrivePermission"].as_str() {
            Some("denyAll") => false,
            Some("byQueue") => {
                v["sourceQueueArns"].as_array().is_some_and(|a| a.iter().any(|s| s.as_str() == Some(source_arn)))
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_names() {
        let mut a = QueueAttributes::new(false);
        a.apply("DelaySeconds", "900").unwrap();
        assert_eq!(a.apply("DelaySeconds", "901").unwrap_err().code(), "InvalidAttributeValue");
        assert_eq!(a.apply("Nope", "1").unwrap_err().code(), "InvalidAttributeName");
        assert_eq!(a.apply("DelaySeconds", " 6").unwrap_err().code(), "InvalidAttributeValue");
        assert_eq!(a.apply("FifoQueue", "false").unwrap_err().message(), "Unknown Attribute FifoQueue.");
        assert_eq!(a.apply("ContentBasedDeduplication", "true").unwrap_err().code(), "InvalidAttributeName");
        let mut f = QueueAttributes::new(true);
        f.apply("FifoQueue", "true").unwrap();
        assert_eq!(f.apply("FifoQueue", "false").unwrap_err().code(), "InvalidAttributeValue", "recorded");
        assert_eq!(
            a.apply("DeduplicationScope", "queue").unwrap_err().message(),
            "You can specify the DeduplicationScope only when FifoQueue is set to true."
        );
        f.apply("ContentBasedDeduplication", "true").unwrap();
        f.apply("FifoThroughputLimit", "perMessageGroupId").unwrap();
        assert!(f.check_consistency().is_err());
        f.apply("DeduplicationScope", "messageGroup").unwrap();
        f.check_consistency().unwrap();
    }

    #[test]
    fn malformed_policies_are_invalid_attribute_values() {
        let mut a = QueueAttributes::new(false);
        let e = a.apply("RedrivePolicy", "not json").unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeValue");
        assert_eq!(
            e.message(),
            "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map."
        );
        assert_eq!(a.apply("Policy", "[1]").unwrap_err().code(), "InvalidAttributeValue");
        assert_eq!(
            a.apply("RedriveAllowPolicy", r#"{"redrivePermission":"x"}"#).unwrap_err().code(),
            "InvalidAttributeValue"
        );
    }

    #[test]
    fn redrive_policy_normalized_and_round_trips() {
        let mut a = QueueAttributes::new(false);
        a.apply(
            "RedrivePolicy",
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":"3"}"#,
        )
        .unwrap();
        assert_eq!(
            a.to_map()["RedrivePolicy"],
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":3}"#
        );
        let e = a.apply("RedrivePolicy", r#"{"deadLetterTargetArn":"x","maxReceiveCount":0}"#).unwrap_err();
        assert!(e
            .message()
            .ends_with("Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive."));
        a.apply("KmsMasterKeyId", "alias/aws/sqs").unwrap();
        let stored: BTreeMap<String, String> = a.to_map().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(QueueAttributes::from_map(&stored), a);
    }
}
