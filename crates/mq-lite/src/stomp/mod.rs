//! STOMP 1.0, 1.1 and 1.2 over TCP (and, later, WebSocket), as ActiveMQ 5.18 speaks it.

pub mod conn;
pub mod frame;

use crate::broker::Engine;
use crate::control::Mq;
use service::Clock;
use std::sync::Arc;

/// The version CONNECTED reports (`server:ActiveMQ/5.18.6`).
pub const BROKER_VERSION: &str = "5.18.6";

/// What every connection shares.
pub struct Shared {
    pub mq: Mq,
    pub engine: Engine,
    pub clock: Arc<dyn Clock>,
    pub limits: frame::Limits,
}
