use crate::error::{SnsError, SnsResult};
use crate::input::{int_opt, str_opt};
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListSMSSandboxPhoneNumbers: MaxResults (1 to 100, checked by the model) a page.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let limit = int_opt(&input, "MaxResults").map_or(PAGE_SIZE, |n| n as usize);
    let (numbers, token) = service::paging::page(
        sns.sandbox_numbers(&ctx.account, &ctx.region),
        |(p, _)| p,
        str_opt(&input, "NextToken"),
        limit,
    )
    .map_err(|_| SnsError::invalid_parameter("NextToken"))?;
    let list: Vec<Value> = numbers.iter().map(|(p, s)| json!({"PhoneNumber": p, "Status": s})).collect();
    let mut out = json!({"PhoneNumbers": list});
    if let Some(t) = token {
        out["NextToken"] = Value::String(t);
    }
    Ok(out)
}
