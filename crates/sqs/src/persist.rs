//! SQS's tables and the domain verbs over them. All SQL of the service lives here; handlers
//! call these through [`store::Store`] jobs, so every change is committed before it is
//! acknowledged.

use std::collections::BTreeMap;
use store::rusqlite::{params, OptionalExtension, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        service: "sqs",
        version: 1,
        sql: "
CREATE TABLE sqs_queues (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_s INTEGER NOT NULL,
    modified_s INTEGER NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE sqs_messages (
    id INTEGER PRIMARY KEY,
    queue_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT,
    trace_header TEXT,
    md5_body TEXT NOT NULL,
    group_id TEXT,
    dedup_id TEXT,
    sender_id TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL DEFAULT 0,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_ms INTEGER,
    receipt INTEGER NOT NULL DEFAULT 0,
    dlq_source_arn TEXT
);

CREATE TABLE sqs_dedup (
    queue_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence_number TEXT,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (queue_id, key)
);
CREATE TABLE sqs_move_tasks (
    handle TEXT PRIMARY KEY,
    source_arn TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    task TEXT NOT NULL
);
",
    },
    // Bodies shared by several messages (an SNS publish fanned out to many queues): stored
    // once, counted, and released by the trigger when the last message referencing one goes,
    // whichever path deletes it (DeleteMessage, purge, retention, DeleteQueue, reset).
    Migration {
        service: "sqs",
        version: 2,
        sql: "
CREATE TABLE sqs_bodies (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    refs INTEGER NOT NULL
);
ALTER TABLE sqs_messages ADD COLUMN body_ref INTEGER;
CREATE TRIGGER sqs_messages_release_body AFTER DELETE ON sqs_messages WHEN old.body_ref IS NOT NULL BEGIN
    DELETE FROM sqs_bodies WHERE id = old.body_ref AND refs <= 1;
    UPDATE sqs_bodies SET refs = refs - 1 WHERE id = old.body_ref;
END;
",
    },
    // A message fanned out to many standard queues is one row here (its body, what its copies
    // share, and the list of its copies) until a copy first changes: only then does that copy
    // get its own row in sqs_messages (see `materialize`). `refs` counts the listed copies that
    // are still waiting as well as the rows that reference the body.
    Migration {
        service: "sqs",
        version: 3,
        sql: "
ALTER TABLE sqs_bodies ADD COLUMN copies BLOB;
ALTER TABLE sqs_bodies ADD COLUMN md5_body TEXT;
ALTER TABLE sqs_bodies ADD COLUMN attributes TEXT;
ALTER TABLE sqs_bodies ADD COLUMN group_id TEXT;
ALTER TABLE sqs_bodies ADD COLUMN sender_id TEXT;
ALTER TABLE sqs_bodies ADD COLUMN sent_ms INTEGER;
",
    },
    // PurgeQueue answers at once and its rows go in the background: every message of a queue
    // with an id below `purged_below` is purged, whether or not its row is gone yet.
    Migration {
        service: "sqs",
        version: 4,
        sql: "ALTER TABLE sqs_queues ADD COLUMN purged_below INTEGER NOT NULL DEFAULT 0;",
    },
];

/// A queue as stored.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub name: String,
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub created_s: i64,
    pub modified_s: i64,
    /// Messages with a smaller id were purged (their rows may still await deletion).
    pub purged_below: i64,
}

/// A message as sent; what `insert_message` stores.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub queue_id: i64,
    pub message_id: String,
    pub body: crate::body::Body,
    /// Message attributes in their wire JSON form, if any.
    pub attributes: Option<String>,
    pub trace_header: Option<String>,
    pub md5_body: String,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    pub sender_id: String,
    pub sent_ms: i64,
    pub visible_ms: i64,
}

/// What a receive reads back besides the in-memory index.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: i64,
    pub message_id: String,
    pub body: String,
    pub attributes: Option<String>,
    pub trace_header: Option<String>,
    pub md5_body: String,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    pub sender_id: String,
    pub sent_ms: i64,
    pub first_receive_ms: Option<i64>,
    pub dlq_source_arn: Option<String>,
}

/// The scheduling facts of a message, loaded at start-up to rebuild the in-memory index.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub id: i64,
    pub queue_id: i64,
    pub sent_ms: i64,
    pub visible_ms: i64,
    pub received_ms: i64,
    pub receive_count: i64,
    pub receipt: i64,
    pub group_id: Option<String>,
}

fn json_map(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn to_json(m: &BTreeMap<String, String>) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "{}".into())
}

pub fn insert_queue(t: &Transaction<'_>, q: &QueueRow) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO sqs_queues (id, account, region, name, attributes, tags, created_s, modified_s) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        q.id,
        q.account,
        q.region,
        q.name,
        to_json(&q.attributes),
        to_json(&q.tags),
        q.created_s,
        q.modified_s
    ])?;
    Ok(())
}

pub fn update_queue(
    t: &Transaction<'_>,
    id: i64,
    attributes: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
    modified_s: i64,
) -> Result<()> {
    t.prepare_cached("UPDATE sqs_queues SET attributes = ?2, tags = ?3, modified_s = ?4 WHERE id = ?1")?
        .execute(params![id, to_json(attributes), to_json(tags), modified_s])?;
    Ok(())
}

/// Deletes a queue and its de-duplication entries. Its messages are then orphans: never
/// loaded again, and deleted in bounded steps ([`delete_messages`]) by the reaper.
pub fn delete_queue(t: &Transaction<'_>, id: i64) -> Result<()> {
    t.execute("DELETE FROM sqs_dedup WHERE queue_id = ?1", [id])?;
    t.execute("DELETE FROM sqs_queues WHERE id = ?1", [id])?;
    Ok(())
}

/// Purges a queue: messages with ids below `below` are gone from now on (the reaper deletes
/// their rows in bounded steps), and its de-duplication ids are forgotten.
pub fn purge_queue(t: &Transaction<'_>, id: i64, below: i64) -> Result<()> {
    t.prepare_cached("UPDATE sqs_queues SET purged_below = ?2 WHERE id = ?1")?.execute([id, below])?;
    clear_dedup(t, id)
}

pub fn load_queues(t: &Transaction<'_>) -> Result<Vec<QueueRow>> {
    let mut st = t.prepare(
        "SELECT id, account, region, name, attributes, tags, created_s, modified_s, purged_below FROM sqs_queues",
    )?;
    let rows = st.query_map([], |r| {
        Ok(QueueRow {
            id: r.get(0)?,
            account: r.get(1)?,
            region: r.get(2)?,
            name: r.get(3)?,
            attributes: json_map(&r.get::<_, String>(4)?),
            tags: json_map(&r.get::<_, String>(5)?),
            created_s: r.get(6)?,
            modified_s: r.get(7)?,
            purged_below: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Calls `f` for every stored message, in id (send) order: the rows of `sqs_messages` and the
/// copies still waiting in `sqs_bodies`.
pub fn load_index(t: &Transaction<'_>, mut f: impl FnMut(IndexRow)) -> Result<()> {
    let mut waiting = Vec::new();
    for_each_copies(t, |row| {
        for (i, c) in row.listed() {
            if !c.gone {
                waiting.push(IndexRow {
                    id: row.id + i as i64,
                    queue_id: c.queue_id,
                    sent_ms: row.sent_ms,
                    visible_ms: c.visible_ms,
                    received_ms: 0,
                    receive_count: 0,
                    receipt: 0,
                    group_id: row.group_id.clone(),
                });
            }
        }
    })?;
    let mut waiting = waiting.into_iter().peekable();
    let mut st = t.prepare(
        "SELECT id, queue_id, sent_ms, visible_ms, received_ms, receive_count, receipt, group_id FROM sqs_messages ORDER BY id",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let row = IndexRow {
            id: r.get(0)?,
            queue_id: r.get(1)?,
            sent_ms: r.get(2)?,
            visible_ms: r.get(3)?,
            received_ms: r.get(4)?,
            receive_count: r.get(5)?,
            receipt: r.get(6)?,
            group_id: r.get(7)?,
        };
        while let Some(w) = waiting.next_if(|w| w.id < row.id) {
            f(w);
        }
        f(row);
    }
    waiting.for_each(f);
    Ok(())
}

/// The highest id given to a message, a copy or a shared body (they share one sequence).
pub fn max_message_id(t: &Transaction<'_>) -> Result<i64> {
    let messages: i64 = t.query_row("SELECT COALESCE(MAX(id), 0) FROM sqs_messages", [], |r| r.get(0))?;
    let bodies: i64 = t.query_row(
        "SELECT COALESCE(MAX(id + MAX((COALESCE(length(copies), ?2) - ?2) / ?1 - 1, 0)), 0) FROM sqs_bodies",
        [COPY_BYTES as i64, SEED_BYTES as i64],
        |r| r.get(0),
    )?;
    Ok(messages.max(bodies))
}

pub fn insert_message(t: &Transaction<'_>, m: &MessageRow) -> Result<()> {
    let (body, body_ref) = match m.body.as_shared() {
        Some(shared) => ("", Some(shared.id)),
        None => (&*m.body, None),
    };
    t.prepare_cached(
        "INSERT INTO sqs_messages (id, queue_id, message_id, body, attributes, trace_header, md5_body, group_id, \
         dedup_id, sender_id, sent_ms, visible_ms, body_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        m.id,
        m.queue_id,
        m.message_id,
        body,
        m.attributes,
        m.trace_header,
        m.md5_body,
        m.group_id,
        m.dedup_id,
        m.sender_id,
        m.sent_ms,
        m.visible_ms,
        body_ref
    ])?;
    Ok(())
}

/// Stores a shared body referenced by `refs` more messages (added to its count if a body with
/// its id is already stored).
pub fn insert_body(t: &Transaction<'_>, id: i64, text: &str, refs: i64) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO sqs_bodies (id, body, refs) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET refs = refs + excluded.refs",
    )?
    .execute(params![id, text, refs])?;
    Ok(())
}

/// Records a receive and reads the message back.
pub fn receive(
    t: &Transaction<'_>,
    id: i64,
    now_ms: i64,
    visible_ms: i64,
    receive_count: i64,
    receipt: i64,
) -> Result<Option<StoredMessage>> {
    let updated = t
        .prepare_cached(
            "UPDATE sqs_messages SET visible_ms = ?2, received_ms = ?3, receive_count = ?4, receipt = ?5, \
             first_receive_ms = COALESCE(first_receive_ms, ?3) WHERE id = ?1",
        )?
        .execute(params![id, visible_ms, now_ms, receive_count, receipt])?;
    if updated == 0 {
        // A copy's first receive: its row is written as received.
        let receive = Receive { now_ms, visible_ms, receive_count, receipt };
        return materialize(t, id, Some(receive));
    }
    read(t, id)
}

/// Reads a message without changing it (on the writer's transaction or a reader). A shared
/// body is read by a second look-up: the same query as a LEFT JOIN made SQLite re-prepare the
/// statement at every step, which halved the receive path's speed.
pub fn read(t: &store::rusqlite::Connection, id: i64) -> Result<Option<StoredMessage>> {
    let found = t
        .prepare_cached(
            "SELECT id, message_id, body, attributes, trace_header, md5_body, group_id, dedup_id, sender_id, sent_ms, \
             first_receive_ms, dlq_source_arn, body_ref FROM sqs_messages WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let m = StoredMessage {
                id: r.get(0)?,
                message_id: r.get(1)?,
                body: r.get(2)?,
                attributes: r.get(3)?,
                trace_header: r.get(4)?,
                md5_body: r.get(5)?,
                group_id: r.get(6)?,
                dedup_id: r.get(7)?,
                sender_id: r.get(8)?,
                sent_ms: r.get(9)?,
                first_receive_ms: r.get(10)?,
                dlq_source_arn: r.get(11)?,
            };
            Ok((m, r.get::<_, Option<i64>>(12)?))
        })
        .optional()?;
    let Some((mut m, body_ref)) = found else { return read_copy(t, id) };
    if let Some(b) = body_ref {
        m.body = t.prepare_cached("SELECT body FROM sqs_bodies WHERE id = ?1")?.query_row([b], |r| r.get(0))?;
    }
    Ok(Some(m))
}

pub fn set_visible_at(t: &Transaction<'_>, id: i64, visible_ms: i64) -> Result<()> {
    update_row(t, id, "UPDATE sqs_messages SET visible_ms = ?2 WHERE id = ?1", params![id, visible_ms])
}

/// Runs an UPDATE of message `id`'s row; a copy still waiting in its list gets its row first.
fn update_row(t: &Transaction<'_>, id: i64, sql: &str, params: &[&dyn store::rusqlite::ToSql]) -> Result<()> {
    let mut st = t.prepare_cached(sql)?;
    if st.execute(params)? == 0 && materialize(t, id, None)?.is_some() {
        st.execute(params)?;
    }
    Ok(())
}

/// Deletes a message, whether it has a row of its own or is a copy still waiting in a list.
pub fn delete_message(t: &Transaction<'_>, id: i64) -> Result<()> {
    if t.prepare_cached("DELETE FROM sqs_messages WHERE id = ?1")?.execute([id])? == 0 {
        drop_copy(t, id)?;
    }
    Ok(())
}

/// Moves a message to another queue under a new id (its place at the end of that queue),
/// visible at `visible_ms`. A redrive to a dead-letter queue records `dlq_source_arn` and keeps
/// the receive count; a move task sending it back (`dlq_source_arn` None) starts it afresh.
pub fn move_message(
    t: &Transaction<'_>,
    id: i64,
    new_id: i64,
    queue_id: i64,
    visible_ms: i64,
    dlq_source_arn: Option<&str>,
) -> Result<()> {
    let sql = if dlq_source_arn.is_some() {
        "UPDATE sqs_messages SET id = ?2, queue_id = ?3, visible_ms = ?4, dlq_source_arn = ?5 WHERE id = ?1"
    } else {
        "UPDATE sqs_messages SET id = ?2, queue_id = ?3, visible_ms = ?4, dlq_source_arn = ?5, receive_count = 0, \
         received_ms = 0, first_receive_ms = NULL, receipt = 0 WHERE id = ?1"
    };
    update_row(t, id, sql, params![id, new_id, queue_id, visible_ms, dlq_source_arn])
}

/// The queue each message was redriven from (for move tasks without a destination).
pub fn dlq_sources(t: &store::rusqlite::Connection, ids: &[i64]) -> Result<Vec<Option<String>>> {
    let mut st = t.prepare_cached("SELECT dlq_source_arn FROM sqs_messages WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(st.query_row([id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten());
    }
    Ok(out)
}

/// Deletes the given messages (one of the reaper's bounded steps).
pub fn delete_messages(t: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    for id in ids {
        delete_message(t, *id)?;
    }
    Ok(())
}

/// A list of copies is a 16-byte random seed, then per copy its queue id (little-endian i64),
/// its delay after the send in ms (little-endian u32: its queue's DelaySeconds) and a byte, 1
/// once the copy has a row of its own or was deleted. A copy's MessageId is derived from the
/// seed and its place (see [`CopiesRow::message_id`]): it is stored by nobody until the copy
/// gets a row, and is the same on every read.
pub const SEED_BYTES: usize = 16;
pub const COPY_BYTES: usize = 13;

/// A new, empty list with its seed.
pub fn new_list(seed: [u8; 16], copies: usize) -> Vec<u8> {
    let mut list = Vec::with_capacity(SEED_BYTES + copies * COPY_BYTES);
    list.extend_from_slice(&seed);
    list
}

/// Appends a waiting copy to a list.
pub fn push_copy(list: &mut Vec<u8>, queue_id: i64, delay_ms: u32) {
    list.extend_from_slice(&queue_id.to_le_bytes());
    list.extend_from_slice(&delay_ms.to_le_bytes());
    list.push(0);
}

/// A message fanned out to several queues, as stored: its copies' ids are `id`, `id + 1`, ...
#[derive(Debug, Clone)]
pub struct CopiesRow {
    pub id: i64,
    pub body: String,
    /// The body's MD5, once a copy was received (the first receive computes and stores it).
    pub md5_body: Option<String>,
    pub attributes: Option<String>,
    pub group_id: Option<String>,
    pub sender_id: String,
    pub sent_ms: i64,
    /// The list (see [`new_list`], [`push_copy`]); empty when none waits any more.
    pub copies: Vec<u8>,
}

/// One copy in a [`CopiesRow`]'s list.
pub struct Copy {
    pub queue_id: i64,
    pub visible_ms: i64,
    pub gone: bool,
}

impl CopiesRow {
    /// The body's MD5 (computed if no copy was received yet).
    fn md5(&self) -> String {
        self.md5_body.clone().unwrap_or_else(|| crate::message::md5_hex(self.body.as_bytes()))
    }

    fn slots(&self) -> &[u8] {
        self.copies.get(SEED_BYTES..).unwrap_or_default()
    }

    /// The copies, by their place in the list (the id is the row's plus the place).
    pub fn listed(&self) -> impl Iterator<Item = (usize, Copy)> + '_ {
        self.slots().chunks_exact(COPY_BYTES).enumerate().map(|(i, c)| {
            let queue_id = i64::from_le_bytes(c[0..8].try_into().expect("8 bytes"));
            let delay = u32::from_le_bytes(c[8..12].try_into().expect("4 bytes"));
            (i, Copy { queue_id, visible_ms: self.sent_ms + delay as i64, gone: c[12] != 0 })
        })
    }

    fn waiting(&self, place: usize) -> bool {
        self.slots().get(place * COPY_BYTES..(place + 1) * COPY_BYTES).is_some_and(|c| c[12] == 0)
    }

    fn mark_gone(&mut self, place: usize) {
        self.copies[SEED_BYTES + place * COPY_BYTES + 12] = 1;
    }

    /// A copy of this message as stored (its MessageId and MD5 as the caller computed them).
    fn into_stored(
        self,
        id: i64,
        message_id: String,
        md5_body: String,
        first_receive_ms: Option<i64>,
    ) -> StoredMessage {
        StoredMessage {
            id,
            message_id,
            body: self.body,
            attributes: self.attributes,
            trace_header: None,
            md5_body,
            group_id: self.group_id,
            dedup_id: None,
            sender_id: self.sender_id,
            sent_ms: self.sent_ms,
            first_receive_ms,
            dlq_source_arn: None,
        }
    }

    /// The MessageId of the copy at `place`: the MD5 of the list's seed and the place, written
    /// as a version-4 UUID (as random-looking as the ids SendMessage gives, distinct for each
    /// copy, the same on every read).
    pub fn message_id(&self, place: usize) -> String {
        use md5::Digest;
        let mut h = md5::Md5::new();
        h.update(self.copies.get(..SEED_BYTES).unwrap_or_default());
        h.update((place as u64).to_le_bytes());
        let mut b: [u8; 16] = h.finalize().into();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        uuid::Uuid::from_bytes(b).to_string()
    }
}

pub fn insert_copies(t: &Transaction<'_>, r: &CopiesRow) -> Result<()> {
    let refs = (r.copies.len().saturating_sub(SEED_BYTES) / COPY_BYTES) as i64;
    t.prepare_cached(
        "INSERT INTO sqs_bodies (id, body, refs, copies, md5_body, attributes, group_id, sender_id, sent_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        r.id,
        r.body,
        refs,
        r.copies,
        r.md5_body,
        r.attributes,
        r.group_id,
        r.sender_id,
        r.sent_ms
    ])?;
    Ok(())
}

const COPIES_COLUMNS: &str = "id, body, md5_body, attributes, group_id, sender_id, sent_ms, copies, refs";

fn copies_row(r: &store::rusqlite::Row<'_>) -> store::rusqlite::Result<(CopiesRow, i64)> {
    Ok((
        CopiesRow {
            id: r.get(0)?,
            body: r.get(1)?,
            // Every column but the body is NULL in a body shared by rows (no list).
            md5_body: r.get(2)?,
            attributes: r.get(3)?,
            group_id: r.get(4)?,
            sender_id: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            sent_ms: r.get::<_, Option<i64>>(6)?.unwrap_or_default(),
            copies: r.get::<_, Option<Vec<u8>>>(7)?.unwrap_or_default(),
        },
        r.get(8)?,
    ))
}

fn for_each_copies(t: &Transaction<'_>, mut f: impl FnMut(CopiesRow)) -> Result<()> {
    let mut st = t.prepare(&format!("SELECT {COPIES_COLUMNS} FROM sqs_bodies WHERE copies IS NOT NULL ORDER BY id"))?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        f(copies_row(r)?.0);
    }
    Ok(())
}

/// The list holding copy `id` while it waits there: the row, the references to its body, and
/// the copy's place. The nearest body at or below `id` is its list's if it has one: ids of a
/// list's copies are consecutive from the row's id, and bodies take ids from the same sequence.
fn find_copy(c: &store::rusqlite::Connection, id: i64) -> Result<Option<(CopiesRow, i64, usize)>> {
    let found = c
        .prepare_cached(&format!("SELECT {COPIES_COLUMNS} FROM sqs_bodies WHERE id <= ?1 ORDER BY id DESC LIMIT 1"))?
        .query_row([id], copies_row)
        .optional()?;
    let Some((row, refs)) = found else { return Ok(None) };
    if row.copies.is_empty() {
        return Ok(None); // a body shared by rows, or a list whose copies all went
    }
    let place = (id - row.id) as usize;
    Ok(row.waiting(place).then_some((row, refs, place)))
}

/// Marks a listed copy gone from the list (it has a row now, or was deleted), dropping the
/// list when none waits any more.
fn strike(t: &Transaction<'_>, row: &mut CopiesRow, place: usize, refs: i64) -> Result<()> {
    row.mark_gone(place);
    let any_waiting = row.listed().any(|(_, c)| !c.gone);
    t.prepare_cached("UPDATE sqs_bodies SET copies = ?2, refs = ?3, md5_body = ?4 WHERE id = ?1")?.execute(params![
        row.id,
        any_waiting.then_some(&row.copies),
        refs,
        row.md5_body
    ])?;
    Ok(())
}

/// What a receive records.
struct Receive {
    now_ms: i64,
    visible_ms: i64,
    receive_count: i64,
    receipt: i64,
}

/// Gives a waiting copy a row of its own in `sqs_messages` (referencing the list's body), as it
/// was sent or, for its first receive, as received; returns it as stored. None if `id` is not a
/// waiting copy.
fn materialize(t: &Transaction<'_>, id: i64, received: Option<Receive>) -> Result<Option<StoredMessage>> {
    let Some((mut row, refs, place)) = find_copy(t, id)? else { return Ok(None) };
    let Some((_, copy)) = row.listed().nth(place) else { return Ok(None) };
    let md5 = row.md5();
    let message_id = row.message_id(place);
    let (visible_ms, received_ms, receive_count, receipt, first_receive_ms) = match &received {
        Some(r) => (r.visible_ms, r.now_ms, r.receive_count, r.receipt, Some(r.now_ms)),
        None => (copy.visible_ms, 0, 0, 0, None),
    };
    t.prepare_cached(
        "INSERT INTO sqs_messages (id, queue_id, message_id, body, attributes, md5_body, group_id, sender_id, \
         sent_ms, visible_ms, body_ref, received_ms, receive_count, receipt, first_receive_ms) \
         VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        id,
        copy.queue_id,
        message_id,
        row.attributes,
        md5,
        row.group_id,
        row.sender_id,
        row.sent_ms,
        visible_ms,
        row.id,
        received_ms,
        receive_count,
        receipt,
        first_receive_ms
    ])?;
    row.md5_body = Some(md5.clone());
    strike(t, &mut row, place, refs)?;
    Ok(Some(row.into_stored(id, message_id, md5, first_receive_ms)))
}

/// Deletes a copy still waiting in its list (its body goes with the last reference).
fn drop_copy(t: &Transaction<'_>, id: i64) -> Result<()> {
    let Some((mut row, refs, place)) = find_copy(t, id)? else { return Ok(()) };
    if refs <= 1 {
        t.prepare_cached("DELETE FROM sqs_bodies WHERE id = ?1")?.execute([row.id])?;
        return Ok(());
    }
    strike(t, &mut row, place, refs - 1)
}

/// Reads a copy still waiting in its list.
fn read_copy(c: &store::rusqlite::Connection, id: i64) -> Result<Option<StoredMessage>> {
    let Some((row, _, place)) = find_copy(c, id)? else { return Ok(None) };
    let (message_id, md5) = (row.message_id(place), row.md5());
    Ok(Some(row.into_stored(id, message_id, md5, None)))
}

/// A FIFO de-duplication id remembered for its window.
#[derive(Debug, Clone)]
pub struct DedupRow {
    pub queue_id: i64,
    pub key: String,
    pub message_id: String,
    pub sequence_number: Option<String>,
    pub expires_ms: i64,
}

pub fn insert_dedup(t: &Transaction<'_>, d: &DedupRow) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sqs_dedup (queue_id, key, message_id, sequence_number, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![d.queue_id, d.key, d.message_id, d.sequence_number, d.expires_ms])?;
    Ok(())
}

pub fn load_dedup(t: &Transaction<'_>, now_ms: i64) -> Result<Vec<DedupRow>> {
    t.execute("DELETE FROM sqs_dedup WHERE expires_ms <= ?1", [now_ms])?;
    let mut st =
        t.prepare("SELECT queue_id, key, message_id, sequence_number, expires_ms FROM sqs_dedup ORDER BY expires_ms")?;
    let rows = st.query_map([], |r| {
        Ok(DedupRow {
            queue_id: r.get(0)?,
            key: r.get(1)?,
            message_id: r.get(2)?,
            sequence_number: r.get(3)?,
            expires_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Forgets every de-duplication id of a queue (PurgeQueue).
pub fn clear_dedup(t: &Transaction<'_>, queue_id: i64) -> Result<()> {
    t.prepare_cached("DELETE FROM sqs_dedup WHERE queue_id = ?1")?.execute([queue_id])?;
    Ok(())
}

pub fn expire_dedup(t: &Transaction<'_>, now_ms: i64) -> Result<()> {
    t.prepare_cached("DELETE FROM sqs_dedup WHERE expires_ms <= ?1")?.execute([now_ms])?;
    Ok(())
}

pub fn save_task(t: &Transaction<'_>, handle: &str, source_arn: &str, started_ms: i64, task: &str) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sqs_move_tasks (handle, source_arn, started_ms, task) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![handle, source_arn, started_ms, task])?;
    Ok(())
}

pub fn load_tasks(t: &store::rusqlite::Connection) -> Result<Vec<String>> {
    let mut st = t.prepare("SELECT task FROM sqs_move_tasks ORDER BY started_ms")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Wipes every SQS table (the admin reset). The body trigger is lifted meanwhile: with it,
/// SQLite deletes a million messages row by row; without it, it drops their pages.
pub fn reset(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch(&format!(
        "DROP TRIGGER sqs_messages_release_body; DELETE FROM sqs_messages; {RELEASE_BODY_TRIGGER} \
         DELETE FROM sqs_bodies; DELETE FROM sqs_dedup; DELETE FROM sqs_queues; DELETE FROM sqs_move_tasks;"
    ))?;
    Ok(())
}

/// The trigger of migration 2, as it is created.
const RELEASE_BODY_TRIGGER: &str = "CREATE TRIGGER sqs_messages_release_body AFTER DELETE ON sqs_messages \
    WHEN old.body_ref IS NOT NULL BEGIN \
    DELETE FROM sqs_bodies WHERE id = old.body_ref AND refs <= 1; \
    UPDATE sqs_bodies SET refs = refs - 1 WHERE id = old.body_ref; \
    END;";
