use crate::error::{SqsError, SqsResult};
use crate::input::{str_req, strings};
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let keys = strings(&input, "TagKeys");
    if keys.is_empty() {
        return Err(SqsError::missing_parameter("TagKeys"));
    }
    sqs.update_queue(&q, |st| {
        for k in &keys {
            st.tags.remove(k);
        }
    })
    .await?;
    Ok(json!({}))
}
