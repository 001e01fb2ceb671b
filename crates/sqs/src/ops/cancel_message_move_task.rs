use crate::error::SqsResult;
use crate::input::str_req;
use crate::tasks;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, _ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let moved = tasks::cancel(sqs, str_req(&input, "TaskHandle")?).await?;
    Ok(json!({"ApproximateNumberOfMessagesMoved": moved}))
}
