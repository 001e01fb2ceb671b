//! The emulator's settings, from flags or `QUAYSIDE_*` environment variables. Services add
//! their own settings and listener ports (`ServiceDef::options`, `::listeners`), so the flags
//! are built from the service list at start.

use clap::builder::BoolishValueParser;
use clap::{Arg, ArgMatches, FromArgMatches, Parser, Subcommand};
use service::ServiceDef;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "quayside",
    version,
    about = "AWS messaging (SQS, SNS, Kinesis, mq-lite) on your laptop, in one binary"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start; boxing the settings would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every emulated service on one port.
    Serve(Config),
    /// Print the state of the server on the given port as a `--config` file (TOML).
    Export(Healthcheck),
    /// Exit 0 when the server on the given port is ready (every listener bound, every init hook
    /// run), 1 otherwise: a container's HEALTHCHECK.
    Healthcheck(Healthcheck),
}

/// Where `quayside healthcheck` and `quayside export` look.
#[derive(Debug, Clone, clap::Args)]
pub struct Healthcheck {
    /// The server's address.
    #[arg(long, env = "QUAYSIDE_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// The server's port.
    #[arg(long, env = "QUAYSIDE_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    Serve(Box<Config>),
    Healthcheck(Healthcheck),
    Export(Healthcheck),
}

/// How `quayside serve` runs.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "QUAYSIDE_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "QUAYSIDE_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Directory of the SQLite state file (created if absent); one Quayside at a time uses it.
    #[arg(long, env = "QUAYSIDE_DATA_DIR", default_value = "./.quayside")]
    pub data_dir: PathBuf,
    /// Keep state in memory only (same code, nothing written to disk).
    #[arg(long, env = "QUAYSIDE_IN_MEMORY", default_value = "false", num_args = 0..=1, default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub in_memory: bool,
    /// Account of requests whose access key id is not a 12-digit account id.
    #[arg(long, env = "QUAYSIDE_ACCOUNT_ID", default_value = "000000000000", value_parser = account_id)]
    pub account_id: String,
    /// Region of unsigned requests.
    #[arg(long, env = "QUAYSIDE_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Log level (error, warn, info, debug, trace, off) or tracing directives (`quayside=debug`).
    #[arg(long, env = "QUAYSIDE_LOG_LEVEL", default_value = "info", value_parser = log_level)]
    pub log_level: String,
    /// Time only moves through POST /_quayside/clock/advance (and is kept across restarts).
    #[arg(long, env = "QUAYSIDE_VIRTUAL_CLOCK", default_value = "false", num_args = 0..=1, default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub virtual_clock: bool,
    /// `strict` also enforces the AWS limits emulators usually relax (re-creating a queue
    /// within 60 s of deleting it, one PurgeQueue per 60 s).
    #[arg(long, env = "QUAYSIDE_LIMITS", default_value = "relaxed", value_parser = ["strict", "relaxed"])]
    pub limits: String,
    /// Largest request body accepted, in bytes, for every service; 0 keeps each service's own
    /// (sized from AWS's limits: 16 MiB for Kinesis, 8 MiB for the others).
    #[arg(long, env = "QUAYSIDE_MAX_BODY_BYTES", default_value_t = 0)]
    pub max_body_bytes: usize,
    /// Seconds a client has to send a request's head from its first byte (0: no limit).
    #[arg(long, env = "QUAYSIDE_HEADER_READ_TIMEOUT", default_value_t = 30)]
    pub header_read_timeout: u64,
    /// Seconds a connection with no request in flight stays open without a byte, and that a
    /// request's body may take after its head (0: no limit).
    #[arg(long, env = "QUAYSIDE_IDLE_TIMEOUT", default_value_t = 120)]
    pub idle_timeout: u64,
    /// Connections open at once per listener; more wait in the kernel's backlog.
    #[arg(long, env = "QUAYSIDE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Origins of web pages that may call (comma-separated, `https://app.example.com`), besides
    /// the local ones (`http(s)://localhost`, `127.0.0.1`, `[::1]`, any port); `*` allows every
    /// origin, as AWS answers.
    #[arg(long, env = "QUAYSIDE_CORS_ORIGINS", value_delimiter = ',', num_args = 0..)]
    pub cors_origins: Vec<String>,
    /// Host names this server answers to besides loopback addresses, `localhost`,
    /// `localhost.localstack.cloud` and their subdomains (comma-separated). With `--host` set
    /// to another interface, every name is answered.
    #[arg(long, env = "QUAYSIDE_ALLOWED_HOSTS", value_delimiter = ',', num_args = 0..)]
    pub allowed_hosts: Vec<String>,
    /// Speak TLS beside plain on every port (a connection that opens with a TLS handshake gets
    /// TLS: HTTPS, `stomp+ssl`, `mqtt+ssl`, `wss`), with `--tls-cert`/`--tls-key` or a
    /// certificate from a local CA kept in the data directory (`tls/ca.pem`, also at
    /// `/_quayside/tls/ca.pem`).
    #[arg(long, env = "QUAYSIDE_TLS", default_value = "true", num_args = 0..=1, default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub tls: bool,
    /// PEM certificate chain for HTTPS (with `--tls-key`) instead of the local CA's.
    #[arg(long, env = "QUAYSIDE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "QUAYSIDE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A TOML file declaring what exists at start (`[[queues]]`, ...; `${VAR}` and
    /// `${VAR:-default}` from the environment), applied before the start-up hooks; a file with
    /// errors is refused and nothing of it is applied.
    #[arg(long = "config", env = "QUAYSIDE_CONFIG")]
    pub config_file: Option<PathBuf>,
    /// What applying `--config` does with a resource that exists and differs: `update` it, or
    /// `report` the differences and leave it.
    #[arg(long, env = "QUAYSIDE_CONFIG_MODE", default_value = "update", value_parser = ["update", "report"])]
    pub config_mode: String,
    /// Directory of start-up hooks, run in name order once every listener is bound (as
    /// LocalStack's `ready.d`): executable files, `.sh` files (through `sh`), and `.aws` files
    /// of AWS CLI commands, one a line. `Ready.` is printed after them.
    #[arg(long, env = "QUAYSIDE_INIT_DIR")]
    pub init_dir: Option<PathBuf>,
    /// The AWS CLI that runs the lines of `.aws` hooks.
    #[arg(long, env = "QUAYSIDE_INIT_AWS_CLI", default_value = "aws")]
    pub init_aws_cli: String,
    /// fsync every commit (survives power loss; slower). The default survives a killed process.
    #[arg(long, env = "QUAYSIDE_FSYNC", default_value = "false", num_args = 0..=1, default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub fsync: bool,
    #[arg(skip)]
    pub strict: bool,
    /// This server only checks a config file (a throwaway): nothing may leave it.
    #[arg(skip)]
    pub checking: bool,
    #[arg(skip)]
    pub durability: store::Durability,
    /// Service settings (`--queue-url-style`), by flag.
    #[arg(skip)]
    pub options: HashMap<&'static str, String>,
    /// Ports of the services' own listeners, by listener name (`None`: off).
    #[arg(skip)]
    pub listener_ports: HashMap<&'static str, Option<u16>>,
}

fn account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("an AWS account id is 12 digits".into())
    }
}

fn log_level(s: &str) -> Result<String, String> {
    const LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace", "off"];
    let ok = s.split(',').all(|d| {
        let level = d.rsplit_once('=').map(|(_, l)| l).unwrap_or(d);
        LEVELS.contains(&level.trim().to_ascii_lowercase().as_str())
    });
    if ok && tracing_subscriber::EnvFilter::try_new(s).is_ok() {
        Ok(s.to_string())
    } else {
        Err(format!("expected one of {} (or target=level directives)", LEVELS.join(", ")))
    }
}

/// The environment variable of a flag: `QUAYSIDE_` and the flag in upper case.
pub fn env_name(flag: &str) -> String {
    format!("QUAYSIDE_{}", flag.to_ascii_uppercase().replace('-', "_"))
}

fn port_or_off(s: &str) -> Result<Option<u16>, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    s.parse::<u16>().map(Some).map_err(|_| "a port number (0 picks a free one) or `off`".to_string())
}

/// The `quayside` command with every service's settings and listener ports added.
pub fn command(defs: &[ServiceDef]) -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommand("serve", |mut serve| {
        for def in defs {
            for o in def.options {
                let mut arg = Arg::new(o.flag).long(o.flag).env(env_name(o.flag)).help(o.help).default_value(o.default);
                // A switch: `--flag` alone means true; its value as the other on/off flags take
                // it (`1`, `yes`, `on`...), stored as `true` or `false`.
                if o.values == ["false", "true"] {
                    use clap::builder::TypedValueParser;
                    let parser = clap::builder::BoolishValueParser::new().map(|b| b.to_string());
                    arg = arg.num_args(0..=1).default_missing_value("true").value_parser(parser);
                } else if !o.values.is_empty() {
                    arg = arg.value_parser(o.values.to_vec());
                }
                serve = serve.arg(arg);
            }
            for l in def.listeners {
                let flag = format!("{}-port", l.name);
                serve = serve.arg(
                    Arg::new(flag.clone())
                        .long(flag.clone())
                        .env(env_name(&flag))
                        .help(l.help)
                        .default_value(l.default_port.map_or("off".to_string(), |p| p.to_string()))
                        .value_parser(port_or_off),
                );
            }
        }
        serve
    })
}

/// Parses the command line (and environment). An error about a value that came from the
/// environment names the variable.
///
/// Errors: clap's error, ready to print and exit with.
pub fn parse(defs: &[ServiceDef], args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Config, clap::Error> {
    match invocation(defs, args)? {
        Invocation::Serve(config) => Ok(*config),
        Invocation::Healthcheck(_) | Invocation::Export(_) => {
            Err(command(defs).error(clap::error::ErrorKind::MissingSubcommand, "expected `quayside serve`"))
        }
    }
}

/// Parses the command line (and environment) into what it asks for.
///
/// Errors: clap's error, ready to print and exit with.
pub fn invocation(
    defs: &[ServiceDef],
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Invocation, clap::Error> {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let mut cmd = command(defs);
    let matches = cmd.try_get_matches_from_mut(args.clone()).map_err(|e| name_env_var(e, &args))?;
    let cli = Cli::from_arg_matches(&matches)?;
    match cli.command {
        Command::Serve(config) => {
            let serve = matches
                .subcommand_matches("serve")
                .ok_or_else(|| cmd.error(clap::error::ErrorKind::MissingSubcommand, "serve"))?;
            Ok(Invocation::Serve(Box::new(config.finish(defs, serve))))
        }
        Command::Healthcheck(h) => Ok(Invocation::Healthcheck(h)),
        Command::Export(h) => Ok(Invocation::Export(h)),
    }
}

/// Rewrites "invalid value 'x' for '--port <PORT>'" into one that names `QUAYSIDE_PORT` when
/// the value came from there.
fn name_env_var(e: clap::Error, args: &[std::ffi::OsString]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else { return e };
    let Some(flag) = arg.strip_prefix("--").and_then(|a| a.split([' ', '=']).next()) else { return e };
    let on_command_line = args.iter().any(|a| a.to_string_lossy().starts_with(&format!("--{flag}")));
    let var = env_name(flag);
    match (on_command_line, std::env::var(&var)) {
        (false, Ok(value)) => {
            let detail = e.to_string();
            let reason = detail.lines().next().unwrap_or("").trim_start_matches("error: ");
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("environment variable {var}={value:?}: {reason}\n"),
            )
        }
        _ => e,
    }
}

impl Config {
    /// Derives the fields that depend on others, and reads the services' settings.
    pub fn finish(mut self, defs: &[ServiceDef], serve: &ArgMatches) -> Self {
        for def in defs {
            for o in def.options {
                if let Some(v) = serve.get_one::<String>(o.flag) {
                    self.options.insert(o.flag, v.clone());
                }
            }
            for l in def.listeners {
                let port = serve.get_one::<Option<u16>>(&format!("{}-port", l.name)).copied().flatten();
                self.listener_ports.insert(l.name, port);
            }
        }
        self.derive()
    }

    fn derive(mut self) -> Self {
        self.strict = self.limits == "strict";
        self.durability = if self.fsync { store::Durability::Power } else { store::Durability::Process };
        self
    }

    /// The connection limits of every listener.
    pub(crate) fn limits(&self) -> crate::accept::Limits {
        let secs = |s: u64| (s > 0).then(|| std::time::Duration::from_secs(s));
        crate::accept::Limits {
            header_read: secs(self.header_read_timeout),
            idle: secs(self.idle_timeout),
            max_connections: self.max_connections,
        }
    }

    /// An in-memory configuration on 127.0.0.1 and a free port, for tests.
    pub fn for_tests() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            data_dir: PathBuf::from("./.quayside"),
            in_memory: true,
            account_id: "000000000000".into(),
            region: "us-east-1".into(),
            log_level: "warn".into(),
            virtual_clock: false,
            limits: "relaxed".into(),
            max_body_bytes: 0,
            header_read_timeout: 30,
            idle_timeout: 120,
            max_connections: 4096,
            cors_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            config_file: None,
            config_mode: "update".into(),
            tls: true,
            tls_cert: None,
            tls_key: None,
            init_dir: None,
            init_aws_cli: "aws".into(),
            fsync: false,
            strict: false,
            checking: false,
            durability: store::Durability::Process,
            options: HashMap::new(),
            listener_ports: HashMap::new(),
        }
        .derive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Config, clap::Error> {
        let defs = crate::services::all();
        parse(&defs, std::iter::once("quayside").chain(args.iter().copied()).map(Into::into))
    }

    #[test]
    fn values_are_checked() {
        let c = parse_args(&["serve", "--in-memory", "--queue-url-style", "off"]).unwrap();
        assert!(c.in_memory);
        assert_eq!(c.options["queue-url-style"], "off");
        assert!(parse_args(&["serve", "--in-memory", "yes"]).unwrap().in_memory);
        assert!(!parse_args(&["serve", "--in-memory", "OFF"]).unwrap().in_memory);
        assert!(parse_args(&["serve", "--in-memory", "maybe"]).is_err());
        assert!(parse_args(&["serve", "--log-level", "nonsense"]).is_err());
        assert!(parse_args(&["serve", "--log-level", "quayside=debug,warn"]).is_ok());
        assert!(parse_args(&["serve", "--account-id", "12345"]).is_err());
        assert!(parse_args(&["serve", "--queue-url-style", "weird"]).is_err());
    }

    #[test]
    fn service_switches_and_listeners() {
        let on = |args: &[&str]| parse_args(args).unwrap().options["kinesis-enforce-limits"].clone();
        assert_eq!(on(&["serve"]), "false");
        assert_eq!(on(&["serve", "--kinesis-enforce-limits"]), "true", "the flag alone");
        assert_eq!(on(&["serve", "--kinesis-enforce-limits", "yes"]), "true");
        assert_eq!(on(&["serve", "--kinesis-enforce-limits", "0"]), "false");
        assert!(parse_args(&["serve", "--kinesis-enforce-limits", "maybe"]).is_err());
        assert_eq!(parse_args(&["serve"]).unwrap().listener_ports["kinesis"], None, "off by default");
        assert_eq!(parse_args(&["serve", "--kinesis-port", "4567"]).unwrap().listener_ports["kinesis"], Some(4567));
    }
}
