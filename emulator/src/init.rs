//! Start-up hooks, as LocalStack's `ready.d`: once every listener is bound, the files of
//! `--init-dir` run in name order, with the endpoint in their environment. Executable files
//! (and `.sh` files, through `sh`) run as they are; `.aws` files hold AWS CLI commands, one a
//! line. Their progress is what `/_localstack/init` shows, and the server is ready (the
//! `Ready.` line, health's `ready`) once they have all run.

use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// How one hook went, in LocalStack's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Unknown,
    Running,
    Successful,
    Error,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Unknown => "UNKNOWN",
            State::Running => "RUNNING",
            State::Successful => "SUCCESSFUL",
            State::Error => "ERROR",
        }
    }
}

/// A hook and how it went.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    pub name: String,
    pub state: State,
}

/// The start-up hooks' progress.
pub(crate) struct Init {
    scripts: Mutex<Vec<Script>>,
    ready: watch::Sender<bool>,
}

impl Default for Init {
    fn default() -> Self {
        Init { scripts: Mutex::default(), ready: watch::channel(false).0 }
    }
}

impl Init {
    /// The hooks, in the order they run.
    pub(crate) fn scripts(&self) -> Vec<Script> {
        self.scripts.lock().clone()
    }

    /// Whether every hook has run.
    pub(crate) fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Waits until every hook has run.
    pub(crate) async fn wait_ready(&self) {
        let mut rx = self.ready.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    fn set(&self, i: usize, state: State) {
        if let Some(s) = self.scripts.lock().get_mut(i) {
            s.state = state;
        }
    }
}

/// What a hook is, by its file.
enum Kind {
    /// Run as it is.
    Program,
    /// Run through `sh`.
    Shell,
    /// AWS CLI commands, one a line.
    AwsCli,
}

fn kind(path: &Path) -> Option<Kind> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("aws") => Some(Kind::AwsCli),
        _ if meta.permissions().mode() & 0o111 != 0 => Some(Kind::Program),
        Some("sh") => Some(Kind::Shell),
        _ => None,
    }
}

/// Where the hooks find the server, and how they call the AWS CLI.
pub(crate) struct Setting {
    pub dir: Option<PathBuf>,
    pub endpoint: String,
    pub region: String,
    pub aws_cli: String,
}

/// Runs the hooks of `setting.dir` in name order (a failing one is logged and the next runs),
/// then marks the server ready.
pub(crate) async fn run(init: &Init, setting: Setting) {
    let mut files: Vec<(PathBuf, Kind)> = Vec::new();
    if let Some(dir) = &setting.dir {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                paths.sort();
                for p in paths {
                    match kind(&p) {
                        Some(k) => files.push((p, k)),
                        None => tracing::warn!("init: skipping {} (not executable, not .sh, not .aws)", p.display()),
                    }
                }
            }
            Err(e) => tracing::error!("init: cannot read {}: {e}", dir.display()),
        }
    }
    *init.scripts.lock() = files
        .iter()
        .map(|(p, _)| Script {
            name: p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            state: State::Unknown,
        })
        .collect();
    for (i, (path, kind)) in files.iter().enumerate() {
        init.set(i, State::Running);
        tracing::info!("init: running {}", path.display());
        let ok = match kind {
            Kind::Program => command(&setting, path.as_os_str(), &[]).await,
            Kind::Shell => command(&setting, "sh".as_ref(), &[path.as_os_str()]).await,
            Kind::AwsCli => aws_commands(&setting, path).await,
        };
        init.set(i, if ok { State::Successful } else { State::Error });
    }
    init.ready.send_replace(true);
}

/// Runs a program with the endpoint in its environment; true if it exited with 0.
async fn command(setting: &Setting, program: &std::ffi::OsStr, args: &[&std::ffi::OsStr]) -> bool {
    let mut c = tokio::process::Command::new(program);
    c.args(args).stdin(std::process::Stdio::null()).kill_on_drop(true);
    c.env("AWS_ENDPOINT_URL", &setting.endpoint).env("QUAYSIDE_ENDPOINT", &setting.endpoint);
    // The region and credentials the hooks' clients use unless the environment has its own.
    for (var, value) in [
        ("AWS_DEFAULT_REGION", setting.region.as_str()),
        ("AWS_REGION", setting.region.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ] {
        if std::env::var_os(var).is_none() {
            c.env(var, value);
        }
    }
    match c.status().await {
        Ok(s) if s.success() => true,
        Ok(s) => {
            tracing::error!("init: {} {:?} failed: {s}", program.to_string_lossy(), args);
            false
        }
        Err(e) => {
            tracing::error!("init: cannot run {}: {e}", program.to_string_lossy());
            false
        }
    }
}

/// Runs each line of an `.aws` file as an AWS CLI command (`aws` first or not; quotes as in a
/// shell, no shell features; `#` starts a comment line), against this server; stops at the
/// first that fails.
async fn aws_commands(setting: &Setting, path: &Path) -> bool {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("init: cannot read {}: {e}", path.display());
            return false;
        }
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(mut words) = shlex::split(line) else {
            tracing::error!("init: {}:{}: unbalanced quotes", path.display(), n + 1);
            return false;
        };
        if words.first().is_some_and(|w| w == "aws") {
            words.remove(0);
        }
        // Older CLIs ignore AWS_ENDPOINT_URL: the endpoint is also given as a flag.
        if !words.iter().any(|w| w == "--endpoint-url" || w.starts_with("--endpoint-url=")) {
            words.push("--endpoint-url".into());
            words.push(setting.endpoint.clone());
        }
        let args: Vec<&std::ffi::OsStr> = words.iter().map(|w| w.as_ref()).collect();
        if !command(setting, setting.aws_cli.as_ref(), &args).await {
            tracing::error!("init: {}:{}: the command failed", path.display(), n + 1);
            return false;
        }
    }
    true
}
