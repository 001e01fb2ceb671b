//! Kinesis's tables and the verbs over them; all of the service's SQL lives here.

use crate::stream::Stream;
use store::rusqlite::{params, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[Migration {
    service: "kinesis",
    version: 1,
    sql: "
CREATE TABLE kinesis_streams (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    meta TEXT NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE kinesis_records (
    stream_id INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    position INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (stream_id, shard, position)
) WITHOUT ROWID;
",
}];

pub fn save_stream(t: &Transaction<'_>, s: &Stream) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO kinesis_streams (id, account, region, name, meta) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
    )?
    .execute(params![s.id, s.account, s.region, s.name, s.to_json().to_string()])?;
    Ok(())
}

/// Removes a stream and its records.
pub fn delete_stream(t: &Transaction<'_>, id: i64) -> Result<()> {
    t.execute("DELETE FROM kinesis_records WHERE stream_id = ?1", [id])?;
    t.execute("DELETE FROM kinesis_streams WHERE id = ?1", [id])?;
    Ok(())
}

pub fn load_streams(t: &Transaction<'_>) -> Result<Vec<Stream>> {
    let mut st = t.prepare("SELECT id, account, region, name, meta FROM kinesis_streams ORDER BY id")?;
    let rows = st.query_map([], |r| {
        let meta: String = r.get(4)?;
        let v = serde_json::from_str(&meta).unwrap_or(serde_json::Value::Null);
        Ok(Stream::from_json(r.get(0)?, &r.get::<_, String>(1)?, &r.get::<_, String>(2)?, &r.get::<_, String>(3)?, &v))
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

pub fn reset(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch("DELETE FROM kinesis_records; DELETE FROM kinesis_streams;")?;
    Ok(())
}
