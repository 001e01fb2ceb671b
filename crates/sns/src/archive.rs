//! Message archiving and replay for FIFO topics.
//!
//! A FIFO topic with an ArchivePolicy (`{"MessageRetentionPeriod": "<days>"}`, 1 to 365) keeps
//! every message it publishes, in the publish's own store job, for that many days; the
//! housekeeping tick trims older ones. A subscription given a ReplayPolicy
//! (`{"PointType": "Timestamp", "StartingPoint": "<ISO 8601>", "EndingPoint": "<optional>"}`)
//! is sent the archived messages published in that window, in the topic's order, through its
//! own filter policy, with their original MessageId, Timestamp and SequenceNumber and a
//! `Replayed` mark; its ReplayStatus then reads `Completed`. Quayside replays while the call
//! that set the policy runs, so the status is never seen `Pending` or `In progress`.

use crate::error::{SnsError, SnsResult};
use crate::message::{AttributeValue, Attributes, Published};
use crate::subscription::Subscription;
use crate::topic::Topic;
use crate::{persist, Sns};
use base64::Engine;
use serde_json::{json, Map, Value};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An archived message, as stored.
#[derive(Debug, Clone)]
pub struct ArchivedRow {
    pub topic_arn: String,
    /// The topic's sequence number, as an integer (the archive's order).
    pub seq: i64,
    pub published_ms: i64,
    /// The message ([`to_json`]).
    pub body: String,
}

/// The retention of an ArchivePolicy, in days.
///
/// Errors: `InvalidParameter` for a policy without a MessageRetentionPeriod of 1 to 365 days.
pub fn retention_days(policy: &str) -> SnsResult<i64> {
    let v: Value = serde_json::from_str(policy).map_err(|_| bad_archive())?;
    let days = match v.get("MessageRetentionPeriod") {
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    days.filter(|d| (1..=365).contains(d)).ok_or_else(bad_archive)
}

fn bad_archive() -> SnsError {
    SnsError::invalid_parameter("ArchivePolicy Reason: MessageRetentionPeriod must be a number of days from 1 to 365")
}

/// The window of a ReplayPolicy: (start, end) in milliseconds.
///
/// Errors: `InvalidParameter` for another PointType, a missing or unreadable StartingPoint,
/// or an EndingPoint before it.
pub fn replay_window(policy: &str) -> SnsResult<(i64, Option<i64>)> {
    let bad = |why: &str| SnsError::invalid_parameter(format!("ReplayPolicy Reason: {why}"));
    let v: Value = serde_json::from_str(policy).map_err(|_| bad("must be a JSON object"))?;
    if v.get("PointType").and_then(Value::as_str) != Some("Timestamp") {
        return Err(bad("PointType must be Timestamp"));
    }
    let time = |k: &str| v.get(k).and_then(Value::as_str).map(aws_protocol::time::parse_timestamp);
    let start = match time("StartingPoint") {
        Some(Some(ms)) => ms,
        _ => return Err(bad("StartingPoint must be an ISO 8601 timestamp")),
    };
    let end = match time("EndingPoint") {
        None => None,
        Some(Some(ms)) if ms > start => Some(ms),
        Some(Some(_)) => return Err(bad("EndingPoint must be later than StartingPoint")),
        Some(None) => return Err(bad("EndingPoint must be an ISO 8601 timestamp")),
    };
    Ok((start, end))
}

/// A message as the archive keeps it.
pub fn to_json(p: &Published) -> String {
    let attrs: Map<String, Value> = p
        .attributes
        .iter()
        .map(|(k, a)| {
            let binary = a.binary_value.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b));
            (k.clone(), json!([a.data_type, a.string_value, binary]))
        })
        .collect();
    json!({
        "MessageId": p.message_id, "Message": p.message, "PerProtocol": p.per_protocol,
        "Subject": p.subject, "Attributes": attrs, "MessageGroupId": p.group_id,
        "MessageDeduplicationId": p.dedup_id, "SequenceNumber": p.sequence_number,
        "Timestamp": p.timestamp_ms,
    })
    .to_string()
}

/// The archived message back, marked replayed (`None` for a row this version cannot read).
fn from_json(body: &str) -> Option<Published> {
    let v: Value = serde_json::from_str(body).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut attributes = Attributes::new();
    for (k, a) in v.get("Attributes").and_then(Value::as_object).into_iter().flatten() {
        let binary = a[2].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
        attributes.insert(
            k.clone(),
            AttributeValue {
                data_type: a[0].as_str()?.to_string(),
                string_value: a[1].as_str().map(str::to_string),
                binary_value: binary,
            },
        );
    }
    Some(Published {
        message_id: s("MessageId")?,
        message: s("Message")?,
        per_protocol: serde_json::from_value(v.get("PerProtocol").cloned().unwrap_or(Value::Null)).ok(),
        subject: s("Subject"),
        attributes,
        group_id: s("MessageGroupId"),
        dedup_id: s("MessageDeduplicationId"),
        sequence_number: s("SequenceNumber"),
        timestamp_ms: v.get("Timestamp").and_then(Value::as_i64)?,
        replayed: true,
        trace_header: None,
    })
}

impl Topic {
    /// Days an archiving FIFO topic keeps its messages.
    pub fn archive_days(&self) -> Option<i64> {
        if !self.fifo {
            return None;
        }
        self.attributes.get("ArchivePolicy").and_then(|p| retention_days(p).ok())
    }
}

impl Sns {
    /// Trims archived messages past their topic's retention (or of topics that stopped
    /// archiving); a store write only when something is due.
    pub(crate) async fn trim_archives(&self) {
        let now = self.now_ms();
        // A copy first: delete_topic takes the topics' lock before this one, so this one is
        // never held while waiting for the topics'.
        let oldest: Vec<(String, i64)> =
            self.inner.archive_oldest.lock().iter().map(|(a, ms)| (a.clone(), *ms)).collect();
        if oldest.is_empty() {
            return;
        }
        let due: Vec<(String, i64)> = {
            let topics = self.inner.topics.read();
            oldest
                .iter()
                .filter_map(|(arn, ms)| {
                    let cutoff = topics.get(arn).and_then(Topic::archive_days).map_or(i64::MAX, |d| now - d * DAY_MS);
                    (*ms < cutoff).then(|| (arn.clone(), cutoff))
                })
                .collect()
        };
        for (arn, cutoff) in due {
            self.trim_archive(&arn, cutoff).await;
        }
    }

    /// Trims one topic's archive below `cutoff` in bounded steps, each its own store job with
    /// a pause after it (a deleted topic's archive of a million messages went in one job).
    async fn trim_archive(&self, arn: &str, cutoff: i64) {
        loop {
            let key = arn.to_string();
            match self.store().submit(move |t| persist::trim_archive(t, &key, cutoff)).await {
                Ok((n, left)) => {
                    {
                        let mut oldest = self.inner.archive_oldest.lock();
                        match left {
                            Some(ms) => oldest.insert(arn.to_string(), ms),
                            None => oldest.remove(arn),
                        };
                    }
                    if (n as i64) < persist::ARCHIVE_ROWS_PER_STEP {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(4)).await;
                }
                Err(e) => {
                    tracing::warn!("sns: trimming the archive of {arn} failed: {e}");
                    return;
                }
            }
        }
    }

    /// Deletes what is left of a deleted topic's archive before a topic of the same ARN is
    /// created (it must not replay its predecessor's messages).
    pub(crate) async fn clear_old_archive(&self, arn: &str) {
        let listed = self.inner.archive_oldest.lock().contains_key(arn);
        if listed && !self.inner.topics.read().contains_key(arn) {
            self.trim_archive(arn, i64::MAX).await;
        }
    }

    /// Whether a subscription can replay: its topic archives, and it is an SQS subscription.
    ///
    /// Errors: `InvalidParameter`; `NotFound` for a topic gone.
    pub(crate) fn check_replay(&self, sub: &Subscription) -> SnsResult<()> {
        if self.topic(&sub.topic_arn)?.archive_days().is_none() {
            return Err(SnsError::invalid_parameter(
                "ReplayPolicy Reason: the topic has no ArchivePolicy: only archiving FIFO topics replay",
            ));
        }
        if sub.protocol != "sqs" {
            return Err(SnsError::invalid_parameter("ReplayPolicy Reason: only Amazon SQS subscriptions can replay"));
        }
        Ok(())
    }

    /// When a topic's archive begins: its oldest archived message.
    pub(crate) fn archive_begins(&self, topic_arn: &str) -> Option<i64> {
        self.inner.archive_oldest.lock().get(topic_arn).copied()
    }

    /// Notes archived messages (after their commit).
    pub(crate) fn archived(&self, topic_arn: &str, published_ms: i64) {
        self.inner.archive_oldest.lock().entry(topic_arn.to_string()).or_insert(published_ms);
    }

    /// Replays a subscription's ReplayPolicy window from its topic's archive, and marks it
    /// `Completed`. Callers refuse what cannot replay first ([`check_replay`](Self::check_replay)).
    ///
    /// Errors: `NotFound` for a topic gone since; store failures.
    pub(crate) async fn replay(&self, sub: &Subscription, host: &str) -> SnsResult<()> {
        let Some(policy) = sub.attributes.get("ReplayPolicy").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        // The policy was checked when set, and the subscription by check_replay.
        let (start, end) = replay_window(policy)?;
        let topic = self.topic(&sub.topic_arn)?;
        let end = end.unwrap_or(i64::MAX);
        let arn = topic.arn.clone();
        let rows = self.store().read(move |c| persist::load_archive(c, &arn, start, end)).await?;
        let entries: Vec<Published> = rows.iter().filter_map(|b| from_json(b)).collect();
        let target = std::sync::Arc::new(crate::publish::Target {
            filter: sub.filter(),
            scope: sub.scope(),
            raw: sub.raw(),
            counts: self.sub_counts(&sub.arn),
            sub: sub.clone(),
        });
        let urls = self.urls(host);
        self.fan_out(&topic, &entries, &[target], &urls, self.now_ms(), None).await?;
        self.update_subscription(&sub.arn, |s| {
            s.attributes.insert("ReplayStatus".into(), "Completed".into());
            Ok(())
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked() {
        assert_eq!(retention_days(r#"{"MessageRetentionPeriod": "30"}"#), Ok(30));
        assert_eq!(retention_days(r#"{"MessageRetentionPeriod": 7}"#), Ok(7));
        assert!(retention_days(r#"{"MessageRetentionPeriod": "366"}"#).is_err());
        assert!(retention_days("{}").is_err());
        let (s, e) = replay_window(r#"{"PointType":"Timestamp","StartingPoint":"2026-01-01T00:00:00.000Z"}"#).unwrap();
        assert_eq!((s, e), (1_767_225_600_000, None));
        assert!(replay_window(r#"{"PointType":"Sequence","StartingPoint":"2026-01-01T00:00:00Z"}"#).is_err());
        assert!(replay_window(
            r#"{"PointType":"Timestamp","StartingPoint":"2026-01-02T00:00:00Z","EndingPoint":"2026-01-01T00:00:00Z"}"#
        )
        .is_err());
    }

    #[test]
    fn archived_messages_read_back() {
        let mut attributes = Attributes::new();
        attributes.insert(
            "b".into(),
            AttributeValue { data_type: "Binary".into(), string_value: None, binary_value: Some(vec![0, 1]) },
        );
        let mut p = Published::text("hello".into(), 42);
        p.attributes = attributes;
        p.group_id = Some("g".into());
        p.sequence_number = Some("10000000000000000001".into());
        let back = from_json(&to_json(&p)).unwrap();
        assert_eq!((back.message_id, back.message), (p.message_id, p.message));
        assert_eq!(back.attributes, p.attributes);
        assert_eq!((back.group_id, back.sequence_number, back.timestamp_ms), (p.group_id, p.sequence_number, 42));
        assert!(back.replayed);
    }
}
