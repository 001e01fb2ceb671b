//! SQS's trimmed model (`fixtures/models/sqs.json`) and how its input errors read on SQS's
//! wire: the generic checker lives in [`aws_protocol::model`].

use crate::error::SqsError;
use aws_protocol::model::{InputError, Model};
use serde_json::Value;
use std::sync::OnceLock;

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        Model::parse(include_str!("../../../fixtures/models/sqs.json"))
            .expect("fixtures/models/sqs.json is a valid model (checked by a unit test)")
    })
}

/// Every operation the SQS API has.
pub fn operations() -> Vec<&'static str> {
    model().operations()
}

/// Whether the SQS API has this operation (no allocation: it runs on every request).
pub fn has_operation(operation: &str) -> bool {
    model().has_operation(operation)
}

/// Whether the operation has an output structure (query responses then carry a `<..Result>`).
pub fn has_output(operation: &str) -> bool {
    model().has_output(operation)
}

/// The model's error shapes (each must have wire facts in `sqs-errors.json`).
pub fn error_shapes() -> Vec<&'static str> {
    model().error_shapes()
}

/// Checks `input` against the operation's input shape (converting query strings in place).
///
/// Errors: `MissingParameter` for an absent required member; for a value of the wrong type,
/// `InvalidParameterValue` from a query request, `SerializationException` from a JSON one.
pub fn check_input(operation: &str, input: &mut Value, from_query: bool) -> Result<(), SqsError> {
    model().check_input(operation, input, from_query).map_err(|e| match e {
        InputError::Missing { member } => SqsError::missing_parameter(&member),
        InputError::Type { member, expected, value, from_query: true } => {
            SqsError::invalid_value(value, &member, &format!("Must be a {expected}."))
        }
        InputError::Type { member, expected, .. } => {
            SqsError::serialization(format!("Value for parameter {member} must be a {expected}."))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn has_all_operations() {
        assert_eq!(operations().len(), 23);
    }

    #[test]
    fn errors_read_as_sqs_answers_them() {
        let mut v = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "5"});
        check_input("SendMessage", &mut v, true).unwrap();
        assert_eq!(v["DelaySeconds"], 5);
        let mut v = json!({"QueueUrl": "u"});
        assert_eq!(check_input("SendMessage", &mut v, false).unwrap_err().code(), "MissingParameter");
        let mut v = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "x"});
        assert_eq!(check_input("SendMessage", &mut v, false).unwrap_err().code(), "SerializationException");
        let mut v = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "x"});
        assert_eq!(check_input("SendMessage", &mut v, true).unwrap_err().code(), "InvalidParameterValue");
        let mut v = json!({"QueueUrl": "u", "Entries": [{"Id": "a"}]});
        assert_eq!(
            check_input("SendMessageBatch", &mut v, false).unwrap_err().message(),
            "The request must contain the parameter MessageBody."
        );
    }
}
