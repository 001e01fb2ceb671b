use crate::error::{SqsError, SqsResult};
use crate::input::{str_opt, str_req};
use crate::queue::QueueKey;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let name = str_req(&input, "QueueName")?;
    let account = str_opt(&input, "QueueOwnerAWSAccountId").unwrap_or(&ctx.account);
    let key = QueueKey { account: account.to_string(), region: ctx.region.clone(), name: name.to_string() };
    let q = sqs.queue_by_key(&key).ok_or_else(SqsError::queue_does_not_exist)?;
    Ok(json!({"QueueUrl": sqs.url(&q, ctx)}))
}
