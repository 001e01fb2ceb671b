//! The interface between Quayside's server and each emulated service (SQS, STS, and next SNS,
//! Kinesis and mq-lite), in the way garage's `ApiHandler` is one value per API.
//!
//! A service crate exports one [`ServiceDef`]: its name, migrations, settings and TCP
//! listeners, and how to open it. Opened, it is a [`Service`]: its routing facts (read from its
//! model's metadata), `call` for each request, a periodic `tick`, `reset`, `health`, and the
//! connections of its own listeners. The emulator holds the list of definitions and builds
//! its routing table from them; adding a service is a new crate and one line in that list.

pub mod clock;
pub mod codec;
pub mod declare;
mod delays;
pub mod handled;
pub mod input;
pub mod inspect;
pub mod metrics;
pub mod names;
pub mod paging;
pub mod policy;
mod unbuilt;

pub use clock::{Clock, ManualClock, SystemClock};
pub use delays::Delays;
pub use metrics::Metrics;
pub use unbuilt::Unbuilt;

use aws_protocol::query::QueryParams;
use aws_protocol::{Protocol, RequestContext, Response, ServiceRoutes};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use store::{Migration, Store};

/// The body limit of a service that states none (8 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A boxed future, so services can be held as `dyn Service`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A byte stream of a service's own TCP listener (STOMP, MQTT).
pub trait Connection: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Connection for T {}

/// What a service knows of a connection on its own listener.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The client's address.
    pub peer: std::net::SocketAddr,
    /// Turns true when the server stops.
    pub stop: tokio::sync::watch::Receiver<bool>,
    /// Whether the connection speaks TLS.
    pub tls: bool,
    /// Whether the protocol comes inside WebSocket messages (mq-lite's WebSocket port).
    pub websocket: bool,
}

impl ConnectionInfo {
    /// How the connection carries its protocol: `tcp`, `tls`, `ws` or `wss`.
    pub fn transport(&self) -> &'static str {
        match (self.websocket, self.tls) {
            (false, false) => "tcp",
            (false, true) => "tls",
            (true, false) => "ws",
            (true, true) => "wss",
        }
    }
}

/// A setting a service adds to `quayside serve`: `--<flag>` and its environment variable.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The flag without dashes (`queue-url-style`); its variable is `QUAYSIDE_` plus the flag in
    /// upper case with `_` for `-`.
    pub flag: &'static str,
    pub help: &'static str,
    pub default: &'static str,
    /// The values accepted; empty for any.
    pub values: &'static [&'static str],
}

/// A TCP listener a service serves besides the HTTP port (`--<name>-port`, 0 picks a free one,
/// `off` disables it).
#[derive(Debug, Clone, Copy)]
pub struct ListenerSpec {
    pub name: &'static str,
    pub help: &'static str,
    /// `None`: off unless asked for.
    pub default_port: Option<u16>,
    pub kind: ListenerKind,
}

/// What a service's own listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// A protocol of the service's own (STOMP, MQTT): each connection goes to
    /// [`Service::serve_connection`].
    Tcp,
    /// HTTP for this service alone, answering everything else as the service's own AWS
    /// endpoint does (Kinesis's `--kinesis-port`, for tools written for kinesalite).
    Endpoint,
}

/// What a service is opened with.
#[derive(Clone)]
pub struct Env {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// `--limits strict`: enforce the AWS limits emulators usually relax.
    pub strict: bool,
    /// The values of the service's [`OptionSpec`]s, by flag.
    pub options: HashMap<&'static str, String>,
    /// The services opened before this one (earlier in the list), for services that work with
    /// others (SNS delivering into SQS).
    pub peers: Vec<Arc<dyn Service>>,
    /// The data directory (`--data-dir`); `None` in memory. Services that write files (Kinesis
    /// channels) write beneath it.
    pub data_dir: Option<std::path::PathBuf>,
    /// The listeners speak TLS too (`--tls`): a service that names its endpoints says so.
    pub tls: bool,
    /// A throwaway server that checks a config file before it is applied: nothing it does may
    /// leave the process (SNS sends no HTTP/S deliveries or confirmations).
    pub checking: bool,
}

impl Env {
    /// An option's value (its default if unset).
    pub fn option(&self, flag: &str) -> &str {
        self.options.get(flag).map(String::as_str).unwrap_or("")
    }

    /// The opened service of type `T` among the peers.
    pub fn peer<T: Service>(&self) -> Option<&T> {
        // Through the trait object: `p.as_any()` would see the Arc itself as the `Any`.
        self.peers.iter().find_map(|p| AsAny::as_any(p.as_ref()).downcast_ref::<T>())
    }
}

/// How to open a service, and what it needs before it is open.
pub struct ServiceDef {
    pub name: &'static str,
    pub migrations: Vec<Migration>,
    pub options: &'static [OptionSpec],
    pub listeners: &'static [ListenerSpec],
    #[allow(clippy::type_complexity)]
    pub open: Box<dyn Fn(&Env) -> Result<Arc<dyn Service>, String> + Send + Sync>,
}

/// The request body as the protocol carries it.
#[derive(Debug)]
pub enum Input<'a> {
    /// JSON, CBOR or REST bodies.
    Body(&'a [u8]),
    /// Query parameters (form body and URL), `Action` and `Version` included.
    Query(QueryParams),
}

/// One AWS API request for a service.
#[derive(Debug)]
pub struct Call<'a> {
    pub ctx: &'a RequestContext,
    pub protocol: Protocol,
    pub operation: &'a str,
    pub input: Input<'a>,
    /// The request path (SQS's older clients post to the queue URL's path; REST routes).
    pub path: &'a str,
    pub method: &'a str,
    /// The URL's query string, undecoded (REST operations' query-string members).
    pub query: &'a str,
}

/// A request on one of a service's own HTTP paths (developer endpoints such as
/// `/_aws/sqs/messages`), already split from HTTP.
#[derive(Debug)]
pub struct PathCall<'a> {
    pub ctx: &'a RequestContext,
    pub method: &'a str,
    pub path: &'a str,
    /// URL and form parameters together.
    pub params: QueryParams,
    pub accept_json: bool,
    /// The request body as sent (JSON endpoints read it).
    pub body: &'a [u8],
}

/// Any service as `Any`, so a peer can reach its own API (`Env::peer`); implemented for every
/// type, so services need not write it.
pub trait AsAny {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// An emulated AWS service, opened.
pub trait Service: AsAny + Send + Sync + 'static {
    /// What the router needs to send requests here.
    fn routes(&self) -> &ServiceRoutes;

    /// Answers one request in `call.protocol` (errors included).
    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response>;

    /// Periodic housekeeping (about once a second, and after the virtual clock moves).
    fn tick(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// The virtual clock moved: re-check timers and wake waiters.
    fn clock_moved(&self) -> BoxFuture<'_, ()> {
        self.tick()
    }

    /// Forgets all state (the admin reset).
    fn reset(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    /// This service's part of `/_quayside/health`.
    fn health(&self) -> serde_json::Value {
        serde_json::json!({"state": "running"})
    }

    /// Config as code: this service's section of a Quayside file (`queues`), if it has one.
    fn declares(&self) -> Option<&dyn declare::Declares> {
        None
    }

    /// The console's view of this service (`/_quayside/ui`), if it shows one.
    fn inspects(&self) -> Option<&dyn inspect::Inspects> {
        None
    }

    /// This service's figures for `/_quayside/metrics` (families named `quayside_<service>_...`).
    fn metrics(&self, m: &mut Metrics) {
        let _ = m;
    }

    /// Whether `health` reports a working service (LocalStack's health lists only those).
    fn running(&self) -> bool {
        true
    }

    /// The server is shutting down: answer waiting requests (long polls) now.
    fn shutdown(&self) {}

    /// Whether a request without `Action` or target on this path is the service's (SQS's queue
    /// URLs); it is then called with an empty operation and answers as AWS does.
    fn owns_path(&self, path: &str) -> bool {
        let _ = path;
        false
    }

    /// The largest request body the service reads, sized from AWS's own limits and their
    /// encodings (a 1 MiB SQS message percent-encoded or JSON-escaped; Kinesis's 10 MiB of
    /// PutRecords data in base64).
    fn max_body_bytes(&self) -> usize {
        DEFAULT_MAX_BODY_BYTES
    }

    /// Host names the service writes into its own URLs (SNS's `--sns-cert-host`): requests
    /// naming them are this server's too.
    fn hosts(&self) -> Vec<String> {
        Vec::new()
    }

    /// Path prefixes of the service's own HTTP endpoints.
    fn paths(&self) -> &[&'static str] {
        &[]
    }

    /// Answers a request on one of [`paths`](Self::paths).
    fn path_call<'a>(&'a self, call: PathCall<'a>) -> BoxFuture<'a, Response> {
        let _ = call;
        Box::pin(async { Response::new(404, "text/plain", "not found") })
    }

    /// The service's listener `listener` is bound to `addr` (its real port when 0 was asked).
    fn bound(&self, listener: &'static str, addr: std::net::SocketAddr) {
        let _ = (listener, addr);
    }

    /// Serves one connection accepted on the service's listener `listener`. When
    /// `info.stop` turns true the server is stopping: the connection should close in its
    /// protocol soon (it is dropped a few seconds later).
    fn serve_connection(
        &self,
        listener: &'static str,
        conn: Box<dyn Connection>,
        info: ConnectionInfo,
    ) -> BoxFuture<'static, ()> {
        let _ = (listener, conn, info);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A(ServiceRoutes);

    impl Service for A {
        fn routes(&self) -> &ServiceRoutes {
            &self.0
        }
        fn call<'a>(&'a self, _call: Call<'a>) -> BoxFuture<'a, Response> {
            Box::pin(async { Response::new(200, "text/plain", "") })
        }
    }

    #[test]
    fn peers_are_found_by_type() {
        let store = Store::open(None, store::Durability::Process, &[]).unwrap();
        let a: Arc<dyn Service> = Arc::new(A(ServiceRoutes { name: "a".into(), ..Default::default() }));
        let env = Env {
            store,
            clock: Arc::new(SystemClock),
            strict: false,
            options: HashMap::new(),
            peers: vec![a],
            data_dir: None,
            tls: false,
            checking: false,
        };
        assert_eq!(env.peer::<A>().map(|a| a.routes().name.as_str()), Some("a"));
        assert!(env.peer::<Unbuilt>().is_none());
    }
}
