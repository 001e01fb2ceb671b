use crate::error::SqsResult;
use crate::input::{int_opt, str_opt, str_req};
use crate::tasks;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, _ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let source = str_req(&input, "SourceArn")?;
    let handle =
        tasks::start(sqs, source, str_opt(&input, "DestinationArn"), int_opt(&input, "MaxNumberOfMessagesPerSecond"))
            .await?;
    Ok(json!({"TaskHandle": handle}))
}
