//! A minimal HTTP/1.1 keep-alive client over raw TCP: one request in flight per connection,
//! pre-built request bytes, so the load generator spends its time on the wire, not in a
//! client library.

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Conn {
    stream: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    pub async fn connect(addr: &str) -> io::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::with_capacity(64 * 1024, s), line: String::new() })
    }

    /// Sends `req` (a complete request) and reads one response: (status, body).
    pub async fn send(&mut self, req: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        self.stream.get_mut().write_all(req).await?;
        self.line.clear();
        self.stream.read_line(&mut self.line).await?;
        let status = self.line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            self.line.clear();
            let n = self.stream.read_line(&mut self.line).await?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
            }
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// A JSON-protocol request for `target` (`AmazonSQS.SendMessage`) with `body`.
pub fn json_request(host: &str, target: &str, body: &str) -> Vec<u8> {
    json_request_as(host, target, "1.0", body)
}

/// A request in AWS JSON `version` (`1.0` for SQS, `1.1` for Kinesis).
pub fn json_request_as(host: &str, target: &str, version: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: {target}\r\nContent-Type: application/x-amz-json-{version}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A query-protocol request (form-encoded, SNS's wire) with `form` already encoded.
pub fn query_request(host: &str, form: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .into_bytes()
}
