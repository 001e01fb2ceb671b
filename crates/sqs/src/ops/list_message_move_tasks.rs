use crate::error::{SqsError, SqsResult};
use crate::input::{int_opt, str_req};
use crate::tasks;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sqs: &Sqs, _ctx: &RequestContext, input: Value) -> SqsResult<Value> {
    let source = str_req(&input, "SourceArn")?;
    let max = int_opt(&input, "MaxResults").unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(SqsError::invalid_value(max, "MaxResults", "MaxResults must be an integer between 1 and 10."));
    }
    Ok(json!({"Results": tasks::list(sqs, source, max as usize)?}))
}
