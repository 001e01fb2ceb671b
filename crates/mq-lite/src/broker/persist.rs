//! The broker's tables: messages waiting in queues and durable subscriptions (one row per
//! place), durable subscriptions themselves. All of the broker's SQL lives here.

use super::message::{Destination, Message};
use super::state::{DurableKey, StoreOp};
use bytes::Bytes;
use serde_json::{json, Value};
use store::rusqlite::{params, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        service: "mq",
        version: 2,
        sql: "
CREATE TABLE mq_messages (
    id INTEGER PRIMARY KEY,
    broker TEXT NOT NULL,
    place TEXT NOT NULL,
    meta TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE mq_durables (
    broker TEXT NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    topic TEXT NOT NULL,
    selector TEXT,
    PRIMARY KEY (broker, client_id, name)
);
",
    },
    // MQTT: retained messages, and the sessions of clients that keep theirs.
    Migration {
        service: "mq",
        version: 3,
        sql: "
CREATE TABLE mq_retained (
    broker TEXT NOT NULL,
    topic TEXT NOT NULL,
    meta TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (broker, topic)
);
CREATE TABLE mq_sessions (
    broker TEXT NOT NULL,
    client_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (broker, client_id)
);
",
    },
    // A deleted broker's messages are found by broker, in bounded steps.
    Migration { service: "mq", version: 4, sql: "CREATE INDEX mq_messages_by_broker ON mq_messages (broker, id);" },
];

/// A message's facts besides its body, as stored.
fn meta(m: &Message) -> String {
    json!({
        "seq": m.seq,
        "id": m.id,
        "dest": m.destination.key(),
        "headers": m.headers,
        "persistent": m.persistent,
        "priority": m.priority,
        "timestamp": m.timestamp,
        "expires": m.expires,
        "redeliveries": m.redeliveries,
        "binary": m.binary,
        "qos": m.qos,
        "original": m.original.as_ref().map(Destination::key),
    })
    .to_string()
}

fn from_meta(meta: &str, body: Vec<u8>) -> Option<Message> {
    let v: Value = serde_json::from_str(meta).ok()?;
    let headers = v["headers"]
        .as_array()?
        .iter()
        .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
        .collect();
    Some(Message {
        seq: v["seq"].as_i64()?,
        id: v["id"].as_str()?.to_string(),
        destination: Destination::from_key(v["dest"].as_str()?)?,
        headers,
        body: Bytes::from(body),
        persistent: v["persistent"].as_bool().unwrap_or(true),
        priority: v["priority"].as_u64().unwrap_or(4) as u8,
        timestamp: v["timestamp"].as_i64().unwrap_or(0),
        expires: v["expires"].as_i64().unwrap_or(0),
        redeliveries: v["redeliveries"].as_u64().unwrap_or(0) as u32,
        binary: v["binary"].as_bool().unwrap_or(false),
        qos: v["qos"].as_u64().unwrap_or(0) as u8,
        retained: false,
        original: v["original"].as_str().and_then(Destination::from_key),
    })
}

/// Applies a broker's store changes, in order. An insert whose row is no longer in
/// `unwritten` was acknowledged meanwhile: it is not written.
pub fn apply(
    t: &Transaction<'_>,
    broker: &str,
    ops: &[StoreOp],
    unwritten: &parking_lot::Mutex<std::collections::HashSet<i64>>,
) -> Result<()> {
    for op in ops {
        match op {
            StoreOp::Insert { row, .. } if !unwritten.lock().remove(row) => {}
            StoreOp::Insert { row, place, message } => {
                let mut st = t.prepare_cached(
                    "INSERT INTO mq_messages (id, broker, place, meta, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                st.execute(params![row, broker, place, meta(message), &message.body[..]])?;
            }
            StoreOp::Delete { row } => {
                t.prepare_cached("DELETE FROM mq_messages WHERE id = ?1")?.execute([row])?;
            }
            StoreOp::Update { row, place, message } => {
                t.prepare_cached("UPDATE mq_messages SET place = ?2, meta = ?3 WHERE id = ?1")?.execute(params![
                    row,
                    place,
                    meta(message)
                ])?;
            }
            StoreOp::SaveDurable { key, topic, selector } => {
                t.prepare_cached(
                    "INSERT OR REPLACE INTO mq_durables (broker, client_id, name, topic, selector) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![broker, key.0, key.1, topic, selector])?;
            }
            StoreOp::SaveRetained { topic, message } => {
                t.prepare_cached(
                    "INSERT OR REPLACE INTO mq_retained (broker, topic, meta, body) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![broker, topic, meta(message), &message.body[..]])?;
            }
            StoreOp::DeleteRetained { topic } => {
                t.prepare_cached("DELETE FROM mq_retained WHERE broker = ?1 AND topic = ?2")?
                    .execute(params![broker, topic])?;
            }
            StoreOp::SaveSession { client_id, doc } => {
                t.prepare_cached("INSERT OR REPLACE INTO mq_sessions (broker, client_id, doc) VALUES (?1, ?2, ?3)")?
                    .execute(params![broker, client_id, doc])?;
            }
            StoreOp::DeleteSession { client_id } => {
                t.prepare_cached("DELETE FROM mq_sessions WHERE broker = ?1 AND client_id = ?2")?
                    .execute(params![broker, client_id])?;
            }
            StoreOp::DeleteDurable { key } => {
                t.prepare_cached("DELETE FROM mq_durables WHERE broker = ?1 AND client_id = ?2 AND name = ?3")?
                    .execute(params![broker, key.0, key.1])?;
            }
        }
    }
    Ok(())
}

/// What a start finds of one broker's data.
#[derive(Default)]
pub struct Loaded {
    /// (row, place, message), in row order.
    pub messages: Vec<(i64, String, Message)>,
    pub durables: Vec<(DurableKey, String, Option<String>)>,
    /// Retained messages by topic.
    pub retained: Vec<(String, Message)>,
    /// MQTT sessions by client id.
    pub sessions: Vec<(String, String)>,
}

/// Every broker's stored messages and durable subscriptions, by broker id; and the highest
/// row id.
pub fn load(t: &Transaction<'_>) -> Result<(std::collections::HashMap<String, Loaded>, i64)> {
    let mut out: std::collections::HashMap<String, Loaded> = Default::default();
    let mut max = 0;
    let mut st = t.prepare("SELECT id, broker, place, meta, body FROM mq_messages ORDER BY id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        max = max.max(id);
        let broker: String = r.get(1)?;
        let place: String = r.get(2)?;
        let meta: String = r.get(3)?;
        let body: Vec<u8> = r.get(4)?;
        if let Some(m) = from_meta(&meta, body) {
            out.entry(broker).or_default().messages.push((id, place, m));
        }
    }
    let mut st = t.prepare("SELECT broker, client_id, name, topic, selector FROM mq_durables")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let broker: String = r.get(0)?;
        out.entry(broker).or_default().durables.push(((r.get(1)?, r.get(2)?), r.get(3)?, r.get(4)?));
    }
    let mut st = t.prepare("SELECT broker, topic, meta, body FROM mq_retained")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let broker: String = r.get(0)?;
        let topic: String = r.get(1)?;
        let meta: String = r.get(2)?;
        if let Some(m) = from_meta(&meta, r.get(3)?) {
            out.entry(broker).or_default().retained.push((topic, m));
        }
    }
    let mut st = t.prepare("SELECT broker, client_id, doc FROM mq_sessions")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let broker: String = r.get(0)?;
        out.entry(broker).or_default().sessions.push((r.get(1)?, r.get(2)?));
    }
    Ok((out, max))
}

/// Deletes a broker's data (the broker was deleted), in steps (see [`forget_some`]).
/// One bounded step of that: at most `limit` messages; the rest of the broker's data once its
/// messages are gone. Returns whether anything is left.
pub fn forget_some(t: &Transaction<'_>, broker: &str, limit: usize) -> Result<bool> {
    let n = t.execute(
        "DELETE FROM mq_messages WHERE id IN (SELECT id FROM mq_messages WHERE broker = ?1 LIMIT ?2)",
        params![broker, limit as i64],
    )?;
    if n >= limit {
        return Ok(true);
    }
    t.execute("DELETE FROM mq_durables WHERE broker = ?1", [broker])?;
    t.execute("DELETE FROM mq_retained WHERE broker = ?1", [broker])?;
    t.execute("DELETE FROM mq_sessions WHERE broker = ?1", [broker])?;
    Ok(false)
}

/// Forgets everything (the admin reset).
pub fn wipe(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch(
        "DELETE FROM mq_messages; DELETE FROM mq_durables; DELETE FROM mq_retained; DELETE FROM mq_sessions;",
    )?;
    Ok(())
}
