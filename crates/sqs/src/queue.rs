//! One queue: identity (account, region, name, ARN, URL), settable state and its in-memory
//! index, behind one lock; plus the notification long polls wait on.

use crate::attributes::QueueAttributes;
use crate::index::{Entry, Index, Meta};
use crate::persist::{DedupRow, IndexRow, QueueRow};
use aws_protocol::RequestContext;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap, VecDeque};
use tokio::sync::Notify;

/// (account, region, name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueKey {
    pub account: String,
    pub region: String,
    pub name: String,
}

impl QueueKey {
    /// Parses `arn:aws:sqs:<region>:<account>:<name>`.
    pub fn from_arn(arn: &str) -> Option<QueueKey> {
        let mut p = arn.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some("sqs"), Some(region), Some(account), Some(name)) =
            (p.next(), p.next(), p.next(), p.next(), p.next(), p.next())
        else {
            return None;
        };
        if region.is_empty() || account.is_empty() || name.is_empty() {
            return None;
        }
        Some(QueueKey { account: account.into(), region: region.into(), name: name.into() })
    }

    /// Parses a queue URL in any of the forms clients use:
    /// - `http://host:port/queue/<region>/<account>/<name>` (ours by default, LocalStack's path style);
    /// - `http://host:port/<account>/<name>` (ElasticMQ's, LocalStack's `off` style: the request's region);
    /// - `https://sqs.<region>.amazonaws.com/<account>/<name>` (AWS's), and
    ///   `http://sqs.<region>.localhost[.localstack.cloud]:port/...` or
    ///   `http://<region>.queue.localhost.localstack.cloud:port/...` (their hosts name the region);
    /// - `.../queue/<name>`, or a bare queue name.
    pub fn from_url(url: &str, ctx: &RequestContext) -> Option<QueueKey> {
        let (host, path) = match url.split_once("://") {
            Some((_, rest)) => match rest.split_once('/') {
                Some((h, p)) => (h, p),
                None => (rest, ""),
            },
            None => ("", url.trim_start_matches('/')),
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let host_region = region_from_host(host);
        let (region, account, name) = match segs.as_slice() {
            [name] => (host_region, ctx.account.as_str(), *name),
            ["queue", name] => (host_region, ctx.account.as_str(), *name),
            ["queue", region, account, name] => (Some(*region), *account, *name),
            [account, name] => (host_region, *account, *name),
            _ => return None,
        };
        let region = region.unwrap_or(&ctx.region);
        Some(QueueKey { account: account.into(), region: region.into(), name: name.into() })
    }

    pub fn arn(&self) -> String {
        format!("arn:aws:sqs:{}:{}:{}", self.region, self.account, self.name)
    }
}

fn region_from_host(host: &str) -> Option<&str> {
    let host = host.split(':').next()?;
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        ["sqs", region, _, ..] if region.contains('-') => Some(region),
        [region, "queue", _, ..] if region.contains('-') => Some(region),
        _ => None,
    }
}

/// How queue URLs are written (`--queue-url-style`). Every form is accepted as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UrlStyle {
    /// `http://<host>/queue/<region>/<account>/<name>`: names the region, needs no DNS.
    #[default]
    Path,
    /// `http://sqs.<region>.localhost:<port>/<account>/<name>`, AWS's shape on `*.localhost`.
    Domain,
    /// `http://<host>/<account>/<name>`, as ElasticMQ (the region is the request's).
    Off,
}

impl UrlStyle {
    pub const VALUES: &'static [&'static str] = &["path", "domain", "off"];

    pub fn parse(s: &str) -> Option<UrlStyle> {
        match s {
            "path" => Some(UrlStyle::Path),
            "domain" => Some(UrlStyle::Domain),
            "off" => Some(UrlStyle::Off),
            _ => None,
        }
    }
}

/// A remembered FIFO de-duplication id.
#[derive(Debug, Clone)]
pub(crate) struct DedupEntry {
    pub message_id: String,
    pub sequence_number: Option<String>,
    pub expires_ms: i64,
}

/// A remembered ReceiveRequestAttemptId: what that receive returned.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub expires_ms: i64,
    pub received: Vec<(i64, u32)>,
}

/// Everything about a queue that changes, behind the queue's lock.
pub(crate) struct QueueState {
    pub attrs: QueueAttributes,
    pub tags: BTreeMap<String, String>,
    pub created_s: i64,
    pub modified_s: i64,
    pub index: Index,
    pub dedup: HashMap<String, DedupEntry>,
    pub dedup_order: VecDeque<(i64, String)>,
    pub attempts: HashMap<String, Attempt>,
    pub last_purge_ms: Option<i64>,
    /// Messages with smaller ids were purged: a send committed after the purge but numbered
    /// before it is not made receivable (its row goes to the reaper).
    pub purged_below: i64,
    pub deleted: bool,
    /// The de-duplication scope a SetQueueAttributes replaced, and until when it still applies:
    /// AWS keeps de-duplicating as before for minutes after the change, while
    /// GetQueueAttributes already shows the new scope (recorded); here for one de-duplication
    /// interval (5 minutes, chosen). Not stored: a restart applies the new scope.
    pub previous_scope: Option<(crate::attributes::DedupScope, i64)>,
}

impl QueueState {
    /// The de-duplication scope in effect at `now`.
    pub fn dedup_scope(&self, now: i64) -> crate::attributes::DedupScope {
        match self.previous_scope {
            Some((scope, until)) if now < until => scope,
            _ => self.attrs.deduplication_scope,
        }
    }

    /// Forgets de-duplication ids whose 5-minute window has passed; true if any did.
    pub fn expire_dedup(&mut self, now: i64) -> bool {
        let before = self.dedup_order.len();
        while self.dedup_order.front().is_some_and(|(e, _)| *e <= now) {
            if let Some((e, k)) = self.dedup_order.pop_front() {
                if self.dedup.get(&k).is_some_and(|d| d.expires_ms == e) {
                    self.dedup.remove(&k);
                }
            }
        }
        self.dedup_order.len() != before
    }
}

/// A FIFO message's SequenceNumber: large and time-based as AWS's (recorded: 20 digits, about
/// 1.8e19), the queue's creation second shifted above the message's id, so it grows with the
/// queue's order (a zero-padded id held the default account's twelve zeros, and read as a
/// SenderId to tools that look for one).
pub(crate) fn sequence_number(created_s: i64, id: i64) -> String {
    ((u128::from(created_s.max(0) as u64) << 33) + u128::from(id.max(0) as u64)).to_string()
}

/// The domain (and port) a domain-style URL goes under, from the Host the client used: AWS's
/// form is `sqs.<region>.<domain>` (recorded: region in the host, also us-east-1), so the
/// client's own domain is kept (`example.test:4566` -> `sqs.<region>.example.test:4566`), a
/// region prefix it already has is dropped, and an address becomes `localhost`.
fn domain_of(host: &str) -> String {
    // `[::1]:4566` -> `[::1]` and `:4566`; `h:1` -> `h` and `:1`.
    let at = if host.starts_with('[') { host.find(']').map(|i| i + 1) } else { host.rfind(':') };
    let (name, port) = match at {
        Some(i) if host[i..].starts_with(':') && host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            (&host[..i], &host[i..])
        }
        _ => (host, ""),
    };
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() || name.is_empty() {
        return format!("localhost{port}");
    }
    let labels: Vec<&str> = name.split('.').collect();
    let region_like = |s: &str| s.split('-').count() >= 3 && s.chars().last().is_some_and(|c| c.is_ascii_digit());
    let rest = match labels.as_slice() {
        ["sqs", region, rest @ ..] if region_like(region) && !rest.is_empty() => rest.join("."),
        [region, "queue", rest @ ..] if region_like(region) && !rest.is_empty() => rest.join("."),
        _ => name.to_string(),
    };
    format!("{rest}{port}")
}

/// One SQS queue.
pub struct Queue {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub fifo: bool,
    pub(crate) state: Mutex<QueueState>,
    pub(crate) notify: Notify,
    /// Messages sent, received and deleted since the process started (`/_quayside/metrics`).
    pub(crate) counts: Counts,
}

/// A queue's messages by state at a moment, and how old its oldest is (0 when empty): what
/// the metrics and the console show.
pub(crate) struct Depths {
    pub visible: usize,
    pub in_flight: usize,
    pub delayed: usize,
    pub oldest_age_ms: i64,
}

/// A queue's traffic since the process started.
#[derive(Default)]
pub(crate) struct Counts {
    pub sent: std::sync::atomic::AtomicU64,
    pub received: std::sync::atomic::AtomicU64,
    pub deleted: std::sync::atomic::AtomicU64,
}

impl Counts {
    pub(crate) fn add(n: &std::sync::atomic::AtomicU64, by: usize) {
        n.fetch_add(by as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Queue {
    /// Messages visible, in flight and delayed at `now_ms`, and the oldest one's age.
    pub(crate) fn depths(&self, now_ms: i64) -> Depths {
        let mut st = self.state.lock();
        st.index.promote(now_ms);
        let (visible, in_flight, delayed) = st.index.counts();
        let oldest_age_ms = st.index.oldest_sent_ms().map_or(0, |sent| (now_ms - sent).max(0));
        Depths { visible, in_flight, delayed, oldest_age_ms }
    }

    pub(crate) fn new(
        id: i64,
        key: QueueKey,
        attrs: QueueAttributes,
        tags: BTreeMap<String, String>,
        now_s: i64,
    ) -> Queue {
        let fifo = attrs.fifo_queue;
        Queue {
            id,
            arn: key.arn(),
            account: key.account,
            region: key.region,
            name: key.name,
            fifo,
            state: Mutex::new(QueueState {
                attrs,
                tags,
                created_s: now_s,
                modified_s: now_s,
                index: Index::new(fifo),
                dedup: HashMap::new(),
                dedup_order: VecDeque::new(),
                attempts: HashMap::new(),
                last_purge_ms: None,
                purged_below: 0,
                deleted: false,
                previous_scope: None,
            }),
            notify: Notify::new(),
            counts: Counts::default(),
        }
    }

    pub(crate) fn from_row(row: QueueRow) -> Queue {
        let attrs = QueueAttributes::from_map(&row.attributes);
        let key = QueueKey { account: row.account, region: row.region, name: row.name };
        let q = Queue::new(row.id, key, attrs, row.tags, row.created_s);
        {
            let mut st = q.state.lock();
            st.modified_s = row.modified_s;
            st.purged_below = row.purged_below;
        }
        q
    }

    pub(crate) fn to_row(&self, st: &QueueState) -> QueueRow {
        QueueRow {
            id: self.id,
            account: self.account.clone(),
            region: self.region.clone(),
            name: self.name.clone(),
            attributes: st.attrs.to_map().into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            tags: st.tags.clone(),
            created_s: st.created_s,
            modified_s: st.modified_s,
            purged_below: st.purged_below,
        }
    }

    pub(crate) fn load_message(&self, r: IndexRow, now: i64) {
        let mut st = self.state.lock();
        let group = r.group_id.as_deref().map(|g| st.index.intern(g));
        let entry = Entry {
            sent_ms: r.sent_ms,
            visible_ms: r.visible_ms,
            received_ms: r.received_ms,
            receive_count: r.receive_count.max(0) as u32,
            receipt: r.receipt as u32,
            group,
        };
        st.index.insert(r.id, entry, now);
    }

    pub(crate) fn load_dedup(&self, d: DedupRow) {
        let mut st = self.state.lock();
        st.dedup_order.push_back((d.expires_ms, d.key.clone()));
        let entry =
            DedupEntry { message_id: d.message_id, sequence_number: d.sequence_number, expires_ms: d.expires_ms };
        st.dedup.insert(d.key, entry);
    }

    /// Marks the queue deleted (every later operation on it answers QueueDoesNotExist, long
    /// polls end), empties its index and returns the ids of the messages it held.
    pub(crate) fn mark_deleted(&self) -> Vec<i64> {
        let ids = {
            let mut st = self.state.lock();
            st.deleted = true;
            let ids = st.index.ids();
            st.index.clear();
            ids
        };
        self.notify.notify_waiters();
        ids
    }

    /// Takes in messages moved from another queue (a redrive to this dead-letter queue, or a
    /// move task) under their new ids, visible at `now`, and wakes long polls. A redrive keeps
    /// the receive count; a move task starts it afresh.
    pub(crate) fn take_moved<'a>(
        &self,
        moved: impl IntoIterator<Item = (i64, &'a Meta)>,
        now: i64,
        keep_receives: bool,
    ) {
        let mut st = self.state.lock();
        for (id, meta) in moved {
            let group = meta.group.as_deref().filter(|_| self.fifo).map(|g| st.index.intern(g));
            let (received_ms, receive_count) =
                if keep_receives { (meta.received_ms, meta.receive_count) } else { (0, 0) };
            let entry = Entry { sent_ms: meta.sent_ms, visible_ms: now, received_ms, receive_count, receipt: 0, group };
            st.index.insert(id, entry, now);
        }
        drop(st);
        self.notify.notify_waiters();
    }

    pub fn key(&self) -> QueueKey {
        QueueKey { account: self.account.clone(), region: self.region.clone(), name: self.name.clone() }
    }

    /// The queue's URL, in `style`, as seen by a client that reached us at `ctx.host`.
    pub fn url(&self, ctx: &RequestContext, style: UrlStyle) -> String {
        match style {
            UrlStyle::Path => format!("http://{}/queue/{}/{}/{}", ctx.host, self.region, self.account, self.name),
            UrlStyle::Off => format!("http://{}/{}/{}", ctx.host, self.account, self.name),
            UrlStyle::Domain => {
                format!("http://sqs.{}.{}/{}/{}", self.region, domain_of(&ctx.host), self.account, self.name)
            }
        }
    }

    /// Messages stored in the queue (all states).
    pub fn message_count(&self) -> usize {
        self.state.lock().index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_urls_keep_the_clients_domain() {
        for (host, want) in [
            ("localhost:4566", "localhost:4566"),
            ("127.0.0.1:4566", "localhost:4566"),
            ("[::1]:4566", "localhost:4566"),
            ("example.test:4566", "example.test:4566"),
            ("example.test", "example.test"),
            ("sqs.eu-west-1.localhost.localstack.cloud:4566", "localhost.localstack.cloud:4566"),
            ("eu-west-1.queue.localhost.localstack.cloud:4566", "localhost.localstack.cloud:4566"),
            ("sqs.us-east-1.localhost:4566", "localhost:4566"),
        ] {
            assert_eq!(domain_of(host), want, "{host}");
        }
    }

    #[test]
    fn url_forms() {
        let ctx = RequestContext::new("000000000000", "us-east-1", "localhost:4566");
        let k = QueueKey::from_url("http://localhost:4566/123456789012/q1", &ctx).unwrap();
        assert_eq!((k.account.as_str(), k.region.as_str(), k.name.as_str()), ("123456789012", "us-east-1", "q1"));
        let k = QueueKey::from_url("https://sqs.eu-west-1.amazonaws.com/123456789012/q1", &ctx).unwrap();
        assert_eq!(k.region, "eu-west-1");
        let k = QueueKey::from_url("http://localhost:4566/queue/eu-west-2/123456789012/q1", &ctx).unwrap();
        assert_eq!((k.region.as_str(), k.account.as_str()), ("eu-west-2", "123456789012"));
        let k =
            QueueKey::from_url("http://sqs.ap-south-1.localhost.localstack.cloud:4566/000000000000/q", &ctx).unwrap();
        assert_eq!(k.region, "ap-south-1");
        let k = QueueKey::from_url("http://eu-central-1.queue.localhost.localstack.cloud:4566/000000000000/q", &ctx);
        assert_eq!(k.unwrap().region, "eu-central-1");
        let k = QueueKey::from_url("http://sqs.us-west-2.localhost:4566/000000000000/q", &ctx).unwrap();
        assert_eq!(k.region, "us-west-2");
        let k = QueueKey::from_url("q2", &ctx).unwrap();
        assert_eq!((k.account.as_str(), k.name.as_str()), ("000000000000", "q2"));
        assert!(QueueKey::from_url("http://h/a/b/c", &ctx).is_none());
        let k = QueueKey::from_arn("arn:aws:sqs:us-west-2:111122223333:x.fifo").unwrap();
        assert_eq!(k.arn(), "arn:aws:sqs:us-west-2:111122223333:x.fifo");
        assert!(QueueKey::from_arn("arn:aws:sns:us-west-2:1:x").is_none());
    }

    #[test]
    fn every_style_reads_back() {
        let ctx = RequestContext::new("000000000000", "eu-west-1", "localhost:4566");
        let key = QueueKey { account: "123456789012".into(), region: "eu-west-1".into(), name: "q".into() };
        let q = Queue::new(1, key.clone(), QueueAttributes::new(false), BTreeMap::new(), 0);
        let other = RequestContext::new("000000000000", "us-east-1", "localhost:4566");
        for style in [UrlStyle::Path, UrlStyle::Domain] {
            assert_eq!(QueueKey::from_url(&q.url(&ctx, style), &other), Some(key.clone()), "{style:?}");
        }
        assert_eq!(q.url(&ctx, UrlStyle::Domain), "http://sqs.eu-west-1.localhost:4566/123456789012/q");
        assert_eq!(QueueKey::from_url(&q.url(&ctx, UrlStyle::Off), &ctx), Some(key));
    }
}
