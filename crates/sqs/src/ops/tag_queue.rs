use crate::error::{SqsError, SqsResult};
use crate::input::{str_req, string_map};
use crate::limits::MAX_TAGS;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let tags = string_map(&input, "Tags");
    if tags.is_empty() {
        return Err(SqsError::missing_parameter("Tags"));
    }
    let mut merged = q.state.lock().tags.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(SqsError::invalid_parameter_value(format!(
            "Too many tags: {}. The maximum is {MAX_TAGS}.",
            merged.len()
        )));
    }
    sqs.update_queue(&q, |st| st.tags = merged).await?;
    Ok(json!({}))
}
