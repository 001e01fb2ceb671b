//! Which service and protocol a request is for: admin paths first, then `X-Amz-Target` (AWS
//! JSON), then a form or query string with `Action=` (AWS query).

use crate::http::{IncomingRequest, Reply};
use crate::{admin, sqs_api, sts, App};
use aws_protocol::query::QueryParams;
use aws_protocol::routing::{account_for_key, credential_scope, split_target};
use aws_protocol::{AwsError, RequestContext, Response};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use std::sync::Arc;

/// The request context (account, region, host) and the SigV4 scope's service, if signed.
pub(crate) fn context(app: &App, req: &IncomingRequest) -> (RequestContext, Option<String>) {
    let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
    let host = header("host").unwrap_or("localhost:4566").to_string();
    let query_cred = QueryParams::parse(req.query.as_bytes()).get("X-Amz-Credential").map(str::to_string);
    let scope_source = header("authorization").map(str::to_string).or(query_cred);
    let mut ctx = RequestContext::new(&app.config.account_id, &app.config.region, host);
    let mut service = None;
    if let Some(scope) = scope_source.as_deref().and_then(credential_scope) {
        ctx.account = account_for_key(&scope.access_key_id, &app.config.account_id);
        ctx.region = scope.region;
        service = Some(scope.service);
    }
    (ctx, service)
}

pub(crate) async fn route(app: Arc<App>, req: IncomingRequest) -> Reply {
    if let Some(reply) = admin::route(&app, &req).await {
        return reply;
    }
    let (ctx, scope_service) = context(&app, &req);
    if let Some(target) = req.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let Some((prefix, op)) = split_target(target) else {
            return json_error(&ctx, &AwsError::new("UnknownOperationException", 400, ""));
        };
        return match prefix {
            sqs::wire::TARGET_PREFIX => sqs_api::json(&app, &ctx, op, &req.body).await,
            sts::TARGET_PREFIX => sts::json(&ctx, op),
            "Kinesis_20131202" => {
                reply(&ctx, AwsError::not_implemented("Kinesis", op).to_json_response("com.amazonaws.kinesis", false))
            }
            _ => json_error(&ctx, &AwsError::new("UnknownOperationException", 400, "")),
        };
    }
    let is_form = req
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let mut params = QueryParams::parse(req.query.as_bytes());
    if is_form || (req.method == hyper::Method::POST && !req.body.is_empty()) {
        params.extend(QueryParams::parse(&req.body));
    }
    if params.is_empty() {
        if req.path == "/" && matches!(req.method, hyper::Method::GET | hyper::Method::HEAD) {
            // What LocalStack answers on its root, for scripts that wait for the port.
            return json_reply(200, &serde_json::json!({"status": "running", "service": "quayside"}));
        }
        return plain(404, "quayside: no route for this request");
    }
    let Some(action) = params.get("Action").map(str::to_string) else {
        let e = AwsError::new("MissingAction", 400, "Missing Action");
        return query_error(&ctx, sqs::wire::XMLNS, &e);
    };
    let service = scope_service.as_deref().unwrap_or("");
    if action == "GetCallerIdentity" || service == "sts" {
        return sts::query(&ctx, &action);
    }
    if service == "sns" || params.get("Version") == Some("2010-03-31") {
        return query_error(
            &ctx,
            "http://sns.amazonaws.com/doc/2010-03-31/",
            &AwsError::not_implemented("SNS", &action),
        );
    }
    sqs_api::query(&app, &ctx, &action, params, &req.path).await
}

/// Turns a protocol response into HTTP, with the request id.
pub(crate) fn reply(ctx: &RequestContext, r: Response) -> Reply {
    let mut out = hyper::Response::new(Full::new(r.body));
    *out.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert("x-amzn-requestid", v);
    }
    for (k, v) in r.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    out
}

pub(crate) fn json_error(ctx: &RequestContext, e: &AwsError) -> Reply {
    reply(ctx, e.to_json_response(sqs::wire::JSON_NAMESPACE, false))
}

pub(crate) fn query_error(ctx: &RequestContext, xmlns: &str, e: &AwsError) -> Reply {
    reply(ctx, e.to_query_response(xmlns, &ctx.request_id))
}

pub(crate) fn json_reply(status: u16, v: &serde_json::Value) -> Reply {
    let mut out = hyper::Response::new(Full::new(Bytes::from(v.to_string())));
    *out.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    out.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out
}

pub(crate) fn plain(status: u16, text: &'static str) -> Reply {
    let mut out = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *out.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    out.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    out
}

/// 413 for a body over `--max-body-bytes`, refused without reading it whole.
pub(crate) fn too_large(limit: usize) -> Reply {
    json_reply(
        413,
        &serde_json::json!({
            "__type": "RequestEntityTooLarge",
            "message": format!("Request body is larger than the {limit} bytes this endpoint accepts."),
        }),
    )
}

pub(crate) fn internal_error() -> Reply {
    json_reply(
        500,
        &serde_json::json!({"__type": "InternalFailure", "message": "The request processing has failed because of an unknown error."}),
    )
}
