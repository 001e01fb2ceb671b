//! SNS's tables and the domain verbs over them. All SQL of the service lives here.

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
    t.execute_batch("DELETE FROM sns_topics; DELETE FROM sns_subscriptions;")?;
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
