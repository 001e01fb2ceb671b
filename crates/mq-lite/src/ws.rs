//! STOMP and MQTT over WebSocket on one port (ActiveMQ's `ws` transport; Amazon MQ's
//! `wss://...:61619`), for browser clients such as stomp.js and MQTT.js. The protocol is the
//! sub-protocol the client asks for (`mqtt`/`mqttv3.1`, or `v12.stomp`, `v11.stomp`,
//! `v10.stomp`, `stomp`; none: STOMP). The messages' bytes are the protocol's stream: the
//! same connection loops serve them through an in-process pipe, so frames and packets may be
//! split across messages either way.

use crate::stomp::Shared;
use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use service::{Connection, ConnectionInfo};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// How long the WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stomp,
    Mqtt,
}

/// The sub-protocol to answer with, from the client's list (MQTT's names first: a client
/// that offers them is an MQTT client).
fn choose(offered: Option<&str>) -> (Kind, Option<String>) {
    let list: Vec<&str> = offered.unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    for p in &list {
        if p.eq_ignore_ascii_case("mqtt") || p.eq_ignore_ascii_case("mqttv3.1") {
            return (Kind::Mqtt, Some(p.to_string()));
        }
    }
    for want in ["v12.stomp", "v11.stomp", "v10.stomp", "stomp"] {
        if let Some(p) = list.iter().find(|p| p.eq_ignore_ascii_case(want)) {
            return (Kind::Stomp, Some(p.to_string()));
        }
    }
    (Kind::Stomp, None)
}

/// Serves one WebSocket connection until either side closes or the server stops.
pub async fn serve(shared: Arc<Shared>, io: Box<dyn Connection>, info: ConnectionInfo) {
    let chosen: Arc<Mutex<(Kind, Option<String>)>> = Arc::new(Mutex::new((Kind::Stomp, None)));
    let pick = chosen.clone();
    // The signature is tungstenite's (its error type is its HTTP response).
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        let offered = req.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
        let (kind, answer) = choose(offered);
        if let Some(a) = &answer {
            if let Ok(v) = a.parse() {
                resp.headers_mut().insert("sec-websocket-protocol", v);
            }
        }
        *pick.lock() = (kind, answer);
        Ok(resp)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(shared.limits.max_data_length + 64 * 1024))
        .max_frame_size(Some(shared.limits.max_data_length + 64 * 1024));
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(io, callback, Some(config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            tracing::info!("ws: closing a connection from {} that is not a WebSocket: {e}", info.peer);
            return;
        }
        Err(_) => return,
    };
    let kind = chosen.lock().0;
    // The protocol's connection loop reads and writes `inner`; the pump carries the bytes.
    let (inner, mut outer) = tokio::io::duplex(256 * 1024);
    let conn: Box<dyn Connection> = Box::new(inner);
    let info = service::ConnectionInfo { websocket: true, ..info };
    let protocol = match kind {
        Kind::Stomp => tokio::spawn(crate::stomp::conn::serve(shared, conn, info)),
        Kind::Mqtt => tokio::spawn(crate::mqtt::conn::serve(shared, conn, info)),
    };
    let (mut sink, mut stream) = ws.split();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            m = stream.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if outer.write_all(t.as_bytes()).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Binary(b))) => {
                    if outer.write_all(&b).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            n = outer.read(&mut buf) => match n {
                Ok(0) | Err(_) => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
                Ok(n) => {
                    let bytes = bytes::Bytes::copy_from_slice(&buf[..n]);
                    // STOMP is text to browsers unless it is not UTF-8; MQTT is binary.
                    let m = match (kind, std::str::from_utf8(&bytes)) {
                        (Kind::Stomp, Ok(t)) => Message::Text(t.into()),
                        _ => Message::Binary(bytes),
                    };
                    if sink.send(m).await.is_err() {
                        break;
                    }
                }
            },
        }
    }
    drop(outer);
    let _ = protocol.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_protocols() {
        assert_eq!(choose(Some("v10.stomp, v11.stomp, v12.stomp")), (Kind::Stomp, Some("v12.stomp".into())));
        assert_eq!(choose(Some("mqtt")), (Kind::Mqtt, Some("mqtt".into())));
        assert_eq!(choose(Some("mqttv3.1")), (Kind::Mqtt, Some("mqttv3.1".into())));
        assert_eq!(choose(None), (Kind::Stomp, None));
        assert_eq!(choose(Some("chat")), (Kind::Stomp, None));
    }
}
