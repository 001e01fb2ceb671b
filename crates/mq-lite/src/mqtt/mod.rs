//! MQTT 3.1 and 3.1.1 over TCP (and WebSocket), as ActiveMQ 5.18 serves it.

pub mod conn;
pub mod packet;
