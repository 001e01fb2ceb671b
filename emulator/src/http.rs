//! The HTTP/1.1 listener: one task per connection, one spawned task per request so a panic in a
//! handler becomes a 500 instead of a dead server, and request bodies read up to the limit.

use crate::router;
use crate::App;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A request as the router sees it: head and the whole body.
pub(crate) struct IncomingRequest {
    pub method: hyper::Method,
    pub path: String,
    pub query: String,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

pub(crate) type Reply = Response<Full<Bytes>>;

pub(crate) async fn serve(listener: TcpListener, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let (stream, _) = match accepted {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(app.clone(), req));
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await
            {
                tracing::debug!("connection: {e}");
            }
        });
    }
}

async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    // Browser-based tools (queue consoles, the AWS JS SDK in a page) send CORS preflights.
    if req.method() == hyper::Method::OPTIONS {
        let mut reply = router::plain(200, "");
        allow_cors(&mut reply);
        return Ok(reply);
    }
    let (parts, body) = req.into_parts();
    let limit = app.config.max_body_bytes;
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(router::too_large(limit));
    }
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                return Ok(router::too_large(limit));
            }
            return Ok(router::plain(400, "could not read the request body"));
        }
    };
    let request = IncomingRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
    };
    // The per-request log line is debug level: only then copy what it prints.
    let log = tracing::enabled!(tracing::Level::DEBUG)
        .then(|| (request.method.clone(), request.path.clone(), std::time::Instant::now()));
    let mut reply = match CatchUnwind(Box::pin(router::route(app, request))).await {
        Ok(r) => r,
        Err(()) => router::internal_error(),
    };
    reply.headers_mut().insert("server", HeaderValue::from_static("quayside"));
    allow_cors(&mut reply);
    if let Some((method, path, started)) = log {
        tracing::debug!("{method} {path} -> {} in {:?}", reply.status().as_u16(), started.elapsed());
    }
    Ok(reply)
}

/// Permissive CORS, as LocalStack answers: any origin, method and header.
fn allow_cors(reply: &mut Reply) {
    let h = reply.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert("access-control-allow-methods", HeaderValue::from_static("HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH"));
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "authorization,cache-control,content-length,content-md5,content-type,etag,location,x-amz-acl,x-amz-content-sha256,x-amz-date,x-amz-request-id,x-amz-security-token,x-amz-tagging,x-amz-target,x-amz-user-agent,x-amz-version-id,x-amzn-requestid,x-localstack-target,amz-sdk-invocation-id,amz-sdk-request",
        ),
    );
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("etag,x-amz-version-id,x-amzn-requestid,x-amzn-query-error"),
    );
}

/// Runs a future and turns a panic inside it into `Err(())`, so one bad request gets a 500 and
/// the connection and server carry on (without a task spawn per request).
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let fut = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(e) => {
                let what = e
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| e.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!("handler panicked: {what}");
                std::task::Poll::Ready(Err(()))
            }
        }
    }
}
