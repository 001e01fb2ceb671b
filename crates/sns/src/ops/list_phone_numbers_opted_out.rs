use crate::error::SnsResult;
use crate::input::str_opt;
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListPhoneNumbersOptedOut: 100 a page, with `nextToken`.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let numbers = sns.opted_out(&ctx.account);
    super::paged(numbers, |p| p, str_opt(&input, "nextToken"), PAGE_SIZE, ("phoneNumbers", "nextToken"), |p| json!(p))
}
