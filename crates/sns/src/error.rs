//! SNS's errors, named after AWS's error shapes; codes and statuses come from the model's
//! error facts (`InvalidParameterException` is `InvalidParameter`, 400; `NotFoundException` is
//! `NotFound`, 404), the one place those strings live.

use crate::model::model;
use aws_protocol::AwsError;

/// An SNS error: a modeled shape with AWS's message, or an internal failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnsError {
    Modeled { shape: &'static str, message: String },
    Internal(String),
}

pub type SnsResult<T> = Result<T, SnsError>;

impl SnsError {
    /// A modeled error by its shape name, with AWS's message.
    pub(crate) fn modeled(shape: &'static str, message: impl Into<String>) -> Self {
        SnsError::Modeled { shape, message: message.into() }
    }

    /// `InvalidParameter` with AWS's message as is, without "Invalid parameter: " (SetSMSAttributes,
    /// SMS endpoints: recorded).
    pub fn invalid_parameter_bare(message: impl Into<String>) -> Self {
        Self::modeled("InvalidParameterException", message)
    }

    /// `InvalidParameter`: "Invalid parameter: <what>".
    pub fn invalid_parameter(what: impl std::fmt::Display) -> Self {
        Self::modeled("InvalidParameterException", format!("Invalid parameter: {what}"))
    }
    /// `ParameterValueInvalid` (InvalidParameterValueException), with AWS's message as is.
    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::modeled("InvalidParameterValueException", message)
    }
    /// The generic `ValidationError` (400) for members the model checks.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::modeled("ValidationError", message)
    }
    pub fn topic_not_found() -> Self {
        Self::modeled("NotFoundException", "Topic does not exist")
    }
    pub fn subscription_not_found() -> Self {
        Self::modeled("NotFoundException", "Subscription does not exist")
    }
    pub fn resource_not_found() -> Self {
        Self::modeled("ResourceNotFoundException", "Resource does not exist")
    }
    pub fn tag_limit_exceeded() -> Self {
        Self::modeled("TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded")
    }

    /// AWS's message.
    pub fn message(&self) -> &str {
        match self {
            SnsError::Modeled { message, .. } | SnsError::Internal(message) => message,
        }
    }

    /// The classic code (for tests and logs).
    pub fn code(&self) -> String {
        self.to_aws().code
    }

    /// Maps to the protocol-level error.
    pub fn to_aws(&self) -> AwsError {
        match self {
            SnsError::Modeled { shape, message } => {
                let facts = model().error_facts(shape);
                let (code, status, sender) = match facts {
                    Some(f) => (f.code, f.status, f.sender_fault),
                    None => (shape.to_string(), 400, true),
                };
                AwsError {
                    shape: shape.to_string(),
                    code,
                    status,
                    sender_fault: sender,
                    message: message.clone(),
                    fields: Vec::new(),
                }
            }
            SnsError::Internal(m) => {
                let mut e = AwsError::new("InternalError", 500, m.clone());
                e.sender_fault = false;
                e
            }
        }
    }
}

impl From<store::Error> for SnsError {
    fn from(e: store::Error) -> Self {
        tracing::error!("sns: store error: {e}");
        SnsError::Internal("We encountered an internal error. Please try again.".into())
    }
}

impl std::fmt::Display for SnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_aws())
    }
}

impl std::error::Error for SnsError {}

/// SNS's reading of its input: ARNs' shapes first, then the model in [`input_error`]'s words.
pub const INPUT_RULES: service::codec::InputRules =
    service::codec::InputRules { first: arns_first, error: input_error, body: |e| e };

/// A malformed ARN is reported before any missing member (recorded:
/// SetPlatformApplicationAttributes("invalid-arn") without Attributes answers the ARN's element
/// count, not the missing Attributes).
fn arns_first(_operation: &str, input: &serde_json::Value) -> Result<(), aws_protocol::AwsError> {
    for member in ["TopicArn", "PlatformApplicationArn"] {
        if let Some(arn) = input[member].as_str() {
            crate::arn::check_parts(arn, member).map_err(|e| e.to_aws())?;
        }
    }
    Ok(())
}

/// How an input that does not fit the model reads on SNS's wire (recorded: SNS never answers
/// MissingParameter). A missing top-level scalar is `InvalidParameter` "Invalid parameter:
/// <Member> Reason: no value for required parameter" (Unsubscribe without SubscriptionArn); a
/// missing structure, list or map, or any missing nested member, is `ValidationError` "1
/// validation error detected: Value null at '<path>' ..." (CreatePlatformApplication without
/// Attributes; a message attribute without DataType at
/// `messageAttributes.attr1.member.dataType`). The rest reads as AWS's generic errors.
pub fn input_error(e: aws_protocol::model::InputError, protocol: aws_protocol::Protocol) -> aws_protocol::AwsError {
    use aws_protocol::model::InputError;
    match e {
        InputError::Missing { member, path, scalar: true, .. } if !path.contains('.') => {
            SnsError::invalid_parameter(format!("{member} Reason: no value for required parameter")).to_aws()
        }
        e @ InputError::Missing { .. } => {
            aws_protocol::AwsError::new("ValidationError", 400, e.validation_message().unwrap_or_default())
        }
        InputError::Many(mut all) if !all.is_empty() => input_error(all.remove(0), protocol),
        other => service::codec::generic_input_error(other, protocol),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_model() {
        let e = SnsError::topic_not_found().to_aws();
        assert_eq!((e.code.as_str(), e.status), ("NotFound", 404));
        let e = SnsError::invalid_parameter("TopicArn").to_aws();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("InvalidParameter", 400, "Invalid parameter: TopicArn")
        );
        assert_eq!(SnsError::resource_not_found().to_aws().code, "ResourceNotFound");
        assert_eq!(SnsError::tag_limit_exceeded().to_aws().code, "TagLimitExceeded");
    }
}
