//! The services' own TCP listeners (mq-lite's STOMP and MQTT): accepted by the shared accept
//! loop (back-off when out of descriptors, the connection cap), each connection handed to its
//! service, all stopped with the server. Idle connections are the protocols' business (their
//! heart-beats and keep-alives).

use crate::accept::{accept_loop, Limits};
use service::Service;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub(crate) async fn serve(
    listener: TcpListener,
    service: Arc<dyn Service>,
    name: &'static str,
    limits: Limits,
    stop: watch::Receiver<bool>,
) {
    let each = stop.clone();
    accept_loop(listener, name, limits, stop, move |stream, _peer, permit| {
        let conn = service.serve_connection(name, Box::new(stream));
        let mut stop = each.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
            drop(permit);
        });
    })
    .await;
}
