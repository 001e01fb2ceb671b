//! The services' own TCP listeners (mq-lite's STOMP and MQTT): accepted by the shared accept
//! loop (back-off when out of descriptors, the connection cap), each connection handed to its
//! service with its peer's address and the stop signal, all stopped with the server. At a stop
//! each connection gets the signal and a moment to say goodbye in its protocol (the same drain
//! HTTP connections get) before it is dropped. Idle connections are the protocols' business
//! (their heart-beats and keep-alives). With `--tls`, a connection that opens with a TLS
//! handshake is served over TLS (`stomp+ssl`, `mqtt+ssl`, `wss`), any other as before.

use crate::accept::{accept_loop, Limits};
use service::{ConnectionInfo, Service};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// How long connections may take to finish after the stop signal.
pub(crate) const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a connection has to send its first byte (to tell TLS from the protocol itself)
/// and to finish a TLS handshake; the protocols' own connect timeouts apply after.
const TLS_FIRST_BYTE: std::time::Duration = std::time::Duration::from_secs(30);

pub(crate) async fn serve(
    listener: TcpListener,
    service: Arc<dyn Service>,
    name: &'static str,
    limits: Limits,
    tls: Option<Arc<crate::tls::Tls>>,
    stop: watch::Receiver<bool>,
) {
    if let Ok(addr) = listener.local_addr() {
        service.bound(name, addr);
    }
    let each = stop.clone();
    // Each connection holds a sender: when all are dropped, every connection has ended.
    let (alive, mut ended) = mpsc::channel::<()>(1);
    accept_loop(listener, name, limits, stop, move |stream, peer, permit| {
        let mut info = ConnectionInfo { peer, stop: each.clone(), tls: false, websocket: false };
        let mut stop = each.clone();
        let alive = alive.clone();
        let (service, tls) = (service.clone(), tls.clone());
        tokio::spawn(async move {
            let opening = match tls {
                Some(_) => crate::tls::opening(&stream, Some(TLS_FIRST_BYTE), stop.clone()).await,
                None => crate::tls::Opening::Plain,
            };
            let io: Box<dyn service::Connection> = match (opening, tls) {
                (crate::tls::Opening::Tls, Some(t)) => match t.handshake(stream, TLS_FIRST_BYTE, name, peer).await {
                    Some(s) => {
                        info.tls = true;
                        Box::new(s)
                    }
                    None => return,
                },
                // Nothing in 30 s: the protocols' own connect timeouts would close it too.
                (crate::tls::Opening::Silent, _) => return,
                _ => Box::new(stream),
            };
            let conn = service.serve_connection(name, io, info);
            tokio::pin!(conn);
            tokio::select! {
                _ = &mut conn => {}
                _ = stop.changed() => {
                    // The connection has the signal too: a moment to close in its protocol.
                    let _ = tokio::time::timeout(DRAIN, conn).await;
                }
            }
            drop((permit, alive));
        });
    })
    .await;
    let _ = tokio::time::timeout(DRAIN, ended.recv()).await;
}
