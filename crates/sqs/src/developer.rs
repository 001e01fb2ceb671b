//! LocalStack's developer view (`/_aws/sqs/messages?QueueUrl=..` and
//! `/_aws/sqs/messages/<region>/<account>/<queue>`): the messages of a queue, in flight and
//! delayed ones too, without changing anything. Each message says where it stands
//! (`IsVisible`, `IsDelayed` among its attributes, as LocalStack marks them); no live receipt
//! handle is shown, so the view cannot be used to delete or hide what a consumer holds.
//!
//! The answer is streamed, a few hundred messages read at a time, so a GET of a queue of
//! 100 MiB holds a few hundred messages in memory, not the queue (it held the whole queue
//! twice over). `MaxNumberOfMessages` (any number, as ReceiveMessage's parameter) pages it;
//! the answer then carries `NextToken` (beyond AWS's shape) for the next page.
//! `ShowDelayed=false` and `ShowInvisible=false` leave those messages out (LocalStack's
//! parameters); `ShowVisible=false` (Quayside's) leaves the visible ones out, so that the
//! console can page through in-flight or delayed messages behind many visible ones.

use crate::api::SqsService;
use crate::engine::Received;
use crate::error::SqsError;
use crate::index::State;
use crate::model::model;
use crate::queue::QueueKey;
use crate::{ops, persist, Sqs};
use aws_protocol::{Body, Protocol, Response};
use bytes::Bytes;
use serde_json::Value;
use service::codec::encode_output;
use service::{PathCall, Service};

/// Messages read from the store at a time (16 of the largest are 16 MiB).
const BATCH: usize = 16;

pub(crate) async fn answer(svc: &SqsService, call: PathCall<'_>) -> Response {
    let protocol = if call.accept_json { Protocol::AwsJson10 } else { Protocol::AwsQuery };
    let rid = call.ctx.request_id.clone();
    let rest = call.path.trim_start_matches("/_aws/sqs/messages").trim_matches('/');
    let key = match (rest.split('/').collect::<Vec<_>>().as_slice(), call.params.get("QueueUrl")) {
        ([region, account, name], _) if !name.is_empty() => {
            Some(QueueKey { account: account.to_string(), region: region.to_string(), name: name.to_string() })
        }
        (_, Some(url)) => QueueKey::from_url(url, call.ctx),
        _ => {
            let e = SqsError::missing_parameter("QueueUrl").to_aws(protocol);
            return e.to_response(protocol, svc.routes(), &rid);
        }
    };
    let Some(q) = key.and_then(|k| svc.sqs().queue_by_key(&k)) else {
        return SqsError::queue_does_not_exist().to_aws(protocol).to_response(protocol, svc.routes(), &rid);
    };
    let flag = |name: &str| call.params.get(name).is_none_or(|v| !v.eq_ignore_ascii_case("false"));
    let view = View {
        limit: call.params.get("MaxNumberOfMessages").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0),
        after: call.params.get("NextToken").and_then(|t| t.parse::<i64>().ok()).unwrap_or(0),
        delayed: flag("ShowDelayed"),
        invisible: flag("ShowInvisible"),
        visible: flag("ShowVisible"),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    let sqs = svc.sqs().clone();
    let routes = svc.routes().xmlns.clone();
    tokio::spawn(async move {
        let _ = stream(&sqs, &q, view, protocol, &routes, &rid, tx).await;
    });
    let content_type = if protocol == Protocol::AwsQuery { "text/xml" } else { "application/x-amz-json-1.0" };
    Response { status: 200, content_type, headers: Vec::new(), body: Body::Stream(rx) }
}

/// What a GET asks to see.
#[derive(Debug, Clone, Copy)]
struct View {
    limit: Option<usize>,
    after: i64,
    delayed: bool,
    invisible: bool,
    visible: bool,
}

type Sender = tokio::sync::mpsc::Sender<Bytes>;

/// Writes the answer: the envelope, then the messages a batch at a time, then the page's end.
/// `Err` when the client went away.
async fn stream(
    sqs: &Sqs,
    q: &std::sync::Arc<crate::queue::Queue>,
    view: View,
    protocol: Protocol,
    xmlns: &str,
    rid: &str,
    tx: Sender,
) -> Result<(), ()> {
    let send = |b: String| {
        let tx = tx.clone();
        async move { tx.send(Bytes::from(b)).await.map_err(|_| ()) }
    };
    let xml = protocol == Protocol::AwsQuery;
    send(if xml {
        format!("<?xml version=\"1.0\"?><ReceiveMessageResponse xmlns=\"{xmlns}\"><ReceiveMessageResult>")
    } else {
        "{\"Messages\":[".to_string()
    })
    .await?;
    let mut after = view.after;
    let mut shown = 0usize;
    let mut next_token = None;
    'pages: loop {
        let (entries, created_s): (Vec<(i64, u32, State)>, i64) = {
            let mut st = q.state.lock();
            st.index.promote(sqs.now_ms());
            (st.index.entries_after(after, BATCH), st.created_s)
        };
        let Some(last) = entries.last().map(|e| e.0) else { break };
        let wanted: Vec<(i64, u32, State)> = entries
            .into_iter()
            .filter(|(_, _, s)| match s {
                State::Delayed => view.delayed,
                State::Inflight => view.invisible,
                State::Visible => view.visible,
            })
            .collect();
        let ids: Vec<i64> = wanted.iter().map(|e| e.0).collect();
        let stored = sqs
            .store()
            .read(move |c| ids.iter().map(|id| persist::read(c, *id)).collect::<store::Result<Vec<_>>>())
            .await
            .map_err(|_| ())?;
        for (s, (id, count, state)) in stored.into_iter().zip(wanted) {
            let Some(s) = s else { continue };
            if view.limit.is_some_and(|l| shown >= l) {
                next_token = Some(id - 1);
                break 'pages;
            }
            let m = shown_message(
                Received { stored: s, receipt_handle: String::new(), receive_count: count },
                state,
                created_s,
            );
            let piece = if xml {
                message_xml(&m, xmlns, rid)
            } else {
                let comma = if shown > 0 { "," } else { "" };
                format!("{comma}{m}")
            };
            send(piece).await?;
            shown += 1;
        }
        after = last;
    }
    let tail = match (xml, next_token) {
        (true, Some(t)) => format!(
            "<NextToken>{t}</NextToken></ReceiveMessageResult><ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></ReceiveMessageResponse>"
        ),
        (true, None) => format!(
            "</ReceiveMessageResult><ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></ReceiveMessageResponse>"
        ),
        (false, Some(t)) => format!("],\"NextToken\":\"{t}\"}}"),
        (false, None) => "]}".to_string(),
    };
    send(tail).await
}

/// A message as the view shows it: every attribute, its state, no receipt handle.
fn shown_message(r: Received, state: State, created_s: i64) -> Value {
    let all = ["All".to_string()];
    let mut m = ops::render_message(&r, &all, &all, created_s);
    if let Value::Object(obj) = &mut m {
        obj.remove("ReceiptHandle");
        if let Some(Value::Object(attrs)) = obj.get_mut("Attributes") {
            attrs.insert("IsVisible".into(), (state == State::Visible).to_string().into());
            attrs.insert("IsDelayed".into(), (state == State::Delayed).to_string().into());
        }
    }
    m
}

/// One `<Message>` element, as ReceiveMessage's XML writes it (the model's encoder, for one
/// message, cut out of its envelope).
fn message_xml(m: &Value, xmlns: &str, rid: &str) -> String {
    let routes = aws_protocol::ServiceRoutes { xmlns: xmlns.to_string(), ..Default::default() };
    let doc = encode_output(
        model(),
        &routes,
        Protocol::AwsQuery,
        "ReceiveMessage",
        &serde_json::json!({"Messages": [m]}),
        rid,
    );
    let text = String::from_utf8_lossy(doc.bytes());
    let open = "<ReceiveMessageResult>";
    match (text.find(open), text.find("</ReceiveMessageResult>")) {
        (Some(a), Some(b)) if a + open.len() <= b => text[a + open.len()..b].to_string(),
        _ => String::new(),
    }
}
