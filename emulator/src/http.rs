//! The listener on the main port: HTTP/1.1 and HTTP/2 (h2c with prior knowledge) on one socket,
//! request bodies read up to the limit, routing, panics turned into 500s, and the debug log line.

use crate::accept::{accept_loop, InFlight, Watched};
use crate::respond::{self, HttpBody, Reply};
use crate::router::{Decision, Head};
use crate::{admin, App};
use aws_protocol::query::QueryParams;
use aws_protocol::routing::{account_for_key, credential_scope};
use aws_protocol::{Protocol, RequestContext};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use service::{Call, Input, PathCall};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long open connections get to finish their answers at shutdown.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves `listener`: every service (the main port), or the service `only` as its own AWS
/// endpoint (`--kinesis-port`).
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>, only: Option<usize>, stop: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let limits = app.config.limits();
    let name = if only.is_some() { "service listener" } else { "http" };
    let each = stop.clone();
    accept_loop(listener, name, limits, stop, |stream, peer, permit| {
        let stop = each.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // A TLS handshake first: HTTPS on the same port (its first byte, peeked). A
            // connection that sends nothing within the idle timeout is closed, as before.
            let tls = match app.tls.clone() {
                Some(t) => match crate::tls::opening(&stream, limits.idle, stop).await {
                    crate::tls::Opening::Tls => Some(t),
                    crate::tls::Opening::Plain => None,
                    crate::tls::Opening::Silent => return,
                },
                None => None,
            };
            let handshake_limit = limits.header_read.unwrap_or(std::time::Duration::from_secs(30));
            let (io, activity) = Watched::new(stream, limits);
            let svc = service_fn(move |req| {
                let in_flight = activity.begin();
                let app = app.clone();
                async move {
                    let reply = handle(app, only, req).await?;
                    // Counted until its body is sent: an event stream stays a request in flight.
                    Ok::<_, Infallible>(reply.map(|body| Tracked { body, _in_flight: in_flight }))
                }
            });
            // HTTP/1.1, or HTTP/2 when the client starts with its preface (h2c prior knowledge,
            // or after ALPN's h2 over TLS). A request asking to upgrade to h2c is answered over
            // HTTP/1.1, as RFC 7540 3.2 allows.
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let result = match tls {
                // The handshake within the header-read limit, like a request's head.
                Some(t) => match t.handshake(io, handshake_limit, name, peer).await {
                    Some(tls_io) => watcher.watch(builder.serve_connection(TokioIo::new(tls_io), svc)).await,
                    None => Ok(()),
                },
                None => watcher.watch(builder.serve_connection(TokioIo::new(io), svc)).await,
            };
            if let Err(e) = result {
                tracing::debug!("connection: {e}");
            }
            drop(permit);
        });
    })
    .await;
    // Stop accepting; let requests in progress (long polls the services just answered) finish.
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// A response body that keeps its request counted in flight until it is sent or dropped.
struct Tracked {
    body: HttpBody,
    _in_flight: InFlight,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// The body limit a request is read under, the service it is for when its head says so (a
/// JSON target, or the listener's own service), and the protocol of its errors. A request
/// whose head names no service (query forms, developer endpoints) is read under the largest
/// limit, and checked against its service's once routed.
fn body_limit(app: &App, only: Option<usize>, headers: &hyper::HeaderMap) -> (usize, Option<usize>, Protocol) {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let target = header("x-amz-target");
    let service = only.or_else(|| target.and_then(|t| app.table.service_for_target(t)));
    let protocol = match (service, target) {
        (Some(i), _) => Protocol::for_target(header("content-type"), app.services[i].routes().json_version.as_deref()),
        (None, Some(_)) => Protocol::for_target(header("content-type"), None),
        (None, None) if header("accept").is_some_and(|a| a.contains("application/json")) => Protocol::AwsQueryJson,
        (None, None) => Protocol::AwsQuery,
    };
    let limit = match (app.config.max_body_bytes, service) {
        (n, _) if n > 0 => n,
        (_, Some(i)) => app.services[i].max_body_bytes(),
        (_, None) => app.services.iter().map(|s| s.max_body_bytes()).max().unwrap_or(service::DEFAULT_MAX_BODY_BYTES),
    };
    (limit, service, protocol)
}

/// A body over its limit, refused in the service's own error shape (413,
/// `RequestEntityTooLarge`) without being read whole.
fn too_large(app: &App, service: Option<usize>, protocol: Protocol, limit: usize) -> Reply {
    let fallback = aws_protocol::ServiceRoutes::default();
    let routes = service.map_or(&fallback, |i| app.services[i].routes());
    let e = aws_protocol::AwsError::new(
        "RequestEntityTooLarge",
        413,
        format!("Request body is larger than the {limit} bytes this endpoint accepts."),
    );
    let rid = uuid::Uuid::new_v4().to_string();
    respond::reply(&rid, e.to_response(protocol, routes, &rid))
}

/// Once the store's file was deleted or replaced under the process, every API call is refused
/// (503 ServiceUnavailable, saying why) rather than answered from memory and lost.
fn store_lost(app: &App, protocol: Protocol, routes: &aws_protocol::ServiceRoutes, rid: &str) -> Option<Reply> {
    let why = app.store.lost()?;
    let e = aws_protocol::AwsError::new(
        "ServiceUnavailable",
        503,
        format!("Quayside cannot store anything: {why}. Restart quayside (its state is gone with the file)."),
    );
    Some(respond::reply(rid, e.to_response(protocol, routes, rid)))
}

/// The request context (account, region, host, trace header) and the SigV4 scope's signing
/// name, if signed.
fn context(app: &App, headers: &hyper::HeaderMap, query: &str) -> (RequestContext, Option<String>) {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let host = header("host").unwrap_or("localhost:4566").to_string();
    let query_cred = query
        .contains("X-Amz-Credential")
        .then(|| QueryParams::parse(query.as_bytes()).get("X-Amz-Credential").map(str::to_string))
        .flatten();
    let scope_source = header("authorization").map(str::to_string).or(query_cred);
    let mut ctx = RequestContext::new(&app.config.account_id, &app.config.region, host);
    ctx.trace_header = header("x-amzn-trace-id").map(str::to_string);
    let mut signing = None;
    if let Some(scope) = scope_source.as_deref().and_then(credential_scope) {
        ctx.account = account_for_key(&scope.access_key_id, &app.config.account_id);
        ctx.region = scope.region;
        signing = Some(scope.service);
    }
    (ctx, signing)
}

async fn handle(app: Arc<App>, only: Option<usize>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    if let Some(refused) = app.guard.refuse(req.method(), req.uri(), req.headers()) {
        return Ok(refused);
    }
    // Browser-based tools (queue consoles, the AWS JS SDK in a page) send CORS preflights.
    if req.method() == hyper::Method::OPTIONS {
        if let Some(reply) = app.guard.preflight(req.headers(), only.is_some()) {
            return Ok(reply);
        }
        if only.is_none() {
            return Ok(respond::plain(200, ""));
        }
    }
    let (parts, body) = req.into_parts();
    let (limit, service, protocol) = body_limit(&app, only, &parts.headers);
    let too_large = || too_large(&app, service, protocol, limit);
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(too_large());
    }
    let read = Limited::new(body, limit).collect();
    let read = match app.config.limits().idle {
        Some(d) => match tokio::time::timeout(d, read).await {
            Ok(r) => r,
            Err(_) => return Ok(respond::request_timeout()),
        },
        None => read.await,
    };
    let body = match read {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                return Ok(too_large());
            }
            return Ok(respond::plain(400, "could not read the request body"));
        }
    };
    let started = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
    // Only copied when the debug line will print it.
    let mut label = started.map(|_| None);
    let answer = match only {
        Some(service) => CatchUnwind(Box::pin(dispatch_only(&app, service, &parts, body, &mut label))).await,
        None => CatchUnwind(Box::pin(dispatch(&app, &parts, body, &mut label))).await,
    };
    let mut reply = answer.unwrap_or_else(|()| respond::internal_error());
    if only.is_some() {
        crate::endpoint::extended_id(&mut reply);
    }
    reply.headers_mut().insert("server", HeaderValue::from_static("quayside"));
    app.guard.cors(&parts.headers, &mut reply, only.is_some());
    if let Some(started) = started {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = reply.status().as_u16();
        match label.flatten() {
            Some((service, op)) => tracing::debug!("{service} {op} {status} {ms:.1} ms"),
            None => tracing::debug!("{} {} {status} {ms:.1} ms", parts.method, parts.uri.path()),
        }
    }
    Ok(reply)
}

/// Routes one request and runs it. `label`, when the log line wants it (`Some`), gets the
/// service and operation.
async fn dispatch(
    app: &App,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    label: &mut Option<Option<(String, String)>>,
) -> Reply {
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    if let Some(reply) = admin::route(app, &parts.method, path, query, &body).await {
        return reply;
    }
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
    let (ctx, signing) = context(app, &parts.headers, query);
    let content_type = header(CONTENT_TYPE.as_str());
    let target = header("x-amz-target");
    let is_form = content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let form = (target.is_none() && (is_form || (parts.method == hyper::Method::POST && !body.is_empty())))
        .then_some(&body[..]);
    let head = Head {
        method: parts.method.as_str(),
        path,
        query,
        target,
        content_type,
        accept: header("accept"),
        signing_name: signing.as_deref(),
    };
    let owner = |p: &str| app.services.iter().position(|s| s.owns_path(p));
    match app.table.route(&head, form, owner) {
        Decision::Call { service, protocol, operation, params } => {
            let svc = &app.services[service];
            if let Some(refused) = store_lost(app, protocol, svc.routes(), &ctx.request_id) {
                return refused;
            }
            let limit = if app.config.max_body_bytes > 0 { app.config.max_body_bytes } else { svc.max_body_bytes() };
            if body.len() > limit {
                return too_large(app, Some(service), protocol, limit);
            }
            if let Some(l) = label {
                *l = Some((svc.routes().name.clone(), operation.clone()));
            }
            let input = match params {
                Some(p) => Input::Query(p),
                None => Input::Body(&body),
            };
            let call =
                Call { ctx: &ctx, protocol, operation: &operation, input, path, method: parts.method.as_str(), query };
            respond::reply(&ctx.request_id, svc.call(call).await)
        }
        Decision::Path { service } => {
            let svc = &app.services[service];
            let mut params = QueryParams::parse(query.as_bytes());
            params.extend(QueryParams::parse(&body));
            let accept_json = header("accept").is_some_and(|a| a.contains("json"));
            let call = PathCall { ctx: &ctx, method: parts.method.as_str(), path, params, accept_json, body: &body };
            respond::reply(&ctx.request_id, svc.path_call(call).await)
        }
        Decision::Root => respond::json(200, &serde_json::json!({"status": "running", "service": "quayside"})),
        Decision::NotFound => respond::plain(404, "quayside: no route for this request"),
        Decision::Error { protocol, error } => {
            respond::reply(&ctx.request_id, error.to_response(protocol, &Default::default(), &ctx.request_id))
        }
    }
}

/// Runs one request on the endpoint dedicated to `service`: refused as that service's own
/// endpoint refuses it, or called in JSON 1.1 or CBOR.
async fn dispatch_only(
    app: &App,
    service: usize,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    label: &mut Option<Option<(String, String)>>,
) -> Reply {
    let svc = &app.services[service];
    let (ctx, _) = context(app, &parts.headers, parts.uri.query().unwrap_or(""));
    let routes = svc.routes();
    let known = |op: &str| routes.operations.iter().any(|o| o == op);
    if let Some(refused) = crate::endpoint::refuse(parts, &body, routes, known) {
        return respond::reply(&ctx.request_id, refused);
    }
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let operation = header("x-amz-target").split_once('.').map(|(_, o)| o.to_string()).unwrap_or_default();
    let protocol = if header(CONTENT_TYPE.as_str()).starts_with("application/x-amz-cbor-1.1") {
        aws_protocol::Protocol::Cbor11
    } else {
        aws_protocol::Protocol::AwsJson11
    };
    if let Some(l) = label {
        *l = Some((routes.name.clone(), operation.clone()));
    }
    if let Some(refused) = store_lost(app, protocol, routes, &ctx.request_id) {
        return refused;
    }
    let call = Call {
        ctx: &ctx,
        protocol,
        operation: &operation,
        input: Input::Body(&body),
        path: parts.uri.path(),
        method: parts.method.as_str(),
        query: parts.uri.query().unwrap_or(""),
    };
    respond::reply(&ctx.request_id, svc.call(call).await)
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
