//! Admin endpoints: Quayside's own under `/_quayside/`, and the LocalStack and moto ones that
//! existing harnesses call.

use crate::http::{IncomingRequest, Reply};
use crate::router::{context, json_reply, reply};
use crate::App;
use aws_protocol::query::QueryParams;
use aws_protocol::Response;
use hyper::Method;
use serde_json::{json, Value};

/// Answers admin paths; `None` for everything else.
pub(crate) async fn route(app: &App, req: &IncomingRequest) -> Option<Reply> {
    let m = &req.method;
    Some(match (m, req.path.as_str()) {
        (&Method::GET | &Method::HEAD, "/_quayside/health") => json_reply(200, &health(app)),
        (&Method::POST, "/_quayside/reset") | (&Method::POST, "/moto-api/reset") => reset(app).await,
        (&Method::GET | &Method::HEAD, "/_localstack/health") => json_reply(200, &localstack_health()),
        (&Method::POST, "/_quayside/clock/advance") => clock_advance(app, &req.body).await,
        (&Method::GET, "/_quayside/clock") => {
            json_reply(200, &json!({"now_ms": app.sqs.now_ms(), "virtual": app.manual_clock.is_some()}))
        }
        (&Method::GET | &Method::POST, "/_aws/sqs/messages") => sqs_messages(app, req).await,
        _ => return None,
    })
}

fn health(app: &App) -> Value {
    let (queues, messages) = app.sqs.stats();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": app.started.elapsed().as_secs_f64(),
        "services": {
            "sqs": {"state": "running", "queues": queues, "messages": messages},
            "sts": {"state": "running"},
            "sns": {"state": "not implemented"},
            "kinesis": {"state": "not implemented"},
            "mq-lite": {"state": "not implemented"},
        },
        "store": if app.config.in_memory { "memory" } else { "sqlite" },
        "virtual_clock": app.manual_clock.is_some(),
    })
}

fn localstack_health() -> Value {
    json!({
        "services": {"sqs": "running", "sts": "running"},
        "edition": "community",
        "version": format!("quayside-{}", env!("CARGO_PKG_VERSION")),
    })
}

async fn reset(app: &App) -> Reply {
    match app.sqs.reset().await {
        Ok(()) => json_reply(200, &json!({"reset": true})),
        Err(e) => json_reply(500, &json!({"error": e.to_string()})),
    }
}

/// Moves the virtual clock forward by `ms`, then wakes long polls and runs housekeeping so
/// expired timers take effect at once. `false` without `--virtual-clock`.
pub(crate) async fn advance(app: &App, ms: i64) -> bool {
    let Some(clock) = &app.manual_clock else {
        return false;
    };
    clock.advance_ms(ms);
    app.sqs.tick().await;
    app.sqs.wake_all();
    true
}

async fn clock_advance(app: &App, body: &[u8]) -> Reply {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(seconds) = v.get("seconds").and_then(|s| s.as_f64()).filter(|s| *s >= 0.0) else {
        return json_reply(400, &json!({"error": "expected a JSON body {\"seconds\": N} with N >= 0"}));
    };
    if !advance(app, (seconds * 1000.0) as i64).await {
        return json_reply(400, &json!({"error": "the clock is not virtual: start quayside with --virtual-clock"}));
    }
    json_reply(200, &json!({"now_ms": app.sqs.now_ms()}))
}

/// LocalStack's `GET /_aws/sqs/messages?QueueUrl=...`: every message without changing
/// visibility; XML like ReceiveMessage, or JSON when the client accepts it.
async fn sqs_messages(app: &App, req: &IncomingRequest) -> Reply {
    let (ctx, _) = context(app, req);
    let mut params = QueryParams::parse(req.query.as_bytes());
    params.extend(QueryParams::parse(&req.body));
    let Some(url) = params.get("QueueUrl").map(str::to_string) else {
        let e = sqs::SqsError::missing_parameter("QueueUrl").to_aws();
        return reply(&ctx, e.to_query_response(sqs::wire::XMLNS, &ctx.request_id));
    };
    let wants_json = req.headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json"));
    match app.sqs.peek_all(&ctx, &url).await {
        Ok(v) if wants_json => reply(&ctx, Response::ok("application/json", v.to_string())),
        Ok(v) => {
            reply(&ctx, Response::ok("text/xml", crate::sqs_api::query_xml("ReceiveMessage", &v, &ctx.request_id)))
        }
        Err(e) if wants_json => reply(&ctx, e.to_aws().to_json_response(sqs::wire::JSON_NAMESPACE, true)),
        Err(e) => reply(&ctx, e.to_aws().to_query_response(sqs::wire::XMLNS, &ctx.request_id)),
    }
}
