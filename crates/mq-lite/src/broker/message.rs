//! A message inside the broker, whatever protocol brought it: its destination, ActiveMQ's
//! standard properties, the user's headers and the body.

use bytes::Bytes;

/// Where a message goes: a queue (one consumer each) or a topic (every subscriber).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Destination {
    Queue(String),
    Topic(String),
}

/// The dead-letter queue ActiveMQ's default policy moves messages to.
pub const DLQ: &str = "ActiveMQ.DLQ";

impl Destination {
    /// A STOMP destination (`/queue/a`, `/topic/b`; temporary ones are queues and topics of
    /// their own name).
    ///
    /// Errors: ActiveMQ's text for any other name.
    pub fn from_stomp(name: &str) -> Result<Destination, String> {
        let d = if let Some(n) = name.strip_prefix("/queue/") {
            Destination::Queue(n.to_string())
        } else if let Some(n) = name.strip_prefix("/topic/") {
            Destination::Topic(n.to_string())
        } else if let Some(n) = name.strip_prefix("/temp-queue/") {
            Destination::Queue(format!("temp-queue://{n}"))
        } else if let Some(n) = name.strip_prefix("/temp-topic/") {
            Destination::Topic(format!("temp-topic://{n}"))
        } else {
            return Err(format!(
                "Illegal destination name: [{name}] -- ActiveMQ STOMP destinations must begin with one of: /queue/ /topic/ /temp-queue/ /temp-topic/"
            ));
        };
        match &d {
            Destination::Queue(n) | Destination::Topic(n) if n.is_empty() || n.len() > 1024 => {
                Err(format!("Invalid destination name: [{name}]"))
            }
            _ => Ok(d),
        }
    }

    /// As STOMP writes it.
    pub fn to_stomp(&self) -> String {
        match self {
            Destination::Queue(n) => match n.strip_prefix("temp-queue://") {
                Some(t) => format!("/temp-queue/{t}"),
                None => format!("/queue/{n}"),
            },
            Destination::Topic(n) => match n.strip_prefix("temp-topic://") {
                Some(t) => format!("/temp-topic/{t}"),
                None => format!("/topic/{n}"),
            },
        }
    }

    /// The stored form (`queue://a`, `topic://b`), ActiveMQ's own.
    pub fn key(&self) -> String {
        match self {
            Destination::Queue(n) => format!("queue://{n}"),
            Destination::Topic(n) => format!("topic://{n}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Destination> {
        if let Some(n) = key.strip_prefix("queue://") {
            Some(Destination::Queue(n.to_string()))
        } else {
            key.strip_prefix("topic://").map(|n| Destination::Topic(n.to_string()))
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Destination::Queue(n) | Destination::Topic(n) => n,
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The store's number: the order of arrival.
    pub seq: i64,
    /// `ID:<host>-<...>:<n>`, as ActiveMQ writes message ids.
    pub id: String,
    pub destination: Destination,
    /// The user's headers (STOMP headers, MQTT has none), in the order given.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub persistent: bool,
    /// 0-9, 4 by default.
    pub priority: u8,
    /// Milliseconds since the epoch, when the broker took it.
    pub timestamp: i64,
    /// Milliseconds since the epoch; 0: never.
    pub expires: i64,
    /// Times it was delivered and came back unacknowledged.
    pub redeliveries: u32,
    /// Sent with a content-length (a bytes message, to ActiveMQ): delivered with one.
    pub binary: bool,
    /// MQTT's QoS it was published with (0 for STOMP's).
    pub qos: u8,
    /// MQTT's retain flag as delivered (only to a new subscription's first copy).
    pub retained: bool,
    /// Where it was before it moved to the DLQ.
    pub original: Option<Destination>,
}

impl Message {
    /// A header's value, standard properties included (for selectors).
    pub fn property(&self, name: &str) -> Option<PropertyValue> {
        Some(match name {
            "JMSMessageID" => PropertyValue::Text(self.id.clone()),
            "JMSPriority" => PropertyValue::Number(f64::from(self.priority)),
            "JMSTimestamp" => PropertyValue::Number(self.timestamp as f64),
            "JMSExpiration" => PropertyValue::Number(self.expires as f64),
            "JMSDeliveryMode" => {
                PropertyValue::Text(if self.persistent { "PERSISTENT" } else { "NON_PERSISTENT" }.into())
            }
            "JMSRedelivered" => PropertyValue::Bool(self.redeliveries > 0),
            "JMSXDeliveryCount" => PropertyValue::Number(f64::from(self.redeliveries + 1)),
            "JMSType" => return self.header("type").map(|v| PropertyValue::Text(v.to_string())),
            "JMSCorrelationID" => return self.header("correlation-id").map(|v| PropertyValue::Text(v.to_string())),
            _ => return self.header(name).map(|v| PropertyValue::Text(v.to_string())),
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn expired(&self, now_ms: i64) -> bool {
        self.expires > 0 && self.expires <= now_ms
    }

    /// The memory it holds, for the broker's memory limit.
    pub fn size(&self) -> usize {
        self.body.len() + self.headers.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + 128
    }
}

/// A property's value as selectors see it (STOMP headers are strings, as in ActiveMQ).
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    Text(String),
    Number(f64),
    Bool(bool),
}
