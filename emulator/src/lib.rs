//! The `quayside` emulator: configuration, the single-port HTTP listener, routing to the
//! services, admin endpoints, and shutdown. The only crate that knows sockets.

mod admin;
pub mod config;
mod http;
mod router;
mod sqs_api;
mod sts;

pub use config::Config;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use store::{Clock, ManualClock, SystemClock};
use tokio::sync::watch;

/// Everything a request handler can reach.
pub(crate) struct App {
    pub config: Config,
    pub sqs: sqs::Sqs,
    /// Set with `--virtual-clock`: the clock the admin API moves.
    pub manual_clock: Option<Arc<ManualClock>>,
    pub started: Instant,
}

/// A running emulator.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    app: Arc<App>,
}

impl Running {
    /// Moves the virtual clock (only with `virtual_clock`), as `POST /_quayside/clock/advance`.
    pub async fn advance_clock(&self, seconds: i64) -> bool {
        admin::advance(&self.app, seconds * 1000).await
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Errors starting the emulator.
#[derive(Debug)]
pub enum StartError {
    Io(std::io::Error),
    Store(store::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Io(e) => write!(f, "{e}"),
            StartError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Opens the store, loads every service's state, binds the listener and starts serving.
///
/// Errors: the data directory or database cannot be opened, or the address cannot be bound.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let manual_clock = config.virtual_clock.then(|| Arc::new(ManualClock::starting_now()));
    let clock: Arc<dyn Clock> = match &manual_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let path = if config.in_memory {
        None
    } else {
        std::fs::create_dir_all(&config.data_dir).map_err(StartError::Io)?;
        Some(config.data_dir.join("quayside.db"))
    };
    let migrations: Vec<store::Migration> = sqs::persist::MIGRATIONS.to_vec();
    let store = store::Store::open(path.as_deref(), config.durability, &migrations).map_err(StartError::Store)?;
    let sqs = sqs::Sqs::open(store, clock, sqs::Config { strict: config.strict }).map_err(StartError::Store)?;
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await.map_err(StartError::Io)?;
    let addr = listener.local_addr().map_err(StartError::Io)?;
    let app = Arc::new(App { config, sqs, manual_clock, started: Instant::now() });
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(http::serve(listener, app.clone(), rx.clone()));
    tokio::spawn(housekeeping(app.clone(), rx));
    Ok(Running { addr, shutdown: tx, task, app })
}

async fn housekeeping(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_millis(1000));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => app.sqs.tick().await,
            _ = stop.changed() => return,
        }
    }
}
