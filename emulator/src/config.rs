//! The emulator's settings, from flags or `QUAYSIDE_*` environment variables.

use clap::{Parser, Subcommand};
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every emulated service on one port.
    Serve(Config),
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
    /// Directory of the SQLite state file (created if absent).
    #[arg(long, env = "QUAYSIDE_DATA_DIR", default_value = "./.quayside")]
    pub data_dir: PathBuf,
    /// Keep state in memory only (same code, nothing written to disk).
    #[arg(long, env = "QUAYSIDE_IN_MEMORY", default_value_t = false)]
    pub in_memory: bool,
    /// Account of requests whose access key id is not a 12-digit account id.
    #[arg(long, env = "QUAYSIDE_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,
    /// Region of unsigned requests.
    #[arg(long, env = "QUAYSIDE_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Log filter (error, warn, info, debug, trace, or a tracing directive).
    #[arg(long, env = "QUAYSIDE_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Time only moves through POST /_quayside/clock/advance.
    #[arg(long, env = "QUAYSIDE_VIRTUAL_CLOCK", default_value_t = false)]
    pub virtual_clock: bool,
    /// `strict` also enforces the AWS limits emulators usually relax (re-creating a queue
    /// within 60 s of deleting it).
    #[arg(long, env = "QUAYSIDE_LIMITS", default_value = "relaxed", value_parser = ["strict", "relaxed"])]
    pub limits: String,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "QUAYSIDE_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// fsync every commit (survives power loss; slower). The default survives a killed process.
    #[arg(long, env = "QUAYSIDE_FSYNC", default_value_t = false)]
    pub fsync: bool,
    #[arg(skip)]
    pub strict: bool,
    #[arg(skip)]
    pub durability: store::Durability,
}

impl Config {
    /// Derives the fields that depend on others (call after parsing).
    pub fn finish(mut self) -> Self {
        self.strict = self.limits == "strict";
        self.durability = if self.fsync { store::Durability::Power } else { store::Durability::Process };
        self
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
            max_body_bytes: 8 * 1024 * 1024,
            fsync: false,
            strict: false,
            durability: store::Durability::Process,
        }
    }
}
