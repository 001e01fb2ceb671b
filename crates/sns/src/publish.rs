//! Publishing: FIFO de-duplication and numbering, the filter decision for each subscription,
//! and the fan-out, all in one store job. SQS subscriptions are written with the sqs crate's
//! enqueue API inside that job, so when Publish answers every matching queue holds the
//! message; HTTP/S deliveries are stored with their schedule and handed to the delivery worker
//! after the commit; the protocols Quayside does not send are recorded for the developer
//! endpoints.

use crate::archive::ArchivedRow;
use crate::error::SnsResult;
use crate::filter::{self, Scope};
use crate::limits::{DEDUP_WINDOW_MS, SNS_SENDER_ID};
use crate::message::{envelope_attributes, Attributes, PrettyObject, Published};
use crate::persist::{self, DedupRow, DeliveryRow};
use crate::subscription::Subscription;
use crate::topic::Topic;
use crate::Sns;
use serde_json::{json, Value};
use sqs::enqueue::{CopiesRequest, EnqueueApply, EnqueueRequest, EnqueueWrite};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A subscription as the fan-out sees it: confirmed, with its filter parsed once.
pub(crate) struct Target {
    pub sub: Subscription,
    pub filter: Option<filter::Policy>,
    pub scope: Scope,
    pub raw: bool,
    /// The subscription's traffic (`/_quayside/metrics`), kept across rebuilds of the list.
    pub counts: Arc<SubCounts>,
}

/// A subscription's traffic since the process started.
#[derive(Default)]
pub(crate) struct SubCounts {
    /// Messages that passed its filter policy and were handed to delivery.
    pub matched: AtomicU64,
    /// Messages its endpoint took: stored in its queue or recorded, or answered 2xx (HTTP/S).
    pub delivered: AtomicU64,
    /// Messages its queue refused, and HTTP/S attempts that failed.
    pub failed: AtomicU64,
    /// The last few messages that passed its filter policy (the console shows them).
    pub recent: parking_lot::Mutex<VecDeque<Arc<RecentMatch>>>,
}

/// Recent matches kept per subscription.
pub(crate) const RECENT_MATCHES: usize = 10;
/// Bytes of a recent match's message kept.
const RECENT_PREVIEW: usize = 200;

/// A message that passed a subscription's filter policy: enough to recognise it. Made once
/// per message and shared by every subscription it matched (a fan-out to ten queues made ten
/// copies of it: 20% of PublishBatch's throughput).
#[derive(Debug)]
pub(crate) struct RecentMatch {
    pub message_id: String,
    pub at_ms: i64,
    pub subject: Option<String>,
    /// The start of the Message as published.
    pub preview: String,
}

/// The first [`RECENT_PREVIEW`] bytes of `text`, cut at a character's start.
fn preview(text: &str) -> &str {
    let mut cut = text.len().min(RECENT_PREVIEW);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

impl RecentMatch {
    fn of(p: &Published, now_ms: i64) -> Arc<RecentMatch> {
        Arc::new(RecentMatch {
            message_id: p.message_id.clone(),
            at_ms: now_ms,
            subject: p.subject.clone(),
            preview: preview(&p.message).to_string(),
        })
    }
}

impl SubCounts {
    pub(crate) fn add(n: &AtomicU64, by: u64) {
        n.fetch_add(by, Ordering::Relaxed);
    }

    /// Counts a match and keeps it among the recent ones.
    fn matched(&self, m: &Arc<RecentMatch>) {
        Self::add(&self.matched, 1);
        let mut recent = self.recent.lock();
        if recent.len() == RECENT_MATCHES {
            recent.pop_front();
        }
        recent.push_back(m.clone());
    }
}

/// A copy's subscription: its dead-letter queue ARN and its counts.
type CopyFor = (Option<String>, Arc<SubCounts>);

/// One fan-out's deliveries to queues and records, per subscription: counted as delivered
/// once the fan-out is committed, less the ones a queue refused.
#[derive(Default)]
struct Tally(HashMap<usize, (Arc<SubCounts>, i64)>);

impl Tally {
    fn add(&mut self, c: &Arc<SubCounts>, by: i64) {
        self.0.entry(Arc::as_ptr(c) as usize).or_insert_with(|| (c.clone(), 0)).1 += by;
    }

    fn refused(&mut self, c: &Arc<SubCounts>) {
        SubCounts::add(&c.failed, 1);
        self.add(c, -1);
    }

    fn committed(self) {
        for (c, n) in self.0.into_values() {
            SubCounts::add(&c.delivered, n.max(0) as u64);
        }
    }
}

/// A FIFO topic's numbering and de-duplication window.
#[derive(Default)]
pub(crate) struct FifoState {
    pub next_seq: i64,
    pub dedup: HashMap<String, DedupRow>,
    pub order: VecDeque<(i64, String)>,
}

impl FifoState {
    /// Forgets the records past their window; returns how many went.
    fn expire(&mut self, now: i64) -> usize {
        let mut n = 0;
        while let Some((exp, _)) = self.order.front() {
            if *exp > now {
                break;
            }
            let (exp, key) = self.order.pop_front().unwrap_or_default();
            if self.dedup.get(&key).is_some_and(|d| d.expires_ms == exp) {
                self.dedup.remove(&key);
                n += 1;
            }
        }
        n
    }
}

/// The first FIFO sequence number, as AWS's look (20 digits).
const SEQ_BASE: u128 = 10_000_000_000_000_000_000;

/// What one published entry answers.
#[derive(Debug, Clone)]
pub(crate) struct PublishResult {
    pub message_id: String,
    pub sequence_number: Option<String>,
}

/// The URLs written into notifications.
pub(crate) struct Urls {
    /// `http://host[:port]` (or the `--sns-cert-host` base).
    pub base: String,
}

impl Urls {
    pub fn unsubscribe(&self, sub_arn: &str) -> String {
        format!("{}/?Action=Unsubscribe&SubscriptionArn={sub_arn}", self.base)
    }
    pub fn subscribe(&self, topic_arn: &str, token: &str) -> String {
        format!("{}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}", self.base)
    }
    pub fn cert(&self, file: &str) -> String {
        format!("{}/{file}", self.base)
    }
}

/// The message texts parsed as JSON for MessageBody policies, each parsed at most once per
/// message (MessageStructure=json gives protocols different texts).
#[derive(Default)]
struct ParsedBodies<'a> {
    parsed: Vec<(&'a str, Option<Value>)>,
}

impl<'a> ParsedBodies<'a> {
    fn get(&mut self, text: &'a str) -> Option<&Value> {
        let i = match self.parsed.iter().position(|(t, _)| std::ptr::eq(*t, text)) {
            Some(i) => i,
            None => {
                let v = serde_json::from_str::<Value>(text).ok().filter(Value::is_object);
                self.parsed.push((text, v));
                self.parsed.len() - 1
            }
        };
        self.parsed[i].1.as_ref()
    }
}

/// Whether a message passes a subscription's filter policy.
fn matches<'a>(target: &Target, p: &Published, text: &'a str, bodies: &mut ParsedBodies<'a>) -> bool {
    let Some(policy) = &target.filter else {
        return true;
    };
    let body = match target.scope {
        Scope::MessageBody => bodies.get(text),
        Scope::MessageAttributes => None,
    };
    policy.decide(target.scope, &p.attributes, body).is_ok()
}

/// Writes the notification envelope for one subscription.
fn envelope(
    sns: &Sns,
    topic: &Topic,
    p: &Published,
    text: &str,
    sub_arn: &str,
    urls: &Urls,
    sigs: &mut Vec<(String, String)>,
) -> String {
    let ts = aws_protocol::time::iso8601_ms(p.timestamp_ms);
    let mut o = PrettyObject::new();
    o.str("Type", "Notification").str("MessageId", &p.message_id);
    if let Some(seq) = &p.sequence_number {
        o.str("SequenceNumber", seq);
    }
    o.str("TopicArn", &topic.arn);
    if let Some(s) = &p.subject {
        o.str("Subject", s);
    }
    o.str("Message", text).str("Timestamp", &ts);
    // FIFO topics' notifications carry no signature (their SequenceNumber instead).
    if !topic.fifo {
        let version = topic.attributes.get("SignatureVersion").map(String::as_str).unwrap_or("1");
        if let Some(signer) = sns.signer() {
            let sig = match sigs.iter().find(|(t, _)| t == text) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = signer.sign(
                        version,
                        &crate::signing::notification_text(text, &p.message_id, p.subject.as_deref(), &ts, &topic.arn),
                    );
                    sigs.push((text.to_string(), s.clone()));
                    s
                }
            };
            o.str("SignatureVersion", version)
                .str("Signature", &sig)
                .str("SigningCertURL", &urls.cert(&signer.cert_file()));
        }
    }
    o.str("UnsubscribeURL", &urls.unsubscribe(sub_arn));
    if !p.attributes.is_empty() {
        o.field("MessageAttributes", &envelope_attributes(&p.attributes));
    }
    if p.replayed {
        o.field("Replayed", &serde_json::Value::Bool(true));
    }
    o.finish()
}

/// The record kept for a protocol Quayside does not send.
/// `sub` is the topic subscription it went to (`None` for a direct publish to a phone number).
pub(crate) fn record(
    sub: Option<&Subscription>,
    protocol: &str,
    endpoint: &str,
    p: &Published,
    message: &str,
) -> Value {
    json!({
        "TopicArn": sub.map(|s| &s.topic_arn),
        "SubscriptionArn": sub.map(|s| &s.arn),
        "Protocol": protocol,
        "Endpoint": endpoint,
        "MessageId": p.message_id,
        "Message": message,
        "Subject": p.subject,
        "MessageAttributes": envelope_attributes(&p.attributes),
        "MessageStructure": p.per_protocol.as_ref().map(|_| "json"),
        "MessageGroupId": p.group_id,
        "Timestamp": aws_protocol::time::iso8601_ms(p.timestamp_ms),
    })
}

/// A queue's share of a fan-out: its requests in publish order.
struct QueueShare {
    arn: String,
    requests: Vec<EnqueueRequest>,
    /// Each request's subscription's counts (none for dead-letter shares).
    counts: Vec<Arc<SubCounts>>,
    /// Requests that go to the subscription's dead-letter queue if this queue cannot take them.
    dlq: Vec<Option<String>>,
}

/// A delivery a queue refused: logged, and kept for the subscription's dead-letter queue if it
/// has one, exactly as the queue would have received it (recorded: AWS adds no ErrorCode,
/// ErrorMessage or RequestID attributes).
fn refused(dead: &mut Vec<QueueShare>, arn: &str, dlq: Option<String>, why: &str, req: EnqueueRequest) {
    tracing::info!("sns: delivery to {arn} failed: {why}");
    let Some(dlq_arn) = dlq else { return };
    match dead.iter_mut().find(|s| s.arn == dlq_arn) {
        Some(s) => s.requests.push(req),
        None => dead.push(QueueShare { arn: dlq_arn, requests: vec![req], counts: vec![], dlq: vec![] }),
    }
}

/// [`refused`], counted against the subscription.
fn refused_by(
    tally: &mut Tally,
    counts: &Arc<SubCounts>,
    dead: &mut Vec<QueueShare>,
    arn: &str,
    dlq: Option<String>,
    why: &str,
    req: EnqueueRequest,
) {
    tally.refused(counts);
    refused(dead, arn, dlq, why, req);
}

/// A raw delivery of a standard topic's message, as a queue would be sent it.
fn raw_request(p: &Published, text: &str) -> EnqueueRequest {
    EnqueueRequest {
        body: text.into(),
        attributes: p.attributes.clone(),
        group_id: p.group_id.clone(),
        sender_id: SNS_SENDER_ID.to_string(),
        trace_header: p.trace_header.clone(),
        ..Default::default()
    }
}

/// Each subscription's queue and dead-letter queue, looked up once per fan-out (by the
/// subscription's place among the topic's targets), not once per message.
struct QueueCache(Vec<Option<QueueAndDeadLetter>>);

/// A subscription's queue (None if it does not exist) and dead-letter queue ARN.
type QueueAndDeadLetter = (Option<Arc<sqs::Queue>>, Option<String>);

impl QueueCache {
    fn new(targets: usize) -> Self {
        QueueCache(vec![None; targets])
    }

    fn get(&mut self, sqs: &sqs::Sqs, place: usize, sub: &Subscription) -> QueueAndDeadLetter {
        self.0[place].get_or_insert_with(|| (sqs.queue_by_arn(&sub.endpoint), sub.dead_letter_arn())).clone()
    }
}

impl Sns {
    /// Publishes messages (already validated and given ids) to a topic: de-duplicates and
    /// numbers them on FIFO topics, filters, and fans out, committing everything in one store
    /// job. Returns one result per message; duplicates answer the original's ids.
    ///
    /// Errors: `NotFound` if the topic is gone; an internal error if the store fails.
    pub(crate) async fn publish_to_topic(
        &self,
        topic: &Topic,
        mut entries: Vec<Published>,
        host: &str,
    ) -> SnsResult<Vec<PublishResult>> {
        let urls = self.urls(host);
        let targets = self.targets(&topic.arn);
        let now = self.now_ms();
        let mut results = Vec::with_capacity(entries.len());
        let mut archived = None;
        let published;
        let archiving = topic.archive_days().is_some();
        let pending = if topic.fifo {
            // FIFO topics hold the lock from numbering to submission, so every queue sees the
            // topic's order.
            let mut guard = self.inner.fifo.lock();
            let state = guard.entry(topic.arn.clone()).or_default();
            state.expire(now);
            let by_group = topic.attributes.get("FifoThroughputScope").is_some_and(|s| s == "MessageGroup");
            let mut archive = Vec::new();
            let mut rows = Vec::new();
            let mut fresh = Vec::with_capacity(entries.len());
            for mut p in entries.drain(..) {
                let dedup = p.dedup_id.clone().unwrap_or_default();
                let key = if by_group { format!("{}\u{0}{dedup}", p.group_id.as_deref().unwrap_or("")) } else { dedup };
                if let Some(d) = state.dedup.get(&key) {
                    results.push(PublishResult {
                        message_id: d.message_id.clone(),
                        sequence_number: Some(d.sequence_number.clone()),
                    });
                    continue;
                }
                let seq = format!("{:020}", SEQ_BASE + state.next_seq as u128);
                p.sequence_number = Some(seq.clone());
                if archiving {
                    archive.push(ArchivedRow {
                        topic_arn: topic.arn.clone(),
                        seq: state.next_seq,
                        published_ms: p.timestamp_ms,
                        body: crate::archive::to_json(&p),
                    });
                }
                state.next_seq += 1;
                let row = DedupRow {
                    topic_arn: topic.arn.clone(),
                    key: key.clone(),
                    message_id: p.message_id.clone(),
                    sequence_number: seq.clone(),
                    expires_ms: now + DEDUP_WINDOW_MS,
                };
                state.order.push_back((row.expires_ms, key.clone()));
                state.dedup.insert(key, row.clone());
                rows.push(row);
                results.push(PublishResult { message_id: p.message_id.clone(), sequence_number: Some(seq) });
                fresh.push(p);
            }
            let next = state.next_seq;
            archived = archive.first().map(|a| a.published_ms);
            published = fresh.len();
            self.fan_out(topic, &fresh, &targets, &urls, now, Some((next, rows, archive)))
        } else {
            for p in &entries {
                results.push(PublishResult { message_id: p.message_id.clone(), sequence_number: None });
            }
            published = entries.len();
            self.fan_out(topic, &entries, &targets, &urls, now, None)
        };
        pending.await?;
        *self.inner.published.lock().entry(topic.arn.clone()).or_default() += published as u64;
        if let Some(ms) = archived {
            self.archived(&topic.arn, ms);
        }
        Ok(results)
    }

    /// Builds and submits the store job of a fan-out; the returned future resolves after the
    /// commit (and after the queues and the delivery worker have been told).
    pub(crate) fn fan_out(
        &self,
        topic: &Topic,
        entries: &[Published],
        targets: &[Arc<Target>],
        urls: &Urls,
        now: i64,
        fifo: Option<(i64, Vec<DedupRow>, Vec<ArchivedRow>)>,
    ) -> store::Pending<()> {
        let mut shares: Vec<QueueShare> = Vec::new();
        let mut deliveries: Vec<DeliveryRow> = Vec::new();
        let mut recorded: Vec<(String, String)> = Vec::new();
        let sqs = self.sqs();
        // Messages each queue refuses, for the subscriptions' dead-letter queues.
        let mut dead: Vec<QueueShare> = Vec::new();
        // Raw deliveries of a standard topic into standard queues: one stored row per message
        // for all its queues (SQS makes each queue's row when it first receives the copy).
        let mut copies: Vec<(CopiesRequest, Vec<Arc<sqs::Queue>>)> = Vec::new();
        // For each of those: the message, and each queue's subscription's dead-letter queue.
        let mut copies_of: Vec<(&Published, Vec<CopyFor>)> = Vec::new();
        let mut queues = QueueCache::new(targets.len());
        let mut tally = Tally::default();
        for p in entries {
            // What the subscriptions it matches keep among their recent matches (made once).
            let mut recent: Option<Arc<RecentMatch>> = None;
            let mut sigs = Vec::new();
            let mut bodies = ParsedBodies::default();
            // The raw text every raw SQS delivery of this message shares (stored once): FIFO
            // topics' (a standard topic's raw deliveries into standard queues are copies).
            let mut raw_body: Option<sqs::enqueue::Body> = None;
            let mut copy_to: Vec<(Arc<sqs::Queue>, CopyFor)> = Vec::new();
            for (place, t) in targets.iter().enumerate() {
                let sub = &t.sub;
                let text = p.text_for(&sub.protocol);
                if !matches(t, p, text, &mut bodies) {
                    continue;
                }
                let deliverable = match sub.protocol.as_str() {
                    "application" => self.endpoint_deliverable(&sub.endpoint),
                    "sms" => !self.is_opted_out(&topic.account, &sub.endpoint),
                    _ => true,
                };
                if deliverable {
                    t.counts.matched(recent.get_or_insert_with(|| RecentMatch::of(p, now)));
                    if !matches!(sub.protocol.as_str(), "http" | "https") {
                        tally.add(&t.counts, 1);
                    }
                }
                match sub.protocol.as_str() {
                    // Copies carry no trace header: a traced message takes the path below.
                    "sqs"
                        if t.raw
                            && !topic.fifo
                            && sqs.is_some()
                            && !sub.endpoint.ends_with(".fifo")
                            && p.trace_header.is_none() =>
                    {
                        let Some(sqs) = &sqs else { continue };
                        match queues.get(sqs, place, sub) {
                            (Some(q), dlq) => copy_to.push((q, (dlq, t.counts.clone()))),
                            (None, dlq) => refused_by(
                                &mut tally,
                                &t.counts,
                                &mut dead,
                                &sub.endpoint,
                                dlq,
                                "AWS.SimpleQueueService.NonExistentQueue",
                                raw_request(p, text),
                            ),
                        }
                    }
                    "sqs" => {
                        let (body, attributes) = match &sqs {
                            Some(sqs) if t.raw => {
                                let shared = raw_body.get_or_insert_with(|| sqs.share_body(text.to_string()));
                                (shared.clone(), p.attributes.clone())
                            }
                            _ if t.raw => (text.into(), p.attributes.clone()),
                            _ => (envelope(self, topic, p, text, &sub.arn, urls, &mut sigs).into(), Attributes::new()),
                        };
                        let to_fifo = sub.endpoint.ends_with(".fifo");
                        let req = EnqueueRequest {
                            body,
                            attributes,
                            group_id: if to_fifo || !topic.fifo { p.group_id.clone() } else { None },
                            dedup_id: if to_fifo { p.dedup_id.clone() } else { None },
                            sender_id: SNS_SENDER_ID.to_string(),
                            trace_header: p.trace_header.clone(),
                            ..Default::default()
                        };
                        let dlq = sub.dead_letter_arn();
                        match shares.iter_mut().find(|s| s.arn == sub.endpoint) {
                            Some(s) => {
                                s.requests.push(req);
                                s.counts.push(t.counts.clone());
                                s.dlq.push(dlq);
                            }
                            None => shares.push(QueueShare {
                                arn: sub.endpoint.clone(),
                                requests: vec![req],
                                counts: vec![t.counts.clone()],
                                dlq: vec![dlq],
                            }),
                        }
                    }
                    "http" | "https" => {
                        let body = if t.raw {
                            text.to_string()
                        } else {
                            envelope(self, topic, p, text, &sub.arn, urls, &mut sigs)
                        };
                        deliveries.push(DeliveryRow {
                            id: self.next_delivery_id(),
                            subscription_arn: sub.arn.clone(),
                            topic_arn: topic.arn.clone(),
                            endpoint: sub.endpoint.clone(),
                            message_type: "Notification".into(),
                            message_id: p.message_id.clone(),
                            body,
                            raw: t.raw,
                            attempt: 0,
                            next_ms: now,
                            created_ms: now,
                        });
                    }
                    protocol => {
                        // Disabled or deleted endpoints and opted-out numbers get nothing.
                        if !deliverable {
                            continue;
                        }
                        let text = match crate::mobile::endpoint_platform(&sub.endpoint) {
                            Some(platform) if protocol == "application" && p.per_protocol.is_some() => {
                                p.text_for(platform)
                            }
                            _ => text,
                        };
                        let message = match protocol {
                            "email-json" | "lambda" | "firehose" if !t.raw => {
                                envelope(self, topic, p, text, &sub.arn, urls, &mut sigs)
                            }
                            _ => text.to_string(),
                        };
                        recorded.push((
                            protocol.to_string(),
                            record(Some(sub), protocol, &sub.endpoint, p, &message).to_string(),
                        ));
                    }
                }
            }
            if !copy_to.is_empty() {
                let request = CopiesRequest {
                    body: p.text_for("sqs").to_string(),
                    attributes: p.attributes.clone(),
                    group_id: p.group_id.clone(),
                    sender_id: SNS_SENDER_ID.to_string(),
                };
                let (targets, dlqs) = copy_to.into_iter().unzip();
                copies.push((request, targets));
                copies_of.push((p, dlqs));
            }
        }
        // Every message's copies at once: each queue's lock is taken once for the whole call.
        let copies = match (&sqs, copies.is_empty()) {
            (Some(sqs), false) => {
                let queues: Vec<Vec<Arc<sqs::Queue>>> = copies.iter().map(|(_, q)| q.clone()).collect();
                let (results, write, apply) = sqs.prepare_copies(copies);
                for (((p, dlqs), targets), results) in copies_of.into_iter().zip(queues).zip(results) {
                    for ((q, (dlq, counts)), r) in targets.iter().zip(dlqs).zip(results) {
                        if let Err(e) = r {
                            let req = raw_request(p, p.text_for("sqs"));
                            refused_by(&mut tally, &counts, &mut dead, &q.arn, dlq, &e.to_string(), req);
                        }
                    }
                }
                Some((write, apply))
            }
            _ => None,
        };
        // Each queue's messages, validated and numbered under its lock (nothing stored yet).
        let mut writes: Vec<EnqueueWrite> = Vec::new();
        let mut applies: Vec<EnqueueApply> = Vec::new();
        let (copy_write, copy_apply) = copies.unzip();
        if let Some(sqs) = sqs {
            for QueueShare { arn, requests, counts, dlq } in shares {
                // A copy of the requests is kept only when a subscription has a dead-letter queue
                // to send the ones the queue refuses to.
                let backup = dlq.iter().any(Option::is_some).then(|| requests.clone());
                let all_failed = |why: String| (0..dlq.len()).map(|i| (i, why.clone())).collect::<Vec<_>>();
                let failed: Vec<(usize, String)> = match sqs.queue_by_arn(&arn) {
                    Some(q) => match sqs.prepare_enqueue(&q, requests.into_iter().map(Ok).collect()) {
                        Ok(prepared) => {
                            let (results, write, apply) = prepared.into_parts();
                            writes.push(write);
                            applies.push(apply);
                            results
                                .into_iter()
                                .enumerate()
                                .filter_map(|(i, r)| r.err().map(|e| (i, e.to_string())))
                                .collect()
                        }
                        Err(e) => all_failed(e.to_string()),
                    },
                    None => all_failed("AWS.SimpleQueueService.NonExistentQueue".to_string()),
                };
                for (i, why) in failed {
                    if let Some(c) = counts.get(i) {
                        tally.refused(c);
                    }
                    let Some(backup) = &backup else { continue };
                    refused(&mut dead, &arn, dlq[i].clone(), &why, backup[i].clone());
                }
            }
            for share in dead {
                let Some(q) = sqs.queue_by_arn(&share.arn) else {
                    tracing::info!("sns: dead-letter queue {} does not exist; message dropped", share.arn);
                    continue;
                };
                // FIFO dead-letter queues need the group; standard ones take none of the FIFO ids.
                let reqs = share
                    .requests
                    .into_iter()
                    .map(|mut r| {
                        if !q.fifo {
                            r.dedup_id = None;
                        }
                        Ok(r)
                    })
                    .collect();
                if let Ok(prepared) = sqs.prepare_enqueue(&q, reqs) {
                    let (_, write, apply) = prepared.into_parts();
                    writes.push(write);
                    applies.push(apply);
                }
            }
        }
        let topic_arn = topic.arn.clone();
        // Shared by the job (which stores them) and its hook (which hands them to the worker):
        // the job is dropped after it runs, so the hook takes the rows without copying them.
        let keys: Vec<(i64, i64)> = deliveries.iter().map(|d| (d.next_ms, d.id)).collect();
        let worker = self.inner.deliveries.clone();
        self.store().submit_with_hook(
            move |t| {
                if let Some((next, rows, archive)) = &fifo {
                    persist::save_fifo(t, &topic_arn, *next, rows)?;
                    persist::insert_archive(t, archive)?;
                }
                EnqueueWrite::persist_all(t, &writes)?;
                if let Some(w) = &copy_write {
                    w.persist(t)?;
                }
                for d in deliveries.iter() {
                    persist::insert_delivery(t, d)?;
                }
                for (kind, body) in &recorded {
                    persist::insert_recorded(t, kind, body)?;
                }
                Ok(())
            },
            move |ok| {
                if ok {
                    tally.committed();
                }
                for a in applies {
                    a.apply(ok);
                }
                if let Some(a) = copy_apply {
                    a.apply(ok);
                }
                if ok {
                    worker.schedule(keys);
                }
            },
        )
    }

    /// Sends an HTTP/S subscription its SubscriptionConfirmation (on Subscribe) or
    /// UnsubscribeConfirmation (on Unsubscribe), signed, through the delivery worker.
    pub(crate) async fn send_confirmation(
        &self,
        sub: &Subscription,
        kind: &str,
        token: &str,
        host: &str,
    ) -> SnsResult<()> {
        if !matches!(sub.protocol.as_str(), "http" | "https") {
            return Ok(());
        }
        let urls = self.urls(host);
        let now = self.now_ms();
        let ts = aws_protocol::time::iso8601_ms(now);
        let message_id = uuid::Uuid::new_v4().to_string();
        let message = if kind == "SubscriptionConfirmation" {
            format!(
                "You have chosen to subscribe to the topic {}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
                sub.topic_arn
            )
        } else {
            format!(
                "You have chosen to deactivate subscription {}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.",
                sub.arn
            )
        };
        let subscribe_url = urls.subscribe(&sub.topic_arn, token);
        let mut o = PrettyObject::new();
        o.str("Type", kind)
            .str("MessageId", &message_id)
            .str("Token", token)
            .str("TopicArn", &sub.topic_arn)
            .str("Message", &message)
            .str("SubscribeURL", &subscribe_url)
            .str("Timestamp", &ts);
        if let Some(signer) = self.signer() {
            let version = self
                .inner
                .topics
                .read()
                .get(&sub.topic_arn)
                .and_then(|t| t.attributes.get("SignatureVersion").cloned())
                .unwrap_or_else(|| "1".into());
            let text = crate::signing::confirmation_text(
                kind,
                &message,
                &message_id,
                &subscribe_url,
                &ts,
                token,
                &sub.topic_arn,
            );
            o.str("SignatureVersion", &version)
                .str("Signature", &signer.sign(&version, &text))
                .str("SigningCertURL", &urls.cert(&signer.cert_file()));
        }
        let row = DeliveryRow {
            id: self.next_delivery_id(),
            subscription_arn: sub.arn.clone(),
            topic_arn: sub.topic_arn.clone(),
            endpoint: sub.endpoint.clone(),
            message_type: kind.to_string(),
            message_id,
            body: o.finish(),
            raw: false,
            attempt: 0,
            next_ms: now,
            created_ms: now,
        };
        let worker = self.inner.deliveries.clone();
        let scheduled = (row.next_ms, row.id);
        self.store()
            .submit_with_hook(
                move |t| persist::insert_delivery(t, &row),
                move |ok| {
                    if ok {
                        worker.schedule(vec![scheduled]);
                    }
                },
            )
            .await?;
        Ok(())
    }

    /// Forgets FIFO de-duplication records past their window (housekeeping).
    /// The store is written only when a record expired (records left from before a restart go
    /// with the next expiry).
    pub(crate) async fn expire_dedups(&self) {
        let now = self.now_ms();
        let expired: usize = self.inner.fifo.lock().values_mut().map(|st| st.expire(now)).sum();
        if expired > 0 {
            let _ = self.store().submit(move |t| persist::expire_dedups(t, now)).await;
        }
    }

    /// The confirmed subscriptions of a topic, with their filters parsed (cached until a
    /// subscription of the topic changes).
    pub(crate) fn targets(&self, topic_arn: &str) -> Arc<Vec<Arc<Target>>> {
        if let Some(t) = self.inner.targets.read().get(topic_arn) {
            return t.clone();
        }
        let list: Vec<Arc<Target>> = self
            .subscriptions(Some(topic_arn))
            .into_iter()
            .filter(|s| s.confirmed)
            .map(|s| {
                let counts = self.sub_counts(&s.arn);
                Arc::new(Target { filter: s.filter(), scope: s.scope(), raw: s.raw(), counts, sub: s })
            })
            .collect();
        let list = Arc::new(list);
        self.inner.targets.write().insert(topic_arn.to_string(), list.clone());
        list
    }

    /// A subscription's counts (made on first use).
    pub(crate) fn sub_counts(&self, sub_arn: &str) -> Arc<SubCounts> {
        self.inner.sub_counts.lock().entry(sub_arn.to_string()).or_default().clone()
    }

    /// Forgets the cached fan-out of a topic (a subscription changed).
    pub(crate) fn forget_targets(&self, topic_arn: &str) {
        self.inner.targets.write().remove(topic_arn);
    }

    pub(crate) fn urls(&self, host: &str) -> Urls {
        match &self.inner.cert_base {
            Some(b) => Urls { base: b.clone() },
            None => Urls { base: format!("http://{host}") },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{preview, RECENT_PREVIEW};

    #[test]
    fn a_preview_is_cut_at_a_character_start() {
        assert_eq!(preview("short"), "short");
        let long = "é".repeat(RECENT_PREVIEW);
        let p = preview(&long);
        assert_eq!((p.len(), p.chars().count()), (RECENT_PREVIEW, RECENT_PREVIEW / 2));
        let odd = format!("a{long}");
        assert_eq!(preview(&odd).len(), RECENT_PREVIEW - 1, "the two-byte é at the cut is left out whole");
    }
}
