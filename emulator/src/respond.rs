//! The one place a protocol [`Response`] (or an error no service owns) becomes HTTP.

use aws_protocol::{Body, Response};
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An HTTP response body: whole, or streamed from a channel (event streams).
pub(crate) enum HttpBody {
    Full(Option<Bytes>),
    Stream(tokio::sync::mpsc::Receiver<Bytes>),
}

impl hyper::body::Body for HttpBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut *self {
            HttpBody::Full(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            HttpBody::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, HttpBody::Full(b) if b.as_ref().is_none_or(|b| b.is_empty()))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            HttpBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            HttpBody::Stream(_) => SizeHint::default(),
        }
    }
}

pub(crate) type Reply = hyper::Response<HttpBody>;

/// A protocol response as HTTP, with the request id.
pub(crate) fn reply(request_id: &str, r: Response) -> Reply {
    let body = match r.body {
        Body::Full(b) => HttpBody::Full(Some(b)),
        Body::Stream(rx) => HttpBody::Stream(rx),
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    // An empty content type is none at all (the Kinesis endpoint's 403s carry none).
    if !r.content_type.is_empty() {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    for (k, v) in r.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    out
}

/// A JSON document (admin endpoints).
pub(crate) fn json(status: u16, v: &serde_json::Value) -> Reply {
    reply("", Response::json(status, "application/json", v))
}

/// An answer without a body or content type (a CORS preflight's).
pub(crate) fn empty(status: u16) -> Reply {
    let mut out = hyper::Response::new(HttpBody::Full(None));
    *out.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    out
}

pub(crate) fn plain(status: u16, text: &'static str) -> Reply {
    reply("", Response::new(status, "text/plain", Bytes::from_static(text.as_bytes())))
}

/// 408 for a body that did not arrive within `--idle-timeout` of its head.
pub(crate) fn request_timeout() -> Reply {
    json(
        408,
        &serde_json::json!({
            "__type": "RequestTimeout",
            "message": "Your socket connection to the server was not read from or written to within the timeout period.",
        }),
    )
}

pub(crate) fn internal_error() -> Reply {
    json(
        500,
        &serde_json::json!({"__type": "InternalFailure", "message": "The request processing has failed because of an unknown error."}),
    )
}
