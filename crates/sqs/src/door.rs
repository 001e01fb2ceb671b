//! The typed door into SQS for other crates (Kinesis stream queues, mq-lite's bridges): plain
//! calls with typed arguments, results and errors, never the wire dispatch with JSON. Each
//! call runs SQS's own checks and engine, so a queue made or fed through the door is exactly
//! one a client could have made or fed.
//!
//! Sending lives in [`crate::enqueue`] (inside a caller's store job, or [`Sqs::send`] here for
//! one message on its own).

use crate::enqueue::{Attributes, EnqueueRequest};
use crate::error::SqsError;
use crate::ops::{create_queue, set_queue_attributes};
use crate::queue::QueueKey;
use crate::{message, Queue, Sqs};
use std::sync::Arc;

/// Where a queue is: its account, region and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueueAt {
    pub account: String,
    pub region: String,
    pub name: String,
}

impl QueueAt {
    pub fn new(account: &str, region: &str, name: &str) -> QueueAt {
        QueueAt { account: account.into(), region: region.into(), name: name.into() }
    }

    /// `arn:aws:sqs:<region>:<account>:<name>`.
    pub fn arn(&self) -> String {
        self.key().arn()
    }

    fn key(&self) -> QueueKey {
        QueueKey { account: self.account.clone(), region: self.region.clone(), name: self.name.clone() }
    }
}

/// Moving a queue's received-too-often messages to a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive {
    pub dead_letter_arn: String,
    pub max_receive_count: u32,
}

/// The settings of a queue that other services choose; `None` keeps SQS's default (on
/// creation) or the current value (on update).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSettings {
    pub fifo: bool,
    pub visibility_timeout_seconds: Option<u32>,
    pub retention_seconds: Option<u32>,
    pub delay_seconds: Option<u32>,
    /// `Some(None)` removes a redrive policy.
    pub redrive: Option<Option<Redrive>>,
}

impl QueueSettings {
    /// As SQS attributes, for SQS's own parsing and checks.
    fn attributes(&self, creating: bool) -> Vec<(String, String)> {
        let mut a = Vec::new();
        if self.fifo && creating {
            a.push(("FifoQueue".to_string(), "true".to_string()));
        }
        let mut num = |name: &str, v: Option<u32>| {
            if let Some(v) = v {
                a.push((name.to_string(), v.to_string()));
            }
        };
        num("VisibilityTimeout", self.visibility_timeout_seconds);
        num("MessageRetentionPeriod", self.retention_seconds);
        num("DelaySeconds", self.delay_seconds);
        match &self.redrive {
            Some(Some(r)) => a.push((
                "RedrivePolicy".to_string(),
                serde_json::json!({"deadLetterTargetArn": r.dead_letter_arn, "maxReceiveCount": r.max_receive_count})
                    .to_string(),
            )),
            Some(None) => a.push(("RedrivePolicy".to_string(), String::new())),
            None => {}
        }
        a
    }
}

/// One message to put into a queue.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub body: String,
    pub attributes: Attributes,
    pub delay_seconds: Option<u32>,
    /// FIFO queues: both required unless content-based de-duplication is on.
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    /// Shown as SenderId.
    pub sender_id: String,
}

/// What a stored message is, as a receiver gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub attributes: Attributes,
    pub group_id: Option<String>,
    pub sent_ms: i64,
    pub first_receive_ms: Option<i64>,
    /// 1 on the first receive.
    pub receive_count: u32,
}

/// What one receive asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveOptions {
    /// 1 to 10.
    pub max: u32,
    /// 0 to 20 seconds of long polling; `None`: the queue's ReceiveMessageWaitTimeSeconds.
    pub wait_seconds: Option<u32>,
    /// `None`: the queue's visibility timeout.
    pub visibility_timeout_seconds: Option<u32>,
}

/// Why a door call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorError {
    /// No queue at that place.
    NoSuchQueue,
    /// The receipt handle is not one of this queue's, or its message was deleted or is no
    /// longer in flight.
    StaleHandle,
    /// SQS refused the request as it would refuse a client's (a bad attribute, a body too
    /// large, a queue that exists with other settings): its own error.
    Refused(SqsError),
    /// SQS could not do it (the store failed).
    Unavailable(String),
}

impl std::fmt::Display for DoorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DoorError::NoSuchQueue => f.write_str("the queue does not exist"),
            DoorError::StaleHandle => f.write_str("the receipt handle is no longer valid"),
            DoorError::Refused(e) => write!(f, "{}: {}", e.code(), e.message()),
            DoorError::Unavailable(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DoorError {}

impl From<SqsError> for DoorError {
    fn from(e: SqsError) -> DoorError {
        match e {
            SqsError::Internal(m) => DoorError::Unavailable(m),
            e if e.is_queue_does_not_exist() => DoorError::NoSuchQueue,
            e => DoorError::Refused(e),
        }
    }
}

/// An error of a call on a receipt handle: anything but a missing queue or a failed store is
/// the handle's fault.
fn handle_error(e: SqsError) -> DoorError {
    match DoorError::from(e) {
        DoorError::Refused(_) => DoorError::StaleHandle,
        other => other,
    }
}

pub type DoorResult<T> = Result<T, DoorError>;

impl Sqs {
    fn door_queue(&self, at: &QueueAt) -> DoorResult<Arc<Queue>> {
        self.queue_by_key(&at.key()).ok_or(DoorError::NoSuchQueue)
    }

    /// Creates the queue, or finds it if it exists with the same settings (CreateQueue's
    /// idempotence).
    ///
    /// Errors: `Refused` (bad settings; the queue exists with others).
    pub async fn create_queue_at(&self, at: &QueueAt, settings: &QueueSettings) -> DoorResult<Arc<Queue>> {
        Ok(create_queue::create(self, at.key(), settings.attributes(true), Vec::new()).await?)
    }

    /// Changes the queue's settings (the ones given).
    ///
    /// Errors: `NoSuchQueue`, `Refused`.
    pub async fn update_queue_at(&self, at: &QueueAt, settings: &QueueSettings) -> DoorResult<()> {
        let q = self.door_queue(at)?;
        Ok(set_queue_attributes::set(self, &q, settings.attributes(false)).await?)
    }

    /// Deletes the queue (its messages go with it, in bounded steps).
    ///
    /// Errors: `NoSuchQueue`, `Unavailable`.
    pub async fn delete_queue_at(&self, at: &QueueAt) -> DoorResult<()> {
        let q = self.door_queue(at)?;
        Ok(self.delete_queue(&q).await?)
    }

    /// Puts one message into the queue; it is stored when this returns.
    ///
    /// Errors: `NoSuchQueue`; `Refused` as SendMessage would refuse it.
    pub async fn send(&self, at: &QueueAt, m: Outgoing) -> DoorResult<crate::enqueue::EnqueueResult> {
        let q = self.door_queue(at)?;
        // SendMessage's own checks of the attributes (count, names, types, values).
        let attributes = message::parse_attributes(Some(&message::attributes_to_json(&m.attributes)), false)?;
        let request = EnqueueRequest {
            body: m.body.into(),
            attributes,
            trace_header: None,
            delay_seconds: m.delay_seconds.map(i64::from),
            group_id: m.group_id,
            dedup_id: m.dedup_id,
            sender_id: m.sender_id,
        };
        let mut r = self.send_many(&q, vec![Ok(request)]).await?;
        Ok(r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into())))?)
    }

    /// Receives up to `max` messages, long polling as asked; each is in flight for the
    /// visibility timeout and its receive counts toward the queue's redrive.
    ///
    /// Errors: `NoSuchQueue`; `Refused` for options out of SQS's ranges.
    pub async fn receive_at(&self, at: &QueueAt, options: ReceiveOptions) -> DoorResult<Vec<Delivery>> {
        let q = self.door_queue(at)?;
        crate::ops::receive_message::check_options(
            i64::from(options.max),
            options.wait_seconds.map(i64::from),
            options.visibility_timeout_seconds.map(i64::from),
        )?;
        let req = crate::engine::ReceiveRequest {
            max: options.max as usize,
            visibility_timeout: options.visibility_timeout_seconds.map(i64::from),
            wait_seconds: options.wait_seconds.map(i64::from),
            attempt_id: None,
        };
        let received = self.receive(&q, &req).await?;
        Ok(received
            .into_iter()
            .map(|r| {
                let s = r.stored;
                let attributes = s
                    .attributes
                    .as_deref()
                    .and_then(|a| serde_json::from_str(a).ok())
                    .map(|v| message::attributes_from_stored(&v))
                    .unwrap_or_default();
                Delivery {
                    message_id: s.message_id,
                    receipt_handle: r.receipt_handle,
                    body: s.body,
                    attributes,
                    group_id: s.group_id,
                    sent_ms: s.sent_ms,
                    first_receive_ms: s.first_receive_ms,
                    receive_count: r.receive_count,
                }
            })
            .collect())
    }

    /// Deletes a received message.
    ///
    /// Errors: `NoSuchQueue`, `StaleHandle`, `Unavailable`.
    pub async fn delete_message_at(&self, at: &QueueAt, receipt_handle: &str) -> DoorResult<()> {
        let q = self.door_queue(at)?;
        let mut r = self.delete_many(&q, &[receipt_handle]).await?;
        r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into()))).map_err(handle_error)
    }

    /// Changes how long a received message stays in flight, from now.
    ///
    /// Errors: `NoSuchQueue`, `StaleHandle`, `Refused` (a timeout over 12 hours), `Unavailable`.
    pub async fn change_visibility_at(&self, at: &QueueAt, receipt_handle: &str, seconds: u32) -> DoorResult<()> {
        let q = self.door_queue(at)?;
        // The engine checks this range too, but its error would read as a stale handle here.
        if i64::from(seconds) > crate::limits::MAX_VISIBILITY_TIMEOUT {
            return Err(DoorError::Refused(SqsError::invalid_value(
                seconds,
                "VisibilityTimeout",
                "Must be >= 0 and <= 43200, if provided.",
            )));
        }
        let mut r = self.change_visibility_many(&q, &[(receipt_handle, i64::from(seconds))]).await?;
        r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into()))).map_err(handle_error)
    }
}
