use std::io::IsTerminal;

/// mimalloc instead of glibc's allocator: the request path allocates per message (decoded
/// inputs, rows, index entries) on two kinds of threads, and glibc's arenas spent a tenth of a
/// PublishBatch profile in malloc, free and heap growth.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let defs = quayside::services::all();
    let config = match quayside::config::parse(&defs, std::env::args_os()) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let running = match quayside::start_with(config.clone(), defs).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("quayside: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let mut extra: Vec<String> = running.listeners.iter().map(|(n, a)| format!("{n} on {a}")).collect();
    extra.sort();
    tracing::info!(
        "quayside {} listening on http://{} ({}){}",
        env!("CARGO_PKG_VERSION"),
        running.addr,
        if config.in_memory { "in memory".to_string() } else { format!("data in {}", config.data_dir.display()) },
        if extra.is_empty() { String::new() } else { format!("; {}", extra.join(", ")) }
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
