//! What a stream queue and a channel share: a named resource reading one stream, with a
//! generated id, a state (CREATING, ACTIVE, UPDATING, DELETING, and FAILED for channels) and
//! tags; stored as JSON.

use crate::stream::Stream;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// Generated: 32 lower-case hex digits.
    pub id: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub stream: String,
    pub stream_id: i64,
    pub stream_created_ms: u64,
    pub created_ms: u64,
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

impl Attachment {
    /// A new one on stream `s`, ACTIVE unless `transient` (then CREATING).
    pub fn new(name: &str, s: &Stream, now_ms: u64, transient: bool, tags: BTreeMap<String, String>) -> Attachment {
        Attachment {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: name.to_string(),
            account: s.account.clone(),
            region: s.region.clone(),
            stream: s.name.clone(),
            stream_id: s.id,
            stream_created_ms: s.created_ms,
            created_ms: now_ms,
            status: if transient { "CREATING" } else { "ACTIVE" }.into(),
            tags,
        }
    }

    pub fn stream_arn(&self) -> String {
        format!("arn:aws:kinesis:{}:{}:stream/{}", self.region, self.account, self.stream)
    }

    /// `{"StreamARN", "StreamCreationTimestamp"}`, as summaries name the stream.
    pub fn stream_identifier(&self) -> Value {
        json!({"StreamARN": self.stream_arn(), "StreamCreationTimestamp": self.stream_created_ms as f64 / 1000.0})
    }

    /// Whether a StreamFilter list (empty: every stream) names its stream.
    pub fn matches(&self, filters: &[Value]) -> bool {
        filters.is_empty()
            || filters.iter().any(|f| {
                f["StreamARN"].as_str() == Some(self.stream_arn().as_str())
                    && f["StreamCreationTimestamp"]
                        .as_f64()
                        .is_none_or(|t| (t * 1000.0).round() as u64 == self.stream_created_ms)
            })
    }

    /// The stored form, with the owner's own members in `extra` (an object).
    pub fn to_json(&self, extra: Value) -> Value {
        let mut v = json!({
            "id": self.id, "name": self.name, "account": self.account, "region": self.region,
            "stream": self.stream, "stream_id": self.stream_id, "stream_created_ms": self.stream_created_ms,
            "created_ms": self.created_ms, "status": self.status, "tags": self.tags,
        });
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        v
    }

    pub fn from_json(v: &Value) -> Option<Attachment> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Some(Attachment {
            id: s("id")?,
            name: s("name")?,
            account: s("account")?,
            region: s("region")?,
            stream: s("stream")?,
            stream_id: v["stream_id"].as_i64()?,
            stream_created_ms: v["stream_created_ms"].as_u64().unwrap_or(0),
            created_ms: v["created_ms"].as_u64().unwrap_or(0),
            status: s("status").unwrap_or_else(|| "ACTIVE".into()),
            tags: serde_json::from_value(v["tags"].clone()).unwrap_or_default(),
        })
    }
}
