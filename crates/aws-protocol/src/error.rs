//! The error every service error is mapped to at the protocol boundary, and its envelopes.

use crate::xml::XmlWriter;
use crate::Response;

/// An AWS error as it appears on the wire.
///
/// `shape` is the modeled error shape (the JSON `__type` after `#`); `code` is the classic
/// query-protocol code (for SQS, the `awsQueryError` code such as
/// `AWS.SimpleQueueService.NonExistentQueue`), which query clients read from the XML and JSON
/// clients from the `x-amzn-query-error` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub shape: String,
    pub code: String,
    pub status: u16,
    pub sender_fault: bool,
    pub message: String,
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
        }
    }

    /// `MissingParameter` (400): a required member is absent.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new("MissingParameter", 400, format!("The request must contain the parameter {name}."))
    }

    /// `InvalidParameterValue` (400) with a free-form message.
    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", 400, message)
    }

    /// `InvalidAction` (400): the operation is not known to the service.
    pub fn invalid_action(action: &str) -> Self {
        Self::new("InvalidAction", 400, format!("The action {action} is not valid for this endpoint."))
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

    /// The query protocol's `<ErrorResponse>` document.
    pub fn to_query_response(&self, xmlns: &str, request_id: &str) -> Response {
        let mut w = XmlWriter::new();
        w.open_ns("ErrorResponse", xmlns);
        w.open("Error");
        w.leaf("Type", if self.sender_fault { "Sender" } else { "Receiver" });
        w.leaf("Code", &self.code);
        w.leaf("Message", &self.message);
        w.empty("Detail");
        w.close("Error");
        w.leaf("RequestId", request_id);
        w.close("ErrorResponse");
        Response { status: self.status, content_type: "text/xml", headers: Vec::new(), body: w.finish().into() }
    }

    /// The AWS JSON 1.0 error body; with `query_compatible`, the `x-amzn-query-error` header
    /// too, so SDKs of awsQueryCompatible services report the classic code.
    pub fn to_json_response(&self, namespace: &str, query_compatible: bool) -> Response {
        let body = serde_json::json!({
            "__type": format!("{namespace}#{}", self.shape),
            "message": self.message,
        });
        let mut headers = Vec::new();
        if query_compatible {
            let fault = if self.sender_fault { "Sender" } else { "Receiver" };
            headers.push(("x-amzn-query-error", format!("{};{fault}", self.code)));
        }
        Response {
            status: self.status,
            content_type: "application/x-amz-json-1.0",
            headers,
            body: serde_json::to_vec(&body).unwrap_or_default().into(),
        }
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
        let r = e.to_query_response("http://queue.amazonaws.com/doc/2012-11-05/", "rid");
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>a &lt; b</Message><Detail/></Error><RequestId>rid</RequestId></ErrorResponse>"
        );
    }

    #[test]
    fn json_error_has_query_header() {
        let mut e = AwsError::new("QueueDoesNotExist", 400, "nope");
        e.code = "AWS.SimpleQueueService.NonExistentQueue".into();
        let r = e.to_json_response("com.amazonaws.sqs", true);
        assert_eq!(
            r.headers,
            vec![("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender".to_string())]
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(v["message"], "nope");
    }
}
