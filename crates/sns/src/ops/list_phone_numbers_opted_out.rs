use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListPhoneNumbersOptedOut: 100 a page, with `nextToken`.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let (numbers, token) =
        service::paging::page(sns.opted_out(&ctx.account), |p| p, str_opt(&input, "nextToken"), PAGE_SIZE)
            .map_err(|_| SnsError::invalid_parameter("nextToken"))?;
    let mut out = json!({"phoneNumbers": numbers});
    if let Some(t) = token {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}
