//! The services' own TCP listeners (mq-lite's STOMP and MQTT): accepted here, each connection
//! handed to its service, all stopped with the server.

use service::Service;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub(crate) async fn serve(
    listener: TcpListener,
    service: Arc<dyn Service>,
    name: &'static str,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        match accepted {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                let conn = service.serve_connection(name, Box::new(stream));
                let mut stop = stop.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        _ = stop.changed() => {}
                    }
                });
            }
            Err(e) => tracing::warn!("{name} listener: accept: {e}"),
        }
    }
}
