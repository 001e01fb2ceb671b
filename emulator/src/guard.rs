//! Who may call: the checks every request passes before it is routed, because Quayside runs
//! next to a browser and does not verify signatures (AWS can answer any origin; it checks
//! who signed).
//!
//! - **Host.** When the server listens on a loopback address, the Host header must name a
//!   loopback address, `localhost` or a subdomain of it, `localhost.localstack.cloud` or a
//!   subdomain of it, a name a service writes into its own URLs (SNS's `--sns-cert-host`), or
//!   a name given by `--allowed-hosts` or a subdomain of it (SQS's domain-style URLs put
//!   `sqs.<region>.` before the client's name): a page on another site that rebinds its DNS name to
//!   127.0.0.1 sends its own name and is refused. With `--host` set to another interface the
//!   server is reachable by any name on purpose, and the check is off.
//! - **Origin.** A request a browser sends from a page carries the page's Origin. Local
//!   origins (`http(s)://localhost`, `127.0.0.1`, `[::1]`, any port) and those given by
//!   `--cors-origins` are allowed (`*` allows every origin, AWS's own answer); a request with
//!   any other Origin is refused before it runs, on the AWS APIs as on the developer
//!   endpoints, so a page cannot send even the requests a browser sends without a preflight
//!   (a query-protocol form POST is one).
//! - **Developer endpoints** (`/_quayside/`, `/_aws/`, `/moto-api/`, `/_localstack/`) that
//!   change state also refuse the content types a browser sends without a preflight
//!   (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`).
//! - **CORS.** Allowed origins get AWS's recorded CORS answer: `*`, the headers AWS exposes,
//!   and preflights that echo the requested method and headers for 172,800 s.

use crate::respond::{self, Reply};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::Method;

/// Path prefixes of the developer endpoints.
const DEVELOPER: &[&str] = &["/_quayside", "/_aws", "/moto-api", "/_localstack"];

/// The content types a browser sends without asking first (the Fetch standard's CORS-safelisted
/// request header values for Content-Type).
const SIMPLE_CONTENT_TYPES: &[&str] = &["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

/// The headers AWS lets a page read (recorded on Kinesis), and SQS's query-compatible error.
const EXPOSED: &str =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date,x-amzn-query-error";
/// Exactly the list recorded on Kinesis's endpoint.
const EXPOSED_BY_KINESIS: &str =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

/// What a preflight allows when it names nothing.
const METHODS: &str = "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH";
const HEADERS: &str = "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent,x-amz-security-token,\
                       x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request";

/// The server's policy for origins and hosts.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    any_origin: bool,
    origins: Vec<String>,
    /// `None`: any Host (the server listens on another interface on purpose).
    hosts: Option<Vec<String>>,
}

impl Guard {
    /// The policy of `--host`, `--cors-origins` and `--allowed-hosts`, with the host names the
    /// services write into their own URLs.
    pub(crate) fn new(
        bind_host: &str,
        cors_origins: &[String],
        allowed_hosts: &[String],
        service_hosts: Vec<String>,
    ) -> Guard {
        let any_origin = cors_origins.iter().any(|o| o == "*");
        let origins =
            cors_origins.iter().filter(|o| *o != "*").map(|o| o.trim_end_matches('/').to_ascii_lowercase()).collect();
        let hosts = is_loopback(bind_host)
            .then(|| allowed_hosts.iter().chain(service_hosts.iter()).map(|h| h.to_ascii_lowercase()).collect());
        Guard { any_origin, origins, hosts }
    }

    /// Whether a page of `origin` may call.
    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.any_origin || self.origins.contains(&origin) {
            return true;
        }
        let Some(rest) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
            return false;
        };
        let host = strip_port(rest);
        matches!(host, "localhost" | "[::1]") || is_loopback_ip(host)
    }

    /// Whether the Host header (or HTTP/2 authority) `host` names this server.
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        let Some(extra) = &self.hosts else { return true };
        let name = strip_port(host).to_ascii_lowercase();
        let under = |domain: &str| name == domain || name.ends_with(&format!(".{domain}"));
        under("localhost")
            || under("localhost.localstack.cloud")
            || name == "[::1]"
            || is_loopback_ip(&name)
            || extra.iter().any(|h| under(h))
    }

    /// The answer that refuses a request before it runs, if it is refused.
    pub(crate) fn refuse(&self, method: &Method, uri: &hyper::Uri, headers: &HeaderMap) -> Option<Reply> {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let host = header("host").or_else(|| uri.authority().map(|a| a.as_str()));
        if let Some(host) = host {
            if !self.host_allowed(host) {
                return Some(forbidden(format!(
                    "quayside: this server does not answer to the host {host:?} (a guard against DNS rebinding); \
                     start it with --allowed-hosts {} to allow it",
                    strip_port(host)
                )));
            }
        }
        if let Some(origin) = headers.get("origin") {
            let text = origin.to_str().unwrap_or("");
            if !self.origin_allowed(text) {
                return Some(forbidden(format!(
                    "quayside: requests from the origin {text:?} are refused; start quayside with --cors-origins \
                     {text} to allow that page"
                )));
            }
        }
        let developer = DEVELOPER.iter().any(|p| under(uri.path(), p));
        let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if developer && changes_state {
            let content_type = header("content-type").unwrap_or("");
            let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if SIMPLE_CONTENT_TYPES.contains(&essence.as_str()) {
                return Some(forbidden(format!(
                    "quayside: developer endpoints that change state refuse Content-Type {essence} (a page could send \
                     it without asking); send application/json, or no body"
                )));
            }
        }
        None
    }

    /// The answer to a CORS preflight from an allowed origin (AWS's: 200, empty, the
    /// requested method and headers echoed, 172,800 s), or `None` for an OPTIONS that is not
    /// a preflight.
    pub(crate) fn preflight(&self, headers: &HeaderMap, endpoint_only: bool) -> Option<Reply> {
        headers.get("origin")?;
        let mut reply = respond::empty(200);
        self.cors(headers, &mut reply, endpoint_only);
        let h = reply.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            h.insert("x-amzn-requestid", id);
        }
        let echo = |name: &str, default: &'static str| {
            headers.get(name).cloned().unwrap_or_else(|| HeaderValue::from_static(default))
        };
        h.insert("access-control-allow-methods", echo("access-control-request-method", METHODS));
        h.insert("access-control-allow-headers", echo("access-control-request-headers", HEADERS));
        h.insert("access-control-max-age", HeaderValue::from_static("172800"));
        Some(reply)
    }

    /// Adds AWS's CORS headers to an answer for an allowed origin (a request that reached
    /// here has one, or none): AWS's recorded `Access-Control-Allow-Origin: *`, which is safe
    /// to give because the origins that may not call were refused before (and no credentials
    /// ride on these requests).
    /// `endpoint_only`: the answer of a service's dedicated endpoint, which exposes exactly
    /// the headers recorded on Kinesis's (SQS's query error is not among them).
    pub(crate) fn cors(&self, request: &HeaderMap, reply: &mut Reply, endpoint_only: bool) {
        if request.get("origin").is_none() {
            return;
        }
        let exposed = if endpoint_only { EXPOSED_BY_KINESIS } else { EXPOSED };
        let h = reply.headers_mut();
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        h.insert("access-control-expose-headers", HeaderValue::from_static(exposed));
    }
}

fn forbidden(message: String) -> Reply {
    respond::json(403, &serde_json::json!({"__type": "AccessDeniedException", "message": message}))
}

/// `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `host:port` -> `host` (`[::1]:80` -> `[::1]`).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h)
}

fn is_loopback_ip(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the address the server binds is this machine's loopback only.
fn is_loopback(bind_host: &str) -> bool {
    bind_host.eq_ignore_ascii_case("localhost") || is_loopback_ip(bind_host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(origins: &[&str], hosts: &[&str]) -> Guard {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Guard::new("127.0.0.1", &s(origins), &s(hosts), vec!["sns.us-east-1.amazonaws.com".into()])
    }

    #[test]
    fn local_origins_and_listed_ones() {
        let g = guard(&["https://app.example.com"], &[]);
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "https://localhost:8443",
            "http://127.0.0.1:5173",
            "http://[::1]:8080",
            "https://app.example.com",
            "HTTPS://APP.EXAMPLE.COM/",
        ] {
            assert!(g.origin_allowed(ok), "{ok}");
        }
        for bad in [
            "http://evil.example",
            "http://localhost.evil.example",
            "http://evil.localhost.example:3000",
            "null",
            "file://",
            "http://127.0.0.1.evil.example",
            "https://app.example.com.evil",
        ] {
            assert!(!g.origin_allowed(bad), "{bad}");
        }
        assert!(guard(&["*"], &[]).origin_allowed("http://anything.example"));
    }

    #[test]
    fn hosts_that_name_this_machine() {
        let g = guard(&[], &["quayside.internal"]);
        assert!(g.host_allowed("sqs.us-east-1.quayside.internal:4566"), "a subdomain of an allowed name");
        for ok in [
            "localhost",
            "localhost:4566",
            "127.0.0.1:4566",
            "127.1.2.3",
            "[::1]:4566",
            "sqs.us-east-1.localhost:4566",
            "localhost.localstack.cloud:4566",
            "sqs.eu-west-1.localhost.localstack.cloud",
            "quayside.internal:4566",
            "sns.us-east-1.amazonaws.com",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:4566", "localhost.evil.example", "10.0.0.5:4566", "notlocalhost"] {
            assert!(!g.host_allowed(bad), "{bad}");
        }
        let open = Guard::new("0.0.0.0", &[], &[], vec![]);
        assert!(open.host_allowed("evil.example"), "another interface on purpose: any name");
    }
}
