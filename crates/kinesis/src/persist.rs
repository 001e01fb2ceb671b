//! Kinesis's tables and the verbs over them; all of the service's SQL lives here.

use crate::stream::Stream;
use store::rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
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
    },
    // Records are stored a chunk per call and shard (records.rs); the per-record table of
    // version 1 was never written.
    Migration {
        service: "kinesis",
        version: 2,
        sql: "
DROP TABLE kinesis_records;
CREATE TABLE kinesis_chunks (
    id INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    first INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    count INTEGER NOT NULL,
    records BLOB NOT NULL
);
CREATE UNIQUE INDEX kinesis_chunks_by_shard ON kinesis_chunks (stream_id, shard, first, arrival_ms, count);
CREATE TABLE kinesis_settings (
    account TEXT PRIMARY KEY,
    settings TEXT NOT NULL
);
",
    },
    // Stream queues (their records' delivery state lives in SQS's tables).
    Migration {
        service: "kinesis",
        version: 3,
        sql: "
CREATE TABLE kinesis_queues (
    arn TEXT PRIMARY KEY,
    meta TEXT NOT NULL
);
CREATE TABLE kinesis_channels (
    arn TEXT PRIMARY KEY,
    meta TEXT NOT NULL
);
",
    },
    // Channel deliveries for the developer endpoint: kept in the store, not in memory (one GET
    // of the in-memory list grew the process by hundreds of MB). `content` holds the object
    // only without a data directory; otherwise it is the file written under it.
    Migration {
        service: "kinesis",
        version: 4,
        sql: "
CREATE TABLE kinesis_deliveries (
    id INTEGER PRIMARY KEY,
    channel_arn TEXT NOT NULL,
    channel_name TEXT NOT NULL,
    meta TEXT NOT NULL,
    content BLOB
);
",
    },
];

/// Deliveries kept for the developer endpoint (the newest).
pub const KEPT_DELIVERIES: i64 = 1000;

/// Records a delivery (its description as JSON, and its object when there is no file of it),
/// forgetting the oldest beyond [`KEPT_DELIVERIES`].
pub fn insert_delivery(t: &Transaction<'_>, arn: &str, name: &str, meta: &str, content: Option<&[u8]>) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO kinesis_deliveries (channel_arn, channel_name, meta, content) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![arn, name, meta, content])?;
    t.prepare_cached(
        "DELETE FROM kinesis_deliveries WHERE id <= (SELECT id FROM kinesis_deliveries ORDER BY id DESC LIMIT 1 OFFSET ?1)",
    )?
    .execute([KEPT_DELIVERIES])?;
    Ok(())
}

/// Up to `limit` deliveries after id `after`, oldest first, of one channel (by name or ARN)
/// or all: (id, description, whether the store holds the object).
pub fn read_deliveries(
    c: &Connection,
    channel: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String, bool)>> {
    let mut st = c.prepare_cached(
        "SELECT id, meta, content IS NOT NULL FROM kinesis_deliveries \
         WHERE id > ?1 AND (?2 IS NULL OR channel_name = ?2 OR channel_arn = ?2) ORDER BY id LIMIT ?3",
    )?;
    let rows = st.query_map(params![after, channel, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// The object a delivery row holds.
pub fn delivery_content(c: &Connection, id: i64) -> Result<Option<Vec<u8>>> {
    Ok(c.prepare_cached("SELECT content FROM kinesis_deliveries WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<Vec<u8>>>(0))
        .optional()?
        .flatten())
}

/// Forgets the deliveries of one channel (by name or ARN), or all; how many.
pub fn delete_deliveries(t: &Transaction<'_>, channel: Option<&str>) -> Result<usize> {
    Ok(t.prepare_cached("DELETE FROM kinesis_deliveries WHERE ?1 IS NULL OR channel_name = ?1 OR channel_arn = ?1")?
        .execute([channel])?)
}

/// The tables of ARN-keyed JSON facts (stream queues, channels).
#[derive(Debug, Clone, Copy)]
enum Facts {
    Queues,
    Channels,
}

impl Facts {
    fn table(self) -> &'static str {
        match self {
            Facts::Queues => "kinesis_queues",
            Facts::Channels => "kinesis_channels",
        }
    }

    fn save(self, t: &Transaction<'_>, arn: &str, meta: &serde_json::Value) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (arn, meta) VALUES (?1, ?2) ON CONFLICT (arn) DO UPDATE SET meta = excluded.meta",
            self.table()
        );
        t.prepare_cached(&sql)?.execute(params![arn, meta.to_string()])?;
        Ok(())
    }

    fn delete(self, t: &Transaction<'_>, arn: &str) -> Result<()> {
        t.execute(&format!("DELETE FROM {} WHERE arn = ?1", self.table()), [arn])?;
        Ok(())
    }

    /// Every stored value (rows that no longer parse are skipped).
    fn load(self, t: &Transaction<'_>) -> Result<Vec<serde_json::Value>> {
        let mut st = t.prepare(&format!("SELECT meta FROM {}", self.table()))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for meta in rows {
            if let Ok(v) = serde_json::from_str(&meta?) {
                out.push(v);
            }
        }
        Ok(out)
    }
}

pub fn save_queue(t: &Transaction<'_>, q: &crate::queues::StreamQueue) -> Result<()> {
    Facts::Queues.save(t, &q.arn(), &q.to_json())
}

pub fn delete_queue(t: &Transaction<'_>, arn: &str) -> Result<()> {
    Facts::Queues.delete(t, arn)
}

pub fn load_queues(t: &Transaction<'_>) -> Result<Vec<crate::queues::StreamQueue>> {
    Ok(Facts::Queues.load(t)?.iter().filter_map(crate::queues::StreamQueue::from_json).collect())
}

pub fn save_channel(t: &Transaction<'_>, c: &crate::channels::Channel) -> Result<()> {
    Facts::Channels.save(t, &c.arn(), &c.to_json())
}

pub fn delete_channel(t: &Transaction<'_>, arn: &str) -> Result<()> {
    Facts::Channels.delete(t, arn)
}

pub fn load_channels(t: &Transaction<'_>) -> Result<Vec<crate::channels::Channel>> {
    Ok(Facts::Channels.load(t)?.iter().filter_map(crate::channels::Channel::from_json).collect())
}

pub fn save_stream(t: &Transaction<'_>, s: &Stream) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO kinesis_streams (id, account, region, name, meta) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
    )?
    .execute(params![s.id, s.account, s.region, s.name, s.to_json().to_string()])?;
    Ok(())
}

/// A chunk of records for one shard (see records.rs).
pub struct NewChunk {
    pub shard: u32,
    pub first: u64,
    pub count: u64,
    pub blob: Vec<u8>,
}

/// Stores one call's chunks, all arrived at `arrival_ms`.
pub fn insert_chunks(t: &Transaction<'_>, stream_id: i64, arrival_ms: u64, chunks: &[NewChunk]) -> Result<()> {
    let mut st = t.prepare_cached(
        "INSERT INTO kinesis_chunks (stream_id, shard, first, arrival_ms, count, records) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in chunks {
        st.execute(params![stream_id, c.shard, c.first as i64, arrival_ms as i64, c.count as i64, c.blob])?;
    }
    Ok(())
}

/// A shard's next position and last arrival, from its newest stored chunk (one step down the
/// index, however many chunks the shard holds); `None` if it holds none.
pub fn shard_tip(c: &Connection, stream_id: i64, shard: u32) -> Result<Option<(u64, u64)>> {
    Ok(c.prepare_cached(
        "SELECT first + count, arrival_ms FROM kinesis_chunks WHERE stream_id = ?1 AND shard = ?2 \
         ORDER BY first DESC LIMIT 1",
    )?
    .query_row(params![stream_id, shard], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))
    .optional()?)
}

/// A stored chunk as read back.
pub struct Chunk {
    pub first: u64,
    pub arrival_ms: u64,
    pub count: u64,
    pub blob: Vec<u8>,
}

/// Chunks of a shard holding positions from `position` on, in order, until `keep` says
/// stop (it sees each chunk and answers whether to read another).
pub fn read_chunks(
    c: &Connection,
    stream_id: i64,
    shard: u32,
    position: u64,
    mut keep: impl FnMut(&Chunk) -> bool,
) -> Result<Vec<Chunk>> {
    // The chunk holding `position`, if it does not start there.
    let start: i64 = c
        .prepare_cached(
            "SELECT first FROM kinesis_chunks WHERE stream_id = ?1 AND shard = ?2 AND first <= ?3 \
             ORDER BY first DESC LIMIT 1",
        )?
        .query_row(params![stream_id, shard, position as i64], |r| r.get(0))
        .optional()?
        .unwrap_or(position as i64);
    let mut st = c.prepare_cached(
        "SELECT first, arrival_ms, count, records FROM kinesis_chunks \
         WHERE stream_id = ?1 AND shard = ?2 AND first >= ?3 ORDER BY first",
    )?;
    let mut rows = st.query(params![stream_id, shard, start])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let chunk = Chunk {
            first: r.get::<_, i64>(0)? as u64,
            arrival_ms: r.get::<_, i64>(1)? as u64,
            count: r.get::<_, i64>(2)? as u64,
            blob: r.get(3)?,
        };
        if chunk.first + chunk.count <= position {
            continue;
        }
        let more = keep(&chunk);
        out.push(chunk);
        if !more {
            break;
        }
    }
    Ok(out)
}

/// The first position of a shard that arrived at or after `at_ms` (`None`: none did).
pub fn position_at(c: &Connection, stream_id: i64, shard: u32, at_ms: u64) -> Result<Option<u64>> {
    Ok(c.prepare_cached(
        "SELECT first FROM kinesis_chunks WHERE stream_id = ?1 AND shard = ?2 AND arrival_ms >= ?3 \
         ORDER BY first LIMIT 1",
    )?
    .query_row(params![stream_id, shard, at_ms as i64], |r| r.get::<_, i64>(0))
    .optional()?
    .map(|p| p as u64))
}

/// Whether a shard holds chunks below position `before`.
pub fn has_chunks_before(c: &Connection, stream_id: i64, shard: u32, before: u64) -> Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM kinesis_chunks WHERE stream_id = ?1 AND shard = ?2 AND first < ?3 LIMIT 1")?
        .query_row(params![stream_id, shard, before.min(i64::MAX as u64) as i64], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Chunks one bounded step deletes: at most a few MiB of records (a PutRecords of 500 KiB
/// records makes chunks of about 128 KiB a shard).
pub const CHUNKS_PER_STEP: i64 = 32;

/// Deletes up to `limit` of a shard's chunks below position `before` (one step of a
/// retention trim); how many.
pub fn trim(t: &Transaction<'_>, stream_id: i64, shard: u32, before: u64, limit: i64) -> Result<usize> {
    Ok(t.prepare_cached(
        "DELETE FROM kinesis_chunks WHERE id IN (SELECT id FROM kinesis_chunks \
             WHERE stream_id = ?1 AND shard = ?2 AND first < ?3 LIMIT ?4)",
    )?
    .execute(params![stream_id, shard, before.min(i64::MAX as u64) as i64, limit])?)
}

/// Removes a stream. Its records' chunks are orphans from this commit on: deleted in bounded
/// steps ([`delete_chunks`]), and found again by a restart ([`orphan_streams`]).
pub fn delete_stream(t: &Transaction<'_>, id: i64) -> Result<()> {
    t.execute("DELETE FROM kinesis_streams WHERE id = ?1", [id])?;
    Ok(())
}

/// Deletes up to `limit` chunks of a deleted stream; how many.
pub fn delete_chunks(t: &Transaction<'_>, stream_id: i64, limit: i64) -> Result<usize> {
    Ok(t.prepare_cached(
        "DELETE FROM kinesis_chunks WHERE id IN (SELECT id FROM kinesis_chunks WHERE stream_id = ?1 LIMIT ?2)",
    )?
    .execute(params![stream_id, limit])?)
}

/// The ids of streams whose chunks remain though the stream is gone.
pub fn orphan_streams(c: &Connection) -> Result<Vec<i64>> {
    let mut st = c.prepare(
        "SELECT DISTINCT stream_id FROM kinesis_chunks WHERE stream_id NOT IN (SELECT id FROM kinesis_streams)",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// The highest stream id any chunk carries (a new stream's id must be above it).
pub fn max_chunk_stream(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT COALESCE(MAX(stream_id), 0) FROM kinesis_chunks", [], |r| r.get(0))?)
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

/// An account's settings (UpdateAccountSettings' answer).
pub fn save_settings(t: &Transaction<'_>, account: &str, settings: &serde_json::Value) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO kinesis_settings (account, settings) VALUES (?1, ?2) \
         ON CONFLICT (account) DO UPDATE SET settings = excluded.settings",
    )?
    .execute(params![account, settings.to_string()])?;
    Ok(())
}

pub fn load_settings(t: &Transaction<'_>) -> Result<std::collections::BTreeMap<String, serde_json::Value>> {
    let mut st = t.prepare("SELECT account, settings FROM kinesis_settings")?;
    let rows = st.query_map([], |r| {
        let text: String = r.get(1)?;
        Ok((r.get::<_, String>(0)?, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

pub fn reset(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch(
        "DELETE FROM kinesis_chunks; DELETE FROM kinesis_streams; DELETE FROM kinesis_settings; DELETE FROM kinesis_queues; \
         DELETE FROM kinesis_channels; DELETE FROM kinesis_deliveries;",
    )?;
    Ok(())
}
