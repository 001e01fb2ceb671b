use clap::Parser;
use quayside::config::{Cli, Command};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let Command::Serve(config) = cli.command;
    let config = config.finish();
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
    let running = match quayside::start(config.clone()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("quayside: cannot start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(
        "quayside {} listening on http://{} ({})",
        env!("CARGO_PKG_VERSION"),
        running.addr,
        if config.in_memory { "in memory".to_string() } else { format!("data in {}", config.data_dir.display()) }
    );
    shutdown_signal().await;
    tracing::info!("quayside: shutting down");
    running.shutdown().await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
