//! SQS's trimmed model (`fixtures/models/sqs.json`) and how its input errors read on SQS's
//! wire: the generic checker lives in [`aws_protocol::model`].

use crate::error::SqsError;
use aws_protocol::model::{InputError, Model};
use serde_json::Value;
use std::sync::OnceLock;

/// The model, parsed once.
pub(crate) fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        Model::parse(include_str!("../../../fixtures/models/sqs.json"))
            .expect("fixtures/models/sqs.json is a valid model (checked by a unit test)")
    })
}

/// Whether the SQS API has this operation (no allocation: it runs on every request).
pub(crate) fn has_operation(operation: &str) -> bool {
    model().has_operation(operation)
}

/// Whether the operation acts on one queue (its input has a QueueUrl); the others are
/// account-level and not valid on a queue's URL.
pub(crate) fn is_queue_operation(operation: &str) -> bool {
    model().input_shape(operation).is_some_and(|s| model().shape(s)["members"].get("QueueUrl").is_some())
}

/// The model's error shapes (each must have wire facts in `sqs-errors.json`).
#[cfg(test)]
pub(crate) fn error_shapes() -> Vec<&'static str> {
    model().error_shapes()
}

/// How an input error reads on SQS's wire: `MissingParameter` for an absent required member;
/// for a value of the wrong type, `InvalidParameterValue` from a query request,
/// `SerializationException` from a JSON one. SQS's model constrains nothing its handlers do
/// not check themselves with SQS's own wording, so constraint errors do not arise.
pub(crate) fn input_error(e: InputError) -> SqsError {
    match e {
        // AWS names a batch entry's member with its entry: SendMessageBatchRequestEntry.1.MessageBody.
        InputError::Missing { query_name, .. } => SqsError::missing_parameter(&query_name),
        InputError::Type { member, expected, value, from_query: true, .. } => {
            SqsError::invalid_value(value, &member, &format!("Must be a {expected}."))
        }
        InputError::Type { member, expected, .. } => {
            SqsError::serialization(format!("Value for parameter {member} must be a {expected}."))
        }
        // A body's bytes that are not UTF-8 are no characters SQS allows.
        InputError::Encoding { member, .. } if member == "MessageBody" => SqsError::invalid_message_contents(
            "Invalid binary character was found in the message body: its bytes are not valid UTF-8, the set of \
             allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].",
        ),
        InputError::Encoding { query_name, .. } => SqsError::invalid_parameter_value(format!(
            "Value for parameter {query_name} is invalid. Reason: its bytes are not valid UTF-8."
        )),
        InputError::Constraint { member, value, constraint, .. } => {
            SqsError::invalid_value(value, &member, &constraint)
        }
        // SQS's model does not report every violation; the first one stands for all.
        InputError::Many(mut all) if !all.is_empty() => input_error(all.remove(0)),
        InputError::Many(_) => SqsError::serialization("The request is invalid."),
    }
}

/// Checks a decoded `input` against the operation's input shape (presence and types).
///
/// Errors: see [`input_error`].
pub(crate) fn check_input(operation: &str, input: &Value) -> Result<(), SqsError> {
    model().check_input(operation, input, false).map_err(input_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn has_all_operations() {
        assert_eq!(model().operations().len(), 23);
        assert!(is_queue_operation("SendMessage") && !is_queue_operation("ListQueues"));
    }

    #[test]
    fn errors_read_as_sqs_answers_them() {
        assert_eq!(check_input("SendMessage", &json!({"QueueUrl": "u"})).unwrap_err().code(), "MissingParameter");
        let bad = json!({"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": "x"});
        assert_eq!(check_input("SendMessage", &bad).unwrap_err().code(), "SerializationException");
        let q = aws_protocol::query::QueryParams::parse(b"QueueUrl=u&MessageBody=b&DelaySeconds=x");
        assert_eq!(input_error(q.decode(model(), "SendMessage").unwrap_err()).code(), "InvalidParameterValue");
        let e = check_input("SendMessageBatch", &json!({"QueueUrl": "u", "Entries": [{"Id": "a"}]})).unwrap_err();
        assert_eq!(e.message(), "The request must contain the parameter SendMessageBatchRequestEntry.1.MessageBody.");
    }
}
