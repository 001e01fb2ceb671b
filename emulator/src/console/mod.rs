//! The console at `/_quayside/ui`: a page, its script and its style compiled into the binary
//! (no build step), and two read-only JSON answers it draws from:
//!
//! - `GET /_quayside/ui/api/resources?after=N`: every resource of every service, by account
//!   and region, with the figures its lists and live charts show; at most
//!   [`LIST_LIMIT`](service::inspect::LIST_LIMIT) a page (`next` gives the following one).
//! - `GET /_quayside/ui/api/detail?service=&kind=&account=&region=&name=`: one resource.
//!
//! The console changes nothing itself: sends, purges and redrives are the services' own
//! operations, called by the page as any client calls them, and a queue's messages are
//! peeked through SQS's developer view. Every request passes the origin and host checks of
//! `guard.rs` first. The page is served with a policy that allows only its own script and
//! style, and no framing (a page cannot frame the console and steer clicks on Purge); the
//! script writes every value it shows as text, never as markup, so a message body cannot run
//! in it.

use crate::respond::{self, Reply};
use crate::App;
use aws_protocol::query::QueryParams;
use serde_json::{json, Value};
use service::inspect::{Resource, LIST_LIMIT};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

/// The page's policy: its own script, style and requests only; never in a frame.
const POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
                      frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Answers `/_quayside/ui` and below; `None` for a path it does not serve.
pub(crate) async fn answer(app: &App, path: &str, query: &str) -> Option<Reply> {
    let rest = path.strip_prefix("/_quayside/ui")?;
    Some(match rest {
        "" | "/" | "/index.html" => asset("text/html; charset=utf-8", INDEX),
        "/app.js" => asset("text/javascript; charset=utf-8", SCRIPT),
        "/app.css" => asset("text/css; charset=utf-8", STYLE),
        "/api/resources" => resources(app, &QueryParams::parse(query.as_bytes())),
        "/api/detail" => detail(app, &QueryParams::parse(query.as_bytes())),
        _ => respond::json(404, &json!({"error": format!("no console page {rest}")})),
    })
}

fn asset(content_type: &'static str, text: &'static str) -> Reply {
    let mut r = aws_protocol::Response::new(200, content_type, bytes::Bytes::from_static(text.as_bytes()));
    r.headers.push(("content-security-policy", POLICY.to_string()));
    r.headers.push(("x-frame-options", "DENY".to_string()));
    r.headers.push(("x-content-type-options", "nosniff".to_string()));
    r.headers.push(("cache-control", "no-cache".to_string()));
    respond::reply("", r)
}

/// Every resource, sorted by account, region, service, kind and name, a page at a time.
fn resources(app: &App, params: &QueryParams) -> Reply {
    let mut all: Vec<(String, Resource)> = Vec::new();
    for s in &app.services {
        if let Some(i) = s.inspects() {
            let mut out = Vec::new();
            i.resources(&mut out);
            let name = s.routes().name.clone();
            all.extend(out.into_iter().map(|r| (name.clone(), r)));
        }
    }
    all.sort_by(|(sa, a), (sb, b)| {
        (&a.account, &a.region, sa, a.kind, &a.name).cmp(&(&b.account, &b.region, sb, b.kind, &b.name))
    });
    let total = all.len();
    let after = params.get("after").and_then(|a| a.parse::<usize>().ok()).unwrap_or(0).min(total);
    let end = (after + LIST_LIMIT).min(total);
    let page: Vec<Value> = all[after..end]
        .iter()
        .map(|(service, r)| {
            json!({
                "service": service,
                "kind": r.kind,
                "account": r.account,
                "region": r.region,
                "name": r.name,
                "arn": r.arn,
                "figures": r.figures,
            })
        })
        .collect();
    respond::json(
        200,
        &json!({
            "now_ms": app.clock.now_ms(),
            "default_account": app.config.account_id,
            "default_region": app.config.region,
            "total": total,
            "next": (end < total).then_some(end),
            "resources": page,
        }),
    )
}

fn detail(app: &App, params: &QueryParams) -> Reply {
    let get = |n: &str| params.get(n).unwrap_or_default();
    let service = get("service");
    let Some(inspects) = app.services.iter().find(|s| s.routes().name == service).and_then(|s| s.inspects()) else {
        return respond::json(404, &json!({"error": format!("no service {service} shows the console anything")}));
    };
    let found = (inspects.kind() == get("kind")).then(|| inspects.detail(get("account"), get("region"), get("name")));
    match found.flatten() {
        Some(mut v) => {
            v["service"] = Value::from(service);
            v["now_ms"] = Value::from(app.clock.now_ms());
            respond::json(200, &v)
        }
        None => respond::json(
            404,
            &json!({"error": format!("no {} {} in {} {}", get("kind"), get("name"), get("account"), get("region"))}),
        ),
    }
}
