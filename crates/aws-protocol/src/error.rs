//! The error every service error is mapped to at the protocol boundary, and its envelopes.

use crate::xml::XmlWriter;
use crate::{Protocol, Response, ServiceRoutes};
use serde_json::json;

/// An AWS error as it appears on the wire.
///
/// `shape` is the modeled error shape (the JSON `__type` after `#`); `code` is the classic
/// query-protocol code (for SQS, the `awsQueryError` code such as
/// `AWS.SimpleQueueService.NonExistentQueue`), which query clients read from the XML and JSON
/// clients of query-compatible services from the `x-amzn-query-error` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub shape: String,
    pub code: String,
    pub status: u16,
    pub sender_fault: bool,
    pub message: String,
    /// Members of the error shape besides its message, as wire name and text (Amazon MQ's
    /// `errorAttribute`); written into JSON error bodies.
    pub fields: Vec<(&'static str, String)>,
}

impl AwsError {
    /// An error whose shape name and code are the same (the common errors).
    pub fn new(code: &str, status: u16, message: impl Into<String>) -> Self {
        AwsError {
            shape: code.to_string(),
            code: code.to_string(),
            status,
            sender_fault: status < 500,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The error with one more member in its JSON body.
    pub fn with_field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// `MissingAction` (400): a query request without `Action`.
    pub fn missing_action() -> Self {
        Self::new("MissingAction", 400, "Missing Action")
    }

    /// `InvalidQueryParameter` (400), AWS's common error for a query string it will not read:
    /// here, one with more than [`crate::query::MAX_PARAMETERS`] parameters.
    pub fn too_many_parameters() -> Self {
        Self::new(
            "InvalidQueryParameter",
            400,
            "The AWS query string is malformed or does not adhere to AWS standards.",
        )
    }

    /// `InvalidAction` (400): the operation is not known to the service.
    pub fn invalid_action(action: &str) -> Self {
        Self::new("InvalidAction", 400, format!("The action {action} is not valid for this endpoint."))
    }

    /// `UnknownOperationException` (400): a JSON target no service has.
    pub fn unknown_operation() -> Self {
        Self::new("UnknownOperationException", 400, "")
    }

    /// `InternalFailure` (501): a request for an AWS service Quayside does not emulate (named by
    /// its signing name or JSON target prefix), in LocalStack's code and status, saying which
    /// services are served.
    pub fn unknown_service(service: &str, served: &[String]) -> Self {
        let mut e = Self::new(
            "InternalFailure",
            501,
            format!(
                "Quayside does not emulate the service '{service}'; it serves {}.",
                served.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
            ),
        );
        e.sender_fault = false;
        e
    }

    /// `UnknownOperationException` (400) for a JSON target no served service has, saying
    /// which services are served.
    pub fn unknown_target(target: &str, served: &[String]) -> Self {
        Self::new(
            "UnknownOperationException",
            400,
            format!(
                "Quayside does not know the operation {target}; it serves {}.",
                served.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
            ),
        )
    }

    /// `NotImplemented` (501): the operation exists in AWS but not (yet) in Quayside.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        let mut e = Self::new(
            "NotImplemented",
            501,
            format!("{service} {operation} is not implemented by Quayside yet; see docs/compatibility.md."),
        );
        e.sender_fault = false;
        e
    }

    /// `InternalFailure` (500).
    pub fn internal(message: impl Into<String>) -> Self {
        let mut e = Self::new("InternalFailure", 500, message);
        e.sender_fault = false;
        e
    }

    fn fault(&self) -> &'static str {
        if self.sender_fault {
            "Sender"
        } else {
            "Receiver"
        }
    }

    /// The error in `protocol`'s envelope, for a service with these routing facts.
    pub fn to_response(&self, protocol: Protocol, routes: &ServiceRoutes, request_id: &str) -> Response {
        match protocol {
            Protocol::AwsQuery => self.to_query_response(&routes.xmlns, routes.query_error_detail, request_id),
            Protocol::AwsQueryJson => {
                let body = json!({"ErrorResponse": {
                    "Error": {"Type": self.fault(), "Code": self.code, "Message": self.message},
                    "RequestId": request_id,
                }});
                Response::json(self.status, "application/json", &body)
            }
            Protocol::AwsJson10 | Protocol::AwsJson11 | Protocol::Cbor11 | Protocol::RestJson => {
                // Coral's deserializer names its text `Message` (recorded for Kinesis).
                let capital = routes.serialization_message_capital && self.shape == "SerializationException";
                let key = if capital { "Message" } else { "message" };
                self.json_error(protocol, &routes.json_namespace, routes.query_compatible, key)
            }
        }
    }

    /// The query protocol's `<ErrorResponse>` document.
    pub fn to_query_response(&self, xmlns: &str, detail: bool, request_id: &str) -> Response {
        let mut w = XmlWriter::new();
        if xmlns.is_empty() {
            w.open("ErrorResponse");
        } else {
            w.open_ns("ErrorResponse", xmlns);
        }
        w.open("Error");
        w.leaf("Type", self.fault());
        w.leaf("Code", &self.code);
        w.leaf("Message", &self.message);
        if detail {
            w.empty("Detail");
        }
        w.close("Error");
        w.leaf("RequestId", request_id);
        w.close("ErrorResponse");
        Response::new(self.status, "text/xml", w.finish())
    }

    /// The AWS JSON error body (`{"__type", "message"}`, the same map in CBOR for CBOR
    /// requests); with `query_compatible`, the `x-amzn-query-error` header too, so SDKs of
    /// awsQueryCompatible services report the classic code.
    pub fn to_json_response(&self, protocol: Protocol, namespace: &str, query_compatible: bool) -> Response {
        self.json_error(protocol, namespace, query_compatible, "message")
    }

    /// [`to_json_response`](Self::to_json_response) with the text under `message_key`.
    fn json_error(&self, protocol: Protocol, namespace: &str, query_compatible: bool, message_key: &str) -> Response {
        let kind = if namespace.is_empty() { self.shape.clone() } else { format!("{namespace}#{}", self.shape) };
        // An error without words has no message at all (AWS's bare InternalFailure).
        let mut body = if self.message.is_empty() {
            json!({ "__type": kind })
        } else {
            json!({"__type": kind, message_key: self.message})
        };
        for (name, value) in &self.fields {
            body[*name] = value.clone().into();
        }
        let mut r = if protocol == Protocol::Cbor11 {
            Response::new(self.status, protocol.content_type(), crate::cbor::encode(None, None, &body))
        } else {
            Response::json(self.status, protocol.content_type(), &body)
        };
        if query_compatible {
            r.headers.push(("x-amzn-query-error", format!("{};{}", self.code, self.fault())));
        }
        if protocol == Protocol::RestJson {
            r.headers.push(("x-amzn-errortype", self.shape.clone()));
        }
        r
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_error_xml_is_byte_exact() {
        let e = AwsError::new("InvalidAction", 400, "a < b");
        let r = e.to_query_response("http://queue.amazonaws.com/doc/2012-11-05/", true, "rid");
        assert_eq!(
            std::str::from_utf8(r.bytes()).unwrap(),
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>a &lt; b</Message><Detail/></Error><RequestId>rid</RequestId></ErrorResponse>"
        );
    }

    #[test]
    fn json_error_has_query_header() {
        let mut e = AwsError::new("QueueDoesNotExist", 400, "nope");
        e.code = "AWS.SimpleQueueService.NonExistentQueue".into();
        let r = e.to_json_response(Protocol::AwsJson10, "com.amazonaws.sqs", true);
        assert_eq!(
            r.headers,
            vec![("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender".to_string())]
        );
        let v: serde_json::Value = serde_json::from_slice(r.bytes()).unwrap();
        assert_eq!(v["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(v["message"], "nope");
    }
}
