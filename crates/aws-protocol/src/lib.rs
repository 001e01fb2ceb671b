//! Wire formats for Quayside, knowing no service: the AWS query protocol (form in, XML out),
//! AWS JSON 1.0/1.1, CBOR 1.1, event-stream framing, error envelopes, timestamps, model-driven input checks and layouts, and
//! the request facts used for routing (target header, `Action`, SigV4 credential scope).
//!
//! Nothing here touches sockets: the emulator hands in bytes and headers, services hand in
//! `serde_json::Value`s shaped like their JSON protocol, and this crate converts between the two.

pub mod cbor;
pub mod context;
pub mod error;
pub mod eventstream;
pub mod json;
pub mod model;
pub mod protocol;
pub mod query;
pub mod rest;
pub mod routing;
pub mod shape;
pub mod time;
pub mod xml;

pub use context::RequestContext;
pub use error::AwsError;
pub use protocol::Protocol;
pub use routing::ServiceRoutes;

use bytes::Bytes;

/// A response body: whole, or streamed in chunks (event streams) until the sender is dropped.
#[derive(Debug)]
pub enum Body {
    Full(Bytes),
    Stream(tokio::sync::mpsc::Receiver<Bytes>),
}

/// A protocol-level response: status, extra headers and body. The emulator turns it into an
/// HTTP response and adds `x-amzn-RequestId`.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Response {
    /// A response with a whole body.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Response { status, content_type, headers: Vec::new(), body: Body::Full(body.into()) }
    }

    /// A 200 response with the given content type and body.
    pub fn ok(content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Self::new(200, content_type, body)
    }

    /// A JSON document.
    pub fn json(status: u16, content_type: &'static str, v: &serde_json::Value) -> Self {
        Self::new(status, content_type, serde_json::to_vec(v).unwrap_or_default())
    }

    /// The body's bytes (empty for a streamed body).
    pub fn bytes(&self) -> &[u8] {
        match &self.body {
            Body::Full(b) => b,
            Body::Stream(_) => &[],
        }
    }
}
