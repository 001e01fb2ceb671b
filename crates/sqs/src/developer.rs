//! LocalStack's developer view (`GET /_aws/sqs/messages`): every message of a queue, in flight
//! and delayed ones too, without changing anything.

use crate::engine::Received;
use crate::error::SqsResult;
use crate::{ops, persist, receipt, Sqs};
use aws_protocol::RequestContext;
use serde_json::Value;

impl Sqs {
    /// LocalStack's developer view of a queue: every message, including in-flight and delayed
    /// ones, with all attributes, without changing anything. Shaped like ReceiveMessage's output.
    ///
    /// Errors: `QueueDoesNotExist`.
    pub async fn peek_all(&self, ctx: &RequestContext, queue_url: &str) -> SqsResult<Value> {
        let q = self.queue_by_url(ctx, queue_url)?;
        let entries: Vec<(i64, u32, u32)> = {
            let mut st = q.state.lock();
            st.index.promote(self.now_ms());
            st.index
                .ids()
                .into_iter()
                .filter_map(|id| st.index.get(id).map(|m| (id, m.receipt, m.receive_count)))
                .collect()
        };
        let ids: Vec<i64> = entries.iter().map(|(id, _, _)| *id).collect();
        let stored = self
            .store()
            .write(move |t| {
                let mut out = Vec::new();
                for id in &ids {
                    out.push(persist::read(t, *id)?);
                }
                Ok(out)
            })
            .await?;
        let messages: Vec<Value> = stored
            .into_iter()
            .zip(entries)
            .filter_map(|(s, (id, nonce, count))| {
                let s = s?;
                let handle = if nonce != 0 { receipt::encode(q.id, id, nonce) } else { String::new() };
                Some(ops::render_message(
                    &Received { stored: s, receipt_handle: handle, receive_count: count },
                    &["All".to_string()],
                    &["All".to_string()],
                ))
            })
            .collect();
        Ok(serde_json::json!({"Messages": messages}))
    }
}
