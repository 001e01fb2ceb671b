//! HTTP/S delivery: a real POST with AWS's headers, retried as the delivery policy says
//! (AWS's defaults unless the subscription or topic sets one), then moved to the
//! subscription's dead-letter queue. Every pending delivery and its next attempt are in the
//! store, so they go on after a restart. Each attempt runs on its own task with a 15-second
//! limit: a slow or unreachable endpoint never delays a publish or another subscriber.

use crate::delivery_policy::RetryPolicy;
use crate::limits::SNS_SENDER_ID;
use crate::persist::{self, DeliveryRow};
use crate::publish::SubCounts;
use crate::{Inner, Sns};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use sqs::enqueue::EnqueueRequest;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts under way at once; the others wait their turn.
const MAX_ATTEMPTS_IN_FLIGHT: usize = 64;

/// A pending delivery as the worker holds it: the time of its next attempt and its id. The
/// row (its body among it) stays in the store until its attempt: a dead endpoint behind a busy
/// topic holds rows on disk, not in memory.
pub(crate) type Key = (i64, i64);

/// The handle publishers use: new deliveries go to the worker after their commit.
pub(crate) struct Deliveries {
    tx: mpsc::UnboundedSender<Vec<Key>>,
    rx: parking_lot::Mutex<Option<mpsc::UnboundedReceiver<Vec<Key>>>>,
    next_id: AtomicI64,
    wake: Notify,
}

impl Deliveries {
    pub fn new(max_id: i64) -> Arc<Deliveries> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Deliveries {
            tx,
            rx: parking_lot::Mutex::new(Some(rx)),
            next_id: AtomicI64::new(max_id + 1),
            wake: Notify::new(),
        })
    }

    /// Hands committed deliveries (their next attempt's time and id) to the worker (called from
    /// a commit hook: never blocks).
    pub fn schedule(&self, keys: Vec<Key>) {
        if !keys.is_empty() {
            let _ = self.tx.send(keys);
        }
    }

    pub fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Wakes the worker (the clock moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The retry policy of a delivery: a confirmation's is AWS's fixed default (the subscriber
/// has not agreed to anything yet); a notification's is its subscription's DeliveryPolicy's
/// `healthyRetryPolicy`, else the topic's `http.defaultHealthyRetryPolicy` (first, when the
/// topic sets `disableSubscriptionOverrides`), else AWS's defaults.
fn policy_for(sns: &Sns, row: &DeliveryRow) -> RetryPolicy {
    if row.message_type == "SubscriptionConfirmation" {
        return RetryPolicy::default();
    }
    let parsed = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let topic =
        parsed(sns.inner.topics.read().get(&row.topic_arn).and_then(|t| t.attributes.get("DeliveryPolicy").cloned()));
    let sub = parsed(
        sns.inner.subs.read().get(&row.subscription_arn).and_then(|s| s.attributes.get("DeliveryPolicy").cloned()),
    );
    let topic_policy =
        topic.as_ref().and_then(|t| t["http"].get("defaultHealthyRetryPolicy")).map(|p| RetryPolicy::stored(p, "http"));
    let overrides_off = topic.as_ref().is_some_and(|t| t["http"]["disableSubscriptionOverrides"] == Value::Bool(true));
    let sub_policy = sub.as_ref().and_then(|s| s.get("healthyRetryPolicy")).map(|p| RetryPolicy::stored(p, "sub"));
    match (overrides_off, topic_policy, sub_policy) {
        (true, Some(t), _) => t,
        (_, _, Some(s)) => s,
        (_, t, None) => t.unwrap_or_default(),
    }
}

/// What one attempt came to.
enum Outcome {
    Delivered,
    /// A 4xx other than 429: AWS does not retry client errors.
    Refused(String),
    /// A 5xx, 429, timeout or connection failure.
    Failed(String),
}

type HttpClient = Client<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, Full<Bytes>>;

/// The client for `http` and `https` endpoints. HTTPS endpoints are not held to a trusted
/// certificate: a developer's endpoint is on localhost with a self-signed one (LocalStack does
/// not verify either). See docs/compatibility.md.
fn http_client() -> HttpClient {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(
            rustls::crypto::ring::default_provider().signature_verification_algorithms,
        )))
        .with_no_client_auth();
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().build();
    Client::builder(TokioExecutor::new()).build(connector)
}

/// Accepts any server certificate, still checking that the handshake is signed with its key.
#[derive(Debug)]
struct AnyCertificate(rustls::crypto::WebPkiSupportedAlgorithms);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

async fn attempt(client: &HttpClient, row: &DeliveryRow) -> Outcome {
    let mut req = hyper::Request::post(row.endpoint.as_str())
        .header("Content-Type", "text/plain; charset=UTF-8")
        .header("User-Agent", "Amazon Simple Notification Service Agent")
        .header("x-amz-sns-message-type", row.message_type.as_str())
        .header("x-amz-sns-message-id", row.message_id.as_str())
        .header("x-amz-sns-topic-arn", row.topic_arn.as_str());
    if row.message_type != "SubscriptionConfirmation" {
        req = req.header("x-amz-sns-subscription-arn", row.subscription_arn.as_str());
    }
    if row.raw {
        req = req.header("x-amz-sns-rawdelivery", "true");
    }
    let req = match req.body(Full::new(Bytes::from(row.body.clone()))) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(format!("invalid endpoint: {e}")),
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, client.request(req)).await {
        Err(_) => Outcome::Failed("the endpoint did not answer within 15 seconds".into()),
        Ok(Err(e)) => Outcome::Failed(format!("connection failed: {e}")),
        Ok(Ok(resp)) => {
            let status = resp.status().as_u16();
            match status {
                200..=299 => Outcome::Delivered,
                429 | 500..=599 => Outcome::Failed(format!("HTTP {status}")),
                _ => Outcome::Refused(format!("HTTP {status}")),
            }
        }
    }
}

/// Starts the delivery worker on the current runtime with the deliveries left in the store.
pub(crate) fn start(sns: &Sns, pending: Vec<Key>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("sns: no async runtime; HTTP/S deliveries will not be sent");
        return;
    };
    let Some(rx) = sns.inner.deliveries.rx.lock().take() else {
        return;
    };
    let weak = Arc::downgrade(&sns.inner);
    handle.spawn(run(weak, rx, pending));
}

async fn run(weak: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Vec<Key>>, pending: Vec<Key>) {
    let client = http_client();
    let mut queue: std::collections::BTreeSet<Key> = pending.into_iter().collect();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Option<(DeliveryRow, Outcome)>>();
    let mut in_flight = 0usize;
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let sns = Sns { inner };
        let now = sns.now_ms();
        while in_flight < MAX_ATTEMPTS_IN_FLIGHT {
            let Some(&key) = queue.first().filter(|k| k.0 <= now) else { break };
            queue.remove(&key);
            in_flight += 1;
            let client = client.clone();
            let done = done_tx.clone();
            let store = sns.store().clone();
            let weak = weak.clone();
            tokio::spawn(async move {
                // A row gone meanwhile (a reset) is nothing to do.
                let row = store.read(move |c| persist::load_delivery(c, key.1)).await.ok().flatten();
                let result = match row {
                    // Its subscription is gone (Unsubscribe, DeleteTopic): nothing more is sent,
                    // but the confirmation of the unsubscribe itself.
                    Some(row) if row.message_type != "UnsubscribeConfirmation" && !subscribed(&weak, &row) => {
                        let id = row.id;
                        let _ = store.submit(move |t| persist::delete_delivery(t, id)).await;
                        None
                    }
                    Some(row) => {
                        let outcome = attempt(&client, &row).await;
                        Some((row, outcome))
                    }
                    None => None,
                };
                let _ = done.send(result);
            });
        }
        let sleep_ms = match queue.first() {
            Some((t, _)) if in_flight < MAX_ATTEMPTS_IN_FLIGHT => (t - now).clamp(1, 1_000),
            _ => 1_000,
        };
        let wake = sns.inner.deliveries.clone();
        drop(sns);
        tokio::select! {
            keys = rx.recv() => match keys {
                Some(keys) => queue.extend(keys),
                None => return,
            },
            Some(result) = done_rx.recv() => {
                in_flight = in_flight.saturating_sub(1);
                let Some(inner) = weak.upgrade() else { return };
                if let Some((row, outcome)) = result {
                    if let Some(next) = finish(&Sns { inner }, row, outcome).await {
                        queue.insert(next);
                    }
                }
            }
            _ = wake.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms as u64)) => {}
        }
    }
}

/// Whether a delivery's subscription still exists.
fn subscribed(weak: &Weak<Inner>, row: &DeliveryRow) -> bool {
    weak.upgrade().is_some_and(|inner| inner.subs.read().contains_key(&row.subscription_arn))
}

/// Records an attempt's outcome: done, rescheduled (its key returned), or moved to the
/// dead-letter queue (or dropped when there is none).
async fn finish(sns: &Sns, mut row: DeliveryRow, outcome: Outcome) -> Option<Key> {
    let id = row.id;
    let counts = sns.sub_counts(&row.subscription_arn);
    match &outcome {
        Outcome::Delivered => SubCounts::add(&counts.delivered, 1),
        Outcome::Refused(_) | Outcome::Failed(_) => SubCounts::add(&counts.failed, 1),
    }
    let why = match outcome {
        Outcome::Delivered => {
            tracing::debug!("sns: delivered {} to {}", row.message_id, row.endpoint);
            let _ = sns.store().submit(move |t| persist::delete_delivery(t, id)).await;
            return None;
        }
        Outcome::Refused(why) => why,
        Outcome::Failed(why) => {
            row.attempt += 1;
            if let Some(delay) = policy_for(sns, &row).delay(row.attempt) {
                row.next_ms = sns.now_ms() + delay * 1000;
                let (attempt, next) = (row.attempt, row.next_ms);
                tracing::info!(
                    "sns: delivery of {} to {} failed ({why}); retry {attempt} in {delay} s",
                    row.message_id,
                    row.endpoint
                );
                let _ = sns.store().submit(move |t| persist::reschedule_delivery(t, id, attempt, next)).await;
                return Some((next, id));
            }
            why
        }
    };
    tracing::info!("sns: giving up delivering {} to {}: {why}", row.message_id, row.endpoint);
    let dlq = sns.inner.subs.read().get(&row.subscription_arn).and_then(|s| s.dead_letter_arn());
    let prepared = match (row.message_type.as_str(), dlq, sns.sqs()) {
        ("Notification", Some(dlq), Some(sqs)) => sqs.queue_by_arn(&dlq).and_then(|q| {
            // The body the endpoint was sent, and nothing more (recorded for SQS subscribers:
            // no ErrorCode, ErrorMessage or RequestID attributes).
            let req = EnqueueRequest {
                body: row.body.clone().into(),
                group_id: q.fifo.then(|| "sns-dead-letter".to_string()),
                dedup_id: q.fifo.then(|| row.message_id.clone()),
                sender_id: SNS_SENDER_ID.into(),
                ..Default::default()
            };
            sqs.prepare_enqueue(&q, vec![Ok(req)]).ok()
        }),
        _ => None,
    };
    match prepared {
        Some(p) => {
            let (_, write, apply) = p.into_parts();
            let _ = sns
                .store()
                .submit_with_hook(
                    move |t| {
                        write.persist(t)?;
                        persist::delete_delivery(t, id)
                    },
                    move |ok| apply.apply(ok),
                )
                .await;
        }
        None => {
            let _ = sns.store().submit(move |t| persist::delete_delivery(t, id)).await;
        }
    }
    None
}
