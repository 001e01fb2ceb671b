//! Bridges (a broker tagged `quayside:bridge=true`): its queues are SQS queues of the same
//! name in the broker's account and region, and its topics publish into the SNS topics of
//! the same name. Both go through the services' typed doors.
//!
//! - A message sent to `/queue/NAME` goes into the SQS queue NAME (made if absent) and nowhere
//!   else: SQS holds it, so a STOMP consumer and a ReceiveMessage caller share one queue. Its
//!   user headers become String message attributes (SQS's rules and limit of 10 apply; a
//!   message SQS refuses is refused to the producer in SQS's words).
//! - A broker consumer of a bridged queue is fed by a long-polling receiver that takes no more
//!   than the consumer has room for; its ACK deletes the SQS message by its receipt handle, a
//!   NACK or a consumer that goes makes the message visible again (SQS's redrive policy, not
//!   ActiveMQ's DLQ, decides what happens after too many receives).
//! - A message published to `/topic/NAME` (or MQTT topic NAME) also goes to the SNS topic NAME
//!   when it exists, with its headers as message attributes, and so to its subscribers with
//!   their filter policies; broker subscribers get it as before.

use super::message::{Destination, Message};
use super::state::{ConsumerId, Delivery};
use super::Outgoing;
use bytes::Bytes;
use parking_lot::Mutex;
use sqs::door::{DoorError, QueueAt, QueueSettings, ReceiveOptions};
use sqs::enqueue::AttributeValue as SqsAttribute;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Notify};

/// The tag that turns a broker's bridges on.
pub const TAG: &str = "quayside:bridge";

/// The services the bridges reach.
pub struct Bridges {
    pub sqs: Option<sqs::Sqs>,
    pub sns: Option<sns::Sns>,
}

/// A bridged queue consumer's state: what it holds, by tag, and how to stop its receiver.
struct Held {
    queue: QueueAt,
    /// Client mode: an ACK acknowledges every earlier delivery too.
    cumulative: bool,
    /// Receipt handles by tag.
    handles: BTreeMap<u64, String>,
    room: usize,
    changed: Arc<Notify>,
    stop: watch::Sender<bool>,
}

/// The bridged consumers of one broker.
#[derive(Default)]
pub struct Consumers {
    held: Mutex<HashMap<ConsumerId, Held>>,
}

/// Why a bridged send failed.
pub fn refusal(queue: &str, e: DoorError) -> String {
    match e {
        DoorError::Refused(e) => format!("SQS queue {queue} refused the message: {}: {}", e.code(), e.message()),
        other => format!("SQS queue {queue} could not take the message: {other}"),
    }
}

impl Bridges {
    /// Sends a message into the SQS queue of a bridged queue destination.
    ///
    /// Errors: SQS refused it (its words).
    pub async fn send_to_queue(&self, account: &str, region: &str, name: &str, o: &Outgoing) -> Result<(), String> {
        let Some(sqs) = &self.sqs else { return Err("SQS is not running".into()) };
        let at = QueueAt::new(account, region, name);
        if let Err(e) = sqs.create_queue_at(&at, &QueueSettings::default()).await {
            return Err(refusal(name, e));
        }
        let body = String::from_utf8(o.body.to_vec())
            .map_err(|_| format!("SQS queue {name} refused the message: its body is not text"))?;
        let mut attributes = sqs::enqueue::Attributes::new();
        for (k, v) in &o.headers {
            attributes.insert(
                k.clone(),
                SqsAttribute { data_type: "String".into(), string_value: Some(v.clone()), binary_value: None },
            );
        }
        let out = sqs::door::Outgoing { body, attributes, sender_id: account.to_string(), ..Default::default() };
        sqs.send(&at, out).await.map(|_| ()).map_err(|e| refusal(name, e))
    }

    /// Publishes a topic message into the SNS topic of the same name, if there is one.
    ///
    /// Errors: SNS refused it (its words).
    pub async fn publish_to_topic(&self, account: &str, region: &str, m: &Outgoing) -> Result<(), String> {
        let (Some(sns), Destination::Topic(name)) = (&self.sns, &m.destination) else { return Ok(()) };
        let arn = format!("arn:aws:sns:{region}:{account}:{name}");
        if !sns.topic_exists(&arn) {
            return Ok(());
        }
        let mut attributes = sns::door::Attributes::new();
        for (k, v) in &m.headers {
            attributes.insert(
                k.clone(),
                sns::door::AttributeValue {
                    data_type: "String".into(),
                    string_value: Some(v.clone()),
                    binary_value: None,
                },
            );
        }
        let message = String::from_utf8_lossy(&m.body).to_string();
        let p = sns::door::Publication { message, attributes, ..Default::default() };
        sns.publish_at(&arn, p).await.map(|_| ()).map_err(|e| format!("SNS topic {name} refused the message: {e}"))
    }
}

impl Consumers {
    /// Starts the receiver of a bridged queue consumer: it long-polls SQS for as many messages
    /// as the consumer has room for and hands them to `tx`.
    pub fn start(
        self: &Arc<Self>,
        sqs: sqs::Sqs,
        queue: QueueAt,
        consumer: ConsumerId,
        prefetch: usize,
        cumulative: bool,
        tx: mpsc::UnboundedSender<Delivery>,
    ) {
        let (stop, mut stopped) = watch::channel(false);
        let changed = Arc::new(Notify::new());
        let held = Held {
            queue: queue.clone(),
            cumulative,
            handles: BTreeMap::new(),
            room: prefetch,
            changed: changed.clone(),
            stop,
        };
        self.held.lock().insert(consumer, held);
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            // The queue is the SQS queue of the same name: made if absent.
            let _ = sqs.create_queue_at(&queue, &QueueSettings::default()).await;
            let mut next_tag = 0u64;
            loop {
                let Some(this) = me.upgrade() else { return };
                let room = this.held.lock().get(&consumer).map(|h| h.room);
                drop(this);
                let room = match room {
                    None => return,
                    Some(0) => {
                        tokio::select! {
                            _ = changed.notified() => continue,
                            _ = stopped.changed() => return,
                        }
                    }
                    Some(r) => r.min(10) as u32,
                };
                let options = ReceiveOptions { max: room, wait_seconds: Some(20), visibility_timeout_seconds: None };
                let got = tokio::select! {
                    r = sqs.receive_at(&queue, options) => r,
                    _ = stopped.changed() => return,
                };
                let got = match got {
                    Ok(g) => g,
                    Err(_) => {
                        // The queue went (or the store failed): try again shortly.
                        tokio::select! {
                            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                            _ = stopped.changed() => return,
                        }
                    }
                };
                let Some(this) = me.upgrade() else { return };
                for d in got {
                    next_tag += 1;
                    {
                        let mut held = this.held.lock();
                        let Some(h) = held.get_mut(&consumer) else {
                            // Gone meanwhile: the message becomes visible again.
                            let (sqs, queue) = (sqs.clone(), queue.clone());
                            tokio::spawn(async move { sqs.change_visibility_at(&queue, &d.receipt_handle, 0).await });
                            continue;
                        };
                        h.handles.insert(next_tag, d.receipt_handle.clone());
                        h.room = h.room.saturating_sub(1);
                    }
                    let message = Arc::new(message_of(&queue.name, d));
                    let _ = tx.send(Delivery { consumer, tag: next_tag, message });
                }
            }
        });
    }

    /// Whether a consumer is a bridged one.
    pub fn has(&self, consumer: ConsumerId) -> bool {
        self.held.lock().contains_key(&consumer)
    }

    /// Acknowledges `tag` (and, in client mode, every earlier one): deleted from SQS.
    pub fn ack(&self, sqs: &sqs::Sqs, consumer: ConsumerId, tag: u64) -> bool {
        let mut held = self.held.lock();
        let Some(h) = held.get_mut(&consumer) else { return false };
        if !h.handles.contains_key(&tag) {
            return false;
        }
        let tags: Vec<u64> = if h.cumulative { h.handles.range(..=tag).map(|(t, _)| *t).collect() } else { vec![tag] };
        for t in tags {
            if let Some(handle) = h.handles.remove(&t) {
                h.room += 1;
                let (sqs, queue) = (sqs.clone(), h.queue.clone());
                tokio::spawn(async move { sqs.delete_message_at(&queue, &handle).await });
            }
        }
        h.changed.notify_one();
        true
    }

    /// A NACK: the message becomes visible again at once.
    pub fn nack(&self, sqs: &sqs::Sqs, consumer: ConsumerId, tag: u64) -> bool {
        let mut held = self.held.lock();
        let Some(h) = held.get_mut(&consumer) else { return false };
        let Some(handle) = h.handles.remove(&tag) else { return false };
        h.room += 1;
        h.changed.notify_one();
        let (sqs, queue) = (sqs.clone(), h.queue.clone());
        tokio::spawn(async move { sqs.change_visibility_at(&queue, &handle, 0).await });
        true
    }

    /// The consumer goes: its receiver stops and what it held becomes visible again.
    pub fn stop(&self, sqs: &sqs::Sqs, consumer: ConsumerId) {
        let Some(h) = self.held.lock().remove(&consumer) else { return };
        let _ = h.stop.send(true);
        for (_, handle) in h.handles {
            let (sqs, queue) = (sqs.clone(), h.queue.clone());
            tokio::spawn(async move { sqs.change_visibility_at(&queue, &handle, 0).await });
        }
    }
}

/// An SQS message as the broker delivers it: its attributes as headers, persistent.
fn message_of(queue: &str, d: sqs::door::Delivery) -> Message {
    let headers = d.attributes.iter().filter_map(|(k, v)| v.string_value.clone().map(|s| (k.clone(), s))).collect();
    Message {
        seq: 0,
        id: d.message_id,
        destination: Destination::Queue(queue.to_string()),
        headers,
        body: Bytes::from(d.body),
        persistent: true,
        priority: 4,
        timestamp: d.sent_ms,
        expires: 0,
        redeliveries: d.receive_count.saturating_sub(1),
        binary: false,
        qos: 1,
        retained: false,
        original: None,
    }
}
