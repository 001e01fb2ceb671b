use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::Client;
use quayside::{Config, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Env {
    pub running: Running,
    pub client: Client,
}

impl Env {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Advances the virtual clock (the emulator must run with one).
    pub async fn advance(&self, seconds: i64) {
        assert!(self.running.advance_clock(seconds).await, "virtual clock not enabled");
    }

    pub async fn queue(&self, name: &str) -> String {
        self.client.create_queue().queue_name(name).send().await.unwrap().queue_url.unwrap()
    }

    pub async fn queue_with(
        &self,
        name: &str,
        attributes: &[(aws_sdk_sqs::types::QueueAttributeName, &str)],
    ) -> String {
        let mut req = self.client.create_queue().queue_name(name);
        for (k, v) in attributes {
            req = req.attributes(k.clone(), *v);
        }
        req.send().await.unwrap().queue_url.unwrap()
    }

    /// True when a plain receive gets no message.
    pub async fn nothing_to_receive(&self, url: &str) -> bool {
        let out = self.client.receive_message().queue_url(url).send().await.unwrap();
        out.messages.is_none_or(|v| v.is_empty())
    }

    /// One receive (up to 10) asking for every system attribute.
    pub async fn receive_with_attributes(&self, url: &str) -> Vec<aws_sdk_sqs::types::Message> {
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        out.messages.unwrap_or_default()
    }

    pub async fn fifo_queue(&self, name: &str, content_dedup: bool) -> String {
        let mut req = self
            .client
            .create_queue()
            .queue_name(name)
            .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
        if content_dedup {
            req = req.attributes(aws_sdk_sqs::types::QueueAttributeName::ContentBasedDeduplication, "true");
        }
        req.send().await.unwrap().queue_url.unwrap()
    }

    pub async fn attribute(&self, url: &str, name: &str) -> Option<String> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::from(name))
            .send()
            .await
            .unwrap();
        out.attributes.and_then(|m| m.get(&aws_sdk_sqs::types::QueueAttributeName::from(name)).cloned())
    }
}

/// A fresh directory under the system's temporary one.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("quayside-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The test configuration with its state in `dir` (to restart on).
pub fn durable(dir: &std::path::Path) -> Config {
    let mut config = Config::for_tests();
    config.in_memory = false;
    config.data_dir = dir.to_path_buf();
    config
}

pub async fn start() -> Env {
    start_with(Config::for_tests()).await
}

pub async fn start_virtual() -> Env {
    let mut c = Config::for_tests();
    c.virtual_clock = true;
    start_with(c).await
}

pub async fn start_with(config: Config) -> Env {
    let running = quayside::start(config).await.expect("emulator starts");
    let client = client(&format!("http://{}", running.addr), "test");
    Env { running, client }
}

/// An SDK client with the given access key id (a 12-digit one selects that account).
pub fn client(endpoint: &str, access_key: &str) -> Client {
    client_in(endpoint, access_key, "us-east-1")
}

pub fn client_in(endpoint: &str, access_key: &str, region: &str) -> Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(access_key, "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .build();
    Client::from_conf(conf)
}

/// A raw HTTP/1.1 exchange (Connection: close), for pinning wire details.
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's bytes as they came (CBOR and other binary bodies).
    pub bytes: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// [`json`](Self::json), with an empty body read as null (Kinesis operations without
    /// output answer one, as recorded).
    pub fn json_or_null(&self) -> serde_json::Value {
        if self.body.is_empty() {
            serde_json::Value::Null
        } else {
            self.json()
        }
    }
}

pub async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    raw_as(addr, &addr.to_string(), method, path, headers, body).await
}

/// How long a raw exchange may take.
pub const RAW_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// [`raw`] with the given Host header (raw sends the server's address). Bounded, so a hung
/// server fails the test instead of hanging the suite.
pub async fn raw_as(
    addr: std::net::SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    tokio::time::timeout(RAW_LIMIT, exchange(addr, host, method, path, headers, body))
        .await
        .unwrap_or_else(|_| panic!("no answer to {method} {path} within {RAW_LIMIT:?}"))
}

async fn exchange(
    addr: std::net::SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut bytes = buf.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let chunked =
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        bytes = dechunk(&bytes);
    }
    let body = String::from_utf8_lossy(&bytes).to_string();
    RawResponse { status, headers, body, bytes }
}

/// The data of a chunked HTTP/1.1 body (streamed answers).
pub fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end]).ok().and_then(|l| usize::from_str_radix(l.trim(), 16).ok());
        let Some(n) = size.filter(|n| *n > 0) else { break };
        let start = line_end + 2;
        let Some(chunk) = rest.get(start..start + n) else { break };
        out.extend_from_slice(chunk);
        rest = rest.get(start + n + 2..).unwrap_or_default();
    }
    out
}

/// A JSON-protocol SQS call over raw HTTP.
pub async fn sqs_json(addr: std::net::SocketAddr, op: &str, body: &str) -> RawResponse {
    raw(
        addr,
        "POST",
        "/",
        &[("X-Amz-Target", &format!("AmazonSQS.{op}")), ("Content-Type", "application/x-amz-json-1.0")],
        body.as_bytes(),
    )
    .await
}

/// A query-protocol call over raw HTTP (form POST to `path`).
pub async fn query(addr: std::net::SocketAddr, path: &str, form: &str) -> RawResponse {
    raw(addr, "POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes()).await
}

/// The error code the SDK saw.
pub fn code<E: aws_sdk_sqs::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("").to_string()
}
