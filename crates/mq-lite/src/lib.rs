//! Amazon MQ for Quayside: the control plane of the Amazon MQ API (REST-JSON, every operation
//! of the 2017-11-27 API, with the model's typed inputs and outputs) over the shared store.
//! The broker itself (STOMP, MQTT, WebSocket) and the bridges to SQS and SNS build on it.

mod api;
pub mod broker;
pub mod control;
mod error;
mod inspect;
pub mod mqtt;
mod persist;
pub mod stomp;
mod wire;
pub mod ws;

pub use api::{def, MqService};
pub use control::Mq;
pub use error::{MqError, MqResult};
pub use persist::MIGRATIONS;

/// What is stored of a broker user's password: SHA-256 of the broker id and the password, in
/// hex (a login is checked against it; the password itself is never stored).
pub fn password_hash(broker_id: &str, password: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(broker_id.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
