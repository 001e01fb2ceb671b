//! The wire protocol of one request, chosen once by the router and used for its answer, its
//! errors included.

/// One of the protocols AWS's SDKs speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// AWS query: form POST or GET with `Action=`, answered in XML.
    AwsQuery,
    /// AWS query answered in JSON, for a client that sent `Accept: application/json`.
    AwsQueryJson,
    /// AWS JSON 1.0 (`X-Amz-Target`, `application/x-amz-json-1.0`).
    AwsJson10,
    /// AWS JSON 1.1 (`application/x-amz-json-1.1`).
    AwsJson11,
    /// CBOR with the JSON protocol's shapes (`application/x-amz-cbor-1.1`; Kinesis).
    Cbor11,
    /// REST with JSON bodies (Amazon MQ).
    RestJson,
}

impl Protocol {
    /// The Content-Type of answers in this protocol.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsQuery => "text/xml",
            Protocol::AwsQueryJson | Protocol::RestJson => "application/json",
            Protocol::AwsJson10 => "application/x-amz-json-1.0",
            Protocol::AwsJson11 => "application/x-amz-json-1.1",
            Protocol::Cbor11 => "application/x-amz-cbor-1.1",
        }
    }

    /// The protocol of an `X-Amz-Target` request: from its Content-Type, or the service's
    /// JSON version (`"1.0"`, `"1.1"`) when the client sent none.
    pub fn for_target(content_type: Option<&str>, json_version: Option<&str>) -> Protocol {
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if ct.contains("cbor") {
            Protocol::Cbor11
        } else if ct.contains("json-1.1") {
            Protocol::AwsJson11
        } else if ct.contains("json-1.0") {
            Protocol::AwsJson10
        } else if json_version == Some("1.1") {
            Protocol::AwsJson11
        } else {
            Protocol::AwsJson10
        }
    }

    /// Whether requests arrive as query parameters.
    pub fn is_query(self) -> bool {
        matches!(self, Protocol::AwsQuery | Protocol::AwsQueryJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_from_content_type_or_model() {
        assert_eq!(Protocol::for_target(Some("application/x-amz-json-1.0"), Some("1.1")), Protocol::AwsJson10);
        assert_eq!(Protocol::for_target(Some("application/x-amz-cbor-1.1"), Some("1.1")), Protocol::Cbor11);
        assert_eq!(Protocol::for_target(None, Some("1.1")), Protocol::AwsJson11);
        assert_eq!(Protocol::for_target(Some("text/plain"), Some("1.0")), Protocol::AwsJson10);
    }
}
