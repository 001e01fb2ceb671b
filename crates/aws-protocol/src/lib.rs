//! Wire formats for Quayside, knowing no service: the AWS query protocol (form in, XML out),
//! AWS JSON 1.0, error envelopes, and the request facts used for routing (target header,
//! `Action`, SigV4 credential scope).
//!
//! Nothing here touches sockets: the emulator hands in bytes and headers, services hand in
//! `serde_json::Value`s shaped like their JSON protocol, and this crate converts between the two.

pub mod context;
pub mod error;
pub mod json;
pub mod model;
pub mod query;
pub mod routing;
pub mod xml;

pub use context::RequestContext;
pub use error::AwsError;

/// A protocol-level response: status, extra headers and body bytes. The emulator turns it
/// into an HTTP response and adds `x-amzn-RequestId`.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: bytes::Bytes,
}

impl Response {
    /// A 200 response with the given content type and body.
    pub fn ok(content_type: &'static str, body: impl Into<bytes::Bytes>) -> Self {
        Response { status: 200, content_type, headers: Vec::new(), body: body.into() }
    }
}
