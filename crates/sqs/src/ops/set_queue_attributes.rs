use crate::error::SqsResult;
use crate::input::{str_req, string_map};
use crate::ops::create_queue::check_dead_letter_target;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    set(sqs, &q, string_map(&input, "Attributes")).await?;
    Ok(json!({}))
}

/// SetQueueAttributes' checks and change (also the typed door's).
///
/// Errors: as SetQueueAttributes.
pub(crate) async fn set(sqs: &Sqs, q: &std::sync::Arc<crate::Queue>, given: Vec<(String, String)>) -> SqsResult<()> {
    let mut attrs = q.state.lock().attrs.clone();
    for (k, v) in &given {
        attrs.apply(k, v)?;
    }
    attrs.check_consistency()?;
    if given.iter().any(|(k, v)| k == "RedrivePolicy" && !v.is_empty()) {
        if let Some(r) = &attrs.redrive_policy {
            check_dead_letter_target(sqs, r, q.fifo, &q.arn, &given)?;
        }
    }
    let now = sqs.now_ms();
    sqs.update_queue(q, |st| {
        if st.attrs.deduplication_scope != attrs.deduplication_scope {
            let before = st.dedup_scope(now);
            st.previous_scope = Some((before, now + crate::limits::DEDUP_WINDOW_MS));
        }
        st.attrs = attrs
    })
    .await
}
