//! SNS's tables and the domain verbs over them. All SQL of the service lives here.

use crate::archive::ArchivedRow;
use crate::mobile::{PlatformApp, PlatformEndpoint};
use crate::sms::{SandboxNumber, SmsState};
use crate::subscription::Subscription;
use crate::topic::Topic;
use std::collections::BTreeMap;
use store::rusqlite::{params, Connection, Transaction};
use store::{Migration, Result};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        service: "sns",
        version: 1,
        sql: "
CREATE TABLE sns_topics (
    arn TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    fifo INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    data_protection_policy TEXT
);
",
    },
    Migration {
        service: "sns",
        version: 2,
        sql: "
CREATE TABLE sns_subscriptions (
    arn TEXT PRIMARY KEY,
    topic_arn TEXT NOT NULL,
    owner TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    attributes TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    token TEXT,
    authenticated INTEGER NOT NULL
);
",
    },
    Migration {
        service: "sns",
        version: 3,
        sql: "
CREATE TABLE sns_signing (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_der BLOB NOT NULL,
    cert_pem TEXT NOT NULL
);
CREATE TABLE sns_fifo (
    topic_arn TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
);
CREATE TABLE sns_dedup (
    topic_arn TEXT NOT NULL,
    key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence_number TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_arn, key)
);
CREATE TABLE sns_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_arn TEXT NOT NULL,
    topic_arn TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    message_type TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    raw INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    next_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE sns_recorded (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
",
    },
    Migration {
        service: "sns",
        version: 4,
        sql: "
CREATE TABLE sns_platform_apps (
    arn TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    attributes TEXT NOT NULL
);
CREATE TABLE sns_platform_endpoints (
    arn TEXT PRIMARY KEY,
    app_arn TEXT NOT NULL,
    attributes TEXT NOT NULL
);
CREATE TABLE sns_sms_attributes (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (account, region)
);
CREATE TABLE sns_opt_outs (
    account TEXT NOT NULL,
    phone TEXT NOT NULL,
    PRIMARY KEY (account, phone)
);
CREATE TABLE sns_sandbox_numbers (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    otp TEXT NOT NULL,
    PRIMARY KEY (account, region, phone)
);
",
    },
    Migration {
        service: "sns",
        version: 5,
        sql: "
CREATE TABLE sns_archive (
    topic_arn TEXT NOT NULL,
    seq INTEGER NOT NULL,
    published_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (topic_arn, seq)
);
",
    },
];

fn to_json(m: &BTreeMap<String, String>) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "{}".into())
}

fn from_json(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Stores a topic (new or changed).
pub fn save_topic(t: &Transaction<'_>, topic: &Topic) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sns_topics (arn, account, region, name, fifo, attributes, tags, data_protection_policy) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        topic.arn,
        topic.account,
        topic.region,
        topic.name,
        topic.fifo,
        to_json(&topic.attributes),
        to_json(&topic.tags),
        topic.data_protection_policy
    ])?;
    Ok(())
}

/// Deletes a topic. Its archived messages are trimmed away afterwards in bounded steps
/// ([`trim_archive`]), like the archive of a topic that stopped archiving.
pub fn delete_topic(t: &Transaction<'_>, arn: &str) -> Result<()> {
    t.prepare_cached("DELETE FROM sns_topics WHERE arn = ?1")?.execute([arn])?;
    Ok(())
}

pub fn load_topics(c: &Connection) -> Result<Vec<Topic>> {
    let mut st =
        c.prepare("SELECT arn, account, region, name, fifo, attributes, tags, data_protection_policy FROM sns_topics")?;
    let rows = st.query_map([], |r| {
        Ok(Topic {
            arn: r.get(0)?,
            account: r.get(1)?,
            region: r.get(2)?,
            name: r.get(3)?,
            fifo: r.get(4)?,
            attributes: from_json(&r.get::<_, String>(5)?),
            tags: from_json(&r.get::<_, String>(6)?),
            data_protection_policy: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Wipes every SNS table (the admin reset).
pub fn reset(t: &Transaction<'_>) -> Result<()> {
    t.execute_batch(
        "DELETE FROM sns_topics; DELETE FROM sns_subscriptions; DELETE FROM sns_fifo; DELETE FROM sns_dedup; \
         DELETE FROM sns_deliveries; DELETE FROM sns_recorded; DELETE FROM sns_platform_apps; \
         DELETE FROM sns_platform_endpoints; DELETE FROM sns_sms_attributes; DELETE FROM sns_opt_outs; \
         DELETE FROM sns_sandbox_numbers; DELETE FROM sns_archive;",
    )?;
    Ok(())
}

pub fn save_subscription(t: &Transaction<'_>, s: &Subscription) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sns_subscriptions (arn, topic_arn, owner, protocol, endpoint, attributes, confirmed, token, authenticated) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        s.arn,
        s.topic_arn,
        s.owner,
        s.protocol,
        s.endpoint,
        to_json(&s.attributes),
        s.confirmed,
        s.token,
        s.authenticated
    ])?;
    Ok(())
}

pub fn delete_subscriptions(t: &Transaction<'_>, arns: &[String]) -> Result<()> {
    let mut st = t.prepare_cached("DELETE FROM sns_subscriptions WHERE arn = ?1")?;
    for a in arns {
        st.execute([a])?;
    }
    Ok(())
}

pub fn load_subscriptions(c: &Connection) -> Result<Vec<Subscription>> {
    let mut st = c.prepare(
        "SELECT arn, topic_arn, owner, protocol, endpoint, attributes, confirmed, token, authenticated FROM sns_subscriptions",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Subscription {
            arn: r.get(0)?,
            topic_arn: r.get(1)?,
            owner: r.get(2)?,
            protocol: r.get(3)?,
            endpoint: r.get(4)?,
            attributes: from_json(&r.get::<_, String>(5)?),
            confirmed: r.get(6)?,
            token: r.get(7)?,
            authenticated: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// A FIFO topic's de-duplication record.
#[derive(Debug, Clone)]
pub struct DedupRow {
    pub topic_arn: String,
    pub key: String,
    pub message_id: String,
    pub sequence_number: String,
    pub expires_ms: i64,
}

pub fn save_fifo(t: &Transaction<'_>, topic_arn: &str, next_seq: i64, dedups: &[DedupRow]) -> Result<()> {
    t.prepare_cached("INSERT OR REPLACE INTO sns_fifo (topic_arn, next_seq) VALUES (?1, ?2)")?
        .execute(params![topic_arn, next_seq])?;
    let mut st = t.prepare_cached(
        "INSERT OR REPLACE INTO sns_dedup (topic_arn, key, message_id, sequence_number, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for d in dedups {
        st.execute(params![d.topic_arn, d.key, d.message_id, d.sequence_number, d.expires_ms])?;
    }
    Ok(())
}

/// Every FIFO topic's next sequence number and unexpired de-duplication records.
/// FIFO topics' next sequence numbers, and their live de-duplication records.
pub type FifoRows = (Vec<(String, i64)>, Vec<DedupRow>);

pub fn load_fifo(c: &Connection, now_ms: i64) -> Result<FifoRows> {
    let mut st = c.prepare("SELECT topic_arn, next_seq FROM sns_fifo")?;
    let seqs = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<Vec<_>, _>>()?;
    let mut st = c.prepare(
        "SELECT topic_arn, key, message_id, sequence_number, expires_ms FROM sns_dedup WHERE expires_ms > ?1 ORDER BY expires_ms",
    )?;
    let dedups = st
        .query_map([now_ms], |r| {
            Ok(DedupRow {
                topic_arn: r.get(0)?,
                key: r.get(1)?,
                message_id: r.get(2)?,
                sequence_number: r.get(3)?,
                expires_ms: r.get(4)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((seqs, dedups))
}

pub fn expire_dedups(t: &Transaction<'_>, now_ms: i64) -> Result<()> {
    t.prepare_cached("DELETE FROM sns_dedup WHERE expires_ms <= ?1")?.execute([now_ms])?;
    Ok(())
}

/// An HTTP/S delivery that has not succeeded yet, and when to try it next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_arn: String,
    pub topic_arn: String,
    pub endpoint: String,
    /// Notification, SubscriptionConfirmation or UnsubscribeConfirmation.
    pub message_type: String,
    pub message_id: String,
    pub body: String,
    pub raw: bool,
    /// Attempts made so far.
    pub attempt: i64,
    pub next_ms: i64,
    pub created_ms: i64,
}

pub fn insert_delivery(t: &Transaction<'_>, d: &DeliveryRow) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO sns_deliveries (id, subscription_arn, topic_arn, endpoint, message_type, message_id, body, raw, attempt, next_ms, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        d.id,
        d.subscription_arn,
        d.topic_arn,
        d.endpoint,
        d.message_type,
        d.message_id,
        d.body,
        d.raw,
        d.attempt,
        d.next_ms,
        d.created_ms
    ])?;
    Ok(())
}

pub fn reschedule_delivery(t: &Transaction<'_>, id: i64, attempt: i64, next_ms: i64) -> Result<()> {
    t.prepare_cached("UPDATE sns_deliveries SET attempt = ?2, next_ms = ?3 WHERE id = ?1")?
        .execute(params![id, attempt, next_ms])?;
    Ok(())
}

pub fn delete_delivery(t: &Transaction<'_>, id: i64) -> Result<()> {
    t.prepare_cached("DELETE FROM sns_deliveries WHERE id = ?1")?.execute([id])?;
    Ok(())
}

const DELIVERY_COLUMNS: &str =
    "id, subscription_arn, topic_arn, endpoint, message_type, message_id, body, raw, attempt, next_ms, created_ms";

fn delivery_row(r: &store::rusqlite::Row<'_>) -> store::rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        subscription_arn: r.get(1)?,
        topic_arn: r.get(2)?,
        endpoint: r.get(3)?,
        message_type: r.get(4)?,
        message_id: r.get(5)?,
        body: r.get(6)?,
        raw: r.get(7)?,
        attempt: r.get(8)?,
        next_ms: r.get(9)?,
        created_ms: r.get(10)?,
    })
}

/// Every pending delivery's next attempt time and id (the worker's schedule at start).
pub fn load_delivery_keys(c: &Connection) -> Result<Vec<(i64, i64)>> {
    let mut st = c.prepare("SELECT next_ms, id FROM sns_deliveries")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// One pending delivery, body included.
pub fn load_delivery(c: &Connection, id: i64) -> Result<Option<DeliveryRow>> {
    Ok(c.prepare_cached(&format!("SELECT {DELIVERY_COLUMNS} FROM sns_deliveries WHERE id = ?1"))?
        .query_row([id], delivery_row)
        .map(Some)
        .or_else(|e| match e {
            store::rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?)
}

/// Up to `limit` pending deliveries after id `after`, by id, without their bodies.
pub fn page_deliveries(c: &Connection, after: i64, limit: i64) -> Result<Vec<DeliveryRow>> {
    let columns = DELIVERY_COLUMNS.replace("body", "'' AS body");
    let mut st =
        c.prepare_cached(&format!("SELECT {columns} FROM sns_deliveries WHERE id > ?1 ORDER BY id LIMIT ?2"))?;
    let rows = st.query_map([after, limit], delivery_row)?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// A notification to a protocol Quayside does not send (email, SMS, mobile push, Lambda,
/// Firehose), kept for the developer endpoints: `kind` is the protocol (or `sms` for direct
/// publishes to a phone number), `body` the JSON record.
/// The newest ones are kept, at most [`KEPT_RECORDED`].
pub fn insert_recorded(t: &Transaction<'_>, kind: &str, body: &str) -> Result<()> {
    t.prepare_cached("INSERT INTO sns_recorded (kind, body) VALUES (?1, ?2)")?.execute(params![kind, body])?;
    t.prepare_cached(
        "DELETE FROM sns_recorded WHERE id <= (SELECT id FROM sns_recorded ORDER BY id DESC LIMIT 1 OFFSET ?1)",
    )?
    .execute([KEPT_RECORDED])?;
    Ok(())
}

/// Recorded notifications kept for the developer endpoints (the newest; LocalStack keeps
/// every one, in memory).
pub const KEPT_RECORDED: i64 = 1_000;

/// Recorded notifications after id `after`, oldest first, at most `limit`.
pub fn load_recorded(c: &Connection, after: i64, limit: i64) -> Result<Vec<(i64, String, String)>> {
    let mut st = c.prepare_cached("SELECT id, kind, body FROM sns_recorded WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

pub fn delete_recorded(t: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    let mut st = t.prepare_cached("DELETE FROM sns_recorded WHERE id = ?1")?;
    for id in ids {
        st.execute([id])?;
    }
    Ok(())
}

pub fn max_delivery_id(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT COALESCE(MAX(id), 0) FROM sns_deliveries", [], |r| r.get(0))?)
}

pub fn save_platform_app(t: &Transaction<'_>, a: &PlatformApp) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sns_platform_apps (arn, account, region, name, platform, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![a.arn, a.account, a.region, a.name, a.platform, to_json(&a.attributes)])?;
    Ok(())
}

pub fn delete_platform_app(t: &Transaction<'_>, arn: &str) -> Result<()> {
    t.prepare_cached("DELETE FROM sns_platform_apps WHERE arn = ?1")?.execute([arn])?;
    Ok(())
}

pub fn save_platform_endpoint(t: &Transaction<'_>, e: &PlatformEndpoint) -> Result<()> {
    t.prepare_cached("INSERT OR REPLACE INTO sns_platform_endpoints (arn, app_arn, attributes) VALUES (?1, ?2, ?3)")?
        .execute(params![e.arn, e.app_arn, to_json(&e.attributes)])?;
    Ok(())
}

pub fn delete_platform_endpoints(t: &Transaction<'_>, arns: &[String]) -> Result<()> {
    let mut st = t.prepare_cached("DELETE FROM sns_platform_endpoints WHERE arn = ?1")?;
    for a in arns {
        st.execute([a])?;
    }
    Ok(())
}

/// Every platform application and endpoint.
pub fn load_mobile(c: &Connection) -> Result<(Vec<PlatformApp>, Vec<PlatformEndpoint>)> {
    let mut st = c.prepare("SELECT arn, account, region, name, platform, attributes FROM sns_platform_apps")?;
    let apps = st
        .query_map([], |r| {
            Ok(PlatformApp {
                arn: r.get(0)?,
                account: r.get(1)?,
                region: r.get(2)?,
                name: r.get(3)?,
                platform: r.get(4)?,
                attributes: from_json(&r.get::<_, String>(5)?),
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut st = c.prepare("SELECT arn, app_arn, attributes FROM sns_platform_endpoints")?;
    let endpoints = st
        .query_map([], |r| {
            Ok(PlatformEndpoint { arn: r.get(0)?, app_arn: r.get(1)?, attributes: from_json(&r.get::<_, String>(2)?) })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((apps, endpoints))
}

pub fn save_sms_attributes(
    t: &Transaction<'_>,
    account: &str,
    region: &str,
    attrs: &BTreeMap<String, String>,
) -> Result<()> {
    t.prepare_cached("INSERT OR REPLACE INTO sns_sms_attributes (account, region, attributes) VALUES (?1, ?2, ?3)")?
        .execute(params![account, region, to_json(attrs)])?;
    Ok(())
}

/// Adds (`out`) or removes a number of an account's opt-out list.
pub fn save_opt_out(t: &Transaction<'_>, account: &str, phone: &str, out: bool) -> Result<()> {
    let sql = if out {
        "INSERT OR IGNORE INTO sns_opt_outs (account, phone) VALUES (?1, ?2)"
    } else {
        "DELETE FROM sns_opt_outs WHERE account = ?1 AND phone = ?2"
    };
    t.prepare_cached(sql)?.execute(params![account, phone])?;
    Ok(())
}

pub fn save_sandbox_number(
    t: &Transaction<'_>,
    account: &str,
    region: &str,
    phone: &str,
    n: &SandboxNumber,
) -> Result<()> {
    t.prepare_cached(
        "INSERT OR REPLACE INTO sns_sandbox_numbers (account, region, phone, status, otp) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![account, region, phone, n.status, n.otp])?;
    Ok(())
}

pub fn delete_sandbox_number(t: &Transaction<'_>, account: &str, region: &str, phone: &str) -> Result<()> {
    t.prepare_cached("DELETE FROM sns_sandbox_numbers WHERE account = ?1 AND region = ?2 AND phone = ?3")?
        .execute(params![account, region, phone])?;
    Ok(())
}

/// The SMS preferences, opt-outs and sandbox numbers of every account.
pub fn load_sms(c: &Connection) -> Result<SmsState> {
    let mut s = SmsState::default();
    let mut st = c.prepare("SELECT account, region, attributes FROM sns_sms_attributes")?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))? {
        let (a, r, attrs) = row?;
        s.attributes.insert((a, r), from_json(&attrs));
    }
    let mut st = c.prepare("SELECT account, phone FROM sns_opt_outs")?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (account, phone) = row?;
        s.opted_out.entry(account).or_default().insert(phone);
    }
    let mut st = c.prepare("SELECT account, region, phone, status, otp FROM sns_sandbox_numbers")?;
    for row in st.query_map([], |r| {
        Ok(((r.get(0)?, r.get(1)?, r.get(2)?), SandboxNumber { status: r.get(3)?, otp: r.get(4)? }))
    })? {
        let (k, n) = row?;
        s.sandbox.insert(k, n);
    }
    Ok(s)
}

/// Archives messages of a FIFO topic (in the publish's job).
pub fn insert_archive(t: &Transaction<'_>, rows: &[ArchivedRow]) -> Result<()> {
    let mut st = t.prepare_cached(
        "INSERT OR REPLACE INTO sns_archive (topic_arn, seq, published_ms, body) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for r in rows {
        st.execute(params![r.topic_arn, r.seq, r.published_ms, r.body])?;
    }
    Ok(())
}

/// A topic's archived messages published in `[start, end]`, in the topic's order.
pub fn load_archive(c: &Connection, topic_arn: &str, start: i64, end: i64) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT body FROM sns_archive WHERE topic_arn = ?1 AND published_ms >= ?2 AND published_ms <= ?3 ORDER BY seq",
    )?;
    let rows = st.query_map(params![topic_arn, start, end], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Archived messages one bounded step removes.
pub const ARCHIVE_ROWS_PER_STEP: i64 = 500;

/// Removes up to [`ARCHIVE_ROWS_PER_STEP`] of a topic's archived messages published before
/// `cutoff`: how many, and the oldest one left.
pub fn trim_archive(t: &Transaction<'_>, topic_arn: &str, cutoff: i64) -> Result<(usize, Option<i64>)> {
    let n = t
        .prepare_cached(
            "DELETE FROM sns_archive WHERE rowid IN (SELECT rowid FROM sns_archive \
             WHERE topic_arn = ?1 AND published_ms < ?2 LIMIT ?3)",
        )?
        .execute(params![topic_arn, cutoff, ARCHIVE_ROWS_PER_STEP])?;
    let oldest =
        t.query_row("SELECT MIN(published_ms) FROM sns_archive WHERE topic_arn = ?1", [topic_arn], |r| r.get(0))?;
    Ok((n, oldest))
}

/// The oldest archived message of each archiving topic.
pub fn archive_oldest(c: &Connection) -> Result<Vec<(String, i64)>> {
    let mut st = c.prepare("SELECT topic_arn, MIN(published_ms) FROM sns_archive GROUP BY topic_arn")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}
