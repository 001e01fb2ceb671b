//! SQS's errors, named after AWS's error shapes. Their wire codes and statuses come from the
//! model fixture (`fixtures/models/sqs-errors.json`), the one place those strings live.

use aws_protocol::{AwsError, Protocol};
use std::collections::HashMap;
use std::sync::OnceLock;

/// An SQS error: a modeled shape (`QueueDoesNotExist`, ...) or a common AWS error
/// (`InvalidParameterValue`, `MissingParameter`, ...), with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqsError {
    /// A shape from the SQS model; the code and status are looked up in the error table.
    Modeled { shape: &'static str, message: String },
    /// A common error (same code and shape name) with its own status.
    Common { code: &'static str, status: u16, message: String },
    /// Something broke inside Quayside (the store failed); a 500.
    Internal(String),
}

pub type SqsResult<T> = Result<T, SqsError>;

struct ErrorFacts {
    code: String,
    status: u16,
}

fn table() -> &'static HashMap<String, ErrorFacts> {
    static T: OnceLock<HashMap<String, ErrorFacts>> = OnceLock::new();
    T.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(include_str!("../../../fixtures/models/sqs-errors.json"))
            .expect("fixtures/models/sqs-errors.json is valid JSON (checked by a unit test)");
        let mut m = HashMap::new();
        if let Some(obj) = v.as_object() {
            for (shape, facts) in obj {
                if let (Some(code), Some(status)) = (facts["code"].as_str(), facts["status"].as_u64()) {
                    m.insert(shape.clone(), ErrorFacts { code: code.to_string(), status: status as u16 });
                }
            }
        }
        m
    })
}

impl SqsError {
    fn modeled(shape: &'static str, message: impl Into<String>) -> Self {
        SqsError::Modeled { shape, message: message.into() }
    }

    pub fn queue_does_not_exist() -> Self {
        Self::modeled("QueueDoesNotExist", "The specified queue does not exist.")
    }
    pub fn queue_name_exists(message: impl Into<String>) -> Self {
        Self::modeled("QueueNameExists", message)
    }
    pub fn queue_deleted_recently() -> Self {
        Self::modeled(
            "QueueDeletedRecently",
            "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
        )
    }
    pub fn receipt_handle_is_invalid(handle: &str) -> Self {
        Self::modeled(
            "ReceiptHandleIsInvalid",
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    }
    pub fn message_not_inflight() -> Self {
        Self::modeled("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
    }
    pub fn invalid_attribute_name(message: impl Into<String>) -> Self {
        Self::modeled("InvalidAttributeName", message)
    }
    pub fn invalid_attribute_value(message: impl Into<String>) -> Self {
        Self::modeled("InvalidAttributeValue", message)
    }
    pub fn invalid_message_contents(message: impl Into<String>) -> Self {
        Self::modeled("InvalidMessageContents", message)
    }
    pub fn invalid_address(address: &str) -> Self {
        Self::modeled("InvalidAddress", format!("The address {address} is not valid for this endpoint."))
    }
    pub fn empty_batch(entry: &str) -> Self {
        Self::modeled("EmptyBatchRequest", format!("There should be at least one {entry} in the request."))
    }
    pub fn too_many_entries(n: usize) -> Self {
        Self::modeled(
            "TooManyEntriesInBatchRequest",
            format!("Maximum number of entries per request are 10. You have sent {n}."),
        )
    }
    pub fn ids_not_distinct(id: &str) -> Self {
        Self::modeled("BatchEntryIdsNotDistinct", format!("Id {id} repeated."))
    }
    pub fn invalid_batch_entry_id() -> Self {
        Self::modeled(
            "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
        )
    }
    pub fn batch_request_too_long(limit: usize, sent: usize) -> Self {
        Self::modeled(
            "BatchRequestTooLong",
            format!("Batch requests cannot be longer than {limit} bytes. You have sent {sent} bytes."),
        )
    }
    pub fn purge_in_progress(queue: &str) -> Self {
        Self::modeled(
            "PurgeQueueInProgress",
            format!("Only one PurgeQueue operation on {queue} is allowed every 60 seconds."),
        )
    }
    pub fn over_limit(message: impl Into<String>) -> Self {
        Self::modeled("OverLimit", message)
    }
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::modeled("ResourceNotFoundException", message)
    }
    pub fn unsupported_operation(message: impl Into<String>) -> Self {
        Self::modeled("UnsupportedOperation", message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        SqsError::Common {
            code: "MissingParameter",
            status: 400,
            message: format!("The request must contain the parameter {name}."),
        }
    }
    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        SqsError::Common { code: "InvalidParameterValue", status: 400, message: message.into() }
    }
    /// `Value {value} for parameter {name} is invalid. Reason: {reason}` — AWS's usual wording.
    pub fn invalid_value(value: impl std::fmt::Display, name: &str, reason: &str) -> Self {
        Self::invalid_parameter_value(format!("Value {value} for parameter {name} is invalid. Reason: {reason}"))
    }
    /// `InvalidAction`: the operation is not part of the SQS API.
    pub fn invalid_action(operation: &str) -> Self {
        SqsError::Common {
            code: "InvalidAction",
            status: 400,
            message: format!("The action {operation} is not valid for this endpoint."),
        }
    }
    pub fn serialization(message: impl Into<String>) -> Self {
        SqsError::Common { code: "SerializationException", status: 400, message: message.into() }
    }

    /// The wire code (for batch result entries, which carry the code but no envelope).
    /// `QueueDoesNotExist` (for callers that branch on it, such as the typed door).
    pub fn is_queue_does_not_exist(&self) -> bool {
        matches!(self, SqsError::Modeled { shape: "QueueDoesNotExist", .. })
    }

    pub fn code(&self) -> String {
        self.to_aws(Protocol::AwsQuery).code
    }

    /// The human message.
    pub fn message(&self) -> &str {
        match self {
            SqsError::Modeled { message, .. } | SqsError::Common { message, .. } | SqsError::Internal(message) => {
                message
            }
        }
    }

    /// Maps to the protocol-level error as `protocol` carries it. Over JSON, the common errors'
    /// `__type` is their JSON name (`InvalidParameterValueException`) while
    /// `x-amzn-query-error` keeps the classic code; over query, a missing queue says so "for
    /// this wsdl version", as AWS words it.
    pub fn to_aws(&self, protocol: Protocol) -> AwsError {
        match self {
            SqsError::Modeled { shape, message } => {
                let (code, status) = match table().get(*shape) {
                    Some(f) => (f.code.clone(), f.status),
                    None => (shape.to_string(), 400),
                };
                let message = if *shape == "QueueDoesNotExist" && protocol.is_query() {
                    format!("{} for this wsdl version.", message.trim_end_matches('.'))
                } else {
                    message.clone()
                };
                AwsError {
                    shape: shape.to_string(),
                    code,
                    status,
                    sender_fault: status < 500,
                    message,
                    fields: Vec::new(),
                }
            }
            SqsError::Common { code, status, message } => {
                let mut e = AwsError::new(code, *status, message.clone());
                if !protocol.is_query() {
                    e.shape = json_name(code).to_string();
                }
                e
            }
            SqsError::Internal(m) => AwsError::internal(m.clone()),
        }
    }
}

/// The JSON protocol's shape name of a common error.
fn json_name(code: &str) -> &str {
    match code {
        "InvalidParameterValue" => "InvalidParameterValueException",
        "MissingParameter" => "MissingRequiredParameterException",
        "InvalidParameterCombination" => "InvalidParameterCombinationException",
        "InvalidQueryParameter" => "InvalidQueryParameterException",
        other => other,
    }
}

impl From<store::Error> for SqsError {
    fn from(e: store::Error) -> Self {
        tracing::error!("sqs: store error: {e}");
        SqsError::Internal("We encountered an internal error. Please try again.".into())
    }
}

impl std::fmt::Display for SqsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_aws(Protocol::AwsQuery))
    }
}

impl std::error::Error for SqsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_error_has_facts() {
        for name in crate::model::error_shapes() {
            assert!(table().contains_key(name), "{name} has no entry in sqs-errors.json");
        }
        let e = SqsError::queue_does_not_exist().to_aws(Protocol::AwsJson10);
        assert_eq!((e.code.as_str(), e.status), ("AWS.SimpleQueueService.NonExistentQueue", 400));
        assert_eq!(e.message, "The specified queue does not exist.");
        let q = SqsError::queue_does_not_exist().to_aws(Protocol::AwsQuery);
        assert_eq!(q.message, "The specified queue does not exist for this wsdl version.");
        assert_eq!(SqsError::receipt_handle_is_invalid("x").to_aws(Protocol::AwsQuery).status, 404);
        let j = SqsError::missing_parameter("X").to_aws(Protocol::AwsJson10);
        assert_eq!((j.shape.as_str(), j.code.as_str()), ("MissingRequiredParameterException", "MissingParameter"));
    }
}
