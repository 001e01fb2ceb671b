use std::io::IsTerminal;

/// mimalloc instead of glibc's allocator: the request path allocates per message (decoded
/// inputs, rows, index entries) on two kinds of threads, and glibc's arenas spent a tenth of a
/// PublishBatch profile in malloc, free and heap growth.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let defs = quayside::services::all();
    let config = match quayside::config::invocation(&defs, std::env::args_os()) {
        Ok(quayside::config::Invocation::Serve(c)) => *c,
        Ok(quayside::config::Invocation::Healthcheck(h)) => std::process::exit(healthcheck(&h)),
        Ok(quayside::config::Invocation::Export(h)) => {
            match quayside::export_from(&h.host, h.port, std::time::Duration::from_secs(h.timeout)) {
                Ok(text) => {
                    print!("{text}");
                    std::process::exit(0)
                }
                Err(why) => {
                    eprintln!("quayside export: {why}");
                    std::process::exit(1)
                }
            }
        }
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
    match (running.tls_ca_path(), running.tls_ca_pem()) {
        (Some(path), _) => tracing::info!(
            "https on the same ports; trust {} (AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE), also at /_quayside/tls/ca.pem",
            path.display()
        ),
        (None, Some(_)) => tracing::info!("https on the same ports; its CA (made in memory) is at /_quayside/tls/ca.pem"),
        (None, None) => {}
    }
    // After the listening line and the start-up hooks: what scripts and testcontainers wait for.
    tokio::select! {
        _ = running.ready() => println!("Ready."),
        _ = shutdown_signal() => {
            tracing::info!("quayside: shutting down");
            running.shutdown().await;
            return;
        }
    }
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

/// `quayside healthcheck`: 0 when the server answers its health endpoint with 200 and says it
/// is ready, 1 otherwise (with the reason on stderr).
fn healthcheck(h: &quayside::config::Healthcheck) -> i32 {
    match quayside::health_probe(&h.host, h.port, std::time::Duration::from_secs(h.timeout)) {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("quayside healthcheck: {why}");
            1
        }
    }
}
