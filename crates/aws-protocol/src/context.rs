//! The facts about a request that every service handler needs.

/// Who is asking, where, and under which request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// 12-digit AWS account id (from the SigV4 access key id, or the configured default).
    pub account: String,
    /// Region from the SigV4 credential scope, or the configured default.
    pub region: String,
    /// The `x-amzn-RequestId` sent back.
    pub request_id: String,
    /// The request's Host header (`host[:port]`), used to build queue URLs.
    pub host: String,
    /// The `X-Amzn-Trace-Id` header (SQS keeps it as a message's `AWSTraceHeader`).
    pub trace_header: Option<String>,
}

impl RequestContext {
    /// A context with a fresh request id.
    pub fn new(account: impl Into<String>, region: impl Into<String>, host: impl Into<String>) -> Self {
        RequestContext {
            account: account.into(),
            region: region.into(),
            request_id: uuid::Uuid::new_v4().to_string(),
            host: host.into(),
            trace_header: None,
        }
    }
}
