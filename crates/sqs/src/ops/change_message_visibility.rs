use crate::error::{SqsError, SqsResult};
use crate::input::{int_opt, str_req};
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let q = sqs.queue_by_url(ctx, str_req(&input, "QueueUrl")?)?;
    let handle = str_req(&input, "ReceiptHandle")?;
    let timeout =
        int_opt(&input, "VisibilityTimeout").ok_or_else(|| SqsError::missing_parameter("VisibilityTimeout"))?;
    let mut r = sqs.change_visibility_many(&q, &[(handle, timeout)]).await?;
    r.pop().unwrap_or_else(|| Err(SqsError::Internal("no result".into())))?;
    Ok(json!({}))
}
