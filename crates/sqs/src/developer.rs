//! LocalStack's developer view (`/_aws/sqs/messages?QueueUrl=..` and
//! `/_aws/sqs/messages/<region>/<account>/<queue>`): every message of a queue, in flight and
//! delayed ones too, without changing anything. Each message says where it stands
//! (`IsVisible`, `IsDelayed` among its attributes, as LocalStack marks them); no live receipt
//! handle is shown, so the view cannot be used to delete or hide what a consumer holds.

use crate::api::SqsService;
use crate::engine::Received;
use crate::error::{SqsError, SqsResult};
use crate::index::State;
use crate::model::model;
use crate::queue::QueueKey;
use crate::{ops, persist, Sqs};
use aws_protocol::{Protocol, Response};
use serde_json::Value;
use service::codec::encode_output;
use service::{PathCall, Service};

pub(crate) async fn answer(svc: &SqsService, call: PathCall<'_>) -> Response {
    let protocol = if call.accept_json { Protocol::AwsJson10 } else { Protocol::AwsQuery };
    let rid = call.ctx.request_id.as_str();
    let rest = call.path.trim_start_matches("/_aws/sqs/messages").trim_matches('/');
    let key = match (rest.split('/').collect::<Vec<_>>().as_slice(), call.params.get("QueueUrl")) {
        ([region, account, name], _) if !name.is_empty() => {
            Some(QueueKey { account: account.to_string(), region: region.to_string(), name: name.to_string() })
        }
        (_, Some(url)) => QueueKey::from_url(url, call.ctx),
        _ => {
            let e = SqsError::missing_parameter("QueueUrl").to_aws(protocol);
            return e.to_response(protocol, svc.routes(), rid);
        }
    };
    let result = match key {
        Some(k) => svc.sqs().peek_all(&k).await,
        None => Err(SqsError::queue_does_not_exist()),
    };
    match result {
        Ok(v) => encode_output(model(), svc.routes(), protocol, "ReceiveMessage", &v, rid),
        Err(e) => e.to_aws(protocol).to_response(protocol, svc.routes(), rid),
    }
}

impl Sqs {
    /// Every message of a queue, including in-flight and delayed ones, with all attributes and
    /// its state, without changing anything. Shaped like ReceiveMessage's output.
    ///
    /// Errors: `QueueDoesNotExist`.
    pub(crate) async fn peek_all(&self, key: &QueueKey) -> SqsResult<Value> {
        let q = self.queue_by_key(key).ok_or_else(SqsError::queue_does_not_exist)?;
        let entries: Vec<(i64, u32, State)> = {
            let mut st = q.state.lock();
            st.index.promote(self.now_ms());
            st.index
                .ids()
                .into_iter()
                .filter_map(|id| st.index.get(id).map(|m| (id, m.receive_count, m.state)))
                .collect()
        };
        let ids: Vec<i64> = entries.iter().map(|(id, _, _)| *id).collect();
        let stored = self
            .store()
            .read(move |c| ids.iter().map(|id| persist::read(c, *id)).collect::<store::Result<Vec<_>>>())
            .await?;
        let all = ["All".to_string()];
        let messages: Vec<Value> = stored
            .into_iter()
            .zip(entries)
            .filter_map(|(s, (_, count, state))| {
                let mut m = ops::render_message(
                    &Received { stored: s?, receipt_handle: String::new(), receive_count: count },
                    &all,
                    &all,
                );
                if let Value::Object(obj) = &mut m {
                    obj.remove("ReceiptHandle");
                    if let Some(Value::Object(attrs)) = obj.get_mut("Attributes") {
                        attrs.insert("IsVisible".into(), (state == State::Visible).to_string().into());
                        attrs.insert("IsDelayed".into(), (state == State::Delayed).to_string().into());
                    }
                }
                Some(m)
            })
            .collect();
        Ok(serde_json::json!({"Messages": messages}))
    }
}
