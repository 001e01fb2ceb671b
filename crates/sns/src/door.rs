//! The typed door into SNS for other crates (mq-lite's bridges): plain calls with typed
//! arguments, results and errors, never the wire dispatch with JSON. A publication through the
//! door passes Publish's own checks and fans out exactly as a client's would.

use crate::error::SnsError;
use crate::ops::publish;
use crate::topic::{self, Topic};
use crate::Sns;
use base64::Engine;
use serde_json::{json, Map, Value};

pub use sqs::enqueue::{AttributeValue, Attributes};

/// One message to publish to a topic.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    pub message: String,
    pub subject: Option<String>,
    pub attributes: Attributes,
    /// FIFO topics: required.
    pub group_id: Option<String>,
    /// FIFO topics: required unless content-based de-duplication is on.
    pub dedup_id: Option<String>,
}

/// What a publication was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub message_id: String,
    /// FIFO topics.
    pub sequence_number: Option<String>,
}

/// Why a door call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorError {
    NoSuchTopic,
    /// SNS refused it as it would refuse a client's request: its own error.
    Refused(SnsError),
    /// SNS could not do it (the store failed).
    Unavailable(String),
}

impl std::fmt::Display for DoorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DoorError::NoSuchTopic => f.write_str("the topic does not exist"),
            DoorError::Refused(e) => write!(f, "{}: {}", e.code(), e.message()),
            DoorError::Unavailable(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DoorError {}

impl From<SnsError> for DoorError {
    fn from(e: SnsError) -> DoorError {
        match e {
            SnsError::Internal(m) => DoorError::Unavailable(m),
            SnsError::Modeled { shape: "NotFoundException", .. } => DoorError::NoSuchTopic,
            e => DoorError::Refused(e),
        }
    }
}

pub type DoorResult<T> = Result<T, DoorError>;

/// The attributes in Publish's input shape, so that they pass Publish's own checks.
fn attributes_input(attributes: &Attributes) -> Value {
    let mut m = Map::new();
    for (name, a) in attributes {
        let mut v = json!({"DataType": a.data_type});
        if let Some(s) = &a.string_value {
            v["StringValue"] = s.clone().into();
        }
        if let Some(b) = &a.binary_value {
            v["BinaryValue"] = base64::engine::general_purpose::STANDARD.encode(b).into();
        }
        m.insert(name.clone(), v);
    }
    Value::Object(m)
}

impl Sns {
    /// Whether the topic exists.
    pub fn topic_exists(&self, topic_arn: &str) -> bool {
        self.inner.topics.read().contains_key(topic_arn)
    }

    /// Creates the topic `name` in the account and region, or finds it; returns its ARN.
    ///
    /// Errors: `Refused` (a bad name; it exists as the other kind of topic).
    pub async fn create_topic_at(&self, account: &str, region: &str, name: &str, fifo: bool) -> DoorResult<String> {
        if !topic::valid_name(name, fifo) {
            return Err(DoorError::Refused(SnsError::invalid_parameter("Topic Name")));
        }
        let t = Topic::new(region, account, name, fifo);
        let arn = self
            .create_topic(t, |existing| {
                if existing.fifo == fifo {
                    Ok(())
                } else {
                    Err(SnsError::invalid_parameter(
                        "Attributes Reason: Topic already exists with different attributes",
                    ))
                }
            })
            .await?;
        Ok(arn)
    }

    /// Publishes one message to a topic: filtered and fanned out as Publish does; every
    /// subscribed queue holds it when this returns.
    ///
    /// Errors: `NoSuchTopic`; `Refused` as Publish would refuse it.
    pub async fn publish_at(&self, topic_arn: &str, p: Publication) -> DoorResult<Published> {
        let topic = self.topic(topic_arn)?;
        let mut input = json!({"Message": p.message, "MessageAttributes": attributes_input(&p.attributes)});
        for (name, v) in
            [("Subject", p.subject), ("MessageGroupId", p.group_id), ("MessageDeduplicationId", p.dedup_id)]
        {
            if let Some(v) = v {
                input[name] = v.into();
            }
        }
        let entry = publish::entry(self, Some(&topic), &input, "messageAttributes")?;
        let r = self.publish_to_topic(&topic, vec![entry], "localhost").await?;
        let r = r.into_iter().next().ok_or_else(|| SnsError::Internal("no result".into()))?;
        Ok(Published { message_id: r.message_id, sequence_number: r.sequence_number })
    }
}
