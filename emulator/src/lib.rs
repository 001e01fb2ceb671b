//! The `quayside` emulator: configuration, the single-port HTTP listener (HTTP/1.1 and h2c),
//! routing to the services in [`services::all`], the services' own TCP listeners, admin
//! endpoints, housekeeping and shutdown. The only crate that knows sockets; it names no
//! service outside the service list.

mod accept;
mod admin;
pub mod config;
mod console;
mod declare;
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
    /// What applying `--config` did.
    declared: Option<service::declare::Outcome>,
}

impl Running {
    /// What applying `--config` did (`None` without one).
    pub fn declared(&self) -> Option<&service::declare::Outcome> {
        self.declared.as_ref()
    }

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
    /// The `--config` file has errors (`file:line: reason`); nothing of it was applied.
    Config(String),
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
            StartError::Config(e) => write!(f, "{e} (nothing of the file was applied)"),
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
            checking: config.checking,
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
    let declared = match app.config.config_file.clone() {
        Some(path) => Some(apply_config_file(&app, &path).await?),
        None => None,
    };
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
    Ok(Running { addr, listeners: listener_addrs, shutdown: tx, tasks, app, declared })
}

/// Applies `--config`: first to a throwaway in-memory server holding a copy of the current
/// state (a file that fails there is refused, nothing of it applied), then to `app`.
///
/// Errors: `file:line: reason`.
async fn apply_config_file(app: &Arc<App>, path: &std::path::Path) -> Result<service::declare::Outcome, StartError> {
    let mode = if app.config.config_mode == "report" {
        service::declare::Mode::Report
    } else {
        service::declare::Mode::Update
    };
    let known: Vec<&str> = app.services.iter().filter_map(|s| s.declares()).map(|d| d.section()).collect();
    let file = declare::load(path, &known).map_err(StartError::Config)?;
    let mut check = Config::for_tests();
    check.account_id = app.config.account_id.clone();
    check.region = app.config.region.clone();
    check.options = app.config.options.clone();
    check.tls = false;
    check.checking = true;
    let throwaway = Box::pin(start_with(check, services::all())).await?;
    let copied = declare::apply(&throwaway.app, &declare::state_as_file(app), service::declare::Mode::Update).await;
    let checked = match copied {
        Ok(_) => declare::apply(&throwaway.app, &file, mode).await,
        Err(e) => Err(format!("the current state could not be copied to check the file: {e}")),
    };
    throwaway.shutdown().await;
    checked.map_err(StartError::Config)?;
    let outcome = declare::apply(app, &file, mode).await.map_err(StartError::Config)?;
    for d in &outcome.differences {
        tracing::warn!("config: {d} (--config-mode report: left as it is)");
    }
    tracing::info!(
        "config: {} applied: {} made, {} updated, {} differences reported",
        path.display(),
        outcome.made.len(),
        outcome.updated.len(),
        outcome.differences.len()
    );
    Ok(outcome)
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
    let (target, body) = fetch(host, port, "/_quayside/health", timeout)?;
    let health: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{target}: {e}"))?;
    match health.get("ready").and_then(|r| r.as_bool()) {
        Some(true) => Ok(()),
        _ => Err(format!("{target} is not ready yet (its start-up hooks are running)")),
    }
}

/// Asks the server at `host:port` for its state as a `--config` file (`GET /_quayside/config`),
/// for `quayside export`.
///
/// Errors: no answer, or another status than 200.
pub fn export_from(host: &str, port: u16, timeout: std::time::Duration) -> Result<String, String> {
    fetch(host, port, "/_quayside/config", timeout).map(|(_, body)| body)
}

/// A GET over plain HTTP/1.1 to the server at `host:port` (every interface is asked on
/// loopback): the address asked and the body of its 200 answer.
///
/// Errors: no answer, or another status (with the body).
fn fetch(host: &str, port: u16, path: &str, timeout: std::time::Duration) -> Result<(String, String), String> {
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
    write!(s, "GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("{target}: {e}"))?;
    let mut answer = Vec::new();
    s.take(64 << 20).read_to_end(&mut answer).map_err(|e| format!("{target}: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1).unwrap_or("");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    if status != "200" {
        return Err(format!("{target} answered {status}: {}", body.trim()));
    }
    Ok((target, body.to_string()))
}
