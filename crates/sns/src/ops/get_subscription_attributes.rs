use crate::error::SnsResult;
use crate::input::str_req;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub async fn handle(sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let s = sns.subscription(str_req(&input, "SubscriptionArn")?)?;
    Ok(json!({"Attributes": s.shown()}))
}
