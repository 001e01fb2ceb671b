//! Admin endpoints: Quayside's own under `/_quayside/`, and the LocalStack and moto ones that
//! existing harnesses call. They speak for every service in the list.

use crate::respond::{self, Reply};
use crate::App;
use hyper::Method;
use serde_json::{json, Map, Value};

/// Answers admin paths; `None` for everything else.
pub(crate) async fn route(app: &App, method: &Method, path: &str, query: &str, body: &[u8]) -> Option<Reply> {
    if path == "/_quayside/ui" || path.starts_with("/_quayside/ui/") {
        if method == Method::GET || method == Method::HEAD {
            return crate::console::answer(app, path, query).await;
        }
        return Some(respond::json(405, &json!({"error": "the console's pages and answers are read with GET"})));
    }
    Some(match (method, path) {
        (&Method::GET | &Method::HEAD, "/_quayside/health") => respond::json(health_status(app), &health(app)),
        (&Method::POST, "/_quayside/reset") | (&Method::POST, "/moto-api/reset") => reset(app).await,
        (&Method::GET | &Method::HEAD, "/_localstack/health") => {
            respond::json(health_status(app), &localstack_health(app))
        }
        (&Method::GET | &Method::HEAD, "/_quayside/metrics") => metrics(app),
        (&Method::GET | &Method::HEAD, "/_quayside/config") => match crate::declare::export(app) {
            Ok(text) => {
                respond::reply("", aws_protocol::Response::new(200, "application/toml", bytes::Bytes::from(text)))
            }
            Err(e) => respond::json(500, &json!({"error": e})),
        },
        (&Method::GET | &Method::HEAD, "/_quayside/tls/ca.pem") => {
            match app.tls.as_ref().and_then(|t| t.ca_pem.clone()) {
                Some(pem) => respond::reply(
                    "",
                    aws_protocol::Response::new(200, "application/x-pem-file", bytes::Bytes::from(pem)),
                ),
                None => {
                    respond::json(404, &json!({"error": "no local CA: TLS is off, or its certificate is --tls-cert's"}))
                }
            }
        }
        (&Method::GET | &Method::HEAD, "/_localstack/init") => respond::json(200, &init_all(app)),
        (&Method::GET | &Method::HEAD, p) if p.starts_with("/_localstack/init/") => {
            init_stage(app, &p["/_localstack/init/".len()..])
        }
        (&Method::POST, "/_quayside/clock/advance") => clock_advance(app, body).await,
        (&Method::GET, "/_quayside/clock") => {
            respond::json(200, &json!({"now_ms": app.clock.now_ms(), "virtual": app.manual_clock.is_some()}))
        }
        _ => return None,
    })
}

/// 503 once the store takes no more changes (its file was deleted under it): health checks
/// fail, and a harness waiting on them sees why.
fn health_status(app: &App) -> u16 {
    if app.store.lost().is_some() {
        503
    } else {
        200
    }
}

fn health(app: &App) -> Value {
    let services: Map<String, Value> = app.services.iter().map(|s| (s.routes().name.clone(), s.health())).collect();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": app.started.elapsed().as_secs_f64(),
        "services": services,
        "store": match (app.config.in_memory, app.store.lost()) {
            (true, _) => json!("memory"),
            (false, None) => json!("sqlite"),
            (false, Some(why)) => json!({"state": "lost", "error": format!("{why}; nothing more is stored: restart quayside")}),
        },
        "virtual_clock": app.manual_clock.is_some(),
        "ready": app.init.is_ready(),
    })
}

/// LocalStack's lifecycle stages. Quayside's hooks are all READY hooks; BOOT and START are
/// over once it answers, SHUTDOWN has not begun.
const STAGES: [&str; 4] = ["BOOT", "START", "READY", "SHUTDOWN"];

fn stage_completed(app: &App, stage: &str) -> bool {
    match stage {
        "READY" => app.init.is_ready(),
        "SHUTDOWN" => false,
        _ => true,
    }
}

fn scripts(app: &App, stage: Option<&str>) -> Value {
    if stage.is_some_and(|s| s != "READY") {
        return json!([]);
    }
    Value::Array(
        app.init
            .scripts()
            .into_iter()
            .map(|s| json!({"stage": "READY", "name": s.name, "state": s.state.as_str()}))
            .collect(),
    )
}

/// `GET /_localstack/init`, in LocalStack's shape.
fn init_all(app: &App) -> Value {
    let completed: Map<String, Value> =
        STAGES.iter().map(|s| (s.to_string(), Value::from(stage_completed(app, s)))).collect();
    json!({"completed": completed, "scripts": scripts(app, None)})
}

/// `GET /_localstack/init/<stage>` (any case), in LocalStack's shape; 404 for another stage.
fn init_stage(app: &App, stage: &str) -> Reply {
    let upper = stage.to_ascii_uppercase();
    if !STAGES.contains(&upper.as_str()) {
        let text = bytes::Bytes::from(format!("no such stage {stage}"));
        return respond::reply("", aws_protocol::Response::new(404, "text/plain", text));
    }
    respond::json(200, &json!({"completed": stage_completed(app, &upper), "scripts": scripts(app, Some(&upper))}))
}

fn localstack_health(app: &App) -> Value {
    let services: Map<String, Value> = app
        .services
        .iter()
        .filter(|s| s.running())
        .map(|s| (s.routes().name.clone(), Value::from("running")))
        .collect();
    json!({
        "services": services,
        "edition": "community",
        "version": format!("quayside-{}", env!("CARGO_PKG_VERSION")),
    })
}

async fn reset(app: &App) -> Reply {
    for s in &app.services {
        if let Err(e) = s.reset().await {
            return respond::json(500, &json!({"error": format!("{}: {e}", s.routes().name)}));
        }
    }
    respond::json(200, &json!({"reset": true}))
}

/// Why the virtual clock did not move.
#[derive(Debug)]
pub(crate) enum AdvanceError {
    NotVirtual,
    Overflow,
    Store(String),
}

/// Moves the virtual clock forward by `ms`, stores the new time (it survives a restart), then
/// lets every service re-check its timers so expired ones take effect at once.
pub(crate) async fn advance(app: &App, ms: i64) -> Result<i64, AdvanceError> {
    let Some(clock) = &app.manual_clock else {
        return Err(AdvanceError::NotVirtual);
    };
    let now = clock.advance_ms(ms).ok_or(AdvanceError::Overflow)?;
    crate::state::save_clock(&app.store, now).await.map_err(|e| AdvanceError::Store(e.to_string()))?;
    for s in &app.services {
        s.clock_moved().await;
    }
    Ok(now)
}

async fn clock_advance(app: &App, body: &[u8]) -> Reply {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(seconds) = v.get("seconds").and_then(|s| s.as_f64()).filter(|s| *s >= 0.0 && s.is_finite()) else {
        return respond::json(400, &json!({"error": "expected a JSON body {\"seconds\": N} with N >= 0"}));
    };
    let ms = seconds * 1000.0;
    if ms >= i64::MAX as f64 {
        return respond::json(400, &json!({"error": "the clock cannot move that far (past the year 9999)"}));
    }
    match advance(app, ms as i64).await {
        Ok(now) => respond::json(200, &json!({"now_ms": now})),
        Err(AdvanceError::NotVirtual) => {
            respond::json(400, &json!({"error": "the clock is not virtual: start quayside with --virtual-clock"}))
        }
        Err(AdvanceError::Overflow) => {
            respond::json(400, &json!({"error": "the clock cannot move that far (past the year 9999)"}))
        }
        Err(AdvanceError::Store(e)) => respond::json(500, &json!({"error": e})),
    }
}

/// `GET /_quayside/metrics`: every service's figures in Prometheus' text format.
fn metrics(app: &App) -> Reply {
    let mut m = service::Metrics::default();
    m.gauge(
        "quayside_up",
        "1 while the server runs; 0 once its store takes no more changes.",
        &[],
        if app.store.lost().is_some() { 0.0 } else { 1.0 },
    );
    m.gauge("quayside_uptime_seconds", "Seconds since the server started.", &[], app.started.elapsed().as_secs_f64());
    m.gauge(
        "quayside_ready",
        "1 once every listener is bound and every start-up hook has run.",
        &[],
        if app.init.is_ready() { 1.0 } else { 0.0 },
    );
    for s in &app.services {
        s.metrics(&mut m);
    }
    let body = bytes::Bytes::from(m.render());
    respond::reply("", aws_protocol::Response::new(200, "text/plain; version=0.0.4; charset=utf-8", body))
}
