//! mq-lite's tables and the verbs over them; all of the service's SQL lives here.

use store::rusqlite::{params, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[Migration {
    service: "mq",
    version: 1,
    sql: "
CREATE TABLE mq_brokers (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE mq_configurations (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
",
}];

/// Every stored broker and configuration document.
pub fn load(t: &Transaction<'_>) -> Result<(Vec<String>, Vec<String>)> {
    let read = |table: &str| -> Result<Vec<String>> {
        let mut st = t.prepare(&format!("SELECT doc FROM {table} ORDER BY id"))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    };
    Ok((read("mq_brokers")?, read("mq_configurations")?))
}

pub fn save_broker(t: &Transaction<'_>, id: &str, doc: &str) -> Result<()> {
    t.execute("INSERT OR REPLACE INTO mq_brokers (id, doc) VALUES (?1, ?2)", params![id, doc])?;
    Ok(())
}

pub fn delete_broker(t: &Transaction<'_>, id: &str) -> Result<()> {
    t.execute("DELETE FROM mq_brokers WHERE id = ?1", [id])?;
    Ok(())
}

pub fn save_configuration(t: &Transaction<'_>, id: &str, doc: &str) -> Result<()> {
    t.execute("INSERT OR REPLACE INTO mq_configurations (id, doc) VALUES (?1, ?2)", params![id, doc])?;
    Ok(())
}

pub fn delete_configuration(t: &Transaction<'_>, id: &str) -> Result<()> {
    t.execute("DELETE FROM mq_configurations WHERE id = ?1", [id])?;
    Ok(())
}

/// Forgets everything (the admin reset).
pub fn wipe(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch("DELETE FROM mq_brokers; DELETE FROM mq_configurations;")?;
    Ok(())
}
