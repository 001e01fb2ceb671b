//! The `quayside` emulator: configuration, the single-port HTTP listener (HTTP/1.1 and h2c),
//! routing to the services in [`services::all`], the services' own TCP listeners, admin
//! endpoints, housekeeping and shutdown. The only crate that knows sockets; it names no
//! service outside the service list.

mod accept;
mod admin;
pub mod config;
mod endpoint;
mod guard;
mod http;
mod init;
mod listeners;
mod lock;
mod respond;
mod router;
pub mod services;
mod state;
mod tls;

pub use config::Config;

use service::{Clock, Env, ListenerKind, ManualClock, Service, ServiceDef, SystemClock};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// Everything a request handler can reach.
pub(crate) struct App {
    pub config: Config,
    pub services: Vec<Arc<dyn Service>>,
    pub table: router::Table,
    /// Who may call (Host and Origin checks, CORS).
    pub guard: guard::Guard,
    pub store: store::Store,
    pub clock: Arc<dyn Clock>,
    /// Set with `--virtual-clock`: the clock the admin API moves.
    pub manual_clock: Option<Arc<ManualClock>>,
    pub started: Instant,
    /// The start-up hooks' progress, and whether the server is ready.
    pub init: init::Init,
    /// HTTPS beside HTTP (`--tls`).
    pub tls: Option<Arc<tls::Tls>>,
}

/// A running emulator.
pub struct Running {
    /// The main port's address.
    pub addr: SocketAddr,
    /// The services' own listeners' addresses, by listener name.
    pub listeners: HashMap<&'static str, SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    app: Arc<App>,
}

impl Running {
    /// Where the local CA that signs the HTTPS certificate is kept (None: in memory, with
    /// `--tls-cert`, or without TLS).
    pub fn tls_ca_path(&self) -> Option<&std::path::Path> {
        self.app.tls.as_ref().and_then(|t| t.ca_path.as_deref())
    }

    /// The local CA's certificate (PEM), if the HTTPS certificate is Quayside's own.
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.app.tls.as_ref().and_then(|t| t.ca_pem.as_deref())
    }

    /// Waits until the server is ready: every listener bound (already so when `start`
    /// returns) and every start-up hook of `--init-dir` run.
    pub async fn ready(&self) {
        self.app.init.wait_ready().await
    }

    /// Moves the virtual clock (only with `virtual_clock`), as `POST /_quayside/clock/advance`.
    pub async fn advance_clock(&self, seconds: i64) -> bool {
        admin::advance(&self.app, seconds.saturating_mul(1000)).await.is_ok()
    }

    /// Stops: waiting long polls are answered, listeners close, open connections get a moment
    /// to finish their answers, and the accept loops end.
    pub async fn shutdown(self) {
        for s in &self.app.services {
            s.shutdown();
        }
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Errors starting the emulator; each names what it concerns.
#[derive(Debug)]
pub enum StartError {
    /// Another Quayside holds the data directory.
    Locked(std::path::PathBuf),
    /// A file or directory could not be used.
    Path(std::path::PathBuf, String),
    /// An address could not be bound.
    Bind(String, std::io::Error),
    /// A service could not open.
    Service(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Locked(dir) => {
                write!(f, "another Quayside is using the data directory {}", dir.display())
            }
            StartError::Path(p, e) => write!(f, "{}: {e}", p.display()),
            StartError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            StartError::Service(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Starts every service of [`services::all`].
///
/// Errors: see [`start_with`].
pub async fn start(config: Config) -> Result<Running, StartError> {
    start_with(config, services::all()).await
}

/// Locks the data directory, opens the store with every service's migrations, opens the
/// services, binds the main port and the services' listeners, and starts serving.
///
/// Errors: the data directory is in use or unusable, the database cannot be opened, a
/// service cannot load its state, or an address cannot be bound.
pub async fn start_with(config: Config, defs: Vec<ServiceDef>) -> Result<Running, StartError> {
    let (path, dir_lock) = if config.in_memory {
        (None, None)
    } else {
        let dir = config.data_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| StartError::Path(dir.clone(), format!("cannot create the data directory: {e}")))?;
        let l = lock::DirLock::acquire(&dir).await?;
        (Some(dir.join("quayside.db")), Some(l))
    };
    let mut migrations: Vec<store::Migration> = state::MIGRATIONS.to_vec();
    for d in &defs {
        migrations.extend(d.migrations.iter().copied());
    }
    // The directory's lock goes with the store: released once its threads are done with the file.
    let guard: Box<dyn std::any::Any + Send> = Box::new(dir_lock);
    let store =
        store::Store::open_with_guard(path.as_deref(), config.durability, &migrations, guard).map_err(
            |e| match &path {
                Some(p) => StartError::Path(p.clone(), format!("cannot open the database: {e}")),
                None => StartError::Service(format!("cannot open the in-memory database: {e}")),
            },
        )?;
    let manual_clock = if config.virtual_clock {
        let saved = state::load_clock(&store).map_err(|e| StartError::Service(format!("virtual clock: {e}")))?;
        Some(Arc::new(saved.map(ManualClock::new).unwrap_or_else(ManualClock::starting_now)))
    } else {
        None
    };
    let clock: Arc<dyn Clock> = match &manual_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let mut services = Vec::with_capacity(defs.len());
    for d in &defs {
        let mut options = HashMap::new();
        for o in d.options {
            options.insert(o.flag, config.options.get(o.flag).cloned().unwrap_or_else(|| o.default.to_string()));
        }
        let env = Env {
            store: store.clone(),
            clock: clock.clone(),
            strict: config.strict,
            options,
            peers: services.clone(),
            data_dir: (!config.in_memory).then(|| config.data_dir.clone()),
            tls: config.tls,
        };
        services.push((d.open)(&env).map_err(StartError::Service)?);
    }
    let main_addr = format!("{}:{}", config.host, config.port);
    let listener =
        tokio::net::TcpListener::bind(&main_addr).await.map_err(|e| StartError::Bind(main_addr.clone(), e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Bind(main_addr, e))?;
    let (tx, rx) = watch::channel(false);
    let mut extra = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        for l in d.listeners {
            if let Some(port) = config.listener_ports.get(l.name).copied().flatten() {
                let a = format!("{}:{port}", config.host);
                let bound = tokio::net::TcpListener::bind(&a).await.map_err(|e| StartError::Bind(a.clone(), e))?;
                extra.push((i, l.name, l.kind, bound));
            }
        }
    }
    let table = router::Table::new(&services);
    let service_hosts: Vec<String> = services.iter().flat_map(|s| s.hosts()).collect();
    let tls = if config.tls {
        let mut extra = service_hosts.clone();
        extra.extend(config.allowed_hosts.iter().cloned());
        extra.push(config.host.clone());
        let dir = (!config.in_memory).then_some(config.data_dir.as_path());
        let names = tls::names(&extra, &config.region);
        let t = tls::setup(config.tls_cert.as_deref(), config.tls_key.as_deref(), dir, names)
            .map_err(|e| StartError::Service(format!("TLS: {e}")))?;
        Some(Arc::new(t))
    } else {
        None
    };
    let guard = guard::Guard::new(&config.host, &config.cors_origins, &config.allowed_hosts, service_hosts);
    let app = Arc::new(App {
        config,
        services,
        table,
        guard,
        store,
        clock,
        manual_clock,
        started: Instant::now(),
        init: init::Init::default(),
        tls,
    });
    let mut listener_addrs = HashMap::new();
    let mut tasks = vec![tokio::spawn(http::serve(listener, app.clone(), None, rx.clone()))];
    for (i, name, kind, bound) in extra {
        if let Ok(a) = bound.local_addr() {
            listener_addrs.insert(name, a);
        }
        tasks.push(match kind {
            ListenerKind::Tcp => tokio::spawn(listeners::serve(
                bound,
                app.services[i].clone(),
                name,
                app.config.limits(),
                app.tls.clone(),
                rx.clone(),
            )),
            ListenerKind::Endpoint => tokio::spawn(http::serve(bound, app.clone(), Some(i), rx.clone())),
        });
    }
    tokio::spawn(housekeeping(app.clone(), rx));
    // Hooks call the server as a client would: on a loopback address when it listens on all.
    let mut reach = addr;
    if reach.ip().is_unspecified() {
        reach.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let setting = init::Setting {
        dir: app.config.init_dir.clone(),
        endpoint: format!("http://{reach}"),
        region: app.config.region.clone(),
        aws_cli: app.config.init_aws_cli.clone(),
    };
    let hooks = app.clone();
    tokio::spawn(async move { init::run(&hooks.init, setting).await });
    Ok(Running { addr, listeners: listener_addrs, shutdown: tx, tasks, app })
}

async fn housekeeping(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_millis(1000));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => {
                // A data directory deleted under a server that writes nothing is noticed here.
                let _ = app.store.check_file();
                for s in &app.services {
                    s.tick().await;
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Asks the server at `host:port` whether it is ready (`GET /_quayside/health`: 200 and
/// `"ready": true`), within `timeout`; for `quayside healthcheck`. A server listening on every
/// interface is asked on loopback.
///
/// Errors: why it is not ready (no answer, another status, not ready yet).
pub fn health_probe(host: &str, port: u16, timeout: std::time::Duration) -> Result<(), String> {
    use std::io::{Read, Write};
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" | "[::]" => "::1",
        h => h,
    };
    let target = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
        _ => format!("{host}:{port}"),
    };
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&target)
        .map_err(|e| format!("{target}: {e}"))?
        .next()
        .ok_or_else(|| format!("{target}: no address"))?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{target}: {e}"))?;
    s.set_read_timeout(Some(timeout)).and_then(|_| s.set_write_timeout(Some(timeout))).map_err(|e| e.to_string())?;
    write!(s, "GET /_quayside/health HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("{target}: {e}"))?;
    let mut answer = Vec::new();
    s.take(1 << 20).read_to_end(&mut answer).map_err(|e| format!("{target}: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1).unwrap_or("");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    if status != "200" {
        return Err(format!("{target} answered {status}: {}", body.trim()));
    }
    let health: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("{target}: {e}"))?;
    match health.get("ready").and_then(|r| r.as_bool()) {
        Some(true) => Ok(()),
        _ => Err(format!("{target} is not ready yet (its start-up hooks are running)")),
    }
}
