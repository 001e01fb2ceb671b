//! Who may call: a web page of another origin cannot wipe or drive the emulator (its requests
//! are refused before they run, developer endpoints refuse the content types a page sends
//! without a preflight), a DNS-rebinding page's Host is refused, and allowed origins get
//! AWS's CORS answers.

use crate::common::*;

/// A raw HTTP/1.1 exchange with the given Host header.
async fn with_host(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    raw_as(addr, host, method, path, headers, body).await
}

async fn queue_exists(env: &Env, name: &str) -> bool {
    env.client.get_queue_url().queue_name(name).send().await.is_ok()
}

/// `POST /_quayside/reset` and `POST /moto-api/reset` as a page would send them (any origin,
/// `text/plain`, no preflight) wiped every account; now they are refused and nothing is lost.
/// A local tool still resets: curl without a body, a page of a local origin with JSON.
#[tokio::test]
async fn a_web_page_cannot_wipe_the_emulator() {
    let env = start().await;
    let addr = env.running.addr;
    env.queue("precious").await;
    for path in ["/_quayside/reset", "/moto-api/reset"] {
        for headers in [
            &[("Origin", "http://evil.example"), ("Content-Type", "text/plain")][..],
            &[("Origin", "http://evil.example")][..],
            &[("Origin", "null"), ("Content-Type", "application/json")][..],
            // A page whose browser leaves Origin out still cannot use a simple content type.
            &[("Content-Type", "text/plain;charset=UTF-8")][..],
            &[("Content-Type", "application/x-www-form-urlencoded")][..],
            &[("Content-Type", "multipart/form-data; boundary=x")][..],
        ] {
            let r = raw(addr, "POST", path, headers, b"{}").await;
            assert_eq!(r.status, 403, "{path} {headers:?}: {}", r.body);
            assert_eq!(r.json()["__type"], "AccessDeniedException");
            assert!(r.header("access-control-allow-origin").is_none(), "a refusal grants nothing");
            assert!(queue_exists(&env, "precious").await, "{path} {headers:?} wiped the state");
        }
    }
    // A page's preflight for the reset is refused too.
    let r = raw(
        addr,
        "OPTIONS",
        "/_quayside/reset",
        &[("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST")],
        b"",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.header("access-control-allow-origin").is_none());
    // A local page with JSON resets.
    let r = raw(
        addr,
        "POST",
        "/_quayside/reset",
        &[("Origin", "http://localhost:3000"), ("Content-Type", "application/json")],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"), "AWS's recorded answer");
    assert!(!queue_exists(&env, "precious").await);
    // curl -X POST (no body, no content type), as moto's and LocalStack's harnesses call it.
    env.queue("again").await;
    let r = raw(addr, "POST", "/moto-api/reset", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!queue_exists(&env, "again").await);
    // Reading developer endpoints from another origin is refused too.
    let r = raw(addr, "GET", "/_quayside/health", &[("Origin", "https://evil.example")], b"").await;
    assert_eq!(r.status, 403);
    let r = raw(addr, "GET", "/_aws/sqs/messages", &[("Origin", "https://evil.example")], b"").await;
    assert_eq!(r.status, 403);
    let r = raw(addr, "GET", "/_localstack/health", &[("Origin", "https://evil.example")], b"").await;
    assert_eq!(r.status, 403);
}

/// A page of another origin cannot drive the AWS APIs either: not a JSON call after a
/// preflight (refused), not a query form POST, which a browser sends without one.
#[tokio::test]
async fn a_web_page_of_another_origin_cannot_call_the_apis() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("jobs").await;
    let preflight = raw(
        addr,
        "OPTIONS",
        "/",
        &[
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-amz-target"),
        ],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 403);
    assert!(preflight.header("access-control-allow-origin").is_none());
    assert!(preflight.header("access-control-allow-headers").is_none());
    let r = raw(
        addr,
        "POST",
        "/",
        &[
            ("Origin", "http://evil.example"),
            ("X-Amz-Target", "AmazonSQS.DeleteQueue"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        format!(r#"{{"QueueUrl":"{url}"}}"#).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 403);
    let path = url.trim_start_matches(&env.endpoint()).to_string();
    let r = raw(
        addr,
        "POST",
        &path,
        &[("Origin", "http://evil.example"), ("Content-Type", "application/x-www-form-urlencoded")],
        b"Action=DeleteQueue",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(queue_exists(&env, "jobs").await);
    // A local page gets AWS's CORS answers: the preflight echoes what it asks for.
    let preflight = raw(
        addr,
        "OPTIONS",
        "/",
        &[
            ("Origin", "http://127.0.0.1:5173"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-date"),
        ],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(preflight.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(preflight.header("access-control-allow-headers"), Some("content-type,x-amz-target,x-amz-date"));
    assert_eq!(preflight.header("access-control-max-age"), Some("172800"));
    assert!(preflight.body.is_empty());
    let r = raw(
        addr,
        "POST",
        "/",
        &[
            ("Origin", "http://127.0.0.1:5173"),
            ("X-Amz-Target", "AmazonSQS.GetQueueUrl"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        br#"{"QueueName":"jobs"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r.header("access-control-expose-headers").is_some_and(|h| h.contains("x-amzn-RequestId")));
    // SDKs send no Origin: they are never refused on it, and get no CORS headers.
    let r = sqs_json(addr, "GetQueueUrl", r#"{"QueueName":"jobs"}"#).await;
    assert_eq!(r.status, 200);
    assert!(r.header("access-control-allow-origin").is_none());
}

/// `--cors-origins` adds origins; `*` gives every origin AWS's own answer.
#[tokio::test]
async fn cors_origins_are_configurable() {
    let mut config = quayside::Config::for_tests();
    config.cors_origins = vec!["https://console.example.com".into()];
    let env = start_with(config).await;
    let addr = env.running.addr;
    let ask =
        |origin: &'static str| async move { raw(addr, "GET", "/_quayside/health", &[("Origin", origin)], b"").await };
    let r = ask("https://console.example.com").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(ask("https://other.example.com").await.status, 403);
    assert_eq!(ask("http://localhost:8080").await.status, 200, "local origins stay allowed");

    let mut config = quayside::Config::for_tests();
    config.cors_origins = vec!["*".into()];
    let any = start_with(config).await;
    let r = raw(any.running.addr, "GET", "/_quayside/health", &[("Origin", "https://anywhere.example")], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"), "AWS's own answer");
    // Developer endpoints that change state still refuse a page's simple content types.
    let r = raw(any.running.addr, "POST", "/_quayside/reset", &[("Content-Type", "text/plain")], b"").await;
    assert_eq!(r.status, 403);
}

/// A page on another site whose DNS name is rebound to 127.0.0.1 sends its own name as Host:
/// refused. Loopback names, `localhost` and its subdomains (the domain queue URL style), the
/// names LocalStack's queue URLs use and `--allowed-hosts` are answered.
#[tokio::test]
async fn the_host_header_must_name_this_machine() {
    let mut config = quayside::Config::for_tests();
    config.allowed_hosts = vec!["quayside.test".into()];
    let env = start_with(config).await;
    let addr = env.running.addr;
    env.queue("named").await;
    let port = addr.port();
    for host in ["evil.example", &format!("evil.example:{port}"), "localhost.evil.example", "192.168.1.20"] {
        let r = with_host(addr, "POST", "/_quayside/reset", host, &[], b"").await;
        assert_eq!(r.status, 403, "{host}: {}", r.body);
        assert!(r.body.contains("DNS rebinding"), "{}", r.body);
        let r = with_host(
            addr,
            "POST",
            "/",
            host,
            &[("X-Amz-Target", "AmazonSQS.ListQueues"), ("Content-Type", "application/x-amz-json-1.0")],
            b"{}",
        )
        .await;
        assert_eq!(r.status, 403, "{host}");
    }
    assert!(queue_exists(&env, "named").await);
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("sqs.us-east-1.localhost:{port}"),
        format!("localhost.localstack.cloud:{port}"),
        format!("sqs.us-east-1.localhost.localstack.cloud:{port}"),
        format!("quayside.test:{port}"),
    ] {
        let r = with_host(
            addr,
            "POST",
            "/",
            &host,
            &[("X-Amz-Target", "AmazonSQS.ListQueues"), ("Content-Type", "application/x-amz-json-1.0")],
            b"{}",
        )
        .await;
        assert_eq!(r.status, 200, "{host}: {}", r.body);
    }
}
